//! The stack of open elements html5ever's tree builder would keep, modelled
//! from above: for every tag the lexer finds, the model pushes or pops as
//! the HTML tree-construction rules do, in amortized constant time.
//!
//! It is not a parser. Where following the rules exactly would take a
//! parser (the adoption agency, table and select modes, quirks), it keeps
//! *more* open than html5ever would, never fewer: its depth is an upper
//! bound of the real one, so a bomb cannot hide from it. The cases it
//! handles are the ones that keep ordinary sloppy pages shallow (unclosed
//! `<p>`, `<li>`, `<td>`, `<option>`; end tags closing what is left open
//! inside them) and the ones an attacker could use to open elements the
//! model would otherwise miss:
//! - `</body>`, `</html>`, `</form>`, `</br>` and end tags blocked by a
//!   scope boundary pop nothing (html5ever keeps the elements open);
//! - `<div/>` opens a `div` (the slash means nothing on HTML elements), but
//!   `<path/>` inside `<svg>` does not, and `<link>` is void only outside
//!   SVG and MathML;
//! - `<title>`, `<style>`, `<script>`, `<textarea>`... hold raw text only
//!   outside SVG and MathML, and inside `<select>` only `<script>` does;
//! - a formatting element (`<b>`, `<a>`, `<font>`...) closed by something
//!   else stays counted: html5ever reopens it ("reconstructs the active
//!   formatting elements") at the next text, up to three identical ones.
//!
//! The element flags are `kinds`'s, the pending formatting elements
//! `pending`'s, and popping what end tags and implied ends close `close`'s.

use std::hash::BuildHasher;

use super::lexer::{Lexer, Tag, attribute};

mod close;
mod kinds;
mod names;
mod pending;

use kinds::{
    BREAKOUT, CLASSES, FOREIGN_ROOT, FORMATTING, NO_PUSH, PLAINTEXT, RAW, SCOPE, SELECT, SPECIAL,
    VOID, class, kind,
};
use names::Names;
use pending::Pending;

/// The namespace of an open element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Html,
    Svg,
    MathMl,
}

/// One open element.
#[derive(Debug, Clone, Copy)]
struct Entry {
    name: u32,
    /// Its classes (`SPECIAL`...`SELECT`) and, for HTML elements, kind.
    flags: u32,
    ns: Ns,
    /// Its children are HTML again (`foreignObject`, `mi`, ...).
    integration: bool,
    /// The length of `pending` when a marker element opened.
    pending_mark: usize,
    /// Identifies identical formatting elements (name and attributes).
    identity: u64,
}

/// The model, fed one tag at a time.
pub(super) struct Tree {
    /// Ids of the names seen.
    names: Names,
    kinds: Vec<u32>,
    /// Positions in `stack` of the open elements of each name.
    positions: Vec<Vec<usize>>,
    stack: Vec<Entry>,
    /// Positions in `stack` of the open elements of each class.
    classes: [Vec<usize>; CLASSES],
    pending: Pending,
    /// Lower-cased name of the current tag.
    lower: Vec<u8>,
    /// Hashes formatting elements' attributes (their identity): foldhash,
    /// randomly seeded; SipHash cost as much as the rest of the model.
    hasher: foldhash::quality::RandomState,
    /// The deepest the stack (with pending formatting) has been.
    pub(super) max_depth: usize,
}

impl Tree {
    pub(super) fn new() -> Self {
        let (mut kinds, mut positions) = (Vec::new(), Vec::new());
        let names = Names::new(|name| {
            kinds.push(kind(name));
            positions.push(Vec::new());
        });
        Tree {
            names,
            kinds,
            positions,
            stack: Vec::new(),
            classes: Default::default(),
            pending: Pending::default(),
            lower: Vec::new(),
            hasher: foldhash::quality::RandomState::default(),
            max_depth: 0,
        }
    }

    /// Applies one tag; `lexer` is told to skip what follows when it is raw
    /// text.
    pub(super) fn feed(&mut self, tag: &Tag<'_>, html: &[u8], lexer: &mut Lexer<'_>) {
        let name = self.intern(tag.name);
        if tag.start {
            self.start(name, tag, html, lexer);
        } else {
            self.end(name);
        }
    }

    /// The id of a tag's name, which is left lower-cased in `self.lower`.
    fn intern(&mut self, raw: &[u8]) -> u32 {
        let mut lower = std::mem::take(&mut self.lower);
        lower.clear();
        lower.extend(raw.iter().map(u8::to_ascii_lowercase));
        let id = self.id_of(&lower);
        self.lower = lower;
        id
    }

    /// The id of a lower-case name.
    fn id_of(&mut self, lower: &[u8]) -> u32 {
        let next = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        let (id, new) = self.names.id(lower, next);
        if new {
            self.kinds.push(kind(lower));
            self.positions.push(Vec::new());
        }
        id
    }

