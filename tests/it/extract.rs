//! `refeed extract` on golden files: hand-written pages in
//! `tests/fixtures/extract/` (`x.html`) beside the article text a careful
//! reader would copy out of them (`x.expected.txt`: paragraphs, subheadings,
//! list items, blockquotes, table cells and figure captions of the body, one
//! per paragraph, paragraphs separated by a blank line; no headline, byline,
//! date, share bar, related posts, appeal, newsletter box, tags, author bio,
//! comments, navigation or footer). The fixtures' README says what each page
//! models and which trap it holds.
//!
//! The rule a golden test applies, chosen so that it holds for any extractor a
//! reader would be happy with and does not break on harmless changes of
//! layout (e.g. `<br><br>` kept as line breaks rather than paragraphs):
//!
//! 1. every paragraph of `x.expected.txt` appears in the output, both compared
//!    with whitespace collapsed (so nothing of the article is lost);
//! 2. none of the page's boilerplate snippets (listed per fixture below:
//!    headline, byline, share bar, related posts, appeal, comments...)
//!    appears in the output (case-sensitive);
//! 3. the output has at most one paragraph more than `x.expected.txt`
//!    (room for one debatable block such as a standfirst or a lead caption,
//!    but not for a box of boilerplate).
//!
//! Plus `extract --batch` on a folder of three pages (one gzipped), and the
//! `json` and `html` formats on the page modeled on the seeds.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::support::{Output, run_refeed};

/// The URL the seed-like fixture claims to live at (its canonical link).
const SEED_URL: &str = "https://censored.example/democracy-prevails-in-bolivia/";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract")
}

/// `refeed extract ARGS`, which must succeed; its stdout.
async fn extract(args: &[&str]) -> String {
    let mut all = vec!["extract".to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    let out: Output = run_refeed(&fixtures(), &all).await;
    assert!(out.success(), "refeed {all:?} failed:\n{out}");
    out.stdout
}

/// Whitespace (non-breaking spaces included) collapsed to single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The paragraphs of a text: blocks separated by blank lines, whitespace
/// collapsed, empty ones dropped.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push(collapse(&current));
            current.clear();
        } else {
            current.push(' ');
            current.push_str(line);
        }
    }
    out.push(collapse(&current));
    out.retain(|p| !p.is_empty());
    out
}

