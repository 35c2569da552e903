use super::*;

fn depth(html: &str) -> usize {
    measure(html).depth
}

/// html5ever's real depth of the deepest element (`html` and `body`
/// included), to compare the model with.
fn parsed_depth(html: &str) -> usize {
    let doc = scraper::Html::parse_document(html);
    doc.tree
        .root()
        .descendants()
        .map(|n| {
            std::iter::once(n)
                .chain(n.ancestors())
                .filter(|a| a.value().is_element())
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn nested_and_sibling_elements() {
    assert_eq!(depth("<div><div><p>x</p></div></div>"), 3);
    assert_eq!(depth("<p>a</p><p>b</p><p>c</p>"), 1);
    assert_eq!(depth(""), 0);
    assert_eq!(depth("just text, no tags < 3 > 2"), 0);
    let shape = measure("<div id=a class='b c'><span>x</span></div>");
    assert_eq!(shape.elements, 2);
    assert_eq!(shape.attributes, 2);
    assert_eq!(shape.most_attributes, 2);
}

#[test]
fn void_elements_do_not_nest() {
    assert_eq!(
        depth("<div><br><img src=x><input><hr><meta charset=utf-8></div>"),
        1
    );
    assert_eq!(measure(&"<br>".repeat(5000)).depth, 0);
}

#[test]
fn a_slash_does_not_close_an_html_element() {
    // html5ever ignores the slash on `<div/>`: these nest.
    assert_eq!(depth(&"<div/>".repeat(2000)), 2000);
    assert_eq!(depth("<br/><img/>"), 0);
    // In SVG the slash closes.
    assert_eq!(
        depth(&format!("<svg>{}</svg>", "<path d='M0'/>".repeat(3000))),
        1
    );
}

#[test]
fn void_names_nest_inside_svg() {
    // `<link>` is a void element in HTML only.
    assert_eq!(depth(&format!("<svg>{}", "<link>".repeat(1500))), 1501);
    assert_eq!(parsed_depth(&format!("<svg>{}", "<link>".repeat(50))), 53);
    // `title` holds HTML in SVG only; in MathML it is one more foreign element.
    assert!(depth(&format!("<math><title>{}", "<link>".repeat(1500))) > 1500);
    assert_eq!(depth(&format!("<svg><title>{}", "<link>".repeat(1500))), 2);
}

#[test]
fn raw_text_hides_markup() {
    let inside = "<div>".repeat(3000);
    for element in [
        "script", "style", "textarea", "title", "xmp", "noscript", "iframe",
    ] {
        let html = format!("<div><{element}>{inside}</{element}></div>");
        assert_eq!(depth(&html), 2, "{element}");
    }
    // Its end tag must name it, whole, in any case.
    let html = format!("<script>{inside}</scripts></ScRiPt ><div>x</div>");
    assert_eq!(depth(&html), 1);
    assert_eq!(depth(&format!("<plaintext>{inside}")), 1);
}

#[test]
fn raw_text_names_are_plain_elements_inside_svg() {
    // In SVG, <title>, <style> and <script> hold markup: a bomb inside
    // them is parsed, so it is counted.
    for element in ["title", "style", "script"] {
        let html = format!("<svg><{element}>{}", "<div>".repeat(1500));
        assert!(depth(&html) >= 1500, "{element}: {}", depth(&html));
        assert!(depth(&html) + 2 >= parsed_depth(&html), "{element}");
    }
}

#[test]
fn comments_cdata_and_doctypes_hide_markup() {
    let inside = "<div>".repeat(3000);
    assert_eq!(depth(&format!("<!DOCTYPE html><!--{inside}--><p>x</p>")), 1);
    assert_eq!(depth(&format!("<!--{inside}--!><p>x</p>")), 1);
    assert_eq!(depth(&format!("<!--{inside}----><p>x</p>")), 1);
    // `<!-->` ends at once: what follows is markup.
    assert_eq!(depth(&format!("<!-->{inside}-->")), 3000);
    assert_eq!(depth(&format!("<!--->{inside}-->")), 3000);
    // CDATA outside SVG ends at the first `>`, like a bogus comment.
    assert_eq!(depth(&format!("<![CDATA[ x >{inside}]]>")), 3000);
    assert_eq!(depth(&format!("<?php echo 1 ?>{inside}")), 3000);
}

#[test]
fn quoted_attribute_values_may_hold_angle_brackets() {
    let html = format!("<div title='{}'>x</div>", "<div>".repeat(3000));
    assert_eq!(depth(&html), 1);
    assert_eq!(measure(&html).elements, 1);
}

#[test]
fn unclosed_tags_count() {
    assert_eq!(depth(&"<div>".repeat(200)), 200);
    assert_eq!(depth(&"<span><em>".repeat(100)), 200);
    // A tag cut off by the end of the page is dropped.
    assert_eq!(measure("<div><span class='x").elements, 1);
}

#[test]
fn implied_ends_keep_sloppy_pages_shallow() {
    let paragraphs = "<p>unclosed paragraph".repeat(5000);
    assert_eq!(depth(&format!("<div>{paragraphs}</div>")), 2);
    let list = format!("<ul>{}</ul>", "<li>item".repeat(5000));
    assert_eq!(depth(&list), 2);
    let table = format!("<table>{}</table>", "<tr><td>a<td>b".repeat(5000));
    assert_eq!(depth(&table), 4, "with the tbody html5ever adds");
    let select = format!("<select>{}</select>", "<option>o".repeat(5000));
    assert_eq!(depth(&select), 2);
    // An unclosed inline element inside a block ends with it.
    let sloppy = "<div><span>unclosed</div>".repeat(5000);
    assert_eq!(depth(&sloppy), 2);
    let sloppy_bold = "<p><b>bold, unclosed</p>".repeat(5000);
    assert!(depth(&sloppy_bold) <= 5, "{}", depth(&sloppy_bold));
    assert!(parsed_depth(&sloppy_bold) <= depth(&sloppy_bold) + 3);
}

#[test]
fn end_tags_that_html5ever_ignores_close_nothing() {
    // `</span>` cannot close past a `<div>`; `</body>` and `</form>` pop
    // nothing. Each line nests in html5ever, so it must nest here.
    for bomb in [
        "<span><div></span>",
        "<div></body>",
        "<form><div></form>",
        "<div></x>",
    ] {
        let html = bomb.repeat(600);
        let real = parsed_depth(&html);
        assert!(real >= 600, "{bomb}: html5ever depth {real}");
        assert!(
            depth(&html) + 3 >= real,
            "{bomb}: {} < {real}",
            depth(&html)
        );
    }
}

#[test]
fn nested_tables_count() {
    // html5ever adds a `<tbody>` to each: the model counts it too.
    let html = "<table><tr><td>".repeat(400);
    assert_eq!(depth(&html), 1600);
    assert_eq!(parsed_depth(&html), 1600 + 2);
    let cells = "<table><td>".repeat(300);
    assert_eq!(depth(&cells), 1200);
    // A table in a table's own context closes it (no nesting) in html5ever;
    // the model may count it, it must not count less.
    let flat = "<table><table>".repeat(10);
    assert!(depth(&flat) >= parsed_depth(&flat) - 3);
}

#[test]
fn formatting_elements_reopened_by_html5ever_count() {
    // Distinct `<b>`s closed by `</div>` are reopened at the next text.
    let html = format!(
        "<div>{}</div>x",
        (0..300).map(|i| format!("<b id={i}>")).collect::<String>()
    );
    assert!(depth(&html) >= 300);
    assert!(depth(&html) + 3 >= parsed_depth(&html));
    // Identical ones are reopened three at most.
    let same = "<div><b>x</div>".repeat(1000);
    assert!(depth(&same) <= 5, "{}", depth(&same));
}

#[test]
fn model_never_reports_less_than_html5ever() {
    let cases = [
        "<div><p>a<div>b</p>c</div></div>",
        "<ul><li>a<ul><li>b</ul><li>c</ul>",
        "<table><tr><td><table><tr><td>x</table></td></tr></table>",
        "<svg><g><foreignObject><div><p>x</div></foreignObject></g></svg>",
        "<math><mi><div>x</div></mi><annotation-xml encoding=text/html><div/><div/></annotation-xml></math>",
        "<select><div><option>a<option>b</select>",
        "<a href=1>one<a href=2>two<p>para<a href=3>three",
        "<dl><dt>a<dd>b<dt>c<dd>d</dl>",
        "<h1>a<h2>b</h1>c",
        "<button><button><button>x",
        "<b><i><u><s>text</b></i></u></s>",
        "<object><b><div>x</object>y",
    ];
    for html in cases {
        let (model, real) = (depth(html), parsed_depth(html));
        // The document adds `html` and `body`, the model does not count them.
        assert!(model + 2 >= real, "{html}: model {model}, html5ever {real}");
    }
}

#[test]
fn attributes_are_counted_per_element_and_in_all() {
    let attrs: String = (0..1500).map(|i| format!(" a{i}=\"v>\"")).collect();
    let shape = measure(&format!("<p{attrs}>x</p><i a b>"));
    assert_eq!(shape.most_attributes, 1500);
    assert_eq!(shape.attributes, 1502);
    // End tags carry attributes too, and are compared alike.
    assert_eq!(measure("</p a b c>").most_attributes, 3);
    let err = check(&format!("<p{attrs}>x</p>")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "element has too many attributes: 1500, limit 1000"
    );
}

#[test]
fn bombs_are_refused_with_their_measure() {
    let err = check(&"<div>".repeat(200_000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "page too deeply nested: depth 200000, limit 1000"
    );
    let deep_and_wide = format!("{}{}", "<span>".repeat(998), "<p>x</p>".repeat(20_000));
    assert_eq!(
        check(&deep_and_wide).unwrap_err().to_string(),
        "page too deeply nested for its size: 20478501 element levels, limit 5000000"
    );
    let wide = "<p>x</p>".repeat(MAX_ELEMENTS + 1);
    assert_eq!(
        check(&wide).unwrap_err(),
        TooComplex::Elements {
            count: MAX_ELEMENTS + 1,
            limit: MAX_ELEMENTS
        }
    );
    let many = "<i a b c d e f g h i j k l m n o p q r s t>x</i>".repeat(MAX_ATTRIBUTES / 20 + 1);
    assert!(matches!(check(&many), Err(TooComplex::Attributes { .. })));
    assert!(check("<html><body><p>fine</p></body></html>").is_ok());
}

#[test]
fn a_long_text_of_ampersands_is_refused_before_its_quadratic_escaping() {
    // 1.8 MB of `x&amp;` took 2.6 s of CPU to extract in a release build.
    let page = format!("<article><p>{}</p></article>", "x&amp;".repeat(300_000));
    let err = check(&page).unwrap_err();
    assert!(matches!(err, TooComplex::EscapeScan { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("page has too many `&` in long texts")
    );
    // The same text in paragraphs of a real size is fine.
    let paragraphs = "<p>Fish &amp; chips, salt &amp; vinegar.</p>".repeat(20_000);
    assert!(check(&paragraphs).is_ok());
}

#[test]
fn a_feed_may_hold_more_elements_than_a_page_but_not_without_bound() {
    let items = "<item><title>t</title><link>l</link><description>d</description></item>";
    let feed = |n: usize| format!("<rss><channel>{}</channel></rss>", items.repeat(n));
    // 100,000 items: 400,002 elements, more than a page may have.
    assert!(check_xml(&feed(100_000)).is_ok());
    let err = check_xml(&feed(130_000)).unwrap_err();
    assert!(
        matches!(
            err,
            TooComplex::Elements {
                limit: MAX_FEED_ELEMENTS,
                ..
            }
        ),
        "{err:?}"
    );
}
