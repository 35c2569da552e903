//! A byte-level HTML tokenizer that feeds html5ever's tree builder.
//!
//! Why: html5ever's own tokenizer reads one character at a time through a
//! queue of buffers, and was about half of the extractor's time (issue
//! 11). This one reads the forms real pages are made of (text, tags and
//! attributes, character references, comments, common doctypes, the raw
//! text of `title`, `textarea`, `style`, `iframe` and JSON-LD scripts) a
//! run of bytes at a time, with `memchr`, and hands html5ever's tree builder
//! the same tokens html5ever's tokenizer would. The tree builder, and so
//! the tree, stay html5ever's.
//!
//! Where it meets a form it does not read (a CDATA section, an unusual
//! doctype, `<plaintext>`, a script holding `<!--`), html5ever's tokenizer
//! takes over from that point, in the state the page is in there; a page
//! holding NUL or CR characters is parsed by html5ever from the start.
//! The differential tests compare both parsers' trees.

mod charref;
mod declaration;
mod raw;
mod tag;
#[cfg(test)]
mod tests;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tokenizer::states::{RawKind, State};
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, CommentToken, Doctype, DoctypeToken, EOFToken, ParseError,
    TagKind, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{TreeBuilder, TreeSink, create_element};
use html5ever::{QualName, TokenizerResult};

/// A page parsed as `scraper::Html::parse_document` parses it.
pub fn document(html: &str) -> scraper::Html {
    parse_document(
        html,
        scraper::HtmlTreeSink::new(scraper::Html::new_document()),
    )
}

/// A fragment parsed as `scraper::Html::parse_fragment` parses it (in a
/// `body`).
pub fn fragment(html: &str) -> scraper::Html {
    fragment_into(html, scraper::Html::new_fragment())
}

/// [`fragment`], parsed into `empty` (a fragment, e.g. with a tree
/// sized in advance).
pub fn fragment_into(html: &str, empty: scraper::Html) -> scraper::Html {
    let body = QualName::new(None, html5ever::ns!(html), html5ever::local_name!("body"));
    parse_fragment(html, scraper::HtmlTreeSink::new(empty), body)
}

/// Parses a whole page into `sink`, as `html5ever::parse_document` with
/// default options would.
pub fn parse_document<S: TreeSink>(html: &str, sink: S) -> S::Output
where
    S::Handle: Clone,
{
    if !fast_path_applies(html) {
        return html5ever::parse_document(sink, Default::default()).one(html);
    }
    let builder = TreeBuilder::new(sink, Default::default());
    Parser::new(builder, html).run(State::Data)
}

/// Parses a fragment into `sink` in the context of an HTML element
/// `context` (without attributes, scripting off), as
/// `html5ever::parse_fragment` would.
pub fn parse_fragment<S: TreeSink>(html: &str, sink: S, context: QualName) -> S::Output
where
    S::Handle: Clone,
{
    if !fast_path_applies(html) {
        return html5ever::parse_fragment(sink, Default::default(), context, Vec::new(), false)
            .one(html);
    }
    let element = create_element(&sink, context, Vec::new());
    let builder = TreeBuilder::new_for_fragment(sink, element, None, Default::default());
    let state = builder.tokenizer_state_for_context_elem(false);
    Parser::new(builder, html).run(state)
}

/// Whether the fast tokenizer may read `html`: no NUL or CR (html5ever
/// replaces and normalizes them character by character), and small enough
/// for tendril offsets.
fn fast_path_applies(html: &str) -> bool {
    u32::try_from(html.len()).is_ok() && memchr::memchr2(b'\0', b'\r', html.as_bytes()).is_none()
}

/// The fast tokenizer's state: the tree builder it feeds and where it is.
struct Parser<S: TreeSink> {
    builder: TreeBuilder<S::Handle, S>,
    /// The page, shared by the text and attribute tendrils cut from it.
    input: StrTendril,
    /// The next byte to read.
    at: usize,
    /// The last start tag's name (raw text ends at its end tag).
    last_start: Option<html5ever::LocalName>,
}