fn expected_text(name: &str) -> String {
    let path = fixtures().join(format!("{name}.expected.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Applies the module's three-part rule to `refeed extract NAME.html`,
/// reporting every broken part at once.
pub(crate) async fn golden(name: &str, boilerplate: &[&str]) {
    let output = extract(&[&format!("{name}.html")]).await;
    let expected = paragraphs(&expected_text(name));
    let flat = collapse(&output);
    let mut problems = Vec::new();
    for paragraph in &expected {
        if !flat.contains(paragraph.as_str()) {
            problems.push(format!("missing paragraph: {paragraph:?}"));
        }
    }
    for snippet in boilerplate {
        if output.contains(snippet) {
            problems.push(format!("boilerplate kept: {snippet:?}"));
        }
    }
    let got = paragraphs(&output).len();
    if got > expected.len() + 1 {
        problems.push(format!(
            "{got} paragraphs, expected at most {} ({} + 1)",
            expected.len() + 1,
            expected.len()
        ));
    }
    assert!(
        problems.is_empty(),
        "{name}.html:\n- {}\n--- output ---\n{output}",
        problems.join("\n- ")
    );
}

/// WordPress twentytwenty: Jetpack share bar and related posts inside
/// `.entry-content`, then tags, author bio, a donation appeal whose classes
/// (`k2`) say nothing, post navigation, comments whose bodies are themselves
/// `.entry-content`, footer widgets and a cookie bar.
#[tokio::test]
async fn golden_wordpress_twentytwenty() {
    golden(
        "wp_twentytwenty",
        &[
            "Riverside Tenants Win",
            "Dana Whitfield",
            "March 4, 2024",
            "Share this",
            "Click to share",
            "Related",
            "Mill Street developer withdraws",
            "Tagged",
            "View Archive",
            "Before you go",
            "chip in",
            "Give now",
            "monthly member",
            "School board delays budget vote",
            "replies on",
            "Finally some good news",
            "waiting list at the housing authority",
            "Leave a Reply",
            "Post Comment",
            "Recent Posts",
            "Friday Dispatch",
            "Powered by WordPress",
            "We use cookies",
            "Skip to the content",
        ],
    )
    .await;
}

/// tagDiv Newspaper: `td-post-content` several `td-pb-*` wrappers deep, an
/// in-body ad slot labelled "- Advertisement -", a table, share buttons,
/// tags, next/previous links, author box, a related-posts block, comments and
/// a sidebar of social counters and popular posts.
#[tokio::test]
async fn golden_wordpress_newspaper() {
    golden(
        "wp_newspaper",
        &[
            "Harbour Dredging Turns Up",
            "Owen Trelawny",
            "2317",
            "Advertisement",
            "Facebook",
            "WhatsApp",
            "TAGS",
            "Previous article",
            "Lifeboat crew rescue",
            "coastal communities of the far west",
            "RELATED ARTICLES",
            "MORE FROM AUTHOR",
            "Bronze cannon",
            "COMMENTS",
            "grandfather always said",
            "LEAVE A REPLY",
            "STAY CONNECTED",
            "Followers",
            "MOST POPULAR",
            "pilot gig championship",
            "POPULAR CATEGORY",
            "independent local newspaper",
            "Privacy Policy",
        ],
    )
    .await;
}

/// An Arc/Brightspot-style news page: `<article data-…>` with
/// `article-body__content`, ad slots and "Read more:" links between the
/// paragraphs, a newsletter signup box inside the body, an Arabic pull quote
/// (`dir="rtl"`), author bio, "More from" list, comments placeholder.
#[tokio::test]
async fn golden_news_cms() {
    golden(
        "news_cms",
        &[
            "Drought shrinks",
            "By Leila",
            "Leila Haddad is",
            "12:00 a.m.",
            "Gift Article",
            "Advertisement",
            "Read more",
            "Record heat wave",
            "economic collapse, explained",
            "The World Brief",
            "Sign up",
            "Terms of Use",
            "Share this article",
            "More from World",
            "Wildfire forces evacuation",
            "Comments are loading",
            "View 38 comments",
            "We use cookies",
            "Accept all",
            "Skip to main content",
        ],
    )
    .await;
}

/// An AMP page: `amp-img` with a `<noscript>` twin, `amp-ad` with a
/// placeholder, `amp-social-share`, an `amp-sidebar` menu, an
/// `amp-carousel` of recommended stories, a Japanese pull quote.
#[tokio::test]
async fn golden_amp() {
    golden(
        "amp",
        &[
            "Kyoto to charge day-trippers",
            "Aiko Brennan",
            "Loading ad",
            "Advertisement",
            "Share this story",
            "Topics:",
            "Overtourism",
            "Recommended for you",
            "Mount Fuji",
            "Yen slides",
            "View the full site",
            "All rights reserved",
            "Newsletters",
            "Markets",
        ],
    )
    .await;
}

/// Div soup: no `<article>`/`<main>`, the body one `<div>` of
/// `<br><br>`-separated paragraphs inside `col-md-8 x1`, then copyright,
/// tags and comments in look-alike divs, and a sidebar of short link lists.
#[tokio::test]
async fn golden_div_soup() {
    golden(
        "div_soup",
        &[
            "Co-op farmers switch",
            "Posted by",
            "1,204 views",
            "Email to a friend",
            "may not be reproduced",
            "Tags:",
            "Reader comments",
            "grainguy82",
            "wet September",
            "Post a comment",
            "MOST READ",
            "Highway 14 closed",
            "LATEST NEWS",
            "Library extends weekend hours",
            "CATEGORIES",
            "ARCHIVE",
            "February 2019",
            "WebWorks",
            "Light snow",
        ],
    )
    .await;
}

/// `<br><br>` ends a paragraph: the div-soup page's text has exactly the
/// expected paragraphs, not one block with line breaks.
#[tokio::test]
async fn double_line_breaks_make_paragraphs() {
    let output = extract(&["div_soup.html"]).await;
    assert_eq!(paragraphs(&output), paragraphs(&expected_text("div_soup")));
}

/// A 2012 news page marking every paragraph `itemprop="articleBody"`, its
/// body split into two `articleBody` blocks around an inline box of related
/// links: all of it is the article, not the first paragraph alone.
#[tokio::test]
async fn golden_marked_paragraphs() {
    golden(
        "marked_paragraphs",
        &[
            "Ferry Service to the Outer Islands",
            "MARTA KELLOWAY",
            "Published:",
            "E-Mail",
            "Erik Vang",
            "leaving the north quay",
            "Related",
            "Harbour Dredging",
            "A version of this article appeared",
            "Readers' Comments",
            "grandmother",
            "Terms of Service",
        ],
    )
    .await;
}

/// A slideshow page whose story lives in the slide's `div.caption`, beside
/// thumbnails, a photo credit and slide navigation.
#[tokio::test]
async fn golden_slideshow_caption() {
    golden(
        "slideshow_caption",
        &[
            "Photo: Lena Ortiz",
            "1 of 4",
            "Previous",
            "More Galleries",
            "Night Market",
            "City Weekly",
        ],
    )
    .await;
}

/// A news post full of embeds (issue 11): YouTube in a WordPress embed
/// block, `youtube-nocookie`, a lazy Vimeo iframe, `lite-youtube`, a tweet,
/// an Instagram post, a TikTok, SoundCloud, Spotify, Apple Podcasts,
/// a protocol-relative Dailymotion iframe,
/// `<video>`, `<audio>`, a map, hostile frames, a like button and an ad.
/// The text keeps the tweet's and the TikTok's words, and no player's
/// fallback message, play label or URL (`embeds` tests the HTML).
#[tokio::test]
async fn golden_embeds() {
    golden(
        "embeds",
        &[
            "Night Ferry Returns",
            "Morwenna Pascoe",
            "does not support",
            "Play Video",
            "A tour of the new slipway",
            "open.spotify.com",
            "View this post on Instagram",
            "A post shared by",
            "Video on",
            "Audio on",
            "Podcast on",
            "maps.harbourcouncil.example",
            "Share this",
            "Advertisement",
            "Recent Posts",
            "Lifeboat day",
            "All rights reserved",
        ],
    )
    .await;
}

/// A paywalled page whose visible body is a one-sentence teaser, a
/// subscription wall and a JavaScript placeholder: the article exists only as
/// the JSON-LD `articleBody`, which is what a reader wants.
#[tokio::test]
async fn golden_jsonld_only() {
    golden(
        "jsonld_only",
        &[
            "Why Bond Traders",
            "Martin Okafor",
            "3 min read",
            "Continue reading",
            "membership",
            "Subscribe now",
            "Already a subscriber",
            "Most Popular",
            "Hiring slowed in December",
            "enable JavaScript",
            "Cookie Settings",
        ],
    )
    .await;
}

/// Modeled on the seeds: a Project Censored article (Soledad theme, Yoast
/// graph with the author as an `@id` reference), byline "by Vins", empty
/// "Published: Last Updated on" fields, a reference list that belongs to the
/// article, a hidden spam link, Jetpack share bar, related posts, author bio,
/// sidebar donation and newsletter widgets.
#[tokio::test]
async fn golden_seed_article() {
    golden(
        "seed_vins",
        &[
            "assetto corsa",
            "Democracy Prevails in Bolivia after",
            "by Vins",
            "Published:",
            "Last Updated on",
            "Top 25 of 2021",
            "Share this",
            "Click to share",
            "Like this post",
            "Vins is a volunteer",
            "You may also like",
            "Targets Journalists",
            "Leave a Comment",
            "Support Our Work",
            "Donate Today",
            "tax-deductible",
            "Subscribe to our newsletter",
            "Recent Posts",
            "All Rights Reserved",
        ],
    )
    .await;
}

/// The first paragraph of a fixture's expected text.
fn first_paragraph(name: &str) -> String {
    paragraphs(&expected_text(name)).remove(0)
}

/// A page with text and paragraphs misplaced inside a `<table>` (browsers
/// and html5ever move them before it): its text is extracted, and the
/// parser's "foster parenting not implemented" warning, which it prints
/// for every such page although it does foster parent, stays out of the
/// user's terminal.
#[tokio::test]
async fn misplaced_table_content_is_kept_without_parser_warnings() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let page = dir.path().join("table.html");
    let paragraph = "The council met on Tuesday and agreed the budget for the \
        coming year after a debate that lasted well into the evening hours.";
    let html = format!(
        "<html><body><article><h1>Budget</h1><table><tr><td>Votes</td><td>7</td></tr>\
         <p>{paragraph}</p><p>{paragraph}</p></table></article></body></html>"
    );
    std::fs::write(&page, html).expect("write page");
    let out = run_refeed(
        dir.path(),
        &["extract".to_owned(), page.display().to_string()],
    )
    .await;
    assert!(out.success(), "refeed extract failed:\n{out}");
    assert!(collapse(&out.stdout).contains(paragraph), "{out}");
    assert!(!out.stderr.contains("foster"), "{}", out.stderr);
}

#[tokio::test]
async fn batch_prints_one_json_object_of_texts_keyed_by_file_stem() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for name in ["wp_twentytwenty", "amp"] {
        std::fs::copy(
            fixtures().join(format!("{name}.html")),
            dir.path().join(format!("{name}.html")),
        )
        .expect("copy fixture");
    }
    let page = std::fs::read(fixtures().join("seed_vins.html")).expect("read fixture");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&page).expect("gzip");
    std::fs::write(
        dir.path().join("seed_vins.html.gz"),
        gz.finish().expect("gzip"),
    )
    .expect("write gzipped page");
    // Not pages: skipped.
    std::fs::write(dir.path().join("notes.txt"), "not a page").expect("write");
    std::fs::write(dir.path().join("urls.json"), "{}").expect("write");

    let stdout = extract(&["--batch", &dir.path().display().to_string()]).await;
    let value: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    let object = value.as_object().expect("a JSON object");
    let mut stems: Vec<&str> = object.keys().map(String::as_str).collect();
    stems.sort();
    assert_eq!(stems, ["amp", "seed_vins", "wp_twentytwenty"]);
    for (stem, text) in object {
        let text = text
            .as_str()
            .unwrap_or_else(|| panic!("{stem}: not a string"));
        let first = first_paragraph(stem);
        assert!(
            collapse(text).contains(&first),
            "{stem}: first paragraph {first:?} missing from:\n{text}"
        );
    }
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {rfc3339}"))
        .with_timezone(&Utc)
}

