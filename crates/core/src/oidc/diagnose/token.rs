//! What a token says, read by its provider's table: the configuration it would match, in words
//! and as the arguments of `npm trust`.

use serde_json::Value;

use crate::provider::{self, Claim, Field, OptionValue, Provider, Values};

/// The file part of a ref URI: `o/r/.github/workflows/release.yml@refs/heads/main` and
/// `gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main` both give the file name.
pub fn ref_file(reference: &str) -> &str {
    let path = reference.rsplit_once('@').map_or(reference, |(p, _)| p);
    path.rsplit('/').next().unwrap_or(path)
}

/// The value a token has for a provider field, read at the field's claim path.
pub(super) fn token_value(field: &Field, claims: &Value) -> Option<OptionValue> {
    let raw = match field.claim {
        Claim::Top(key) => claims.get(key)?,
        Claim::Nested(key, "file") => {
            return claims
                .get(key)?
                .as_str()
                .map(|r| OptionValue::Text(ref_file(r).into()))
        }
        Claim::Nested(key, sub) => claims.get(key)?.get(sub)?,
    };
    match raw {
        Value::String(s) => Some(OptionValue::Text(s.clone())),
        Value::Array(items) => Some(OptionValue::List(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        )),
        _ => None,
    }
}

/// The npm configuration a token would match: each field of its provider, read from the claims.
pub fn required_configuration(claims: &Value) -> Option<(&'static Provider, Values)> {
    let provider = provider::by_token(claims)?;
    let mut values = Values::default();
    for field in provider.fields {
        match token_value(field, claims) {
            Some(OptionValue::List(l)) if l.is_empty() => {}
            Some(value) => values.set(field.option, value),
            None => {}
        }
    }
    Some((provider, values))
}

/// "repository acme/widgets, file release.yml, environment (none)": what a token says, for
/// messages.
pub fn describe_token(claims: &Value) -> String {
    let Some((provider, values)) = required_configuration(claims) else {
        return "a token from an issuer trust-native does not know".into();
    };
    let parts: Vec<String> = provider
        .fields
        .iter()
        .map(|f| match values.get(f.option) {
            Some(OptionValue::Text(t)) => format!("{} {t}", f.flag),
            Some(OptionValue::List(l)) => format!("{} {}", f.flag, l.join(",")),
            None => format!("{} (none)", f.flag),
        })
        .collect();
    format!("{}: {}", provider.name, parts.join(", "))
}

/// `github widgets --repository acme/widgets --file release.yml`: the arguments of `npm trust`
/// (and of trust-native's CLI, which takes npm's) that configure the trusted publisher a token
/// needs for `package`; a list is its flag repeated, a value a shell would split is quoted.
pub fn configure_args(claims: &Value, package: &str) -> Option<String> {
    let (provider, values) = required_configuration(claims)?;
    let quoted = |text: &str| {
        let plain = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./@:+-=,".contains(c));
        if plain {
            text.to_string()
        } else {
            format!("'{}'", text.replace('\'', "'\\''"))
        }
    };
    let mut args = vec![provider.kind.to_string(), quoted(package)];
    for field in provider.fields {
        let given = match values.get(field.option) {
            Some(OptionValue::Text(t)) => vec![t.clone()],
            Some(OptionValue::List(l)) => l.clone(),
            None => vec![],
        };
        for value in given {
            args.push(format!("--{} {}", field.flag, quoted(&value)));
        }
    }
    Some(args.join(" "))
}
