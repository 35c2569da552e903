//! The class/id vocabulary that tells content blocks from boilerplate.
//!
//! Themes name their boxes after what they are (`sharedaddy`,
//! `jp-relatedposts`, `author-bio`, `newsletter-signup`, `entry-content`);
//! readability and trafilatura both lean on these names. Long words match as
//! substrings (`jp-relatedposts` holds "related"); short ones only as whole
//! tokens, so "ad" does not match "header" or "shadow".

use scraper::node::Element;

/// Words of blocks that are never article text wherever they sit.
const STRONG_SUBSTRINGS: &[&str] = &[
    "share",
    "sharing",
    "social",
    "related",
    "recommend",
    "more-stories",
    "comment",
    "newsletter",
    "subscribe",
    "signup",
    "sign-up",
    "mailchimp",
    "donat",
    "fundrais",
    "appeal",
    "support-us",
    "cookie",
    "consent",
    "gdpr",
    "promo",
    "sponsor",
    "advert",
    "author-bio",
    "about-author",
    "authorbox",
    "author-box",
    "tagcloud",
    "tag-links",
    "post-tags",
    "entry-tags",
    "cat-links",
    "breadcrumb",
    "widget",
    "sidebar",
    "popup",
    "modal",
    "gallery",
    "slideshow",
    "carousel",
    "lightbox",
    "video",
    "player",
    "teaser",
    "notification",
    "paywall",
    "pagination",
    "navigation",
    "prevnext",
    "prev-next",
    "profile",
];

/// Short words of boilerplate blocks, matched as whole class/id tokens.
const STRONG_TOKENS: &[&str] = &[
    "ad", "ads", "nav", "menu", "tags", "bio", "subnav", "rail", "prev", "pager",
];

/// Words of blocks that are boilerplate when short or made of links
/// (a byline or an entry footer), but may hold text on some themes.
const WEAK_SUBSTRINGS: &[&str] = &[
    "byline", "header", "footer", "masthead", "banner", "dateline", "postmeta",
];

/// Short weak words, matched as whole tokens.
const WEAK_TOKENS: &[&str] = &["meta", "author", "date", "posted", "print", "module"];

/// Words of blocks that hold the article.
const POSITIVE_SUBSTRINGS: &[&str] = &[
    "article", "content", "entry", "post", "story", "body", "text", "main", "blog",
];

/// Words of overlays that pop up over the text on hover (a person's card
/// with links to other stories): removed even from inside a sentence, since
/// their text is never part of it.
const OVERLAY_SUBSTRINGS: &[&str] = &["tooltip", "popover", "rollover", "hovercard"];

/// Words of picture captions and credits: kept in the HTML beside their
/// picture, but not text (see `text`).
const CAPTION_SUBSTRINGS: &[&str] = &["caption", "credit"];

/// Whether an element is a hover overlay (see [`OVERLAY_SUBSTRINGS`]).
pub(crate) fn is_overlay(element: &Element) -> bool {
    matches(&names(element), OVERLAY_SUBSTRINGS, &[])
}

/// Whether an element is a caption or photo credit.
pub(crate) fn is_caption(element: &Element) -> bool {
    matches(&names(element), CAPTION_SUBSTRINGS, &[])
}

/// How sure the vocabulary is that a block is boilerplate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boilerplate {
    /// Share bars, related posts, appeals, tag lists: remove.
    Strong,
    /// Bylines, headers, footers: remove when short or link-heavy.
    Weak,
}

/// The class and id of an element, lower-cased, space-separated (classes
/// in the order written: the words are matched, not the string).
fn names(element: &Element) -> String {
    let mut out = String::new();
    // Read from the attribute: scraper's `classes()` interns each class.
    let classes = element.attrs().filter(|(name, _)| *name == "class");
    for (_, value) in classes {
        for class in value.split_ascii_whitespace() {
            if !is_taxonomy_class(class) {
                out.push_str(class);
                out.push(' ');
            }
        }
    }
    if let Some(id) = element.id() {
        out.push_str(id);
    }
    out.to_lowercase()
}

