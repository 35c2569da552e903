//! A byte-level HTML tag lexer: finds start and end tags (name, attribute
//! count, self-closing flag) the way html5ever's tokenizer delimits them,
//! skipping text, comments, doctypes and bogus comments. It builds nothing
//! and allocates nothing per tag.
//!
//! Where it cannot be exact it errs towards seeing *more* tags than the
//! tokenizer (a comment or a raw-text block ends at the earliest point the
//! tokenizer could end it), so a limit checked on its output is never fooled
//! into under-counting a page: tags hidden from this lexer but parsed by
//! html5ever would be a way around the limits.

use std::ops::Range;

/// A start or end tag as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tag<'a> {
    /// `false` for an end tag (`</p>`).
    pub(super) start: bool,
    /// The name as written (not lower-cased).
    pub(super) name: &'a [u8],
    /// Attributes written in the tag, duplicates included (the tokenizer
    /// compares each new one with all before it, so each one costs).
    pub(super) attributes: usize,
    /// Ends in `/>`.
    pub(super) self_closing: bool,
    /// The whole tag, `<` to `>`, to look attributes up in.
    pub(super) span: Range<usize>,
}

/// Walks a page's tags in order.
pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
    /// XML rules: `<![CDATA[` ends at `]]>`, `<?` at `?>`.
    xml: bool,
    /// The comments skipped (`<!--` to their end), when asked for.
    pub(super) comments: Option<Vec<Range<usize>>>,
}

impl<'a> Lexer<'a> {
    /// A lexer of HTML.
    pub(super) fn new(html: &'a str) -> Self {
        Lexer {
            bytes: html.as_bytes(),
            at: 0,
            xml: false,
            comments: None,
        }
    }

    /// A lexer of XML (feeds).
    pub(super) fn xml(body: &'a str) -> Self {
        Lexer {
            xml: true,
            ..Lexer::new(body)
        }
    }