impl<S: TreeSink> Parser<S>
where
    S::Handle: Clone,
{
    fn new(builder: TreeBuilder<S::Handle, S>, html: &str) -> Self {
        let mut parser = Parser {
            builder,
            input: StrTendril::from_slice(html),
            at: 0,
            last_start: None,
        };
        // The tokenizer drops a byte order mark at the start.
        parser.skip_bom();
        parser
    }

    /// Tokenizes the page from `state` (the data state, or a fragment's
    /// context state) and finishes the tree.
    fn run(mut self, state: State) -> S::Output {
        let outcome = match state {
            State::Data => self.data(),
            State::RawData(kind @ (RawKind::Rcdata | RawKind::Rawtext | RawKind::ScriptData)) => {
                self.raw_text(kind).and_then(|()| self.data())
            }
            other => Err(other),
        };
        match outcome {
            Ok(()) => {
                let _ = self.emit(EOFToken);
                self.builder.end();
                self.builder.sink.finish()
            }
            Err(state) => self.hand_over(state),
        }
    }

    /// html5ever's tokenizer reads the rest of the page, from `self.at`,
    /// in `state`.
    fn hand_over(mut self, state: State) -> S::Output {
        // It drops a byte order mark at the front each time it is fed
        // (after a script or an encoding hint), as in a whole parse; one
        // right here is text, so it is sent first.
        let mark = self.at;
        self.skip_bom();
        self.text(mark..self.at);
        let opts = TokenizerOpts {
            initial_state: Some(state),
            last_start_tag_name: self.last_start.as_ref().map(|n| n.to_string()),
            ..TokenizerOpts::default()
        };
        let rest = sub(&self.input, self.at..self.input.len());
        let tokenizer = Tokenizer::new(self.builder, opts);
        let queue = BufferQueue::default();
        queue.push_back(rest);
        // As html5ever's driver: scripts and encoding hints only pause it.
        while !matches!(tokenizer.feed(&queue), TokenizerResult::Done) {}
        tokenizer.end();
        tokenizer.sink.sink.finish()
    }

    /// Moves past a byte order mark at `self.at`, if there is one.
    fn skip_bom(&mut self) {
        if self.input[self.at..].starts_with('\u{feff}') {
            self.at += 3;
        }
    }

    /// Sends one token to the tree builder.
    fn emit(&self, token: Token) -> TokenSinkResult<S::Handle> {
        self.builder.process_token(token, 1)
    }

    /// Sends `range` of the page as text, if it is not empty.
    fn text(&self, range: std::ops::Range<usize>) {
        if !range.is_empty() {
            let _ = self.emit(CharacterTokens(sub(&self.input, range)));
        }
    }

    /// The data state: text, character references and markup, to the end
    /// of the page. `Err` hands over at `self.at` in the state given.
    fn data(&mut self) -> Result<(), State> {
        let len = self.input.len();
        let mut text = self.at;
        while let Some(found) = memchr::memchr2(b'<', b'&', &self.input.as_bytes()[self.at..]) {
            let pos = self.at + found;
            if self.input.as_bytes()[pos] == b'&' {
                self.at = pos + 1;
                if let Some(end) = self.reference(text..pos, pos) {
                    self.at = end;
                    text = end;
                }
                continue;
            }
            self.at = pos + 1;
            let Some(kind) = markup_at(self.input.as_bytes(), pos) else {
                continue;
            };
            self.text(text..pos);
            self.at = pos;
            self.markup(kind)?;
            text = self.at;
        }
        self.text(text..len);
        self.at = len;
        Ok(())
    }

    /// Decodes the reference at `amp` (in text, not an attribute): sends
    /// the pending `text` and the characters, and returns the byte after
    /// it; `None` if the `&` is plain text.
    fn reference(&self, text: std::ops::Range<usize>, amp: usize) -> Option<usize> {
        let decoded = charref::decode(self.input.as_bytes(), amp, false)?;
        self.text(text);
        if decoded.error {
            // The tokenizer reports it before the characters; the tree
            // builder's "ignore a newline after <pre>" looks at the next
            // token, error or not, so the order matters.
            let _ = self.emit(ParseError("Invalid character reference".into()));
        }
        let mut chars = StrTendril::new();
        decoded.push_to(&mut chars);
        let _ = self.emit(CharacterTokens(chars));
        Some(decoded.end)
    }

    /// Reads the markup at `self.at` (a `<`) of the `kind` found there.
    fn markup(&mut self, kind: Markup) -> Result<(), State> {
        let b = self.input.as_bytes();
        let lt = self.at;
        match kind {
            Markup::StartTag => self.tag(lt + 1, TagKind::StartTag),
            Markup::EndTag => self.tag(lt + 2, TagKind::EndTag),
            Markup::EmptyEndTag => {
                // Dropped, but reported: the error resets the tree
                // builder's "ignore a newline after <pre>".
                let _ = self.emit(ParseError("Empty end tag".into()));
                self.at = lt + 3;
                Ok(())
            }
            Markup::Comment | Markup::Bogus(_) => {
                let (text, end) = match kind {
                    Markup::Bogus(start) => declaration::bogus_comment(b, start),
                    _ => declaration::comment(b, lt + 4),
                };
                let _ = self.emit(CommentToken(sub(&self.input, text)));
                self.at = end;
                Ok(())
            }
            Markup::Doctype => self.doctype(lt),
            Markup::Other => Err(State::Data),
        }
    }

    /// Reads a doctype at `lt`, or hands it over.
    fn doctype(&mut self, lt: usize) -> Result<(), State> {
        let read = declaration::doctype(self.input.as_bytes(), lt + 9).ok_or(State::Data)?;
        let id = |range: Option<std::ops::Range<usize>>| range.map(|r| sub(&self.input, r));
        let token = Doctype {
            name: read.name.map(|n| StrTendril::from_slice(&n)),
            public_id: id(read.public_id),
            system_id: id(read.system_id),
            force_quirks: read.force_quirks,
        };
        let _ = self.emit(DoctypeToken(token));
        self.at = read.end;
        Ok(())
    }

    /// Reads a tag whose name starts at `name_start` and sends it; a start
    /// tag may switch to raw text. At the end of the page inside the tag,
    /// the tag is dropped.
    fn tag(&mut self, name_start: usize, kind: TagKind) -> Result<(), State> {
        let Some((tag, end)) = tag::read(&self.input, name_start, kind) else {
            self.at = self.input.len();
            return Ok(());
        };
        self.at = end;
        if kind == TagKind::StartTag {
            self.last_start = Some(tag.name.clone());
        }
        match self.emit(TagToken(tag)) {
            TokenSinkResult::RawData(raw) => self.raw_text(raw),
            TokenSinkResult::Plaintext => Err(State::Plaintext),
            TokenSinkResult::Script(_) | TokenSinkResult::EncodingIndicator(_) => {
                // html5ever's tokenizer pauses there, and each time it is
                // fed again it drops a byte order mark at the front.
                self.skip_bom();
                Ok(())
            }
            TokenSinkResult::Continue => Ok(()),
        }
    }
}