/// WordPress puts each post's categories and tags in its classes
/// (`tag-social-media`, `category-donations`), Typepad and Movable Type
/// its categories, author and type (`entry-category-social_media`,
/// `entry-author-ann`): words of the post's subject, not of the block's role.
fn is_taxonomy_class(class: &str) -> bool {
    let strip = |prefix: &str| {
        class
            .get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| &class[prefix.len()..])
    };
    let rest = match strip("entry-") {
        // Typepad: `entry-author-x` names the post's author, while a bare
        // `author-box` is the bio box.
        Some(_) => strip("entry-category-").or_else(|| strip("entry-author-")),
        None => strip("tag-").or_else(|| strip("category-")),
    };
    let Some(rest) = rest else {
        return false;
    };
    !["links", "list", "cloud"]
        .iter()
        .any(|w| rest.eq_ignore_ascii_case(w))
}

fn matches(names: &str, substrings: &[&str], tokens: &[&str]) -> bool {
    let pairs = Pairs::of(names.as_bytes());
    substrings
        .iter()
        .any(|w| pairs.may_contain(w.as_bytes()) && names.contains(w))
        || names
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| tokens.contains(&t))
}

/// The pairs of adjacent bytes of a text, hashed into 1,024 bits: a word
/// whose first or last pair is missing is not in the text. Checking that
/// first skips most substring searches (each costs more than building
/// this), and every element's names are matched against dozens of words.
struct Pairs([u64; 16]);

impl Pairs {
    fn of(text: &[u8]) -> Pairs {
        let mut bits = [0u64; 16];
        for pair in text.windows(2) {
            let at = Pairs::slot(pair[0], pair[1]);
            bits[at / 64] |= 1 << (at % 64);
        }
        Pairs(bits)
    }

    fn slot(a: u8, b: u8) -> usize {
        ((usize::from(a) << 5) ^ usize::from(b)) & 1023
    }

    fn has(&self, a: u8, b: u8) -> bool {
        let at = Pairs::slot(a, b);
        self.0[at / 64] & (1 << (at % 64)) != 0
    }

    /// False only when `word` cannot be in the text.
    fn may_contain(&self, word: &[u8]) -> bool {
        match word {
            [a, b, .., y, z] => self.has(*a, *b) && self.has(*y, *z),
            [a, b] => self.has(*a, *b),
            _ => true,
        }
    }
}

/// What the vocabulary says of an element that looks like boilerplate.
pub(crate) fn boilerplate(element: &Element) -> Option<Boilerplate> {
    boilerplate_names(&names(element))
}

/// [`boilerplate`] of an element's [`names`].
fn boilerplate_names(names: &str) -> Option<Boilerplate> {
    if names.is_empty() {
        None
    } else if matches(names, STRONG_SUBSTRINGS, STRONG_TOKENS) {
        Some(Boilerplate::Strong)
    } else if matches(names, WEAK_SUBSTRINGS, WEAK_TOKENS) {
        Some(Boilerplate::Weak)
    } else {
        None
    }
}

