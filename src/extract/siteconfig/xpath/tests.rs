use scraper::Html;

use super::*;

const PAGE: &str = r#"<html><head><title>T</title>
<meta property="og:title" content="The headline">
<meta name="author" content="A. Writer"></head><body>
<div id="main" class="story  lead-story"><h1>Heading one</h1>
  <p class="intro">First paragraph.</p>
  <div class="ad-box">Advert</div>
  <p>Second <b>bold</b> paragraph.</p>
  <p>Third paragraph.</p>
  <time datetime="2021-03-04T05:06:07Z">March 4</time>
</div>
<div class="related story-extra"><p>Related link text</p></div>
<a rel="next" href="/page/2">Next</a>
<footer id="f">Footer</footer><p id="after">After footer</p>
</body></html>"#;

/// What `xpath` selects on `PAGE`, each node described as `tag#id` or
/// `tag.class`, a text as its text, an attribute as `@name=value`.
fn select(xpath: &str) -> Vec<String> {
    let html = Html::parse_document(PAGE);
    let page = Page::new(html.tree.root());
    let compiled = XPath::compile(xpath).unwrap_or_else(|e| panic!("{xpath}: {e}"));
    let eval = Eval::new(&page);
    compiled
        .select(&page)
        .unwrap()
        .into_iter()
        .map(|item| match item {
            Item::Attr(..) => format!("@{}", eval.string_value(item).unwrap()),
            Item::Node(node) => match node.value() {
                scraper::Node::Element(el) => {
                    let mut s = el.name().to_owned();
                    if let Some(id) = el.id() {
                        s.push_str(&format!("#{id}"));
                    } else if let Some(class) = el.classes().next() {
                        s.push_str(&format!(".{class}"));
                    }
                    s
                }
                scraper::Node::Text(t) => t.trim().to_owned(),
                _ => "?".to_owned(),
            },
        })
        .collect()
}

fn texts(xpath: &str) -> Vec<String> {
    let html = Html::parse_document(PAGE);
    let page = Page::new(html.tree.root());
    XPath::compile(xpath).unwrap().texts(&page).unwrap()
}

#[test]
fn attribute_equality_and_contains() {
    assert_eq!(select("//div[@id='main']"), ["div#main"]);
    assert_eq!(select("//div[@id = \"main\"]"), ["div#main"]);
    assert_eq!(select("//*[@id='f']"), ["footer#f"]);
    assert_eq!(
        select("//div[contains(@class,'story')]"),
        ["div#main", "div.related"]
    );
    assert_eq!(select("//div[@class='ad-box']"), ["div.ad-box"]);
}

#[test]
fn class_token_idiom_matches_whole_words_only() {
    let token = |class: &str| {
        select(&format!(
            "//div[contains(concat(' ',normalize-space(@class),' '),' {class} ')]"
        ))
    };
    assert_eq!(token("story"), ["div#main"]);
    assert_eq!(token("lead-story"), ["div#main"]);
    assert!(token("lead").is_empty());
}

#[test]
fn descendants_children_and_positions() {
    assert_eq!(select("//div[@id='main']//p").len(), 3);
    assert_eq!(select("//div[@id='main']/p[1]"), ["p.intro"]);
    assert_eq!(select("//div[@id='main']/p[last()]"), ["p"]);
    assert_eq!(select("(//p)[last()]"), ["p#after"]);
    assert_eq!(select("//div[@id='main']/p[position() > 1]").len(), 2);
    assert_eq!(select("//article"), Vec::<String>::new());
    assert_eq!(select("//h1[1]"), ["h1"]);
    assert_eq!(select("/html/body/footer"), ["footer#f"]);
}

#[test]
fn unions_are_in_document_order_without_duplicates() {
    assert_eq!(select("//footer | //h1 | //*[@id='f']"), ["h1", "footer#f"]);
}