/// What a `<` starts, as the tokenizer's tag open state decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    /// `<` and a letter.
    StartTag,
    /// `</` and a letter.
    EndTag,
    /// `</>`, which is dropped.
    EmptyEndTag,
    /// `<!--`.
    Comment,
    /// `<!DOCTYPE`, any case.
    Doctype,
    /// `<?`, `</` and not a letter, `<!` and neither of the above: a bogus
    /// comment whose text starts at the index given.
    Bogus(usize),
    /// A CDATA section, or a declaration cut off by the end of the page:
    /// html5ever's tokenizer reads it.
    Other,
}

/// What the `<` at `lt` starts; `None` when it is text.
fn markup_at(b: &[u8], lt: usize) -> Option<Markup> {
    let next = *b.get(lt + 1)?;
    Some(match next {
        c if c.is_ascii_alphabetic() => Markup::StartTag,
        b'/' => match *b.get(lt + 2)? {
            c if c.is_ascii_alphabetic() => Markup::EndTag,
            b'>' => Markup::EmptyEndTag,
            _ => Markup::Bogus(lt + 2),
        },
        b'?' => Markup::Bogus(lt + 1),
        b'!' => declaration_kind(&b[lt + 2..], lt),
        _ => return None,
    })
}

/// What `<!` followed by `rest` starts.
fn declaration_kind(rest: &[u8], lt: usize) -> Markup {
    if rest.starts_with(b"--") {
        Markup::Comment
    } else if rest.len() < 7 || rest.starts_with(b"[CDATA[") {
        Markup::Other
    } else if rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
        Markup::Doctype
    } else {
        Markup::Bogus(lt + 2)
    }
}

/// `range` of `input` as a tendril sharing its buffer.
fn sub(input: &StrTendril, range: std::ops::Range<usize>) -> StrTendril {
    // `fast_path_applies` refuses sources past `u32::MAX` bytes.
    input.subtendril(range.start as u32, (range.end - range.start) as u32)
}