/// Readability's class weight: +25 for content words, −25 for boilerplate
/// words (both may apply, as in `entry-meta`).
pub(crate) fn class_weight(element: &Element) -> f64 {
    let names = names(element);
    if names.is_empty() {
        return 0.0;
    }
    let mut weight = 0.0;
    if matches(&names, POSITIVE_SUBSTRINGS, &[]) {
        weight += 25.0;
    }
    if boilerplate_names(&names).is_some() {
        weight -= 25.0;
    }
    weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn first_element(html: &str) -> Element {
        let doc = Html::parse_fragment(html);
        let any = Selector::parse("body *, html > *").unwrap();
        doc.select(&any).next().unwrap().value().clone()
    }

    /// The plain definition `matches` must agree with.
    fn matches_plainly(names: &str, substrings: &[&str], tokens: &[&str]) -> bool {
        substrings.iter().any(|w| names.contains(w))
            || names
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| tokens.contains(&t))
    }

    #[test]
    fn pair_filter_never_hides_a_word() {
        let lists = [
            STRONG_SUBSTRINGS,
            WEAK_SUBSTRINGS,
            POSITIVE_SUBSTRINGS,
            OVERLAY_SUBSTRINGS,
            CAPTION_SUBSTRINGS,
        ];
        let pieces = [
            "share", "re", "lated", "-", " ", "ad", "s", "post", "x", "é", "comm", "ent", "body",
            "cap", "tion", "nav", "menu", "a", "e", "i", "promo",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..3000 {
            let names: String = (0..rng.usize(0..8))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            for list in lists {
                assert_eq!(
                    matches(&names, list, STRONG_TOKENS),
                    matches_plainly(&names, list, STRONG_TOKENS),
                    "{names:?}"
                );
            }
        }
    }

    #[test]
    fn names_skip_taxonomy_classes_in_any_case() {
        let el = first_element(
            r#"<div class="Tag-Foo CATEGORY-news tag-links category-List x" id="Main"></div>"#,
        );
        assert_eq!(names(&el), "tag-links category-list x main");
        assert!(is_taxonomy_class("tag-élan"));
        assert!(!is_taxonomy_class("tag"));
        assert!(!is_taxonomy_class("tagé-x"));
    }

    #[test]
    fn wordpress_boilerplate_names_are_recognised() {
        for html in [
            r#"<div class="sharedaddy sd-sharing-enabled"></div>"#,
            r#"<div id="jp-relatedposts" class="jp-relatedposts"></div>"#,
            r#"<div class="author-bio"></div>"#,
            r#"<div class="newsletter-signup"></div>"#,
            r#"<div class="pr-donation-appeal"></div>"#,
            r#"<div class="ad-slot"></div>"#,
            r#"<span class="tags-links"></span>"#,
        ] {
            assert_eq!(
                boilerplate(&first_element(html)),
                Some(Boilerplate::Strong),
                "{html}"
            );
        }
        for html in [
            r#"<div class="entry-meta"></div>"#,
            // WordPress's classic default theme (Kubrick) and its offspring.
            r#"<p class="postmetadata alt"></p>"#,
        ] {
            assert_eq!(
                boilerplate(&first_element(html)),
                Some(Boilerplate::Weak),
                "{html}"
            );
        }
    }

    #[test]
    fn wordpress_taxonomy_classes_are_not_roles() {
        let post =
            r#"<article class="post type-post tag-social-media category-donations"></article>"#;
        assert_eq!(boilerplate(&first_element(post)), None);
        assert_eq!(class_weight(&first_element(post)), 25.0);
    }

    #[test]
    fn typepad_entry_taxonomy_classes_are_not_roles() {
        let entry = r#"<div class="entry-category-sharing entry-author-ann_bio entry-type-post entry"></div>"#;
        assert_eq!(boilerplate(&first_element(entry)), None);
        assert_eq!(class_weight(&first_element(entry)), 25.0);
        // Without the `entry-` prefix, an author box is still a bio.
        assert_eq!(
            boilerplate(&first_element(r#"<div class="author-box"></div>"#)),
            Some(Boilerplate::Strong)
        );
    }

    #[test]
    fn short_words_match_only_whole_tokens() {
        for html in [
            r#"<div class="shadow-box"></div>"#,
            r#"<div class="entry-content"></div>"#,
            r#"<div class="headline"></div>"#,
        ] {
            assert_eq!(boilerplate(&first_element(html)), None, "{html}");
        }
    }

    #[test]
    fn class_weight_rewards_content_names() {
        assert_eq!(
            class_weight(&first_element(r#"<div class="entry-content"></div>"#)),
            25.0
        );
        assert_eq!(
            class_weight(&first_element(r#"<div id="sidebar"></div>"#)),
            -25.0
        );
        assert_eq!(class_weight(&first_element("<div></div>")), 0.0);
    }
}
