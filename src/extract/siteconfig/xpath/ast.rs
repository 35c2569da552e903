//! The tree of a parsed expression: expressions, location paths, steps,
//! axes, node tests and the functions of the subset (with their arity).

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// A comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`).
    Compare(&'static str, Box<Expr>, Box<Expr>),
    /// Arithmetic (`+`, `-`, `*`, `div`, `mod`).
    Arith(&'static str, Box<Expr>, Box<Expr>),
    /// Unary minus.
    Neg(Box<Expr>),
    /// `a | b | ...`
    Union(Vec<Expr>),
    /// A location path.
    Path(Path),
    /// A primary expression with predicates, then steps
    /// (`(//a)[1]/@href`).
    Filter(Box<Expr>, Vec<Expr>, Vec<Step>),
    /// A string.
    Literal(String),
    /// A number.
    Number(f64),
    /// A function call.
    Call(Func, Vec<Expr>),
}

/// A location path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    /// Starts at the document (`/...`, `//...`).
    pub(crate) absolute: bool,
    /// The steps, `//` expanded to `descendant-or-self::node()`.
    pub(crate) steps: Vec<Step>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) axis: Axis,
    pub(crate) test: NodeTest,
    pub(crate) predicates: Vec<Expr>,
}

/// The axes of XPath 1.0 (without `namespace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    Child,
    Descendant,
    DescendantOrSelf,
    /// `self::`
    Itself,
    Parent,
    Ancestor,
    AncestorOrSelf,
    FollowingSibling,
    PrecedingSibling,
    Following,
    Preceding,
    Attribute,
}

impl Axis {
    pub(crate) fn named(name: &str) -> Option<Axis> {
        Some(match name {
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "self" => Axis::Itself,
            "parent" => Axis::Parent,
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "following-sibling" => Axis::FollowingSibling,
            "preceding-sibling" => Axis::PrecedingSibling,
            "following" => Axis::Following,
            "preceding" => Axis::Preceding,
            "attribute" => Axis::Attribute,
            _ => return None,
        })
    }
}

/// What a step keeps of its axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeTest {
    /// `node()`
    Node,
    /// `text()`
    Text,
    /// `comment()`
    Comment,
    /// `*` (`None`) or a name, lower-cased (HTML names are).
    Name(Option<String>),
}

/// The functions of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Last,
    Position,
    Count,
    Not,
    True,
    False,
    Boolean,
    String,
    Number,
    Concat,
    Contains,
    StartsWith,
    EndsWith,
    NormalizeSpace,
    StringLength,
    Substring,
    SubstringBefore,
    SubstringAfter,
    Translate,
    LocalName,
    Name,
    Floor,
    Ceiling,
    Round,
    Sum,
}

impl Func {
    /// The function and its accepted argument counts.
    pub(crate) fn named(name: &str) -> Option<(Func, usize, usize)> {
        Some(match name {
            "last" => (Func::Last, 0, 0),
            "position" => (Func::Position, 0, 0),
            "count" => (Func::Count, 1, 1),
            "not" => (Func::Not, 1, 1),
            "true" => (Func::True, 0, 0),
            "false" => (Func::False, 0, 0),
            "boolean" => (Func::Boolean, 1, 1),
            "string" => (Func::String, 0, 1),
            "number" => (Func::Number, 0, 1),
            "concat" => (Func::Concat, 2, usize::MAX),
            "contains" => (Func::Contains, 2, 2),
            "starts-with" => (Func::StartsWith, 2, 2),
            "ends-with" => (Func::EndsWith, 2, 2),
            "normalize-space" => (Func::NormalizeSpace, 0, 1),
            "string-length" => (Func::StringLength, 0, 1),
            "substring" => (Func::Substring, 2, 3),
            "substring-before" => (Func::SubstringBefore, 2, 2),
            "substring-after" => (Func::SubstringAfter, 2, 2),
            "translate" => (Func::Translate, 3, 3),
            "local-name" => (Func::LocalName, 0, 1),
            "name" => (Func::Name, 0, 1),
            "floor" => (Func::Floor, 1, 1),
            "ceiling" => (Func::Ceiling, 1, 1),
            "round" => (Func::Round, 1, 1),
            "sum" => (Func::Sum, 1, 1),
            _ => return None,
        })
    }
}
