//! Closing open elements: end tags, and the elements a start tag closes
//! before it opens (`implied_ends`), pop what html5ever would pop, unless
//! a scope boundary blocks them; formatting elements popped by something
//! else stay pending.

use super::kinds::{
    BUTTON, CLASSES, CLOSES_P, END_IGNORED, END_IN_SCOPE, END_IN_TABLE, FORMATTING, HEADING,
    LI_STOP, LIST, MARKER, SCOPE, SPECIAL, TABLE_SCOPE, class,
};
use super::{Ns, Tree};

impl Tree {
    /// What a start tag closes before it opens (HTML content only).
    pub(super) fn implied_ends(&mut self, name: u32, kind: u32) {
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

    pub(super) fn end(&mut self, name: u32) {
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
        self.positions[id as usize].last().copied()
    }

    fn top_is(&self, name: &[u8]) -> bool {
        let id = self.names.get(name);
        self.stack.last().map(|e| e.name) == id
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
    pub(super) fn pop(&mut self, reopened: bool) {
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
}