#[test]
fn attributes_text_and_string_functions() {
    assert_eq!(
        select("//meta[@property='og:title']/@content"),
        ["@The headline"]
    );
    assert_eq!(select("//a[@rel='next']/@href"), ["@/page/2"]);
    assert_eq!(texts("//time/@datetime"), ["2021-03-04T05:06:07Z"]);
    assert_eq!(texts("//div[@id='main']/p[2]"), ["Second bold paragraph."]);
    assert_eq!(
        select("//div[@id='main']/p[2]/text()"),
        ["Second", "paragraph."]
    );
    assert_eq!(texts("string(//h1)"), ["Heading one"]);
    assert_eq!(
        texts("substring-before(//time/@datetime, 'T')"),
        ["2021-03-04"]
    );
    assert_eq!(texts("normalize-space(concat(' a ', 'b  c'))"), ["a b c"]);
    assert_eq!(texts("translate('abc', 'ab', 'A')"), ["Ac"]);
    assert_eq!(texts("substring('12345', 2, 3)"), ["234"]);
    assert_eq!(texts("count(//p) + 1"), ["6"]);
    assert_eq!(select("//p[starts-with(., 'Third')]").len(), 1);
    assert_eq!(
        select("//p[string-length(normalize-space(.)) = 16]"),
        ["p.intro", "p"]
    );
}

#[test]
fn boolean_logic_and_not() {
    assert_eq!(select("//div[@id='main' or @class='ad-box']").len(), 2);
    assert_eq!(
        select("//div[contains(@class,'story') and not(@id)]"),
        ["div.related"]
    );
    assert_eq!(select("//p[not(@class)][2]"), ["p"]);
}

#[test]
fn other_axes() {
    assert_eq!(select("//h1/.."), ["div#main"]);
    assert_eq!(select("//h1/parent::div"), ["div#main"]);
    assert_eq!(select("//b/ancestor::div"), ["div#main"]);
    assert_eq!(select("//footer/following-sibling::*"), ["p#after"]);
    assert_eq!(
        select("//footer/self::footer | //footer/following-sibling::*"),
        ["footer#f", "p#after"]
    );
    assert_eq!(select("//time/preceding-sibling::p[1]"), ["p"]);
    assert_eq!(
        select("//div[@class='ad-box']/following-sibling::*[1][self::p]"),
        ["p"]
    );
    assert_eq!(select("//footer/preceding::p[1]"), ["p"]);
    assert_eq!(select("//h1/following::footer"), ["footer#f"]);
    assert_eq!(select("//*[@id='f']/ancestor-or-self::body"), ["body"]);
}

#[test]
fn attribute_rules_are_recognised() {
    assert!(
        XPath::compile("//img/@srcset")
            .unwrap()
            .selects_attributes()
    );
    assert!(
        !XPath::compile("//img[@srcset]")
            .unwrap()
            .selects_attributes()
    );
}

#[test]
fn unsupported_and_broken_expressions_are_errors() {
    let err = |x: &str| XPath::compile(x).unwrap_err();
    assert!(err("//div[@id=$x]").contains("variables"));
    assert!(err("//div[lower-case(@id)='a']").contains("lower-case()"));
    assert!(err("//namespace::x").contains("namespace::"));
    assert!(err("//div[@id='a'").contains("expected"));
    assert!(err("//div[contains(@class)]").contains("contains() takes"));
    assert!(err("").contains("empty"));
    assert!(err("//div]").contains("unexpected"));
    assert!(err(&"(".repeat(100)).contains("nested"));
    assert!(err(&format!("//{}", "a".repeat(3000))).contains("longer"));
}

#[test]
fn evaluation_is_bounded() {
    let body = "<div>x</div>".repeat(5_000);
    let html = Html::parse_document(&body);
    let page = Page::new(html.tree.root());
    // Every div walks every div after it: quadratic, stopped.
    let xpath = XPath::compile("//div[count(following::div) > 0]").unwrap();
    assert_eq!(xpath.select(&page), Err(Exhausted));
}
