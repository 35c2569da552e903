//! Each directive applied through `extract::article` / `explain`, on
//! fixture pages written for these tests.

use std::sync::Arc;

use scraper::Selector;
use url::Url;

use crate::extract::siteconfig::SiteConfigs;
use crate::extract::{ArticleRules, CleanRules, Explanation, RemovalReason, article, explain};

const PAGE: &str = r#"<html><head><title>Generic title | Outlet</title>
<meta property="og:title" content="Generic og title"></head><body>
<div class="site-header"><h2 class="kicker">Politics</h2></div>
<div id="story-top"><h1 class="hl">The site's headline</h1>
<p class="byline"><span class="name">Ana Writer</span> and <span class="name">Bo Writer</span></p>
<span class="stamp">2021-06-07T08:09:10Z</span></div>
<div id="part-1" class="story-part"><p>The council met on Tuesday to vote on the new budget for the
harbour district, which had been delayed twice already this spring.</p>
<div class="promo-box"><p>Subscribe to the weekly newsletter for more news like this.</p></div>
<img src="https://cdn.example/tracking/pixel.gif"><img src="https://cdn.example/photo.jpg" alt="Harbour"></div>
<div class="ad-slot"><p>Advertisement text that sits between the two parts of the story.</p></div>
<div id="part-2" class="story-part"><p>Members agreed to fund the repairs of the old pier and the
ferry terminal, and asked for a report on the costs by the autumn.</p>
<div class="share"><a href="https://social.example/share">Share this story</a></div></div>
<aside class="sidebar"><p>Most read: a different story about the weather, long enough to matter.</p></aside>
</body></html>"#;

fn url() -> Url {
    Url::parse("https://www.outlet.example/news/budget").unwrap()
}

fn rules(config: &str) -> ArticleRules {
    let configs = SiteConfigs::from_files([("outlet.example.txt".to_owned(), config.to_owned())]);
    ArticleRules {
        site_configs: Some(Arc::new(configs)),
        ..ArticleRules::default()
    }
}

#[test]
fn body_with_several_matches_joins_them_and_leaves_out_what_is_between() {
    let a = article(
        PAGE,
        &url(),
        &rules("body: //div[contains(@class, 'story-part')]\n"),
    )
    .unwrap();
    assert!(a.text.starts_with("The council met"), "{}", a.text);
    assert!(a.text.contains("Members agreed"), "{}", a.text);
    assert!(!a.text.contains("Advertisement"), "{}", a.text);
    assert!(!a.text.contains("Most read"), "{}", a.text);
}

#[test]
fn the_first_matching_body_rule_wins() {
    let a = article(
        PAGE,
        &url(),
        &rules("body: //article\nbody: //div[@id='part-2']\nbody: //div[@id='part-1']\n"),
    )
    .unwrap();
    assert!(a.text.starts_with("Members agreed"), "{}", a.text);
    assert!(!a.text.contains("council"));
}

#[test]
fn strips_remove_nodes_by_xpath_id_or_class_and_image_src() {
    let config = "body: //div[@id='part-1']\nstrip: //div[@class='promo-box']\nstrip_image_src: /tracking/\n";
    let a = article(PAGE, &url(), &rules(config)).unwrap();
    assert!(!a.text.contains("Subscribe"), "{}", a.text);
    assert!(!a.html.contains("pixel.gif"), "{}", a.html);
    assert!(a.html.contains("photo.jpg"), "{}", a.html);
    // A whole class word, not a substring (graby's reading).
    let by_word = article(
        PAGE,
        &url(),
        &rules("body: //div[@id='part-1']\nstrip_id_or_class: promo-box\n"),
    )
    .unwrap();
    assert!(!by_word.text.contains("Subscribe"));
    let substring = article(
        PAGE,
        &url(),
        &rules("body: //div[@id='part-1']\nstrip_id_or_class: promo\nprune: no\n"),
    )
    .unwrap();
    assert!(substring.text.contains("Subscribe"), "{}", substring.text);
}

#[test]
fn title_author_and_date_override_the_detected_ones() {
    let config = "title: //h1[@class='hl']\nauthor: //p[@class='byline']/span[@class='name']\n\
                  date: //span[@class='stamp']\n";
    let a = article(PAGE, &url(), &rules(config)).unwrap();
    assert_eq!(a.title.as_deref(), Some("The site's headline"));
    assert_eq!(a.author.as_deref(), Some("Ana Writer, Bo Writer"));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2021-06-07T08:09:10+00:00"
    );
    let chosen = explain(PAGE, &url(), &rules(config)).unwrap().chosen;
    assert_eq!(
        chosen,
        [
            "title: outlet.example.txt:1 title",
            "author: outlet.example.txt:2 author",
            "date: outlet.example.txt:3 date"
        ]
    );
    // Rules that match nothing leave the detected values.
    let none = explain(PAGE, &url(), &rules("title: //h6\ndate: //h1\n")).unwrap();
    assert_eq!(none.article.title.as_deref(), Some("Generic og title"));
    assert!(none.chosen.is_empty(), "{:?}", none.chosen);
}

