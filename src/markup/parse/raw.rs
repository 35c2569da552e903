//! Raw text: the content of `title` and `textarea` (RCDATA, with
//! character references), of `style`, `iframe`, `xmp`... (RAWTEXT) and of
//! scripts, up to the end tag named like the last start tag (WHATWG HTML,
//! "RCDATA state" and the states after it).

use html5ever::tokenizer::TagKind;
use html5ever::tokenizer::states::{RawKind, State};
use html5ever::tree_builder::TreeSink;

use super::super::lexer::is_space;
use super::Parser;

impl<S: TreeSink> Parser<S>
where
    S::Handle: Clone,
{
    /// Raw text after a `title`, `textarea`, `style`, `script`... start
    /// tag: text (with references in RCDATA) up to the end tag named like
    /// the last start tag, which is then read as a tag.
    pub(super) fn raw_text(&mut self, kind: RawKind) -> Result<(), State> {
        let b = self.input.as_bytes();
        let start = self.at;
        // A fragment parsed in a raw text context has no start tag, so no
        // end tag ends it: html5ever reads that.
        let Some(name) = self.last_start.as_deref() else {
            return Err(State::RawData(kind));
        };
        let end_tag = find_end_tag(b, start, name.as_bytes());
        let stop = end_tag.unwrap_or(b.len());
        match kind {
            RawKind::Rcdata => self.rcdata(start..stop),
            RawKind::Rawtext => self.text(start..stop),
            RawKind::ScriptData => {
                // `<!--` starts the script's escaped states.
                if memchr::memmem::find(&b[start..stop], b"<!--").is_some() {
                    return Err(State::RawData(kind));
                }
                self.text(start..stop);
            }
            RawKind::ScriptDataEscaped(_) => return Err(State::RawData(kind)),
        }
        match end_tag {
            Some(lt) => self.tag(lt + 2, TagKind::EndTag),
            None => {
                self.at = self.input.len();
                Ok(())
            }
        }
    }

    /// RCDATA (`title`, `textarea`): text with references decoded.
    fn rcdata(&self, range: std::ops::Range<usize>) {
        let mut text = range.start;
        let mut at = range.start;
        while let Some(found) = memchr::memchr(b'&', &self.input.as_bytes()[at..range.end]) {
            let amp = at + found;
            at = amp + 1;
            if let Some(end) = self.reference(text..amp, amp) {
                at = end;
                text = end;
            }
        }
        self.text(text..range.end);
    }
}

/// Where the raw text starting at `from` ends: the `<` of the first `</`
/// followed by `name` (any case) and whitespace, `/` or `>`.
fn find_end_tag(b: &[u8], mut from: usize, name: &[u8]) -> Option<usize> {
    while let Some(found) = memchr::memmem::find(&b[from..], b"</") {
        let lt = from + found;
        let after = lt + 2 + name.len();
        let named = b
            .get(lt + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if named
            && b.get(after)
                .is_some_and(|c| is_space(*c) || matches!(c, b'/' | b'>'))
        {
            return Some(lt);
        }
        from = lt + 2;
    }
    None
}
