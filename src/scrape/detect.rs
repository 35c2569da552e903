//! Finds a feed body's root element without parsing it: past a byte-order
//! mark, the XML declaration, processing instructions (`xml-stylesheet`),
//! comments, a doctype and whitespace.

/// Where the root element starts and what it is called.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Root<'a> {
    /// The element name as written (`rss`, `rdf:RDF`, `feed`, `html`), or
    /// `None` when the body has no element where one should start.
    pub name: Option<&'a str>,
    /// Byte offset of the root's `<` (the body's length when there is none).
    /// Parsers get the body from here, so the XML declaration's `encoding`
    /// (already applied by `fetch`) is not applied twice.
    pub offset: usize,
}

/// Scans to the first element of `body`.
pub(super) fn root_element(body: &str) -> Root<'_> {
    let mut rest = body.strip_prefix('\u{feff}').unwrap_or(body);
    loop {
        rest = rest.trim_start();
        let skipped = if rest.starts_with("<?") {
            after(rest, "?>")
        } else if rest.starts_with("<!--") {
            after(rest, "-->")
        } else if rest.starts_with("<!") {
            after_doctype(rest)
        } else {
            break;
        };
        match skipped {
            Some(next) => rest = next,
            None => return none(body),
        }
    }
    let offset = body.len() - rest.len();
    let Some(tag) = rest.strip_prefix('<') else {
        return none(body);
    };
    let end = tag
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(tag.len());
    let name = &tag[..end];
    Root {
        name: (!name.is_empty()).then_some(name),
        offset,
    }
}

fn none(body: &str) -> Root<'_> {
    Root {
        name: None,
        offset: body.len(),
    }
}

fn after<'a>(text: &'a str, end: &str) -> Option<&'a str> {
    text.find(end).map(|i| &text[i + end.len()..])
}

/// A doctype may carry an internal subset in brackets (RSS 0.91 feeds that
/// declare entities), whose declarations contain `>` themselves.
fn after_doctype(text: &str) -> Option<&str> {
    let close = text.find('>')?;
    match text.find('[') {
        Some(open) if open < close => after(&text[open..], "]").and_then(|t| after(t, ">")),
        _ => Some(&text[close + 1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(body: &str) -> Option<&str> {
        root_element(body).name
    }

    #[test]
    fn skips_bom_prolog_stylesheet_comments_and_whitespace() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
            <?xml-stylesheet type=\"text/xsl\" href=\"/feed.xsl\"?>\n\
            <!-- generator=\"WordPress/5.5.1\" -->\n  <rss version=\"2.0\"><channel/></rss>";
        let root = root_element(body);
        assert_eq!(root.name, Some("rss"));
        assert!(body[root.offset..].starts_with("<rss version"));
    }

    #[test]
    fn names_rdf_atom_and_html_roots() {
        assert_eq!(name("<rdf:RDF xmlns:rdf=\"x\">"), Some("rdf:RDF"));
        assert_eq!(
            name("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            Some("feed")
        );
        assert_eq!(name("<!DOCTYPE html>\n<html lang=\"en-US\">"), Some("html"));
    }

    #[test]
    fn skips_doctype_with_internal_subset() {
        let body = "<!DOCTYPE rss [<!ENTITY eacute \"&#233;\"> <!ENTITY x \"y\">]>\n<rss>";
        assert_eq!(name(body), Some("rss"));
    }

    #[test]
    fn no_element_is_none() {
        assert_eq!(name(""), None);
        assert_eq!(
            name("{\"version\": \"https://jsonfeed.org/version/1\"}"),
            None
        );
        assert_eq!(name("<!-- never closed"), None);
    }
}
