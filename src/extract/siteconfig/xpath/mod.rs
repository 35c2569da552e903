//! XPath 1.0 over scraper's tree, for site config rules.
//!
//! Site config files (Full-Text RSS, graby) write their rules in XPath,
//! evaluated by PHP's libxml over the page. No Rust XPath crate works on the
//! tree every other extraction step uses (`sxd-xpath` and `skyscraper`
//! each need their own document, and results must be nodes of this tree to
//! be removed or chosen), so this module evaluates expressions directly on
//! ego-tree nodes.
//!
//! The subset is what the collection's files use, which is nearly all of
//! XPath 1.0 without namespaces and variables:
//! - paths: `/`, `//`, `.`, `..`, `*`, `@attr`, `@*`, `text()`, `node()`,
//!   `comment()`, the axes `child`, `descendant`, `descendant-or-self`,
//!   `self`, `parent`, `ancestor`, `ancestor-or-self`, `following-sibling`,
//!   `preceding-sibling`, `following`, `preceding`, `attribute`;
//! - predicates of any expression, position predicates (`[1]`,
//!   `[last()]`, `[position() < 3]`), filters (`(//p)[1]`), unions `|`;
//! - `or`, `and`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `div`,
//!   `mod`, unary `-`, strings and numbers;
//! - functions: `contains`, `starts-with`, `ends-with`, `normalize-space`,
//!   `concat`, `not`, `string`, `string-length`, `substring`,
//!   `substring-before`, `substring-after`, `translate`, `count`,
//!   `position`, `last`, `local-name`, `name`, `boolean`, `number`,
//!   `true`, `false`, `floor`, `ceiling`, `round`, `sum`.
//!
//! Not supported (a compile error naming it): variables (`$x`), namespace
//! axes and prefixes (a `prefix:name` test matches on its local name, as
//! an HTML parser keeps it), `id()`, `lang()`, `processing-instruction()`,
//! and XPath 2 functions. Names are matched lower-cased, as HTML parsers
//! store them. Bounds: an expression of at most [`MAX_CHARS`] characters,
//! nested at most 40 levels, visiting at most [`eval::MAX_VISITS`] nodes
//! per evaluation.

mod ast;
mod eval;
mod lex;
mod parse;

pub(crate) use eval::{Eval, Exhausted, Item, Page, Value};

use ast::{Axis, Expr};

/// Longest expression accepted, in characters (the longest rules in the
/// collection are a few hundred).
pub const MAX_CHARS: usize = 2_000;

/// A compiled expression, with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct XPath {
    source: String,
    expr: Expr,
}

impl XPath {
    /// Compiles an expression; the error says what is wrong or unsupported.
    pub fn compile(source: &str) -> Result<XPath, String> {
        let source = source.trim();
        if source.is_empty() {
            return Err("empty expression".to_owned());
        }
        if source.chars().count() > MAX_CHARS {
            return Err(format!("longer than {MAX_CHARS} characters"));
        }
        if source.contains('$') {
            return Err("variables ($name) are not supported".to_owned());
        }
        let tokens = lex::tokens(source)?;
        let expr = parse::parse(&tokens)?;
        Ok(XPath {
            source: source.to_owned(),
            expr,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression selects attributes (`.../@href`): such a
    /// rule names a value, never an element to remove or keep.
    pub fn selects_attributes(&self) -> bool {
        fn last_axis(expr: &Expr) -> Option<Axis> {
            match expr {
                Expr::Path(path) => path.steps.last().map(|s| s.axis),
                Expr::Filter(inner, _, steps) => match steps.last() {
                    Some(step) => Some(step.axis),
                    None => last_axis(inner),
                },
                Expr::Union(parts) => parts.iter().find_map(last_axis),
                _ => None,
            }
        }
        last_axis(&self.expr) == Some(Axis::Attribute)
    }

    /// The node-set the expression selects on `page` (empty for an
    /// expression giving a string, number or boolean).
    pub(crate) fn select<'a>(&self, page: &Page<'a>) -> Result<Vec<Item<'a>>, Exhausted> {
        match Eval::new(page).run(&self.expr)? {
            Value::Nodes(items) => Ok(items),
            _ => Ok(Vec::new()),
        }
    }

    /// The texts the expression gives on `page`, each whitespace-collapsed
    /// and non-empty: one per selected node (an element's text, an
    /// attribute's value), or the one string of a `string(...)`-style
    /// expression.
    pub(crate) fn texts(&self, page: &Page<'_>) -> Result<Vec<String>, Exhausted> {
        let eval = Eval::new(page);
        let texts = match eval.run(&self.expr)? {
            Value::Nodes(items) => items
                .into_iter()
                .map(|item| eval.string_value(item))
                .collect::<Result<Vec<_>, _>>()?,
            other => vec![eval.string(&other)?],
        };
        Ok(texts
            .into_iter()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
            .collect())
    }
}

#[cfg(test)]
mod tests;
