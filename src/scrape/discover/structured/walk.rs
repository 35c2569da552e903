//! A bounded, document-order walk over a JSON tree.

use serde_json::Value;

use super::{MAX_DEPTH, MAX_NODES};

/// Visits `root` and the values under it in document order (pre-order),
/// at most [`MAX_NODES`] of them and none deeper than [`MAX_DEPTH`]. The
/// walk is iterative, so hostile nesting cannot overflow the stack.
pub(super) fn values(root: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        if out.len() >= MAX_NODES {
            break;
        }
        out.push(value);
        if depth >= MAX_DEPTH {
            continue;
        }
        let children: Vec<&Value> = match value {
            Value::Array(a) => a.iter().collect(),
            Value::Object(o) => o.values().collect(),
            _ => continue,
        };
        stack.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_is_in_document_order_and_bounded() {
        let value: Value = serde_json::from_str(r#"[1, [2, 3], {"a": 4}, 5]"#).unwrap();
        let numbers: Vec<u64> = values(&value).iter().filter_map(|v| v.as_u64()).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
        let wide = Value::Array(vec![Value::Null; MAX_NODES * 2]);
        assert_eq!(values(&wide).len(), MAX_NODES);
        let mut deep = Value::Null;
        for _ in 0..MAX_DEPTH * 2 {
            deep = Value::Array(vec![deep]);
        }
        assert_eq!(values(&deep).len(), MAX_DEPTH + 1);
    }
}
