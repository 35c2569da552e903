//! Character references (`&amp;`, `&#8217;`, `&#x2014;`, legacy `&copy`),
//! decoded as html5ever's tokenizer decodes them (WHATWG HTML, "character
//! reference state"): the longest named match from the standard table,
//! the historical rule that leaves `&copy=` and `&notin1` alone inside
//! attribute values, and the numeric replacements (0, surrogates and
//! values past U+10FFFF become U+FFFD; 0x80–0x9F map through the
//! Windows-1252 table).

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use html5ever::tendril::StrTendril;

/// Characters in the longest entity name (`CounterClockwiseContourIntegral`
/// has 31), with room to spare.
const LONGEST_NAME: usize = 40;

/// A decoded reference: one or two characters, the index just after it,
/// and whether the tokenizer reports it as a parse error (no `;`, or a
/// replaced value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Decoded {
    /// The characters it stands for (a few named ones are two).
    pub(super) chars: [char; 2],
    /// How many of `chars` are used.
    pub(super) len: usize,
    /// The byte after the reference.
    pub(super) end: usize,
    /// Whether html5ever emits a parse error for it.
    pub(super) error: bool,
}

impl Decoded {
    /// Its characters.
    pub(super) fn as_chars(&self) -> &[char] {
        &self.chars[..self.len]
    }

    /// Appends its characters to `out`.
    pub(super) fn push_to(&self, out: &mut StrTendril) {
        for c in self.as_chars() {
            out.push_char(*c);
        }
    }
}

/// The reference starting at the `&` at `amp`, or `None` when the `&` is
/// plain text there. `in_attribute` applies the historical rule for
/// attribute values.
pub(super) fn decode(b: &[u8], amp: usize, in_attribute: bool) -> Option<Decoded> {
    match b.get(amp + 1)? {
        b'#' => numeric(b, amp + 2),
        c if c.is_ascii_alphanumeric() => named(b, amp + 1, in_attribute),
        _ => None,
    }
}

/// A named reference whose name starts at `start`.
fn named(b: &[u8], start: usize, in_attribute: bool) -> Option<Decoded> {
    // No entity name is longer than this; the walk below stops sooner.
    let limit = b.len().min(start + LONGEST_NAME);
    let mut run = start;
    while run < limit && b[run].is_ascii_alphanumeric() {
        run += 1;
    }
    if b.get(run) == Some(&b';') {
        run += 1;
    }
    // The tokenizer extends the name one character at a time while it is
    // a prefix of some entity, remembering the longest full match.
    let mut best = None;
    for end in start + 1..=run {
        // Entity names are ASCII, so every prefix is valid UTF-8.
        let key = std::str::from_utf8(&b[start..end]).ok()?;
        match NAMED_ENTITIES.get(key) {
            Some(&(first, second)) => {
                if first != 0 {
                    best = Some((end, first, second));
                }
            }
            None => break,
        }
    }
    let (end, first, second) = best?;
    let semicolon = b[end - 1] == b';';
    if in_attribute && !semicolon {
        let next = b.get(end).copied();
        if next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric()) {
            return None;
        }
    }
    Some(Decoded {
        chars: [
            char::from_u32(first)?,
            char::from_u32(second).unwrap_or('\0'),
        ],
        len: if second == 0 { 1 } else { 2 },
        end,
        error: !semicolon,
    })
}

/// A numeric reference whose `x` or first digit is at `at` (after `&#`).
fn numeric(b: &[u8], at: usize) -> Option<Decoded> {
    let (base, mut i) = match b.get(at) {
        Some(b'x' | b'X') => (16, at + 1),
        _ => (10, at),
    };
    let digits = i;
    let mut num: u32 = 0;
    let mut too_big = false;
    while let Some(n) = b.get(i).and_then(|c| char::from(*c).to_digit(base)) {
        num = num.wrapping_mul(base);
        if num > 0x10FFFF {
            too_big = true;
        }
        num = num.wrapping_add(n);
        i += 1;
    }
    if i == digits {
        // `&#` or `&#x` without digits is text.
        return None;
    }
    let semicolon = b.get(i) == Some(&b';');
    if semicolon {
        i += 1;
    }
    let (c, replaced) = numeric_char(num, too_big);
    Some(Decoded {
        chars: [c, '\0'],
        len: 1,
        end: i,
        error: replaced || !semicolon,
    })
}

/// The character a numeric reference stands for, and whether the value
/// is an error (as html5ever's `finish_numeric`).
fn numeric_char(num: u32, too_big: bool) -> (char, bool) {
    let plain = |n: u32| char::from_u32(n).unwrap_or('\u{fffd}');
    match num {
        n if n > 0x10FFFF || too_big => ('\u{fffd}', true),
        0x00 | 0xD800..=0xDFFF => ('\u{fffd}', true),
        0x80..=0x9F => (
            C1_REPLACEMENTS[(num - 0x80) as usize].unwrap_or_else(|| plain(num)),
            true,
        ),
        0x01..=0x08 | 0x0B | 0x0D..=0x1F | 0x7F | 0xFDD0..=0xFDEF => (plain(num), true),
        n if (n & 0xFFFE) == 0xFFFE => (plain(n), true),
        n => (plain(n), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, in_attribute: bool) -> Option<(String, usize)> {
        decode(s.as_bytes(), 0, in_attribute).map(|d| (d.as_chars().iter().collect(), d.end))
    }

    #[test]
    fn named_references_take_the_longest_match() {
        assert_eq!(text("&amp;x", false), Some(("&".into(), 5)));
        assert_eq!(text("&notin;", false), Some(("∉".into(), 7)));
        // `&not` is a legacy name: without `;` it still matches, and the
        // rest is text.
        assert_eq!(text("&notit;", false), Some(("¬".into(), 4)));
        assert_eq!(text("&copy 2012", false), Some(("©".into(), 5)));
        assert_eq!(text("&nosuch;", false), None);
        assert_eq!(text("& b", false), None);
    }

    #[test]
    fn attributes_keep_legacy_names_before_letters_and_equals() {
        assert_eq!(text("&copy=1", true), None);
        assert_eq!(text("&copyx", true), None);
        assert_eq!(text("&copy;x", true), Some(("©".into(), 6)));
        assert_eq!(text("&copy\"", true), Some(("©".into(), 5)));
        assert_eq!(text("&copy=1", false), Some(("©".into(), 5)));
    }

    #[test]
    fn numeric_references_follow_the_replacement_table() {
        assert_eq!(text("&#8217;", false), Some(("\u{2019}".into(), 7)));
        assert_eq!(text("&#x2014", false), Some(("\u{2014}".into(), 7)));
        // Windows-1252 0x93 is a left double quote.
        assert_eq!(text("&#147;", false), Some(("\u{201c}".into(), 6)));
        assert_eq!(text("&#0;", false), Some(("\u{fffd}".into(), 4)));
        assert_eq!(text("&#xD800;", false), Some(("\u{fffd}".into(), 8)));
        assert_eq!(text("&#99999999999;", false), Some(("\u{fffd}".into(), 14)));
        assert_eq!(text("&#x;", false), None);
        assert_eq!(text("&#;", false), None);
    }
}
