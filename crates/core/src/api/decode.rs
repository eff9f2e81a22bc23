//! Reading registry answers into the shapes index.d.ts declares: only the declared fields, each
//! of its declared type, whatever else a registry (or an attacker in its place) sends.

use serde_json::{Map, Value};

use super::Args;

/// How a row reads its answer: `None` when the answer is not `what`.
#[derive(Clone, Copy)]
pub struct Decoder {
    /// What the answer should be, for `ERESPONSE` messages: "a map of collaborators".
    pub what: &'static str,
    pub read: fn(&Value, &Args) -> Option<Value>,
}

/// `{ name: permission }`, with npm's names: `read` is `read-only`, `write` is `read-write`.
pub const PERMISSIONS: Decoder = Decoder {
    what: "a map of names to permissions",
    read: |answer, _| {
        string_map(answer, |value| match value {
            "read" => "read-only",
            "write" => "read-write",
            other => other,
        })
    },
};

/// `{ user: role }`.
pub const ROLES: Decoder = Decoder {
    what: "a map of users to roles",
    read: |answer, _| string_map(answer, |value| value),
};

/// `["name", ...]`: team names, user names.
pub const NAMES: Decoder = Decoder {
    what: "a list of names",
    read: |answer, _| {
        let names = answer.as_array()?;
        Some(Value::Array(
            names
                .iter()
                .filter_map(|n| n.as_str().map(|n| Value::String(n.to_string())))
                .collect(),
        ))
    },
};

/// A JSON object whose string values are kept (mapped by `rename`) and the rest dropped.
pub(super) fn string_map(answer: &Value, rename: fn(&str) -> &str) -> Option<Value> {
    let object = match answer {
        Value::Object(object) => object,
        // An empty body: nothing to list.
        Value::Null => return Some(Value::Object(Map::new())),
        _ => return None,
    };
    Some(Value::Object(
        object
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), Value::String(rename(v.as_str()?).into()))))
            .collect(),
    ))
}

/// The fields of `object` named in `fields` (`(registry name, JS name, type)`), each kept only
/// when it has that type.
pub fn pick(object: &Value, fields: &[(&str, &str, Type)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (from, to, kind) in fields {
        if let Some(value) = object.get(from).and_then(|v| kind.keep(v)) {
            out.insert((*to).to_string(), value);
        }
    }
    out
}

/// A JSON type a field must have to be kept.
#[derive(Clone, Copy)]
pub enum Type {
    Text,
    Number,
    Flag,
    /// An array of strings (others dropped).
    Texts,
}

impl Type {
    fn keep(self, value: &Value) -> Option<Value> {
        match (self, value) {
            (Type::Text, Value::String(_))
            | (Type::Number, Value::Number(_))
            | (Type::Flag, Value::Bool(_)) => Some(value.clone()),
            (Type::Texts, Value::Array(items)) => Some(Value::Array(
                items.iter().filter(|i| i.is_string()).cloned().collect(),
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permissions_use_npm_names_and_drop_junk() {
        let args = Args::default();
        let read = PERMISSIONS.read;
        assert_eq!(
            read(
                &json!({"a": "read", "b": "write", "c": "read-only", "d": 1}),
                &args
            ),
            Some(json!({"a": "read-only", "b": "read-write", "c": "read-only"}))
        );
        assert_eq!(read(&json!([1]), &args), None);
        assert_eq!(read(&Value::Null, &args), Some(json!({})));
        assert_eq!(
            (NAMES.read)(&json!(["a", 2, "b"]), &args),
            Some(json!(["a", "b"]))
        );
        assert_eq!((NAMES.read)(&json!({}), &args), None);
    }

    #[test]
    fn pick_keeps_typed_fields_only() {
        let fields = [
            ("key", "key", Type::Text),
            ("cidr_whitelist", "cidrWhitelist", Type::Texts),
            ("readonly", "readonly", Type::Flag),
        ];
        let picked = pick(
            &json!({"key": "k", "cidr_whitelist": ["1.2.3.4/32", 5], "readonly": "yes", "x": 1}),
            &fields,
        );
        assert_eq!(
            Value::Object(picked),
            json!({"key": "k", "cidrWhitelist": ["1.2.3.4/32"]})
        );
    }
}
