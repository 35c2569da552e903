//! The `<?xml-stylesheet?>` instruction that lets a browser show an RSS or
//! Atom document through an XSLT stylesheet ([`FeedInfo::stylesheet`]).

#[cfg(doc)]
use super::FeedInfo;
use super::xml_safe;

/// `document` (an XML document starting with its declaration) with an
/// `<?xml-stylesheet?>` instruction for `href` on the line after the
/// declaration (the only place before the root element the crates leave).
pub(super) fn with_stylesheet(document: String, href: Option<&str>) -> String {
    let Some(href) = href else {
        return document;
    };
    let href = quick_xml::escape::escape(xml_safe(href).as_ref()).into_owned();
    let instruction = format!("<?xml-stylesheet type=\"text/xsl\" href=\"{href}\"?>");
    let after_declaration = document
        .strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>"))
        .map_or(0, |end| "<?xml".len() + end + "?>".len());
    let (declaration, rest) = document.split_at(after_declaration);
    let newline = if declaration.is_empty() { "" } else { "\n" };
    format!("{declaration}{newline}{instruction}{rest}")
}

#[cfg(test)]
mod tests {
    use super::super::{FeedInfo, atom, rss};
    use super::*;

    #[test]
    fn the_stylesheet_instruction_follows_the_declaration_escaped() {
        use super::super::test_support::{info as plain, item};
        let info = FeedInfo {
            stylesheet: Some("../feed.xsl?a=1&b=\"<2>\"".into()),
            ..plain()
        };
        let want = "<?xml-stylesheet type=\"text/xsl\" href=\"../feed.xsl?a=1&amp;b=&quot;&lt;2&gt;&quot;\"?>";
        for doc in [rss(&info, &[item(1)]), atom(&info, &[item(1)])] {
            let second = doc.lines().nth(1).unwrap_or_default();
            assert!(doc.starts_with("<?xml version=\"1.0\""), "{doc}");
            assert!(second.starts_with(want), "{doc}");
            let parsed = roxmltree::Document::parse(&doc).unwrap();
            assert!(matches!(
                parsed.root().first_child().map(|n| n.node_type()),
                Some(roxmltree::NodeType::PI)
            ));
        }
        assert!(!rss(&plain(), &[]).contains("xml-stylesheet"));
        assert_eq!(
            with_stylesheet("<a/>".into(), Some("s.xsl")),
            "<?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?><a/>"
        );
    }
}
