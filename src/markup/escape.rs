//! The cost of writing a page's text back out as HTML, which the extractor
//! does (serializing the cleaned tree, then ammonia parsing and serializing
//! it again).
//!
//! html5ever 0.40's serializer escapes a text by looking for the next `<`
//! or `>` (`memchr3`), then for a `&` or a `0xC2` byte (the lead byte of
//! U+00A0, written `&nbsp;`) before it, and after each `&` it looks for the
//! next `<` or `>` again from there. A long text with many `&` and no angle
//! bracket is therefore scanned once per `&`: 1.8 MB of `x&amp;` cost
//! 2.6 s of CPU in a release build, and 10 MB would cost over a minute.
//! This module counts those scans in one linear pass, so `markup` can refuse
//! such a page before it is parsed.

/// Bytes the serializer would scan for the specials of `html`: for each `&`
/// (other than `&lt;`/`&gt;`, which become a `<` or `>` that ends a scan)
/// and each `0xC2` byte, the distance to the next `<` or `>` (or the end).
/// An upper bound: entities shrink when decoded, and attribute values end
/// at quotes too.
pub(super) fn scan_cost(html: &str) -> u64 {
    let bytes = html.as_bytes();
    let mut run = Run::default();
    let mut cost = 0u64;
    // Jumps from `<`, `>` or `&` to the next (SIMD: this reads every byte
    // of every page); the `0xC2` bytes, found in a second stream, join the
    // run before the next of those.
    let mut lead_bytes = memchr::memchr_iter(0xC2, bytes).peekable();
    for at in memchr::memchr3_iter(b'<', b'>', b'&', bytes) {
        while let Some(lead) = lead_bytes.next_if(|lead| *lead < at) {
            run.add(lead as u64);
        }
        if bytes[at] == b'&' && !is_angle_entity(&bytes[at + 1..]) {
            run.add(at as u64);
        } else {
            cost = cost.saturating_add(run.end(at as u64));
        }
    }
    for lead in lead_bytes {
        run.add(lead as u64);
    }
    cost.saturating_add(run.end(bytes.len() as u64))
}

/// [`scan_cost`], or a coarser upper bound of it when that bound is
/// already within `limit`: no special costs more than the page's length,
/// so a page whose specials times its length stay within the limit needs
/// no exact count (counting them is one SIMD search; the exact pass
/// stops at every angle bracket and cost a fifth of `markup`'s time on
/// real pages).
pub(super) fn scan_cost_within(html: &str, limit: u64) -> u64 {
    let specials = memchr::memchr2_iter(b'&', 0xC2, html.as_bytes()).count();
    let bound = (specials as u64).saturating_mul(html.len() as u64);
    if bound <= limit {
        bound
    } else {
        scan_cost(html)
    }
}

/// The specials seen since the last `<` or `>`.
#[derive(Default)]
struct Run {
    count: u64,
    sum_of_positions: u64,
}

impl Run {
    fn add(&mut self, at: u64) {
        self.count += 1;
        self.sum_of_positions = self.sum_of_positions.saturating_add(at);
    }

    /// The bytes scanned from each special to `at`; starts a new run.
    fn end(&mut self, at: u64) -> u64 {
        let cost = self
            .count
            .saturating_mul(at)
            .saturating_sub(self.sum_of_positions);
        *self = Run::default();
        cost
    }
}

/// Whether the text after a `&` is `lt;` or `gt;` (any case).
fn is_angle_entity(after: &[u8]) -> bool {
    after.len() >= 3
        && matches!(after[0] | 0x20, b'l' | b'g')
        && after[1] | 0x20 == b't'
        && after[2] == b';'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time definition `scan_cost` must agree with.
    fn scan_cost_bytewise(html: &str) -> u64 {
        let bytes = html.as_bytes();
        let mut run = Run::default();
        let mut cost = 0u64;
        for (at, &byte) in bytes.iter().enumerate() {
            let at = at as u64;
            match byte {
                b'<' | b'>' => cost = cost.saturating_add(run.end(at)),
                b'&' if is_angle_entity(&bytes[at as usize + 1..]) => {
                    cost = cost.saturating_add(run.end(at));
                }
                b'&' | 0xC2 => run.add(at),
                _ => {}
            }
        }
        cost.saturating_add(run.end(bytes.len() as u64))
    }

    #[test]
    fn jumping_between_specials_costs_the_same_as_reading_every_byte() {
        let pieces = [
            "<p>", "</p>", "a", "&amp;", "&lt;", "&GT;", "&", "\u{A0}", "é", " ", ">", "&l", "&lt",
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let page: String = (0..rng.usize(0..40))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            assert_eq!(scan_cost(&page), scan_cost_bytewise(&page), "{page:?}");
        }
    }

    #[test]
    fn each_special_costs_its_distance_to_the_next_angle_bracket() {
        assert_eq!(scan_cost("<p>plain text</p>"), 0);
        // `&` at 4, `<` at 10: 6 bytes.
        assert_eq!(scan_cost("<p>a&amp;b</p>"), 6);
        // Specials at 1, 3 and 5 (the lead byte of U+00A0), end at 7.
        assert_eq!(scan_cost("x&y&z\u{A0}"), 6 + 4 + 2);
    }

    #[test]
    fn the_bound_is_never_below_the_exact_cost_and_exact_beyond_the_limit() {
        let page = format!("<p>{}</p>", "x&amp;\u{A0}".repeat(300));
        let exact = scan_cost(&page);
        assert!(scan_cost_within(&page, u64::MAX) >= exact);
        assert_eq!(scan_cost_within(&page, exact), exact);
        assert_eq!(scan_cost_within("<p>plain</p>", 0), 0);
    }

    #[test]
    fn angle_entities_end_a_run_as_the_brackets_they_decode_to() {
        assert_eq!(scan_cost("a&amp;&lt;b"), 5);
        assert_eq!(scan_cost("a&LT;b&Gt;"), 0);
    }

    #[test]
    fn a_long_text_of_ampersands_costs_the_square_of_its_length() {
        let page = format!("<p>{}</p>", "x&amp;".repeat(1000));
        // 1,000 specials, on average 3,000 bytes from the `</p>`.
        let cost = scan_cost(&page);
        assert!((2_900_000..3_100_000).contains(&cost), "{cost}");
        // The same text split into paragraphs costs little.
        let split = "<p>x&amp;</p>".repeat(1000);
        assert_eq!(scan_cost(&split), 1000 * 5);
    }
}
