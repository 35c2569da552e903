//! Comments, bogus comments and doctypes, delimited as html5ever's
//! tokenizer delimits them (WHATWG HTML, "comment start state" onwards and
//! "DOCTYPE state" onwards). A doctype in a form this module does not read
//! (a missing quote, a `>` inside an identifier, text after the system
//! identifier) is left to html5ever: `doctype` returns `None`.

use std::ops::Range;

use super::super::lexer::is_space;

/// Where the comment whose body starts at `body` (after `<!--`) ends: the
/// byte range of its text and the byte after it. The text is always a
/// slice of the source: the tokenizer appends every character it reads
/// except the closing dashes (and `!`).
pub(super) fn comment(b: &[u8], body: usize) -> (Range<usize>, usize) {
    #[derive(Clone, Copy)]
    enum State {
        Start,
        StartDash,
        Text,
        EndDash,
        End,
        EndBang,
    }
    let mut state = State::Start;
    let mut i = body;
    while i < b.len() {
        let c = b[i];
        state = match (state, c) {
            (State::Start | State::StartDash, b'>') => return (body..body, i + 1),
            (State::Start, b'-') => State::StartDash,
            (State::StartDash | State::EndDash, b'-') => State::End,
            (State::Text, _) => match memchr::memchr(b'-', &b[i..]) {
                Some(dash) => {
                    i += dash + 1;
                    state = State::EndDash;
                    continue;
                }
                None => break,
            },
            (State::End, b'>') => return (body..i - 2, i + 1),
            (State::End, b'!') => State::EndBang,
            (State::End, b'-') => State::End,
            (State::EndBang, b'-') => State::EndDash,
            (State::EndBang, b'>') => return (body..i - 3, i + 1),
            // Anything else is text; it is read again in the text state.
            _ => {
                state = State::Text;
                continue;
            }
        };
        i += 1;
    }
    // The page ended inside the comment: it holds what was read.
    let cut = match state {
        State::Start | State::StartDash => return (body..body, b.len()),
        State::Text => 0,
        State::EndDash => 1,
        State::End => 2,
        State::EndBang => 3,
    };
    (body..b.len() - cut, b.len())
}

/// A bogus comment (`<?php ... >`, `</ x>`, `<!x>`): its text starts at
/// `start` and runs to the next `>` (or the end of the page).
pub(super) fn bogus_comment(b: &[u8], start: usize) -> (Range<usize>, usize) {
    match memchr::memchr(b'>', &b[start..]) {
        Some(gt) => (start..start + gt, start + gt + 1),
        None => (start..b.len(), b.len()),
    }
}

/// A doctype read by [`doctype`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Doctype {
    /// The name, lower-cased (`html`); `None` for `<!DOCTYPE>`.
    pub(super) name: Option<String>,
    /// The public identifier's range, if given.
    pub(super) public_id: Option<Range<usize>>,
    /// The system identifier's range, if given.
    pub(super) system_id: Option<Range<usize>>,
    /// `<!DOCTYPE>` with no name forces quirks mode.
    pub(super) force_quirks: bool,
    /// The byte after its `>`.
    pub(super) end: usize,
}

/// The doctype whose keyword ends at `at` (after `<!DOCTYPE`), in the
/// forms pages write: a name, then nothing, `PUBLIC "id"`, `PUBLIC "id"
/// "id"` or `SYSTEM "id"`. `None` for anything else (html5ever reads it).
pub(super) fn doctype(b: &[u8], at: usize) -> Option<Doctype> {
    let mut i = skip_space(b, at);
    if *b.get(i)? == b'>' {
        return Some(Doctype {
            name: None,
            public_id: None,
            system_id: None,
            force_quirks: true,
            end: i + 1,
        });
    }
    let name_start = i;
    while !is_space(*b.get(i)?) && b[i] != b'>' {
        i += 1;
    }
    let name = std::str::from_utf8(&b[name_start..i])
        .ok()?
        .to_ascii_lowercase();
    let mut doctype = Doctype {
        name: Some(name),
        public_id: None,
        system_id: None,
        force_quirks: false,
        end: 0,
    };
    i = skip_space(b, i);
    let keyword = b.get(i..i + 6);
    if keyword.is_some_and(|k| k.eq_ignore_ascii_case(b"PUBLIC")) {
        let (id, after) = quoted(b, skip_space(b, i + 6))?;
        doctype.public_id = Some(id);
        i = skip_space(b, after);
        if matches!(b.get(i), Some(b'"' | b'\'')) {
            let (id, after) = quoted(b, i)?;
            doctype.system_id = Some(id);
            i = skip_space(b, after);
        }
    } else if keyword.is_some_and(|k| k.eq_ignore_ascii_case(b"SYSTEM")) {
        let (id, after) = quoted(b, skip_space(b, i + 6))?;
        doctype.system_id = Some(id);
        i = skip_space(b, after);
    }
    (*b.get(i)? == b'>').then(|| Doctype {
        end: i + 1,
        ..doctype
    })
}

/// A quoted identifier at `at`: its content's range and the byte after
/// the closing quote; `None` if it is not quoted or holds a `>` (which
/// ends the doctype early, in quirks mode).
fn quoted(b: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
    let quote = *b.get(at)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = memchr::memchr(quote, &b[at + 1..])?;
    let id = at + 1..at + 1 + len;
    if memchr::memchr(b'>', &b[id.clone()]).is_some() {
        return None;
    }
    Some((id, at + 1 + len + 1))
}

/// The first byte at or after `i` that is not HTML whitespace.
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(source: &str) -> (&str, usize) {
        let (range, end) = comment(source.as_bytes(), 4);
        (&source[range], end)
    }

    #[test]
    fn comments_end_as_the_tokenizer_ends_them() {
        assert_eq!(text("<!-- a -->x"), (" a ", 10));
        assert_eq!(text("<!---->x"), ("", 7));
        assert_eq!(text("<!-->x"), ("", 5));
        assert_eq!(text("<!--->x"), ("", 6));
        assert_eq!(text("<!--a--->x"), ("a-", 9));
        assert_eq!(text("<!--a--!>x"), ("a", 9));
        assert_eq!(text("<!--a--!-->x"), ("a--!", 11));
        assert_eq!(text("<!--a -- b-->x"), ("a -- b", 13));
        assert_eq!(text("<!--a--"), ("a", 7));
        assert_eq!(text("<!--a-"), ("a", 6));
    }

    #[test]
    fn common_doctypes_are_read_and_odd_ones_left_to_html5ever() {
        let page = b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" 'x.dtd'>";
        let read = doctype(page, 9).expect("read");
        assert_eq!(read.name.as_deref(), Some("html"));
        assert_eq!(
            &page[read.public_id.clone().expect("public")],
            b"-//W3C//DTD XHTML 1.0 Strict//EN"
        );
        assert_eq!(&page[read.system_id.expect("system")], b"x.dtd");
        assert_eq!(read.end, page.len());
        assert_eq!(
            doctype(b"<!doctype HTML>", 9)
                .expect("read")
                .name
                .as_deref(),
            Some("html")
        );
        assert!(doctype(b"<!DOCTYPE>", 9).expect("read").force_quirks);
        assert_eq!(doctype(b"<!DOCTYPE html PUBLIC \"a>b\">", 9), None);
        assert_eq!(doctype(b"<!DOCTYPE html junk>", 9), None);
        assert_eq!(doctype(b"<!DOCTYPE html", 9), None);
    }
}
