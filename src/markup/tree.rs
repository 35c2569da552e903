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

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use super::lexer::{Lexer, Tag, attribute};

// Classes of open elements that stop an end tag or an implied end from
// reaching an element below them. Each has a stack of the positions of the
// open elements in it (`Tree::classes`).
/// HTML's "special" elements (stop "any other end tag"), plus `select`.
const SPECIAL: u32 = 1 << 0;
/// Boundaries of "has an element in scope", plus `select`.
const SCOPE: u32 = 1 << 1;
/// Added to the scope for `p` ("in button scope").
const BUTTON: u32 = 1 << 2;
/// Added to the scope for `li` ("in list item scope").
const LIST: u32 = 1 << 3;
/// Boundaries of "in table scope".
const TABLE_SCOPE: u32 = 1 << 4;
/// Stops `<li>`, `<dd>`, `<dt>` from closing an open one: special elements
/// but `address`, `div` and `p`.
const LI_STOP: u32 = 1 << 5;
/// `select` itself.
const SELECT: u32 = 1 << 6;
const CLASSES: usize = 7;

// What a name does (HTML namespace).
const VOID: u32 = 1 << 8;
const FORMATTING: u32 = 1 << 9;
/// Pushes a marker on the active formatting elements.
const MARKER: u32 = 1 << 10;
const CLOSES_P: u32 = 1 << 11;
const HEADING: u32 = 1 << 12;
/// An end tag that pops to its element unless a scope boundary is above.
const END_IN_SCOPE: u32 = 1 << 13;
/// An end tag that pops to its element unless a table boundary is above.
const END_IN_TABLE: u32 = 1 << 14;
/// An end tag that pops nothing (`</body>`, `</html>`, `</form>`, `</br>`).
const END_IGNORED: u32 = 1 << 15;
/// A start tag that opens nothing (`html`, `head`, `body` merge into the
/// ones the parser made).
const NO_PUSH: u32 = 1 << 16;
/// Raw text or RCDATA follows (in HTML content).
const RAW: u32 = 1 << 17;
const PLAINTEXT: u32 = 1 << 18;
/// Leaves SVG/MathML content.
const BREAKOUT: u32 = 1 << 19;
/// `svg` and `math`.
const FOREIGN_ROOT: u32 = 1 << 20;

/// The flags of an HTML element name (lower case).
fn kind(name: &[u8]) -> u32 {
    const SP: u32 = SPECIAL | LI_STOP;
    match name {
        b"address" => SPECIAL | CLOSES_P | END_IN_SCOPE,
        b"div" | b"p" => SPECIAL | CLOSES_P | END_IN_SCOPE | BREAKOUT,
        b"article" | b"aside" | b"details" | b"dialog" | b"fieldset" | b"figcaption"
        | b"figure" | b"footer" | b"header" | b"hgroup" | b"main" | b"nav" | b"search"
        | b"section" | b"summary" => SP | CLOSES_P | END_IN_SCOPE,
        b"blockquote" | b"center" | b"dl" | b"menu" | b"pre" | b"listing" => {
            SP | CLOSES_P | END_IN_SCOPE | BREAKOUT
        }
        b"dir" => SP | CLOSES_P | END_IN_SCOPE,
        b"ol" | b"ul" => SP | CLOSES_P | END_IN_SCOPE | LIST | BREAKOUT,
        b"li" => SP | CLOSES_P | BREAKOUT,
        b"dd" | b"dt" => SP | CLOSES_P | BREAKOUT | END_IN_SCOPE,
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => {
            SP | CLOSES_P | HEADING | END_IN_SCOPE | BREAKOUT
        }
        b"form" => SP | CLOSES_P | END_IGNORED,
        b"button" => SP | BUTTON | END_IN_SCOPE,
        b"applet" | b"marquee" | b"object" => SP | SCOPE | MARKER | END_IN_SCOPE,
        b"caption" | b"td" | b"th" => SP | SCOPE | MARKER | END_IN_TABLE,
        b"template" => SP | SCOPE | TABLE_SCOPE | MARKER | END_IN_TABLE,
        b"table" => SP | SCOPE | TABLE_SCOPE | END_IN_TABLE | BREAKOUT,
        b"tbody" | b"thead" | b"tfoot" | b"tr" => SP | END_IN_TABLE,
        b"colgroup" | b"frameset" => SP,
        b"html" => SP | SCOPE | TABLE_SCOPE | NO_PUSH | END_IGNORED,
        b"body" | b"head" => SP | NO_PUSH | END_IGNORED | BREAKOUT,
        b"select" => SP | SCOPE | SELECT | END_IN_SCOPE,
        b"xmp" => SP | RAW | CLOSES_P,
        b"script" | b"style" | b"iframe" | b"noembed" | b"noframes" | b"noscript" | b"textarea"
        | b"title" => SP | RAW,
        b"plaintext" => SP | PLAINTEXT | CLOSES_P,
        b"br" => VOID | END_IGNORED | BREAKOUT,
        b"hr" => VOID | CLOSES_P | BREAKOUT,
        b"embed" | b"img" | b"meta" => VOID | BREAKOUT,
        b"area" | b"base" | b"basefont" | b"bgsound" | b"col" | b"frame" | b"image" | b"input"
        | b"keygen" | b"link" | b"param" | b"source" | b"track" | b"wbr" => VOID,
        b"b" | b"big" | b"code" | b"em" | b"i" | b"nobr" | b"s" | b"small" | b"strike"
        | b"strong" | b"tt" | b"u" => FORMATTING | BREAKOUT,
        b"a" | b"font" => FORMATTING,
        b"ruby" | b"span" | b"sub" | b"sup" | b"var" => BREAKOUT,
        b"svg" | b"math" => FOREIGN_ROOT,
        _ => 0,
    }
}

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

