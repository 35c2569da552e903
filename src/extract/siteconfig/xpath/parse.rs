//! Parses the tokens of an XPath 1.0 expression into a tree: the full
//! expression grammar (paths, unions, predicates, `or`/`and`,
//! comparisons, arithmetic, function calls), with every name checked at
//! compile time (axes, node types, functions and their arity), so that a
//! rule outside the subset fails when the site config is read, not on a
//! page.

use super::ast::{Axis, Expr, Func, NodeTest, Path, Step};
use super::lex::Token;

/// Deepest nesting of sub-expressions accepted: real rules nest a few
/// levels; the recursive descent must not overflow the stack on a hostile
/// file.
const MAX_NESTING: usize = 40;

/// Parses a whole expression.
pub(super) fn parse(tokens: &[Token]) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(format!("unexpected {} after the expression", show(token))),
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    depth: usize,
}

fn show(token: &Token) -> String {
    match token {
        Token::Name(n) => format!("name {n:?}"),
        Token::Literal(s) => format!("string {s:?}"),
        Token::Op(op) => format!("operator {op:?}"),
        other => format!("{other:?}"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.at + ahead)
    }

    fn eat(&mut self, token: &Token) -> bool {
        let found = self.peek() == Some(token);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, token: &Token) -> Result<(), String> {
        if self.eat(token) {
            return Ok(());
        }
        match self.peek() {
            Some(found) => Err(format!("expected {token:?}, found {}", show(found))),
            None => Err(format!("expected {token:?} at the end")),
        }
    }

    fn op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(op)) if ops.contains(op) => {
                let op = *op;
                self.at += 1;
                Some(op)
            }
            _ => None,
        }
    }

    /// A left-associative binary level.
    fn binary(
        &mut self,
        ops: &[&'static str],
        next: fn(&mut Self) -> Result<Expr, String>,
        make: fn(&'static str, Expr, Expr) -> Expr,
    ) -> Result<Expr, String> {
        let mut left = next(self)?;
        while let Some(op) = self.op(ops) {
            let right = next(self)?;
            left = make(op, left, right);
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!("nested deeper than {MAX_NESTING} levels"));
        }
        let expr = self.binary(&["or"], Self::and, |_, a, b| {
            Expr::Or(Box::new(a), Box::new(b))
        });
        self.depth -= 1;
        expr
    }

    fn and(&mut self) -> Result<Expr, String> {
        self.binary(&["and"], Self::equality, |_, a, b| {
            Expr::And(Box::new(a), Box::new(b))
        })
    }

    fn equality(&mut self) -> Result<Expr, String> {
        self.binary(&["=", "!="], Self::relational, compare)
    }

    fn relational(&mut self) -> Result<Expr, String> {
        self.binary(&["<", "<=", ">", ">="], Self::additive, compare)
    }

    fn additive(&mut self) -> Result<Expr, String> {
        self.binary(&["+", "-"], Self::multiplicative, arith)
    }

    fn multiplicative(&mut self) -> Result<Expr, String> {
        self.binary(&["*", "div", "mod"], Self::unary, arith)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.union()
    }

    fn union(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.path_expr()?];
        while self.eat(&Token::Pipe) {
            parts.push(self.path_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Union(parts)
        })
    }

    /// A location path, or a filter expression optionally followed by
    /// steps.
    fn path_expr(&mut self) -> Result<Expr, String> {
        if self.starts_primary() {
            let primary = self.primary()?;
            let predicates = self.predicates()?;
            let mut steps = Vec::new();
            self.more_steps(&mut steps)?;
            if predicates.is_empty() && steps.is_empty() {
                return Ok(primary);
            }
            return Ok(Expr::Filter(Box::new(primary), predicates, steps));
        }
        let mut path = Path {
            absolute: false,
            steps: Vec::new(),
        };
        if self.eat(&Token::Slash) {
            path.absolute = true;
            if !self.starts_step() {
                return Ok(Expr::Path(path));
            }
        } else if self.eat(&Token::DoubleSlash) {
            path.absolute = true;
            path.steps.push(any_descendant());
        }
        path.steps.push(self.step()?);
        self.more_steps(&mut path.steps)?;
        Ok(Expr::Path(path))
    }

    fn more_steps(&mut self, steps: &mut Vec<Step>) -> Result<(), String> {
        loop {
            if self.eat(&Token::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Token::DoubleSlash) {
                steps.push(any_descendant());
                steps.push(self.step()?);
            } else {
                return Ok(());
            }
        }
    }

    fn starts_primary(&self) -> bool {
        match self.peek() {
            Some(Token::LParen | Token::Literal(_) | Token::Number(_)) => true,
            Some(Token::Name(name)) => {
                self.peek_at(1) == Some(&Token::LParen) && !is_node_type(name)
            }
            _ => false,
        }
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token::Name(_) | Token::Star | Token::At | Token::Dot | Token::DotDot)
        )
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek().cloned() {
            Some(Token::LParen) => {
                self.at += 1;
                let expr = self.or()?;
                self.expect(&Token::RParen)?;
                Ok(expr)
            }
            Some(Token::Literal(text)) => {
                self.at += 1;
                Ok(Expr::Literal(text))
            }
            Some(Token::Number(n)) => {
                self.at += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Name(name)) => self.call(&name),
            _ => Err("expected an expression".to_owned()),
        }
    }

    fn call(&mut self, name: &str) -> Result<Expr, String> {
        let (func, min, max) =
            Func::named(name).ok_or_else(|| format!("unsupported function {name}()"))?;
        self.at += 2;
        let mut args = Vec::new();
        if !self.eat(&Token::RParen) {
            loop {
                args.push(self.or()?);
                if self.eat(&Token::RParen) {
                    break;
                }
                self.expect(&Token::Comma)?;
            }
        }
        if args.len() < min || args.len() > max {
            return Err(
                format!("{name}() takes {min}..{max} arguments, not {}", args.len())
                    .replace(&format!("..{}", usize::MAX), " or more"),
            );
        }
        Ok(Expr::Call(func, args))
    }

    fn step(&mut self) -> Result<Step, String> {
        if self.eat(&Token::Dot) {
            return Ok(bare(Axis::Itself, NodeTest::Node));
        }
        if self.eat(&Token::DotDot) {
            return Ok(bare(Axis::Parent, NodeTest::Node));
        }
        let axis = if self.eat(&Token::At) {
            Axis::Attribute
        } else if let (Some(Token::Name(name)), Some(Token::Axis)) = (self.peek(), self.peek_at(1))
        {
            let axis = Axis::named(name).ok_or_else(|| format!("unsupported axis {name}::"))?;
            self.at += 2;
            axis
        } else {
            Axis::Child
        };
        let test = self.node_test()?;
        let predicates = self.predicates()?;
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn node_test(&mut self) -> Result<NodeTest, String> {
        match self.peek().cloned() {
            Some(Token::Star) => {
                self.at += 1;
                Ok(NodeTest::Name(None))
            }
            Some(Token::Name(name)) if self.peek_at(1) == Some(&Token::LParen) => {
                let test = match name.as_str() {
                    "node" => NodeTest::Node,
                    "text" => NodeTest::Text,
                    "comment" => NodeTest::Comment,
                    other => return Err(format!("unsupported node test {other}()")),
                };
                self.at += 2;
                self.expect(&Token::RParen)?;
                Ok(test)
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                // `svg:path`, `og:x`: HTML parsers keep only the local name.
                let local = name.rsplit(':').next().unwrap_or(&name);
                Ok(NodeTest::Name(Some(local.to_ascii_lowercase())))
            }
            Some(other) => Err(format!("expected a step, found {}", show(&other))),
            None => Err("expected a step at the end".to_owned()),
        }
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, String> {
        let mut out = Vec::new();
        while self.eat(&Token::LBracket) {
            out.push(self.or()?);
            self.expect(&Token::RBracket)?;
        }
        Ok(out)
    }
}

fn is_node_type(name: &str) -> bool {
    matches!(name, "node" | "text" | "comment" | "processing-instruction")
}

fn compare(op: &'static str, a: Expr, b: Expr) -> Expr {
    Expr::Compare(op, Box::new(a), Box::new(b))
}

fn arith(op: &'static str, a: Expr, b: Expr) -> Expr {
    Expr::Arith(op, Box::new(a), Box::new(b))
}

fn bare(axis: Axis, test: NodeTest) -> Step {
    Step {
        axis,
        test,
        predicates: Vec::new(),
    }
}

/// What `//` stands for.
fn any_descendant() -> Step {
    bare(Axis::DescendantOrSelf, NodeTest::Node)
}
