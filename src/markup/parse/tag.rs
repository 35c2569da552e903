//! Start and end tags with their attributes, read as html5ever's tokenizer
//! reads them (WHATWG HTML, "tag name state" to "self-closing start tag
//! state"): names lower-cased (ASCII only), values unquoted or in either
//! quote with character references decoded, later duplicates of an
//! attribute dropped, a tag cut off by the end of the page dropped.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{Tag, TagKind};
use html5ever::{Attribute, LocalName, QualName, ns};

use super::super::lexer::is_space;
use super::{charref, sub};

/// The tag whose name starts at `name_start` (after `<` or `</`), and the
/// byte after its `>`; `None` when the page ends inside it. `input` is the
/// whole source as a tendril, to share attribute values without copying.
pub(super) fn read(input: &StrTendril, name_start: usize, kind: TagKind) -> Option<(Tag, usize)> {
    let b = input.as_bytes();
    let mut i = name_start;
    while !is_space(*b.get(i)?) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let mut tag = Tag {
        kind,
        name: local_name(&input[name_start..i]),
        self_closing: false,
        attrs: Vec::new(),
        had_duplicate_attributes: false,
    };
    loop {
        // Before an attribute name (also after a value, after `/`).
        match *b.get(i)? {
            c if is_space(c) => i += 1,
            b'>' => return Some((tag, i + 1)),
            b'/' => {
                if *b.get(i + 1)? == b'>' {
                    tag.self_closing = true;
                    return Some((tag, i + 2));
                }
                i += 1;
            }
            _ => i = attribute(input, i, &mut tag)?,
        }
    }
}

/// Reads the attribute whose name starts at `start` into `tag` (unless
/// the tag already has one of that name) and returns the byte after it.
fn attribute(input: &StrTendril, start: usize, tag: &mut Tag) -> Option<usize> {
    let b = input.as_bytes();
    // The first character is part of the name even if it is `=`.
    let mut i = start + 1;
    while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
        i += 1;
    }
    let name_end = i;
    while is_space(*b.get(i)?) {
        i += 1;
    }
    let value = if b[i] == b'=' {
        i += 1;
        while is_space(*b.get(i)?) {
            i += 1;
        }
        let (value, after) = value(input, i)?;
        i = after;
        value
    } else {
        StrTendril::new()
    };
    // Atoms compare in one step, however long the names.
    let name = local_name(&input[start..name_end]);
    if tag.attrs.iter().any(|a| a.name.local == name) {
        tag.had_duplicate_attributes = true;
    } else {
        tag.attrs.push(Attribute {
            name: QualName::new(None, ns!(), name),
            value,
        });
    }
    Some(i)
}

/// An attribute value starting at `at` (after `=` and any whitespace),
/// and the byte after it (after its closing quote, or where an unquoted
/// value ends: at whitespace or `>`). A `>` right away is an empty value
/// and is not consumed.
fn value(input: &StrTendril, at: usize) -> Option<(StrTendril, usize)> {
    let b = input.as_bytes();
    match *b.get(at)? {
        quote @ (b'"' | b'\'') => {
            let len = memchr::memchr(quote, &b[at + 1..])?;
            let range = at + 1..at + 1 + len;
            Some((decoded(input, range), at + len + 2))
        }
        b'>' => Some((StrTendril::new(), at)),
        _ => {
            let mut end = at;
            while !is_space(*b.get(end)?) && b[end] != b'>' {
                end += 1;
            }
            Some((decoded(input, at..end), end))
        }
    }
}

/// The text of `range` with its character references decoded by the
/// rules for attribute values; shared with `input` when it has none.
fn decoded(input: &StrTendril, range: std::ops::Range<usize>) -> StrTendril {
    let b = input.as_bytes();
    let Some(first) = memchr::memchr(b'&', &b[range.clone()]) else {
        return sub(input, range);
    };
    let mut out = StrTendril::new();
    let mut copied = range.start;
    let mut amp = range.start + first;
    loop {
        let mut next = amp + 1;
        if let Some(reference) = charref::decode(&b[..range.end], amp, true) {
            out.push_slice(&input[copied..amp]);
            reference.push_to(&mut out);
            copied = reference.end;
            next = reference.end;
        }
        match memchr::memchr(b'&', &b[next..range.end]) {
            Some(found) => amp = next + found,
            None => break,
        }
    }
    out.push_slice(&input[copied..range.end]);
    out
}

/// The atom for a tag or attribute name, lower-cased as the tokenizer
/// lower-cases it (ASCII letters only).
fn local_name(name: &str) -> LocalName {
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        LocalName::from(name.to_ascii_lowercase())
    } else {
        LocalName::from(name)
    }
}
