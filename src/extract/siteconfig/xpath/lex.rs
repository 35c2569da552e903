//! Splits an XPath 1.0 expression into tokens, telling an operator `*`,
//! `and`, `or`, `div`, `mod` from a name test the way the XPath 1.0
//! lexical rules do (by the token before it).

/// One token of an expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// `/`
    Slash,
    /// `//`
    DoubleSlash,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `@`
    At,
    /// `,`
    Comma,
    /// `|`
    Pipe,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `::`
    Axis,
    /// `*` as a name test.
    Star,
    /// An operator: `=`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `and`,
    /// `or`, `div`, `mod`.
    Op(&'static str),
    /// A name (element, attribute, axis or function), `prefix:local` kept
    /// whole.
    Name(String),
    /// A quoted string.
    Literal(String),
    /// A number.
    Number(f64),
}

/// Tokenizes `src`; the error says what was found where.
pub(super) fn tokens(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (token, len) = match c {
            '/' if next == Some('/') => (Token::DoubleSlash, 2),
            '/' => (Token::Slash, 1),
            '[' => (Token::LBracket, 1),
            ']' => (Token::RBracket, 1),
            '(' => (Token::LParen, 1),
            ')' => (Token::RParen, 1),
            '@' => (Token::At, 1),
            ',' => (Token::Comma, 1),
            '|' => (Token::Pipe, 1),
            ':' if next == Some(':') => (Token::Axis, 2),
            '.' if next == Some('.') => (Token::DotDot, 2),
            '.' if !next.is_some_and(|n| n.is_ascii_digit()) => (Token::Dot, 1),
            '=' => (Token::Op("="), 1),
            '!' if next == Some('=') => (Token::Op("!="), 2),
            '<' if next == Some('=') => (Token::Op("<="), 2),
            '<' => (Token::Op("<"), 1),
            '>' if next == Some('=') => (Token::Op(">="), 2),
            '>' => (Token::Op(">"), 1),
            '+' => (Token::Op("+"), 1),
            '-' => (Token::Op("-"), 1),
            '*' if operator_expected(&out) => (Token::Op("*"), 1),
            '*' => (Token::Star, 1),
            '"' | '\'' => literal(&chars, i)?,
            c if c.is_ascii_digit() || c == '.' => number(&chars, i),
            c if is_name_start(c) => name(&chars, i, &out),
            other => return Err(format!("unexpected character {other:?} at {i}")),
        };
        out.push(token);
        i += len;
    }
    Ok(out)
}

/// Whether the next `*` or name is an operator: there is a token before it
/// and it is not `@`, `::`, `(`, `[`, `,` or an operator.
fn operator_expected(before: &[Token]) -> bool {
    match before.last() {
        None => false,
        Some(token) => !matches!(
            token,
            Token::At
                | Token::Axis
                | Token::LParen
                | Token::LBracket
                | Token::Comma
                | Token::Op(_)
                | Token::Slash
                | Token::DoubleSlash
                | Token::Pipe
        ),
    }
}

fn literal(chars: &[char], start: usize) -> Result<(Token, usize), String> {
    let quote = chars[start];
    let end = chars[start + 1..]
        .iter()
        .position(|c| *c == quote)
        .ok_or_else(|| format!("unclosed string starting at {start}"))?;
    let text: String = chars[start + 1..start + 1 + end].iter().collect();
    Ok((Token::Literal(text), end + 2))
}

fn number(chars: &[char], start: usize) -> (Token, usize) {
    let len = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == '.')
        .count();
    let text: String = chars[start..start + len].iter().collect();
    (Token::Number(text.parse().unwrap_or(f64::NAN)), len)
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn name(chars: &[char], start: usize, before: &[Token]) -> (Token, usize) {
    let mut len = chars[start..]
        .iter()
        .take_while(|c| is_name_char(**c))
        .count();
    // `prefix:local` (but not the `::` of an axis).
    if chars.get(start + len) == Some(&':')
        && chars
            .get(start + len + 1)
            .is_some_and(|c| is_name_start(*c))
    {
        len += 1 + chars[start + len + 1..]
            .iter()
            .take_while(|c| is_name_char(**c))
            .count();
    }
    let text: String = chars[start..start + len].iter().collect();
    if operator_expected(before) {
        for op in ["and", "or", "div", "mod"] {
            if text == op {
                return (Token::Op(op), len);
            }
        }
    }
    (Token::Name(text), len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_name_tests_are_told_apart() {
        let t = tokens("//div[@class='a' and *]/* | x").unwrap();
        assert!(t.contains(&Token::Op("and")));
        assert_eq!(t.iter().filter(|t| **t == Token::Star).count(), 2);
        let t = tokens("count(//p) * 2").unwrap();
        assert!(t.contains(&Token::Op("*")));
        let t = tokens("//and").unwrap();
        assert_eq!(t[1], Token::Name("and".into()));
    }

    #[test]
    fn literals_numbers_and_errors() {
        let t = tokens(r#"f("a'b", 'c', 1.5, .5)"#).unwrap();
        assert!(t.contains(&Token::Literal("a'b".into())));
        assert!(t.contains(&Token::Number(0.5)));
        assert!(tokens("//div[@a='x]").unwrap_err().contains("unclosed"));
        assert!(tokens("//div#x").unwrap_err().contains("'#'"));
    }
}
