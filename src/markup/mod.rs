//! Refuses markup that would cost too much to parse, before html5ever sees
//! it (issue 9: parse bombs and memory). Pure: `&str` in, a verdict out.
//!
//! html5ever's time grows with the square of the nesting depth (a 200,000-
//! deep listing took 178 s of CPU, 20,000 nested tables 35 s), with the
//! square of one element's attribute count (10^5 attributes: 6 s, each new
//! one is compared with all before it), and its tree (with the extractor's
//! bookkeeping) takes about a kilobyte per element (9.5 MB of `<p>x</p>`:
//! 1.2 M elements, 1.18 GB). One linear pass over the bytes
//! ([`lexer`] finds the tags as html5ever's tokenizer delimits them,
//! [`tree`] models its stack of open elements from above) measures a
//! page's [`Shape`]; [`check`] refuses it beyond the `MAX_*` limits, in a few
//! milliseconds for a 10 MB page.
//!
//! Both `scrape` (listing pages, feed item HTML) and `extract` (articles,
//! summaries) call it at their entry points; it lives beside them rather than
//! inside either because both parse untrusted HTML.

mod escape;
mod lexer;
pub mod parse;
mod tree;

use std::ops::Range;

use lexer::Lexer;
use tree::Tree;

/// Deepest element nesting accepted (open elements at once, as the markup
/// writes them: `<table><tr><td>` counts three, the `<tbody>` html5ever adds
/// is not counted). Real pages stay under about 100; html5ever itself
/// stops nesting formatting elements at 512 but not `<div>`s, and at
/// depth 1,000 parsing still costs milliseconds.
pub const MAX_DEPTH: usize = 1_000;

/// Most elements accepted in one page (start tags, void ones included).
/// Extracting an article costs about 1 KB of memory and 5 µs of CPU per
/// element (measured with `scripts/bench-hostile`-style pages of bare
/// `<p>x</p>`: 150,000 of them peak at 150 MB and 0.8 s), so this bounds
/// one parse to about 100 MB and half a second whatever the page: 10 times
/// the 10 MiB default `max_body_bytes` (see `pipeline::cpu` for how parses
/// share the process). Large real news pages have 5,000-20,000 elements.
pub const MAX_ELEMENTS: usize = 100_000;

/// Most elements accepted in one feed. A feed is read by quick-xml in one
/// linear pass and holds no tree of html5ever nodes, so it may have more
/// than a page: a feed of 100,000 items (four elements each) must still be
/// read to take its newest `max_new_items`. At this bound the `rss` crate
/// peaks at about 200 MB for the 10 MiB `max_body_bytes`, and the parse
/// budget (`pipeline::cpu`) runs such a page alone.
pub const MAX_FEED_ELEMENTS: usize = 500_000;

/// Most "element levels" accepted: the sum, over all start tags, of the
/// depth they open at. html5ever looks through the open elements for most
/// start tags, so its time grows with depth times elements: 998 nested
/// `<span>`s around 499,000 paragraphs (within the other limits) took 14 s.
/// At this limit that work costs about 0.15 s; a real page of 20,000
/// elements 30 deep uses 600,000.
pub const MAX_NESTING: u64 = 5_000_000;

/// Most attributes accepted on one element (real elements have a handful;
/// SVG paths and tracking-heavy links a few dozen).
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 1_000;

/// Most attributes accepted in one page: with [`MAX_ATTRIBUTES_PER_ELEMENT`]
/// it bounds html5ever's duplicate-attribute comparisons to 2.5 × 10^8.
pub const MAX_ATTRIBUTES: usize = 500_000;

/// Most bytes html5ever's serializer may scan while escaping a page's text
/// (see `escape`: its time grows with the number of `&` in a text times the
/// text's length). 10^10 bytes take about 0.1 s of CPU; a real page, whose
/// texts are paragraphs of a few kilobytes, costs under 10^8 (a 100 KB code
/// listing with 1,000 `&amp;` and no tag: 5 × 10^7).
pub const MAX_ESCAPE_SCAN: u64 = 10_000_000_000;

/// What the scan measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest nesting (an upper bound of html5ever's stack of open elements).
    pub depth: usize,
    /// Start tags.
    pub elements: usize,
    /// Attributes of all tags.
    pub attributes: usize,
    /// Most attributes on one tag.
    pub most_attributes: usize,
    /// The sum of the depths start tags open at (see [`MAX_NESTING`]).
    pub nesting: u64,
    /// Bytes the serializer would scan escaping the text (see
    /// [`MAX_ESCAPE_SCAN`]): an upper bound, exact only where a coarse one
    /// (each `&` costing the whole page) would exceed the limit.
    pub escape_scan: u64,
}