    /// The next tag, or `None` at the end (a tag cut off by the end of the
    /// page is dropped, as the tokenizer drops it).
    pub(super) fn next_tag(&mut self) -> Option<Tag<'a>> {
        loop {
            let lt = self.at + memchr::memchr(b'<', &self.bytes[self.at..])?;
            self.at = lt + 1;
            match self.bytes.get(self.at).copied()? {
                c if c.is_ascii_alphabetic() => return self.tag(lt, true),
                b'/' => match self.bytes.get(self.at + 1).copied()? {
                    c if c.is_ascii_alphabetic() => {
                        self.at += 1;
                        return self.tag(lt, false);
                    }
                    // `</>` is dropped.
                    b'>' => self.at += 2,
                    _ => self.skip_past(b">"),
                },
                b'!' if self.bytes[self.at..].starts_with(b"!--") => {
                    self.at += 3;
                    self.skip_comment();
                    if let Some(comments) = &mut self.comments {
                        comments.push(lt..self.at);
                    }
                }
                b'!' if self.xml && self.bytes[self.at..].starts_with(b"![CDATA[") => {
                    self.skip_past(b"]]>");
                }
                b'?' if self.xml => self.skip_past(b"?>"),
                // Doctypes, `<![CDATA[` (a bogus comment outside SVG and
                // MathML; ending it at the first `>` inside them too can only
                // show more tags) and `<?...>` all end at the first `>`.
                b'!' | b'?' => self.skip_past(b">"),
                _ => {}
            }
        }
    }

    /// Moves past the next `needle`, or to the end.
    fn skip_past(&mut self, needle: &[u8]) {
        self.at = match memchr::memmem::find(&self.bytes[self.at..], needle) {
            Some(i) => self.at + i + needle.len(),
            None => self.bytes.len(),
        };
    }

    /// Skips a comment's body (after `<!--`). It ends at `-->` or `--!>`
    /// (with any number of extra dashes before the `>`), and at once as
    /// `<!-->` or `<!--->`.
    fn skip_comment(&mut self) {
        let rest = &self.bytes[self.at..];
        if rest.starts_with(b">") {
            self.at += 1;
            return;
        }
        if rest.starts_with(b"->") {
            self.at += 2;
            return;
        }
        while let Some(i) = memchr::memmem::find(&self.bytes[self.at..], b"--") {
            let mut j = self.at + i + 2;
            while self.bytes.get(j) == Some(&b'-') {
                j += 1;
            }
            match self.bytes.get(j) {
                Some(b'>') => {
                    self.at = j + 1;
                    return;
                }
                Some(b'!') if self.bytes.get(j + 1) == Some(&b'>') => {
                    self.at = j + 2;
                    return;
                }
                _ => self.at = j,
            }
        }
        self.at = self.bytes.len();
    }

    /// Skips raw text (script, style, textarea, title...) up to its end tag
    /// `</name` followed by whitespace, `/` or `>`, which is lexed next.
    pub(super) fn skip_raw_text(&mut self, name: &[u8]) {
        while let Some(i) = memchr::memmem::find(&self.bytes[self.at..], b"</") {
            let start = self.at + i;
            let after = start + 2 + name.len();
            let closes = self
                .bytes
                .get(start + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && self
                    .bytes
                    .get(after)
                    .is_none_or(|c| is_space(*c) || matches!(c, b'/' | b'>'));
            if closes {
                self.at = start;
                return;
            }
            self.at = start + 2;
        }
        self.at = self.bytes.len();
    }

    /// Everything after `<plaintext>` is text.
    pub(super) fn skip_to_end(&mut self) {
        self.at = self.bytes.len();
    }

    /// Lexes the tag whose name starts at `self.at` (`lt` is its `<`).
    fn tag(&mut self, lt: usize, start: bool) -> Option<Tag<'a>> {
        let b = self.bytes;
        let name_start = self.at;
        let mut i = name_start;
        while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        let name = &b[name_start..i];
        let mut attributes = 0;
        let mut self_closing = false;
        // The tokenizer's states from "before attribute name" on.
        loop {
            let c = *b.get(i)?;
            match c {
                _ if is_space(c) => i += 1,
                b'>' => break,
                b'/' => {
                    if b.get(i + 1) == Some(&b'>') {
                        self_closing = true;
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                _ => {
                    attributes += 1;
                    i = attribute_end(b, i)?;
                }
            }
        }
        self.at = i + 1;
        Some(Tag {
            start,
            name,
            attributes,
            self_closing,
            span: lt..self.at,
        })
    }
}

/// The end of the attribute starting at `i` (its name, and its value if it
/// has one): the index of the byte after it, `None` at the end of the page.
fn attribute_end(b: &[u8], mut i: usize) -> Option<usize> {
    // The name; a leading `=` belongs to it.
    i += 1;
    while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
        i += 1;
    }
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return Some(i);
    }
    i += 1;
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    match *b.get(i)? {
        quote @ (b'"' | b'\'') => {
            let close = memchr::memchr(quote, &b[i + 1..])?;
            Some(i + 1 + close + 1)
        }
        b'>' => Some(i),
        _ => {
            while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                i += 1;
            }
            Some(i)
        }
    }
}

/// HTML whitespace (CR included: the tokenizer turns it into LF first).
pub(super) fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// The value of attribute `name` in a lexed tag, if written there
/// (unquoted, quoted or empty).
pub(super) fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut i = 1;
    while i < tag.len() && !is_space(tag[i]) && !matches!(tag[i], b'/' | b'>') {
        i += 1;
    }
    loop {
        while i < tag.len() && (is_space(tag[i]) || tag[i] == b'/') {
            i += 1;
        }
        if i >= tag.len() || tag[i] == b'>' {
            return None;
        }
        let start = i;
        let end = attribute_end(tag, i)?;
        let mut n = start + 1;
        while n < end && !is_space(tag[n]) && tag[n] != b'=' {
            n += 1;
        }
        if tag[start..n].eq_ignore_ascii_case(name) {
            let value = tag[n..end]
                .iter()
                .position(|c| *c == b'=')
                .map_or(&[][..], |eq| &tag[n + eq + 1..end]);
            let value = value.trim_ascii();
            let unquoted = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .or_else(|| value.strip_prefix(b"'").and_then(|v| v.strip_suffix(b"'")));
            return Some(unquoted.unwrap_or(value));
        }
        i = end;
    }
}