#[tokio::test]
async fn json_format_reports_the_metadata_of_the_seed_article() {
    let stdout = extract(&["seed_vins.html", "--url", SEED_URL, "--format", "json"]).await;
    let value: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    // The site name (" - Project Censored") of <title> and og:title is trimmed.
    assert_eq!(
        value["title"],
        "Democracy Prevails in Bolivia after US-backed Government Loses Election"
    );
    // Only in the Yoast graph, as an `@id` reference, and the visible byline.
    assert_eq!(value["author"], "Vins");
    // The visible date fields are empty: the date comes from JSON-LD
    // (2020-11-02T09:37:51-08:00), whatever offset it is printed in.
    let published = value["published"].as_str().expect("published is a string");
    assert_eq!(utc(published), utc("2020-11-02T17:37:51Z"));
    let modified = value["modified"].as_str().expect("modified is a string");
    assert_eq!(utc(modified), utc("2021-09-14T18:20:03Z"));
    let text = value["text"].as_str().expect("text is a string");
    assert!(
        collapse(text).contains(&first_paragraph("seed_vins")),
        "{text}"
    );
    assert!(!text.contains("assetto corsa"), "{text}");
    let html = value["html"].as_str().expect("html is a string");
    assert!(html.contains("<p>It took a full year"), "{html}");
    assert!(html.contains("<li>"), "the reference list is lost:\n{html}");
}