    fn kind(&self, name: u32) -> u32 {
        self.kinds.get(name as usize).copied().unwrap_or(0)
    }

    fn in_foreign_content(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|e| e.ns != Ns::Html && !e.integration)
    }

    fn start(&mut self, name: u32, tag: &Tag<'_>, html: &[u8], lexer: &mut Lexer<'_>) {
        let kind = self.kind(name);
        let span = &html[tag.span.clone()];
        if self.in_foreign_content() {
            let breakout = kind & BREAKOUT != 0
                || (self.lower == b"font"
                    && [&b"color"[..], b"face", b"size"]
                        .iter()
                        .any(|a| attribute(span, a).is_some()));
            if !breakout {
                if !tag.self_closing {
                    let ns = match self.lower.as_slice() {
                        b"svg" => Ns::Svg,
                        b"math" => Ns::MathMl,
                        _ => self.stack.last().map_or(Ns::Svg, |e| e.ns),
                    };
                    let integration = self.is_integration_point(ns, span);
                    self.push_foreign(name, ns, integration);
                }
                return;
            }
            while self.in_foreign_content() {
                self.pop(false);
            }
        }
        if kind & NO_PUSH != 0 {
            return;
        }
        if kind & FOREIGN_ROOT != 0 {
            if !tag.self_closing {
                let ns = if self.lower == b"svg" {
                    Ns::Svg
                } else {
                    Ns::MathMl
                };
                self.push_foreign(name, ns, false);
            }
            return;
        }
        self.implied_ends(name, kind);
        if kind & VOID != 0 {
            return;
        }
        let in_select = !self.classes[class(SELECT)].is_empty();
        if kind & RAW != 0 && (!in_select || self.lower == b"script") {
            self.count_momentary_element();
            lexer.skip_raw_text(tag.name);
            return;
        }
        if kind & PLAINTEXT != 0 && !in_select {
            self.push_html(name, kind, 0);
            lexer.skip_to_end();
            return;
        }
        let identity = if kind & FORMATTING != 0 {
            self.hasher.hash_one(&span[tag.name.len() + 1..])
        } else {
            0
        };
        self.push_html(name, kind, identity);
    }

    /// A raw-text element opens and closes around its text, and a `</p>`
    /// without an open `<p>` makes an empty one: each adds one to the depth
    /// for a moment.
    fn count_momentary_element(&mut self) {
        self.max_depth = self.max_depth.max(self.depth() + 1);
    }

    /// `foreignObject`, `desc`, `title` (SVG), `mi`, `mo`, `mn`, `ms`,
    /// `mtext`, and `annotation-xml` with an HTML encoding (MathML) hold
    /// HTML.
    fn is_integration_point(&self, ns: Ns, span: &[u8]) -> bool {
        match (ns, self.lower.as_slice()) {
            (Ns::Svg, b"foreignobject" | b"desc" | b"title")
            | (Ns::MathMl, b"mi" | b"mo" | b"mn" | b"ms" | b"mtext") => true,
            (Ns::MathMl, b"annotation-xml") => attribute(span, b"encoding").is_some_and(|e| {
                e.eq_ignore_ascii_case(b"text/html")
                    || e.eq_ignore_ascii_case(b"application/xhtml+xml")
            }),
            _ => false,
        }
    }

    fn push_html(&mut self, name: u32, kind: u32, identity: u64) {
        self.push(Entry {
            name,
            flags: kind,
            ns: Ns::Html,
            integration: false,
            pending_mark: self.pending.entries.len(),
            identity,
        });
    }

    fn push_foreign(&mut self, name: u32, ns: Ns, integration: bool) {
        // Integration points count as special and scope boundaries.
        let flags = if integration { SPECIAL | SCOPE } else { 0 };
        self.push(Entry {
            name,
            flags,
            ns,
            integration,
            pending_mark: self.pending.entries.len(),
            identity: 0,
        });
    }

    fn push(&mut self, entry: Entry) {
        let at = self.stack.len();
        self.positions[entry.name as usize].push(at);
        for (c, positions) in self.classes.iter_mut().enumerate() {
            if entry.flags & (1 << c) != 0 {
                positions.push(at);
            }
        }
        self.stack.push(entry);
        self.note_depth();
    }

    /// Open elements now (with pending formatting elements).
    pub(super) fn depth(&self) -> usize {
        self.stack.len() + self.pending.live
    }

    /// Whether html5ever is surely in plain HTML content here: no `select`
    /// and no SVG or MathML element open (the model keeps more open than
    /// html5ever, so none open in it means none open in html5ever).
    pub(super) fn in_plain_html(&self) -> bool {
        self.classes[class(SELECT)].is_empty() && self.stack.iter().all(|e| e.ns == Ns::Html)
    }

    fn note_depth(&mut self) {
        self.max_depth = self.max_depth.max(self.depth());
    }
}