#[test]
fn find_and_replace_run_on_the_raw_html() {
    let config = "body: //div[@id='part-2']\nreplace_string(ferry terminal): ferry landing\n\
                  find_string: <div class=\"share\">\nreplace_string: <div class=\"kept\">\nprune: no\n";
    let a = article(PAGE, &url(), &rules(config)).unwrap();
    assert!(a.text.contains("ferry landing"), "{}", a.text);
    assert!(a.text.contains("Share this story"), "{}", a.text);
}

#[test]
fn prune_no_keeps_the_share_bar_in_the_chosen_body() {
    let pruned = article(PAGE, &url(), &rules("body: //div[@id='part-2']\n")).unwrap();
    assert!(!pruned.text.contains("Share this story"), "{}", pruned.text);
    let kept = article(
        PAGE,
        &url(),
        &rules("body: //div[@id='part-2']\nprune: no\ntidy: no\n"),
    )
    .unwrap();
    assert!(kept.text.contains("Share this story"), "{}", kept.text);
}

#[test]
fn autodetect_on_failure_no_means_no_article_and_explains_why() {
    let generic = article(PAGE, &url(), &rules("body: //article\n")).unwrap();
    assert!(
        generic.text.contains("council"),
        "falls back: {}",
        generic.text
    );
    let config = "body: //article\nautodetect_on_failure: no\n";
    let Explanation {
        article: a,
        removals,
        ..
    } = explain(PAGE, &url(), &rules(config)).unwrap();
    assert!(a.text.is_empty() && a.html.is_empty());
    assert_eq!(a.title.as_deref(), Some("Generic og title"));
    assert_eq!(removals.len(), 1, "{removals:#?}");
    assert_eq!(removals[0].reason, RemovalReason::SiteConfig);
    assert_eq!(
        removals[0].what,
        "body (no match for outlet.example.txt:1 body, and outlet.example.txt:2 autodetect_on_failure: no)"
    );
}

#[test]
fn source_rules_win_over_the_site_config() {
    let mut source = rules("body: //div[@id='part-1']\nstrip: //div[@class='ad-slot']\n");
    source.content = Some(Selector::parse("#part-2").unwrap());
    source.clean = CleanRules {
        remove: vec![Selector::parse(".ad-slot").unwrap()],
        remove_text: Vec::new(),
    };
    let Explanation {
        article: a,
        removals,
        ..
    } = explain(PAGE, &url(), &source).unwrap();
    assert!(a.text.starts_with("Members agreed"), "{}", a.text);
    let ad = removals
        .iter()
        .find(|r| r.excerpt.starts_with("Advertisement"))
        .unwrap();
    assert_eq!(
        ad.reason,
        RemovalReason::Rule,
        "the source's rule removed it first"
    );
}

#[test]
fn explain_names_the_rule_that_removed_or_chose() {
    let config = "# rules\nbody: //div[@id='part-1']\nstrip_id_or_class: promo-box\n";
    let Explanation {
        removals, chosen, ..
    } = explain(PAGE, &url(), &rules(config)).unwrap();
    assert_eq!(chosen, ["body: outlet.example.txt:2 body"]);
    let promo = removals
        .iter()
        .find(|r| r.excerpt.starts_with("Subscribe"))
        .unwrap();
    assert_eq!(promo.reason, RemovalReason::SiteConfig);
    assert_eq!(
        promo.what,
        "div.promo-box (by outlet.example.txt:3 strip_id_or_class)"
    );
    let aside = removals
        .iter()
        .find(|r| r.excerpt.starts_with("Most read"))
        .unwrap();
    assert_eq!(aside.reason, RemovalReason::OutsideArticle);
    assert_eq!(
        aside.what,
        "aside.sidebar (not in the body chosen by outlet.example.txt:2 body)"
    );
}

#[test]
fn other_hosts_are_untouched() {
    let other = Url::parse("https://other.example/news/budget").unwrap();
    let with = article(PAGE, &other, &rules("body: //div[@id='part-2']\n")).unwrap();
    let without = article(PAGE, &other, &ArticleRules::default()).unwrap();
    assert_eq!(with, without);
}

#[test]
fn replacements_that_would_multiply_the_page_are_not_made() {
    let page = format!("<p>{}</p>", "a".repeat(100_000));
    let config = format!("replace_string(a): {}\n", "b".repeat(100));
    let a = article(&page, &url(), &rules(&config)).unwrap();
    assert!(a.text.starts_with("aaaa"), "{}", &a.text[..10]);
}
