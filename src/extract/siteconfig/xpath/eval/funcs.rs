//! XPath 1.0's function library and value rules: conversions between
//! strings, numbers and booleans, scalar comparison and arithmetic.

use super::super::ast::{Expr, Func};
use super::{Context, Eval, Item, Result, Value};

impl<'a> Eval<'_, 'a> {
    pub(super) fn call(&self, func: Func, args: &[Expr], cx: Context<'a>) -> Result<Value<'a>> {
        let arg = |i: usize| -> Result<Value<'a>> { self.eval(&args[i], cx) };
        let text = |i: usize| -> Result<String> {
            match args.get(i) {
                Some(expr) => self.string(&self.eval(expr, cx)?),
                None => self.string_value(cx.item),
            }
        };
        Ok(match func {
            Func::Last => Value::Num(cx.size as f64),
            Func::Position => Value::Num(cx.position as f64),
            Func::Count => match arg(0)? {
                Value::Nodes(items) => Value::Num(items.len() as f64),
                _ => Value::Num(f64::NAN),
            },
            Func::Not => Value::Bool(!boolean(&arg(0)?)),
            Func::True => Value::Bool(true),
            Func::False => Value::Bool(false),
            Func::Boolean => Value::Bool(boolean(&arg(0)?)),
            Func::String => Value::Str(text(0)?),
            Func::Number => Value::Num(to_number(&text(0)?)),
            Func::Concat => {
                let mut out = String::new();
                for i in 0..args.len() {
                    out.push_str(&text(i)?);
                }
                Value::Str(out)
            }
            Func::Contains => Value::Bool(text(0)?.contains(&text(1)?)),
            Func::StartsWith => Value::Bool(text(0)?.starts_with(&text(1)?)),
            Func::EndsWith => Value::Bool(text(0)?.ends_with(&text(1)?)),
            Func::NormalizeSpace => {
                Value::Str(text(0)?.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            Func::StringLength => Value::Num(text(0)?.chars().count() as f64),
            Func::Substring => {
                let s = text(0)?;
                let start = self.number(&arg(1)?)?;
                let len = match args.get(2) {
                    Some(_) => Some(self.number(&arg(2)?)?),
                    None => None,
                };
                Value::Str(substring(&s, start, len))
            }
            Func::SubstringBefore => {
                let (s, find) = (text(0)?, text(1)?);
                Value::Str(s.find(&find).map_or(String::new(), |at| s[..at].to_owned()))
            }
            Func::SubstringAfter => {
                let (s, find) = (text(0)?, text(1)?);
                Value::Str(
                    s.find(&find)
                        .map_or(String::new(), |at| s[at + find.len()..].to_owned()),
                )
            }
            Func::Translate => Value::Str(translate(&text(0)?, &text(1)?, &text(2)?)),
            Func::LocalName | Func::Name => {
                let item = match args.first() {
                    Some(_) => match arg(0)? {
                        Value::Nodes(items) => items.first().copied(),
                        _ => None,
                    },
                    None => Some(cx.item),
                };
                Value::Str(item.map(name_of).unwrap_or_default())
            }
            Func::Floor => Value::Num(self.number(&arg(0)?)?.floor()),
            Func::Ceiling => Value::Num(self.number(&arg(0)?)?.ceil()),
            Func::Round => Value::Num((self.number(&arg(0)?)? + 0.5).floor()),
            Func::Sum => match arg(0)? {
                Value::Nodes(items) => {
                    let mut sum = 0.0;
                    for item in items {
                        sum += to_number(&self.string_value(item)?);
                    }
                    Value::Num(sum)
                }
                _ => Value::Num(f64::NAN),
            },
        })
    }
}

fn name_of(item: Item<'_>) -> String {
    match item.attr() {
        Some((name, _)) => name.to_owned(),
        None => item
            .node()
            .value()
            .as_element()
            .map(|e| e.name().to_owned())
            .unwrap_or_default(),
    }
}

pub(super) fn boolean(value: &Value<'_>) -> bool {
    match value {
        Value::Nodes(items) => !items.is_empty(),
        Value::Str(s) => !s.is_empty(),
        Value::Num(n) => *n != 0.0 && !n.is_nan(),
        Value::Bool(b) => *b,
    }
}

pub(super) fn to_number(text: &str) -> f64 {
    text.trim().parse().unwrap_or(f64::NAN)
}

pub(super) fn number_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Compares two non-node-set values by XPath 1.0's rules.
pub(super) fn scalar(op: &str, a: &Value<'_>, b: &Value<'_>) -> bool {
    let num = |v: &Value<'_>| match v {
        Value::Num(n) => *n,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => to_number(s),
        Value::Nodes(_) => f64::NAN,
    };
    match op {
        "=" | "!=" => {
            let equal = match (a, b) {
                (Value::Bool(_), _) | (_, Value::Bool(_)) => boolean(a) == boolean(b),
                (Value::Num(_), _) | (_, Value::Num(_)) => num(a) == num(b),
                (Value::Str(x), Value::Str(y)) => x == y,
                _ => false,
            };
            equal == (op == "=")
        }
        "<" => num(a) < num(b),
        "<=" => num(a) <= num(b),
        ">" => num(a) > num(b),
        ">=" => num(a) >= num(b),
        _ => false,
    }
}

pub(super) fn arith(op: &str, a: f64, b: f64) -> f64 {
    match op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "div" => a / b,
        "mod" => a % b,
        _ => f64::NAN,
    }
}

/// XPath's `substring`: 1-based, rounded positions.
fn substring(s: &str, start: f64, len: Option<f64>) -> String {
    let first = (start + 0.5).floor();
    let end = len.map_or(f64::INFINITY, |len| first + (len + 0.5).floor());
    s.chars()
        .enumerate()
        .filter(|(i, _)| {
            let p = (*i + 1) as f64;
            p >= first && p < end
        })
        .map(|(_, c)| c)
        .collect()
}

fn translate(s: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    s.chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}