/// Formatting elements closed by something else, which html5ever reopens
/// at the next text (the "list of active formatting elements" beyond what
/// is on the stack).
#[derive(Debug, Default)]
struct Pending {
    /// In order; `None` once closed by its own end tag.
    entries: Vec<Option<(u32, u64)>>,
    live: usize,
    /// Indices into `entries` of the live ones, per name.
    by_name: HashMap<u32, Vec<usize>>,
    /// How many identical ones are live (html5ever keeps at most three:
    /// the "Noah's Ark" clause).
    identical: HashMap<(u32, u64), usize>,
}

impl Pending {
    fn add(&mut self, name: u32, identity: u64) {
        let same = self.identical.entry((name, identity)).or_default();
        if *same >= 3 {
            return;
        }
        *same += 1;
        self.by_name
            .entry(name)
            .or_default()
            .push(self.entries.len());
        self.entries.push(Some((name, identity)));
        self.live += 1;
    }

    /// Closes the latest one named `name`, if any.
    fn close_last(&mut self, name: u32) {
        let Some(index) = self.by_name.get_mut(&name).and_then(Vec::pop) else {
            return;
        };
        if let Some(key) = self.entries[index].take() {
            self.forget(key);
        }
    }

    /// Closes those added after the first `len` (a cell or other marker
    /// element ended: html5ever clears the list up to its marker).
    fn truncate(&mut self, len: usize) {
        while self.entries.len() > len {
            if let Some(Some(key)) = self.entries.pop() {
                self.by_name.get_mut(&key.0).and_then(Vec::pop);
                self.forget(key);
            }
        }
    }

    fn forget(&mut self, key: (u32, u64)) {
        if let Some(same) = self.identical.get_mut(&key) {
            *same -= 1;
        }
        self.live -= 1;
    }
}

/// The model, fed one tag at a time.
pub(super) struct Tree {
    names: HashMap<Box<[u8]>, u32>,
    kinds: Vec<u32>,
    /// Positions in `stack` of the open elements of each name.
    positions: Vec<Vec<usize>>,
    stack: Vec<Entry>,
    /// Positions in `stack` of the open elements of each class.
    classes: [Vec<usize>; CLASSES],
    pending: Pending,
    /// Lower-cased name of the current tag.
    lower: Vec<u8>,
    hasher: RandomState,
    /// The deepest the stack (with pending formatting) has been.
    pub(super) max_depth: usize,
}

