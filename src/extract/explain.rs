//! Lists what extraction left out of an article and why, for
//! `refeed explain`: read off the removal overlay after the fact, so the
//! report describes exactly the run that produced the article.

use scraper::ElementRef;

use super::dom::{Doc, Key, NodeRef, Reason, contains, element};
use super::prepass::Cut;
use super::siteconfig::Applied;
use super::{Removal, RemovalReason};

/// Longest excerpt, in characters.
const EXCERPT_CHARS: usize = 80;

/// The removals of one extraction: the elements cut before parsing first
/// (they no longer have a place in the tree), then every removed or
/// outside-the-article subtree in document order. A subtree inside one
/// already listed is not listed again. What a site config rule removed or
/// left out names the rule (`file:line directive`).
pub(crate) fn removals<'a>(
    cuts: &[Cut],
    doc: &Doc<'a>,
    root: NodeRef<'a>,
    site: &Applied,
) -> Vec<Removal> {
    let mut out: Vec<Removal> = cuts
        .iter()
        .map(|cut| Removal {
            reason: RemovalReason::Junk,
            what: cut.tag.to_owned(),
            bytes: cut.bytes,
            excerpt: cut.excerpt.clone(),
        })
        .collect();
    let body = doc.body();
    let mut stack: Vec<NodeRef<'a>> = body.children().rev().collect();
    while let Some(node) = stack.pop() {
        if !node.value().is_element() {
            continue;
        }
        let reason = doc.removal(node).map(reason_of).or_else(|| {
            let related = contains(node, root) || contains(root, node);
            (!related).then_some(RemovalReason::OutsideArticle)
        });
        match reason {
            Some(reason) => out.push(site_rule(removal(node, reason), node, site)),
            None => stack.extend(node.children().rev()),
        }
    }
    out
}

/// Names the site config rule behind a removal: the rule that stripped
/// it, or the `body` rule that left it out of the article.
fn site_rule(mut removal: Removal, node: NodeRef<'_>, site: &Applied) -> Removal {
    let rule = match removal.reason {
        RemovalReason::SiteConfig => site.removed_by.get(&Key::of(node)),
        RemovalReason::OutsideArticle => site.body.as_ref(),
        _ => None,
    };
    if let Some(rule) = rule {
        let how = match removal.reason {
            RemovalReason::SiteConfig => "by",
            _ => "not in the body chosen by",
        };
        removal.what = format!("{} ({how} {rule})", removal.what);
    }
    removal
}

fn reason_of(reason: Reason) -> RemovalReason {
    match reason {
        Reason::Hidden => RemovalReason::Hidden,
        Reason::Junk | Reason::Empty => RemovalReason::Junk,
        Reason::RuleSelector | Reason::RuleText => RemovalReason::Rule,
        Reason::Boilerplate | Reason::FeedFooter => RemovalReason::Vocabulary,
        Reason::Outside => RemovalReason::OutsideArticle,
        Reason::SiteConfig => RemovalReason::SiteConfig,
    }
}

/// The whole page body as one removal, described by `what`.
pub(crate) fn whole(doc: &Doc<'_>, reason: RemovalReason, what: String) -> Removal {
    Removal {
        what,
        ..removal(doc.body(), reason)
    }
}

fn removal(node: NodeRef<'_>, reason: RemovalReason) -> Removal {
    let bytes = ElementRef::wrap(node).map_or(0, |e| e.html().len());
    let text = text_ignoring_removals(node);
    Removal {
        reason,
        what: describe(node),
        bytes,
        excerpt: text.chars().take(EXCERPT_CHARS).collect(),
    }
}

/// The text of a removed subtree (everything under it is gone anyway),
/// whitespace collapsed.
fn text_ignoring_removals(node: NodeRef<'_>) -> String {
    let mut words = Vec::new();
    for text in node.descendants().filter_map(|d| d.value().as_text()) {
        words.extend(text.split_whitespace());
        if words.len() > EXCERPT_CHARS {
            break;
        }
    }
    words.join(" ")
}

