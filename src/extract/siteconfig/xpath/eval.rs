//! Evaluates a parsed expression over scraper's tree (ego-tree nodes, the
//! tree every extraction step shares), with XPath 1.0's values (node-set,
//! string, number, boolean), conversions and comparison rules. Node-sets
//! are kept in document order without duplicates; positions in predicates
//! count along the axis (backwards on reverse axes).
//!
//! Cost is bounded: every node an axis, a string value or a predicate
//! visits is counted against [`MAX_VISITS`], and an evaluation beyond it
//! stops with [`Exhausted`].

use std::cell::Cell;

use scraper::Node;

use super::ast::{Axis, Expr, NodeTest, Path, Step};
use crate::extract::dom::{Key, KeyMap, NodeRef, contains};

mod funcs;

use funcs::{arith, boolean, number_string, scalar, to_number};

/// Most nodes one evaluation may visit: about 20 full walks of a page at
/// the markup limit (100,000 elements), a few tens of milliseconds.
pub(crate) const MAX_VISITS: usize = 5_000_000;

/// The evaluation visited more than [`MAX_VISITS`] nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

/// A node of a node-set: a tree node, or an attribute of an element (by
/// its index among the element's attributes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Item<'a> {
    /// An element, text, comment or the document.
    Node(NodeRef<'a>),
    /// The `n`th attribute of an element.
    Attr(NodeRef<'a>, usize),
}

impl<'a> Item<'a> {
    /// The tree node itself, or an attribute's element.
    pub(crate) fn node(self) -> NodeRef<'a> {
        match self {
            Item::Node(node) | Item::Attr(node, _) => node,
        }
    }

    fn attr(self) -> Option<(&'a str, &'a str)> {
        match self {
            Item::Attr(node, i) => node.value().as_element()?.attrs().nth(i),
            Item::Node(_) => None,
        }
    }
}

/// A value.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Nodes(Vec<Item<'a>>),
    Str(String),
    Num(f64),
    Bool(bool),
}

/// A parsed page, ready for evaluations: its root and every node's place
/// in document order (built once per page, used by every rule).
pub(crate) struct Page<'a> {
    root: NodeRef<'a>,
    order: KeyMap<usize>,
}

impl<'a> Page<'a> {
    /// Indexes the tree under `root` (the document node).
    pub(crate) fn new(root: NodeRef<'a>) -> Page<'a> {
        let order = root
            .descendants()
            .enumerate()
            .map(|(i, node)| (Key::of(node), i))
            .collect();
        Page { root, order }
    }

    fn sort_key(&self, item: Item<'a>) -> (usize, usize) {
        let index = self.order.get(&Key::of(item.node())).copied();
        let index = index.unwrap_or(usize::MAX);
        match item {
            Item::Node(_) => (index, 0),
            Item::Attr(_, i) => (index, i + 1),
        }
    }

    /// Sorts into document order and drops duplicates.
    fn normalize(&self, items: &mut Vec<Item<'a>>) {
        items.sort_by_key(|item| self.sort_key(*item));
        items.dedup_by_key(|item| self.sort_key(*item));
    }
}

/// The evaluation context: a node, its position and the size of its set.
#[derive(Clone, Copy)]
struct Context<'a> {
    item: Item<'a>,
    position: usize,
    size: usize,
}

/// One evaluation: the page and the visit budget.
pub(crate) struct Eval<'p, 'a> {
    page: &'p Page<'a>,
    visits: Cell<usize>,
}

type Result<T> = std::result::Result<T, Exhausted>;

impl<'p, 'a> Eval<'p, 'a> {
    pub(crate) fn new(page: &'p Page<'a>) -> Self {
        Eval {
            page,
            visits: Cell::new(0),
        }
    }

    fn visit(&self, n: usize) -> Result<()> {
        let total = self.visits.get() + n;
        self.visits.set(total);
        if total > MAX_VISITS {
            Err(Exhausted)
        } else {
            Ok(())
        }
    }