/// Values of every ` NAME="..."` attribute in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Whether `html` has an event-handler attribute (` onclick=`, ` onerror=`...).
fn has_event_handler(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.match_indices(" on").any(|(at, _)| {
        let name: String = lower[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        !name.is_empty() && lower[at + 3 + name.len()..].starts_with('=')
    })
}

/// Right-to-left outlets and quotes in another language: `dir` and `lang`
/// survive sanitizing, so readers lay the Arabic pull quote out right.
#[tokio::test]
async fn direction_and_language_of_a_passage_survive() {
    let html = extract(&["news_cms.html", "--format", "html"]).await;
    assert!(
        html.contains(r#"<blockquote dir="rtl" lang="ar">"#),
        "{html}"
    );
    assert!(html.contains(r#"<p dir="ltr" lang="en">"#), "{html}");
}

#[tokio::test]
async fn html_format_is_sanitized_with_absolute_links() {
    let html = extract(&["seed_vins.html", "--url", SEED_URL, "--format", "html"]).await;
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("javascript:"), "{html}");
    assert!(!has_event_handler(&html), "event handler left in:\n{html}");
    assert!(
        !html.contains("assetto corsa"),
        "hidden spam link kept:\n{html}"
    );
    // `../glenn-greenwald-morales-interview/` and `/wp-content/...` resolved
    // against --url.
    assert!(
        html.contains("href=\"https://censored.example/glenn-greenwald-morales-interview/\""),
        "{html}"
    );
    assert!(
        html.contains(
            "src=\"https://censored.example/wp-content/uploads/2020/11/arce-victory-585x390.jpg\""
        ),
        "{html}"
    );
    for value in attribute_values(&html, "href")
        .into_iter()
        .chain(attribute_values(&html, "src"))
    {
        assert!(
            value.starts_with("https://") || value.starts_with("http://"),
            "link not absolute: {value:?} in:\n{html}"
        );
    }
    // The article is still there, with its structure.
    assert!(html.contains("<figcaption>"), "{html}");
    assert!(html.contains("<ol>"), "{html}");
    assert!(html.contains("Faculty Evaluator"), "{html}");
}

#[test]
fn helpers_split_paragraphs_and_spot_event_handlers() {
    assert_eq!(
        paragraphs("a  b\nc\n\n\n d \n"),
        ["a b c".to_owned(), "d".to_owned()]
    );
    assert!(has_event_handler("<a onclick=\"x()\">"));
    assert!(!has_event_handler(
        "<p>Turn on = off</p><p class=\"online\">"
    ));
    assert_eq!(
        attribute_values("<a href=\"/x\"><img src=\"y\" srcset=\"z\">", "src"),
        ["y"]
    );
}
