//! Tests of the parent module.

use super::*;
use scraper::Html;

fn root_of(html: &str) -> String {
    let parsed = Html::parse_document(html);
    let doc = Doc::new(&parsed);
    let root = find_root(&doc);
    let el = element(root).unwrap();
    format!("{}.{}", el.name(), el.attr("class").unwrap_or(""))
}

const PARAGRAPH: &str = "<p>Bolivia's Movement to Socialism, the party of Evo Morales, won the \
        election outright, with a lead of more than twenty points over its nearest rival.</p>";

#[test]
fn picks_the_block_with_the_paragraphs() {
    let html = format!(
        r#"<body><div class="wrap"><div class="entry-content">{p}{p}{p}</div>
            <div class="sidebar"><p>Sign up to our daily digest, before it's too late, today.</p></div>
            </div></body>"#,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.entry-content");
}

#[test]
fn link_lists_lose_to_prose() {
    let links = r#"<p><a href="/a">A long related story title about Bolivia, again</a></p>"#;
    let html = format!(
        r#"<body><div class="x">{l}{l}{l}{l}{l}{l}</div><div class="y">{p}{p}</div></body>"#,
        l = links,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.y");
}

#[test]
fn item_prop_article_body_wins() {
    let html = format!(
        r#"<body><div class="a">{p}{p}{p}{p}{p}</div><div class="b" itemprop="articleBody">{p}{p}</div></body>"#,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.b");
}

#[test]
fn paragraphs_each_marked_article_body_give_their_common_block() {
    // Each paragraph carries the mark, and the body is split in two
    // around an inline box: the first paragraph alone is not the article.
    let marked = format!(
        r#"<p itemprop="articleBody">{}</p>"#,
        &PARAGRAPH[3..PARAGRAPH.len() - 4]
    );
    let html = format!(
        r#"<body><div class="nav">{p}</div><div class="story"><div class="part">{m}</div><div class="inline">{p}</div><div class="part">{m}{m}</div></div></body>"#,
        p = PARAGRAPH,
        m = marked,
    );
    assert_eq!(root_of(&html), "div.story");
}

#[test]
fn marked_parts_with_only_the_body_in_common_give_the_longest() {
    let html = format!(
        r#"<body><div class="a" itemprop="articleBody">{p}</div><div class="b" itemprop="articleBody">{p}{p}</div></body>"#,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.b");
}

#[test]
fn div_soup_paragraphs_count() {
    let html = format!(
        r#"<body><div class="story">{d}{d}</div><div class="other"><p>short</p></div></body>"#,
        d = "<div>Text written in divs, as some themes do, long enough to be a paragraph of the story.</div>"
    );
    assert_eq!(root_of(&html), "div.story");
}

#[test]
fn a_content_named_byline_box_does_not_beat_the_paragraphs() {
    // The Hill: the byline sits in `div.content-wrapper`, the article in
    // unnamed `div.field-item`s.
    let html = format!(
        r#"<body><div class="content-wrapper title"><div class="submitted">By Justine
            Coleman - 11/18/19 11:04 PM EST</div></div><div class="field-item">{p}{p}</div></body>"#,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.field-item");
}

#[test]
fn loose_text_between_line_breaks_votes_for_its_block() {
    // Blogger: the post is loose text and `<br>`s around an image `div`.
    let run =
        "Chelsea have this morning paid the fee to the league, to secure the signing of the keeper";
    let html = format!(
        r#"<body><div class="post-body">{run}<br><div class="separator"><img src=a.jpg></div>
            <br>{run}<br><br>{run}</div><div class="footer"><p>Crafted with love by a template maker</p></div></body>"#
    );
    assert_eq!(root_of(&html), "div.post-body");
}

#[test]
fn sections_of_one_article_are_joined_at_their_common_ancestor() {
    let html = format!(
        r#"<body><div class="post"><section><div class="post__content">{p}{p}{p}{p}</div></section>
            <figure>image</figure><section><div class="post__content">{p}{p}</div></section></div>
            <div class="aside">{p}</div></body>"#,
        p = PARAGRAPH
    );
    assert_eq!(root_of(&html), "div.post");
}

#[test]
fn nothing_to_score_falls_back_to_the_body() {
    assert_eq!(root_of("<body><span>hi</span></body>"), "body.");
}