/// Why a page was refused before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TooComplex {
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("page too deeply nested: depth {depth}, limit {limit}")]
    Depth {
        /// The depth measured.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// More than [`MAX_NESTING`] element levels.
    #[error("page too deeply nested for its size: {levels} element levels, limit {limit}")]
    Nesting {
        /// The sum of start tag depths.
        levels: u64,
        /// The limit.
        limit: u64,
    },
    /// More than [`MAX_ELEMENTS`] elements ([`MAX_FEED_ELEMENTS`] in a feed).
    #[error("page has too many elements: {count}, limit {limit}")]
    Elements {
        /// Elements counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An element with more than [`MAX_ATTRIBUTES_PER_ELEMENT`] attributes.
    #[error("element has too many attributes: {count}, limit {limit}")]
    ElementAttributes {
        /// Attributes on the worst element.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Text whose escaping would take too long (see [`MAX_ESCAPE_SCAN`]).
    #[error(
        "page has too many `&` in long texts without tags: {cost} bytes to scan, limit {limit}"
    )]
    EscapeScan {
        /// Bytes the serializer would scan.
        cost: u64,
        /// The limit.
        limit: u64,
    },
    /// More than [`MAX_ATTRIBUTES`] attributes in all.
    #[error("page has too many attributes: {count}, limit {limit}")]
    Attributes {
        /// Attributes counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// Measures a page (or fragment) in one pass, without parsing it.
pub fn measure(html: &str) -> Shape {
    scan(html, false).0
}

/// Measures a page in one pass, as [`measure`], and lists its comments
/// (`<!--` to their end, as byte ranges) in document order: those that
/// html5ever surely reads as comments, in plain HTML content (comments
/// inside raw text, `select`, SVG and MathML are left out, as is every
/// comment of a page with a `<![CDATA[` section).
pub fn measure_with_comments(html: &str) -> (Shape, Vec<Range<usize>>) {
    let (shape, comments) = scan(html, true);
    let comments = if memchr::memmem::find(html.as_bytes(), b"<![CDATA[").is_some() {
        Vec::new()
    } else {
        comments
    };
    (shape, comments)
}

/// [`measure_with_comments`], refusing the page beyond the limits as
/// [`check`] does.
pub fn check_with_comments(html: &str) -> Result<(Shape, Vec<Range<usize>>), TooComplex> {
    let (shape, comments) = measure_with_comments(html);
    Ok((within_limits(shape, MAX_ELEMENTS)?, comments))
}

/// The one pass of [`measure`]; lists the comments too when `comments`.
fn scan(html: &str, comments: bool) -> (Shape, Vec<Range<usize>>) {
    let mut lexer = Lexer::new(html);
    if comments {
        lexer.comments = Some(Vec::new());
    }
    let mut tree = Tree::new();
    let mut shape = Shape::default();
    loop {
        let before = lexer.comments.as_ref().map_or(0, Vec::len);
        let tag = lexer.next_tag();
        if let Some(found) = &mut lexer.comments
            && found.len() > before
            && !tree.in_plain_html()
        {
            found.truncate(before);
        }
        let Some(tag) = tag else { break };
        shape.elements += usize::from(tag.start);
        shape.attributes += tag.attributes;
        shape.most_attributes = shape.most_attributes.max(tag.attributes);
        tree.feed(&tag, html.as_bytes(), &mut lexer);
        if tag.start {
            shape.nesting = shape.nesting.saturating_add(tree.depth() as u64);
        }
    }
    shape.depth = tree.max_depth;
    shape.escape_scan = escape::scan_cost_within(html, MAX_ESCAPE_SCAN);
    (shape, lexer.comments.unwrap_or_default())
}

/// Measures an XML document (a feed): its depth is plain nesting, as an
/// XML parser sees it (comments, CDATA sections and processing
/// instructions hold no elements).
pub fn measure_xml(body: &str) -> Shape {
    let mut lexer = Lexer::xml(body);
    let (mut shape, mut depth) = (Shape::default(), 0usize);
    while let Some(tag) = lexer.next_tag() {
        shape.attributes += tag.attributes;
        shape.most_attributes = shape.most_attributes.max(tag.attributes);
        if !tag.start {
            depth = depth.saturating_sub(1);
        } else if !tag.self_closing {
            shape.elements += 1;
            depth += 1;
            shape.depth = shape.depth.max(depth);
        } else {
            shape.elements += 1;
        }
    }
    shape
}

/// Measures a feed and refuses it beyond the limits, as [`check`] does for
/// HTML. quick-xml itself reads a deep feed in linear time, but readers
/// above it recurse or compare attributes pairwise.
pub fn check_xml(body: &str) -> Result<Shape, TooComplex> {
    within_limits(measure_xml(body), MAX_FEED_ELEMENTS)
}

/// Measures a page and refuses it when it exceeds a limit (the first of
/// depth, nesting, elements, attributes per element, escape scan,
/// attributes).
pub fn check(html: &str) -> Result<Shape, TooComplex> {
    within_limits(measure(html), MAX_ELEMENTS)
}

/// `Ok` when `shape` is within the limits, with `max_elements` as the
/// element limit (pages and feeds differ).
fn within_limits(shape: Shape, max_elements: usize) -> Result<Shape, TooComplex> {
    if shape.depth > MAX_DEPTH {
        return Err(TooComplex::Depth {
            depth: shape.depth,
            limit: MAX_DEPTH,
        });
    }
    if shape.nesting > MAX_NESTING {
        return Err(TooComplex::Nesting {
            levels: shape.nesting,
            limit: MAX_NESTING,
        });
    }
    if shape.elements > max_elements {
        return Err(TooComplex::Elements {
            count: shape.elements,
            limit: max_elements,
        });
    }
    if shape.most_attributes > MAX_ATTRIBUTES_PER_ELEMENT {
        return Err(TooComplex::ElementAttributes {
            count: shape.most_attributes,
            limit: MAX_ATTRIBUTES_PER_ELEMENT,
        });
    }
    if shape.escape_scan > MAX_ESCAPE_SCAN {
        return Err(TooComplex::EscapeScan {
            cost: shape.escape_scan,
            limit: MAX_ESCAPE_SCAN,
        });
    }
    if shape.attributes > MAX_ATTRIBUTES {
        return Err(TooComplex::Attributes {
            count: shape.attributes,
            limit: MAX_ATTRIBUTES,
        });
    }
    Ok(shape)
}

#[cfg(test)]
mod tests;