impl Tree {
    pub(super) fn new() -> Self {
        Tree {
            names: HashMap::new(),
            kinds: Vec::new(),
            positions: Vec::new(),
            stack: Vec::new(),
            classes: Default::default(),
            pending: Pending::default(),
            lower: Vec::new(),
            hasher: RandomState::new(),
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
        if let Some(id) = self.names.get(lower) {
            return *id;
        }
        let id = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        self.names.insert(lower.into(), id);
        self.kinds.push(kind(lower));
        self.positions.push(Vec::new());
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

    /// What a start tag closes before it opens (HTML content only).
    fn implied_ends(&mut self, name: u32, kind: u32) {
        if kind & CLOSES_P != 0 {
            self.close_named(b"p", SCOPE | BUTTON);
        }
        match self.lower.as_slice() {
            b"li" => self.close_named(b"li", LI_STOP),
            b"dd" | b"dt" => {
                let dd = self.open_position(b"dd");
                let dt = self.open_position(b"dt");
                if let Some(at) = dd.max(dt) {
                    self.close_at(at, LI_STOP);
                }
            }
            b"option" | b"optgroup" if self.top_is(b"option") => self.pop(false),
            b"td" | b"th" => {
                let at = self.open_position(b"td").max(self.open_position(b"th"));
                self.close_in_table(at);
                self.implied_table_parents(true);
            }
            b"tr" => {
                self.close_in_table(self.open_position(b"tr"));
                self.implied_table_parents(false);
            }
            b"tbody" | b"thead" | b"tfoot" => {
                let at = ["tbody", "thead", "tfoot"]
                    .iter()
                    .filter_map(|n| self.open_position(n.as_bytes()))
                    .max();
                self.close_in_table(at);
            }
            b"a" => {
                if self.open_position(b"a").is_some() {
                    self.close_named(b"a", SPECIAL);
                } else {
                    self.pending.close_last(name);
                }
            }
            b"button" => self.close_named(b"button", SCOPE),
            b"select" | b"textarea" => self.close_named(b"select", 0),
            _ if kind & HEADING != 0
                && self
                    .stack
                    .last()
                    .is_some_and(|e| e.ns == Ns::Html && self.kind(e.name) & HEADING != 0) =>
            {
                self.pop(false);
            }
            _ => {}
        }
    }

    fn end(&mut self, name: u32) {
        let kind = self.kind(name);
        let stops = if kind & END_IGNORED != 0 {
            return;
        } else if self.lower == b"p" {
            SCOPE | BUTTON
        } else if self.lower == b"li" {
            SCOPE | LIST
        } else if kind & END_IN_TABLE != 0 {
            TABLE_SCOPE
        } else if kind & END_IN_SCOPE != 0 {
            SCOPE
        } else {
            SPECIAL
        };
        match self.positions[name as usize].last().copied() {
            Some(at) => self.close_at(at, stops),
            None if kind & FORMATTING != 0 => self.pending.close_last(name),
            None if self.lower == b"p" => self.count_momentary_element(),
            None => {}
        }
    }

    fn open_position(&self, name: &[u8]) -> Option<usize> {
        let id = self.names.get(name)?;
        self.positions[*id as usize].last().copied()
    }

    fn top_is(&self, name: &[u8]) -> bool {
        let id = self.names.get(name);
        self.stack.last().map(|e| e.name) == id.copied()
    }

    /// Closes the topmost open `name` unless an element of a class in
    /// `stops` is open above it.
    fn close_named(&mut self, name: &[u8], stops: u32) {
        if let Some(at) = self.open_position(name) {
            self.close_at(at, stops);
        }
    }

    fn close_at(&mut self, at: usize, stops: u32) {
        let blocked = (0..CLASSES)
            .filter(|c| stops & (1 << c) != 0)
            .any(|c| self.classes[c].last().is_some_and(|p| *p > at));
        if !blocked {
            self.pop_to(at);
        }
    }

    /// html5ever opens a `<tbody>` (and a `<tr>`) the markup leaves out
    /// when a row (a cell) starts right in a table: they add depth.
    fn implied_table_parents(&mut self, cell: bool) {
        let Some(table) = self.open_position(b"table") else {
            return;
        };
        if self.classes[class(TABLE_SCOPE)].last() != Some(&table) {
            return;
        }
        let section = ["tbody", "thead", "tfoot"]
            .iter()
            .filter_map(|n| self.open_position(n.as_bytes()))
            .max();
        if section.is_none_or(|s| s < table) {
            let tbody = self.id_of(b"tbody");
            self.push_html(tbody, self.kind(tbody), 0);
        }
        if cell && self.open_position(b"tr").is_none_or(|tr| tr < table) {
            let tr = self.id_of(b"tr");
            self.push_html(tr, self.kind(tr), 0);
        }
    }

    /// Closes the open cell, row or section at `at` when it belongs to the
    /// innermost open table.
    fn close_in_table(&mut self, at: Option<usize>) {
        if let Some(at) = at {
            self.close_at(at, TABLE_SCOPE);
        }
    }

    /// Pops every element from the top down to `at` included. Formatting
    /// elements above `at` stay pending: html5ever reopens them.
    fn pop_to(&mut self, at: usize) {
        while self.stack.len() > at + 1 {
            self.pop(true);
        }
        self.pop(false);
    }

    /// Pops the top element. A formatting element becomes pending when
    /// `reopened` (it was closed by something else than its own end tag).
    fn pop(&mut self, reopened: bool) {
        let Some(entry) = self.stack.pop() else {
            return;
        };
        let at = self.stack.len();
        self.positions[entry.name as usize].pop();
        for (c, positions) in self.classes.iter_mut().enumerate() {
            if entry.flags & (1 << c) != 0 && positions.last() == Some(&at) {
                positions.pop();
            }
        }
        if entry.flags & MARKER != 0 {
            self.pending.truncate(entry.pending_mark);
        } else if reopened && entry.flags & FORMATTING != 0 {
            self.pending.add(entry.name, entry.identity);
            self.note_depth();
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

    fn note_depth(&mut self) {
        self.max_depth = self.max_depth.max(self.depth());
    }
}

/// The index in `Tree::classes` of a one-bit class flag.
fn class(flag: u32) -> usize {
    flag.trailing_zeros() as usize
}
