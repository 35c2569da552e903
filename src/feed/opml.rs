//! OPML 2.0 (<http://opml.org/spec2.opml>): the subscription list a reader
//! imports in one step. Written by hand: the document is a head and a flat
//! list of `outline` elements, and attribute escaping is the only rule that
//! matters.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{GENERATOR_NAME, OpmlEntry, xml_safe};

/// Renders the list; entries keep the order given.
pub(super) fn render(title: &str, entries: &[OpmlEntry], created: DateTime<Utc>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<opml version=\"2.0\">\n  <head>\n");
    let _ = writeln!(out, "    <title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        "    <dateCreated>{}</dateCreated>",
        created.to_rfc2822()
    );
    let _ = writeln!(out, "    <docs>http://opml.org/spec2.opml</docs>");
    let _ = writeln!(out, "    <ownerName>{GENERATOR_NAME}</ownerName>");
    out.push_str("  </head>\n  <body>\n");
    for entry in entries {
        out.push_str(&outline(entry));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// One `<outline/>` line. `text` is required by OPML 2.0; `title` is what
/// most readers show.
fn outline(entry: &OpmlEntry) -> String {
    let title = escape(&entry.title);
    format!(
        "    <outline type=\"{}\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{}\" htmlUrl=\"{}\"/>\n",
        escape(entry.kind),
        escape(&entry.xml_url),
        escape(&entry.html_url),
    )
}

/// Escapes text for element content and double-quoted attributes (quick-xml's
/// escaper, the one behind the `rss` and `atom_syndication` crates), after
/// removing characters XML forbids. Tabs and line breaks become character
/// references: attribute-value normalization would turn them into spaces.
fn escape(text: &str) -> String {
    let escaped = quick_xml::escape::escape(xml_safe(text).as_ref()).into_owned();
    if !escaped.contains(['\t', '\n', '\r']) {
        return escaped;
    }
    escaped
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn entry(id: &str, title: &str) -> OpmlEntry {
        OpmlEntry {
            title: title.into(),
            xml_url: format!("http://127.0.0.1:8080/feeds/{id}.rss"),
            html_url: format!("https://{id}.example/news/"),
            kind: "rss",
        }
    }

    fn created() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap()
    }

    /// The `outline` lines of a document.
    fn outlines(doc: &str) -> Vec<&str> {
        doc.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("<outline"))
            .collect()
    }

    #[test]
    fn document_has_the_opml_2_head_and_one_outline_per_entry_in_order() {
        let doc = render(
            "refeed",
            &[entry("a", "Outlet A"), entry("b", "B")],
            created(),
        );
        assert!(
            doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">")
        );
        assert!(doc.contains("<title>refeed</title>"), "{doc}");
        assert!(doc.contains("<dateCreated>Mon, 6 May 2024 07:08:09 +0000</dateCreated>"));
        assert!(doc.trim_end().ends_with("</body>\n</opml>"));
        assert_eq!(
            outlines(&doc),
            [
                "<outline type=\"rss\" text=\"Outlet A\" title=\"Outlet A\" \
                 xmlUrl=\"http://127.0.0.1:8080/feeds/a.rss\" htmlUrl=\"https://a.example/news/\"/>",
                "<outline type=\"rss\" text=\"B\" title=\"B\" \
                 xmlUrl=\"http://127.0.0.1:8080/feeds/b.rss\" htmlUrl=\"https://b.example/news/\"/>",
            ]
        );
    }

    #[test]
    fn markup_quotes_and_ampersands_are_escaped_in_attributes_and_title() {
        let mut nasty = entry("a", "<b>\"Q\" & 'A'</b>\u{C}\n");
        nasty.xml_url = "http://h/feeds/a.rss?x=1&y=2".into();
        let doc = render("Mine & <yours>", &[nasty], created());
        assert!(
            doc.contains("<title>Mine &amp; &lt;yours&gt;</title>"),
            "{doc}"
        );
        let line = outlines(&doc)[0];
        let title = "&lt;b&gt;&quot;Q&quot; &amp; &apos;A&apos;&lt;/b&gt;&#10;";
        assert!(
            line.contains(&format!("text=\"{title}\" title=\"{title}\"")),
            "{line}"
        );
        assert!(
            line.contains("xmlUrl=\"http://h/feeds/a.rss?x=1&amp;y=2\""),
            "{line}"
        );
        assert!(!doc.contains('\u{C}'));
    }

    #[test]
    fn non_latin_titles_are_written_as_utf8() {
        let doc = render("refeed", &[entry("ar", "أخبار — ニュース")], created());
        assert!(
            outlines(&doc)[0].contains("title=\"أخبار — ニュース\""),
            "{doc}"
        );
    }

    #[test]
    fn no_entries_gives_an_empty_body() {
        let doc = render("refeed", &[], created());
        assert!(doc.contains("<body>\n  </body>"), "{doc}");
        assert!(outlines(&doc).is_empty());
    }
}