    /// Evaluates `expr` with the document as context.
    pub(super) fn run(&self, expr: &Expr) -> Result<Value<'a>> {
        let context = Context {
            item: Item::Node(self.page.root),
            position: 1,
            size: 1,
        };
        self.eval(expr, context)
    }

    fn eval(&self, expr: &Expr, cx: Context<'a>) -> Result<Value<'a>> {
        Ok(match expr {
            Expr::Or(a, b) => Value::Bool(self.truth(a, cx)? || self.truth(b, cx)?),
            Expr::And(a, b) => Value::Bool(self.truth(a, cx)? && self.truth(b, cx)?),
            Expr::Compare(op, a, b) => {
                let (a, b) = (self.eval(a, cx)?, self.eval(b, cx)?);
                Value::Bool(self.compare(op, &a, &b)?)
            }
            Expr::Arith(op, a, b) => {
                let a = self.number(&self.eval(a, cx)?)?;
                let b = self.number(&self.eval(b, cx)?)?;
                Value::Num(arith(op, a, b))
            }
            Expr::Neg(a) => Value::Num(-self.number(&self.eval(a, cx)?)?),
            Expr::Union(parts) => {
                let mut all = Vec::new();
                for part in parts {
                    if let Value::Nodes(items) = self.eval(part, cx)? {
                        all.extend(items);
                    }
                }
                self.page.normalize(&mut all);
                Value::Nodes(all)
            }
            Expr::Path(path) => Value::Nodes(self.path(path, cx)?),
            Expr::Filter(primary, predicates, steps) => {
                let Value::Nodes(mut items) = self.eval(primary, cx)? else {
                    return Ok(Value::Nodes(Vec::new()));
                };
                for predicate in predicates {
                    items = self.filter(items, predicate)?;
                }
                Value::Nodes(self.steps(items, steps)?)
            }
            Expr::Literal(text) => Value::Str(text.clone()),
            Expr::Number(n) => Value::Num(*n),
            Expr::Call(func, args) => self.call(*func, args, cx)?,
        })
    }

    fn truth(&self, expr: &Expr, cx: Context<'a>) -> Result<bool> {
        Ok(boolean(&self.eval(expr, cx)?))
    }

    fn path(&self, path: &Path, cx: Context<'a>) -> Result<Vec<Item<'a>>> {
        let start = if path.absolute {
            Item::Node(self.page.root)
        } else {
            cx.item
        };
        self.steps(vec![start], &path.steps)
    }

    fn steps(&self, mut items: Vec<Item<'a>>, steps: &[Step]) -> Result<Vec<Item<'a>>> {
        for step in steps {
            items = self.step(&items, step)?;
        }
        Ok(items)
    }

    fn step(&self, contexts: &[Item<'a>], step: &Step) -> Result<Vec<Item<'a>>> {
        let mut out = Vec::new();
        // A descendant walk from inside a subtree already walked finds
        // nothing new: `//div//p` stays linear on nested divs.
        let skip_nested = step.predicates.is_empty()
            && matches!(step.axis, Axis::Descendant | Axis::DescendantOrSelf);
        let mut walked: Option<NodeRef<'a>> = None;
        for context in contexts {
            if skip_nested
                && let (Some(last), Item::Node(node)) = (walked, context)
                && contains(last, *node)
            {
                continue;
            }
            walked = Some(context.node());
            let mut found = self.axis(*context, step.axis)?;
            found.retain(|item| matches(*item, step.axis, &step.test));
            for predicate in &step.predicates {
                found = self.filter(found, predicate)?;
            }
            out.extend(found);
        }
        self.page.normalize(&mut out);
        Ok(out)
    }

    /// Keeps the items for which `predicate` holds, positions counted in
    /// the items' order.
    fn filter(&self, items: Vec<Item<'a>>, predicate: &Expr) -> Result<Vec<Item<'a>>> {
        let size = items.len();
        let mut kept = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let cx = Context {
                item,
                position: i + 1,
                size,
            };
            let keep = match self.eval(predicate, cx)? {
                Value::Num(n) => n == (i + 1) as f64,
                other => boolean(&other),
            };
            if keep {
                kept.push(item);
            }
        }
        Ok(kept)
    }

    /// The items along `axis` from `item`, in axis order.
    fn axis(&self, item: Item<'a>, axis: Axis) -> Result<Vec<Item<'a>>> {
        let node = item.node();
        let is_attr = matches!(item, Item::Attr(..));
        let nodes: Vec<NodeRef<'a>> = match axis {
            Axis::Itself => return Ok(vec![item]),
            Axis::Attribute if is_attr => Vec::new(),
            Axis::Attribute => {
                let count = node.value().as_element().map_or(0, |e| e.attrs().count());
                self.visit(count)?;
                return Ok((0..count).map(|i| Item::Attr(node, i)).collect());
            }
            Axis::Parent if is_attr => vec![node],
            Axis::Ancestor | Axis::AncestorOrSelf if is_attr => {
                std::iter::once(node).chain(node.ancestors()).collect()
            }
            _ if is_attr => Vec::new(),
            Axis::Child => node.children().collect(),
            Axis::Descendant => self.walk(node.descendants().skip(1))?,
            Axis::DescendantOrSelf => self.walk(node.descendants())?,
            Axis::Parent => node.parent().into_iter().collect(),
            Axis::Ancestor => node.ancestors().collect(),
            Axis::AncestorOrSelf => std::iter::once(node).chain(node.ancestors()).collect(),
            Axis::FollowingSibling => node.next_siblings().collect(),
            Axis::PrecedingSibling => node.prev_siblings().collect(),
            Axis::Following => self.following(node)?,
            Axis::Preceding => self.preceding(node)?,
        };
        self.visit(nodes.len())?;
        Ok(nodes.into_iter().map(Item::Node).collect())
    }

    /// Collects a walk, counting as it goes (a walk may be long).
    fn walk(&self, nodes: impl Iterator<Item = NodeRef<'a>>) -> Result<Vec<NodeRef<'a>>> {
        let mut out = Vec::new();
        for node in nodes {
            out.push(node);
            if out.len() % 4096 == 0 {
                self.visit(4096)?;
            }
        }
        Ok(out)
    }

    fn following(&self, node: NodeRef<'a>) -> Result<Vec<NodeRef<'a>>> {
        let mut out = Vec::new();
        for from in std::iter::once(node).chain(node.ancestors()) {
            for sibling in from.next_siblings() {
                out.extend(self.walk(sibling.descendants())?);
            }
        }
        Ok(out)
    }

    fn preceding(&self, node: NodeRef<'a>) -> Result<Vec<NodeRef<'a>>> {
        let mut out = Vec::new();
        for from in std::iter::once(node).chain(node.ancestors()) {
            for sibling in from.prev_siblings() {
                let mut subtree = self.walk(sibling.descendants())?;
                subtree.reverse();
                out.extend(subtree);
            }
        }
        Ok(out)
    }

    /// The string value of an item: an element's text, an attribute's value.
    pub(crate) fn string_value(&self, item: Item<'a>) -> Result<String> {
        if let Some((_, value)) = item.attr() {
            return Ok(value.to_owned());
        }
        let node = item.node();
        match node.value() {
            Node::Text(text) => Ok(text.to_string()),
            Node::Comment(comment) => Ok(comment.to_string()),
            _ => {
                let mut out = String::new();
                let mut seen = 0;
                for d in node.descendants() {
                    seen += 1;
                    if let Node::Text(text) = d.value() {
                        out.push_str(text);
                    }
                }
                self.visit(seen)?;
                Ok(out)
            }
        }
    }

    /// `string()` of a value: the first node's string value for a node-set.
    pub(crate) fn string(&self, value: &Value<'a>) -> Result<String> {
        Ok(match value {
            Value::Nodes(items) => match items.first() {
                Some(item) => self.string_value(*item)?,
                None => String::new(),
            },
            Value::Str(s) => s.clone(),
            Value::Num(n) => number_string(*n),
            Value::Bool(b) => b.to_string(),
        })
    }

    fn number(&self, value: &Value<'a>) -> Result<f64> {
        Ok(match value {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            other => to_number(&self.string(other)?),
        })
    }

    fn compare(&self, op: &str, a: &Value<'a>, b: &Value<'a>) -> Result<bool> {
        match (a, b) {
            (Value::Nodes(x), Value::Nodes(y)) => {
                let ys: Vec<String> = y
                    .iter()
                    .map(|i| self.string_value(*i))
                    .collect::<Result<_>>()?;
                for xi in x {
                    let xs = Value::Str(self.string_value(*xi)?);
                    if ys.iter().any(|ys| scalar(op, &xs, &Value::Str(ys.clone()))) {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (Value::Nodes(x), Value::Bool(_)) => Ok(scalar(op, &Value::Bool(!x.is_empty()), b)),
            (Value::Bool(_), Value::Nodes(y)) => Ok(scalar(op, a, &Value::Bool(!y.is_empty()))),
            (Value::Nodes(x), other) => self.any_node(x, |s| scalar(op, &s, other)),
            (other, Value::Nodes(y)) => self.any_node(y, |s| scalar(op, other, &s)),
            _ => Ok(scalar(op, a, b)),
        }
    }

    fn any_node(&self, items: &[Item<'a>], test: impl Fn(Value<'a>) -> bool) -> Result<bool> {
        for item in items {
            if test(Value::Str(self.string_value(*item)?)) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Whether an item found along `axis` passes the node test.
fn matches(item: Item<'_>, axis: Axis, test: &NodeTest) -> bool {
    if axis == Axis::Attribute {
        return match (test, item.attr()) {
            (NodeTest::Node | NodeTest::Name(None), Some(_)) => true,
            (NodeTest::Name(Some(want)), Some((name, _))) => name.eq_ignore_ascii_case(want),
            _ => false,
        };
    }
    let Item::Node(node) = item else {
        // `self::node()` on an attribute.
        return matches!(test, NodeTest::Node);
    };
    match (test, node.value()) {
        (NodeTest::Node, _) => true,
        (NodeTest::Text, Node::Text(_)) => true,
        (NodeTest::Comment, Node::Comment(_)) => true,
        (NodeTest::Name(None), Node::Element(_)) => true,
        (NodeTest::Name(Some(want)), Node::Element(el)) => el.name() == want,
        _ => false,
    }
}