/// `tag#id.class1.class2`, the way a CSS selector would name the element.
fn describe(node: NodeRef<'_>) -> String {
    let Some(el) = element(node) else {
        return String::new();
    };
    let mut out = el.name().to_owned();
    if let Some(id) = el.id() {
        out.push('#');
        out.push_str(id);
    }
    for class in el.classes() {
        out.push('.');
        out.push_str(class);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::extract::{ArticleRules, CleanRules, RemovalReason, explain};
    use scraper::Selector;
    use url::Url;

    const PAGE: &str = r#"<html><head><script>var tracking = 1;</script></head><body>
        <nav class="menu"><a href="/">Home</a></nav>
        <div class="story"><p>Bolivia's Movement to Socialism, the party of Evo Morales, won the
        election outright, with a lead of more than twenty points over its nearest rival.</p>
        <div class="sharedaddy"><a href="https://twitter.com/share">Share on Twitter</a>
          <span class="icon">t</span></div>
        <p>Observers from the region called the vote clean, orderly, and a model for the continent,
        after a year of tension.</p>
        <div class="promo-x"><p>Subscribe to our paper edition today</p></div>
        <p style="display:none"><a href="https://spam.example/">assetto corsa mods</a></p></div>
        <aside class="other"><p>Weather for the weekend, sunny with some clouds.</p></aside>
        </body></html>"#;

    fn run(rules: &ArticleRules) -> (crate::model::Article, Vec<crate::extract::Removal>) {
        let done = explain(PAGE, &Url::parse("https://o.example/a/").unwrap(), rules).unwrap();
        (done.article, done.removals)
    }

    #[test]
    fn every_removal_has_a_reason_a_size_and_an_excerpt() {
        let (article, removals) = run(&ArticleRules::default());
        let find = |what: &str| {
            removals
                .iter()
                .find(|r| r.what == what)
                .unwrap_or_else(|| panic!("{what} not in {removals:#?}"))
        };
        assert_eq!(find("script").reason, RemovalReason::Junk);
        assert_eq!(
            find("script").bytes,
            "<script>var tracking = 1;</script>".len()
        );
        assert_eq!(find("nav.menu").reason, RemovalReason::Junk);
        let share = find("div.sharedaddy");
        assert_eq!(share.reason, RemovalReason::Vocabulary);
        assert_eq!(share.excerpt, "Share on Twitter t");
        assert!(share.bytes > share.excerpt.len());
        assert_eq!(find("p").reason, RemovalReason::Hidden);
        assert_eq!(find("aside.other").reason, RemovalReason::OutsideArticle);
        assert!(article.text.contains("model for the continent"));
        assert!(!article.text.contains("Share on Twitter"));
    }

    #[test]
    fn nested_removals_are_listed_once_and_rules_are_named() {
        let rules = ArticleRules {
            content: None,
            clean: CleanRules {
                remove: vec![Selector::parse(".promo-x").unwrap()],
                remove_text: Vec::new(),
            },
            ..ArticleRules::default()
        };
        let (_, removals) = run(&rules);
        let promo: Vec<_> = removals
            .iter()
            .filter(|r| r.excerpt.contains("Subscribe"))
            .collect();
        assert_eq!(promo.len(), 1, "{removals:#?}");
        assert_eq!(promo[0].reason, RemovalReason::Rule);
        // The share bar's icon span sits inside the removed bar: not listed.
        assert!(!removals.iter().any(|r| r.what == "span.icon"));
    }

    #[test]
    fn article_and_explain_give_the_same_article() {
        let url = Url::parse("https://o.example/a/").unwrap();
        let rules = ArticleRules::default();
        assert_eq!(
            crate::extract::article(PAGE, &url, &rules).unwrap(),
            run(&rules).0
        );
    }
}
