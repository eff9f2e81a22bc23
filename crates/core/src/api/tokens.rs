//! Access tokens (`npm token`): list, create, revoke. Listed tokens are only ever shown
//! redacted; the one place a full token appears is the answer to `createToken`.

use std::net::Ipv4Addr;

use reqwest::{Method, Url};
use serde_json::{json, Map, Value};

use super::decode::{pick, Decoder, Type};
use super::{rules, Args, BoxFuture, Caller, Endpoint, Given, Input, Kind};
use crate::error::{Error, Hint, Result, Secrets};

/// More pages than anyone has tokens: a registry whose `urls.next` never ends is cut off here.
const MAX_PAGES: usize = 100;
/// npm shows token ids as the shortest unique prefix of their key, at least this long.
const MIN_ID: usize = 6;

const TOKEN_FIELDS: &[(&str, &str, Type)] = &[
    ("key", "key", Type::Text),
    ("token", "token", Type::Text),
    ("name", "name", Type::Text),
    ("description", "description", Type::Text),
    ("token_description", "description", Type::Text),
    ("created", "created", Type::Text),
    ("updated", "updated", Type::Text),
    ("accessed", "accessed", Type::Text),
    ("expires", "expires", Type::Text),
    ("expiry", "expires", Type::Text),
    ("readonly", "readonly", Type::Flag),
    ("bypass_2fa", "bypass2fa", Type::Flag),
    (
        "packages_and_scopes_permission",
        "packagesAndScopesPermission",
        Type::Text,
    ),
    ("orgs_permission", "orgsPermission", Type::Text),
    ("cidr_whitelist", "cidrWhitelist", Type::Texts),
    ("cidr", "cidrWhitelist", Type::Texts),
];

/// `npm token list`: every page, following the registry's `urls.next`; each token with what
/// it can still do under the registry's rules on `asOf` (default today).
pub const LIST_TOKENS: Endpoint = Endpoint {
    name: "listTokens",
    command: "token",
    path: "-/npm/v1/tokens",
    inputs: &[Input::optional("asOf", Kind::Text)],
    decode: Some(PAGE),
    action: "list your tokens",
    subject: "the token list",
    custom: Some(|caller, args| {
        Box::pin(async move {
            let on = match rules::date_option(&args, "asOf")? {
                Some(date) => date[..10].to_string(),
                None => rules::today(),
            };
            let mut tokens = list(caller, &args).await?;
            for token in &mut tokens {
                rules::assess(token, &on);
            }
            Ok(json!(tokens))
        })
    }),
    ..Endpoint::ROW
};

/// One page: `{ objects: [token, ...], next }`, `next` the path of the next page on the same
/// registry (credentials never follow a link elsewhere).
const PAGE: Decoder = Decoder {
    what: "a page of tokens",
    read: |answer, _| {
        let objects = answer.get("objects")?.as_array()?;
        let tokens: Vec<Value> = objects.iter().filter_map(listed).collect();
        let next = answer.pointer("/urls/next").and_then(Value::as_str);
        Some(json!({ "objects": tokens, "next": next }))
    },
};

/// A listed token with its declared fields, its `token` redacted; none without a `key`.
fn listed(object: &Value) -> Option<Value> {
    let mut token = pick(object, TOKEN_FIELDS);
    token.get("key")?.as_str()?;
    if let Some(Value::String(shown)) = token.get_mut("token") {
        *shown = redacted(shown);
    }
    Some(Value::Object(token))
}

/// A token as the registry shows it in lists, `npm_aBcD…7890`. A value that is not redacted
/// yet (a registry that sends whole tokens, or short prefixes) is cut: to its first 8 and last 4
/// characters, or when short, to its first half. Whatever the registry sends, no whole token
/// comes out.
pub fn redacted(token: &str) -> String {
    if token.contains("...") || token.contains('…') {
        return token.to_string();
    }
    let chars: Vec<char> = token.chars().collect();
    let head = |n: usize| chars[..n].iter().collect::<String>();
    if chars.len() > 12 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{}…{tail}", head(8))
    } else {
        format!("{}…", head(chars.len() / 2))
    }
}

/// Every token, with npm's short `id`s.
async fn list(caller: &Caller<'_>, args: &Args) -> Result<Vec<Map<String, Value>>> {
    let registry = caller.registry(&LIST_TOKENS, args)?;
    let mut request = caller.request(&LIST_TOKENS, args)?;
    let mut tokens = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = caller.send(&LIST_TOKENS, args, &registry, &request).await?;
        tokens.extend(
            page["objects"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_object().cloned()),
        );
        let Some(next) = page["next"].as_str() else {
            break;
        };
        let path = same_registry_path(registry.base(), next).ok_or_else(|| {
            registry.unexpected_answer(&request, "a link to the next page on the same registry")
        })?;
        if seen.contains(&path) {
            break;
        }
        seen.push(path.clone());
        request.path = path;
    }
    with_ids(&mut tokens);
    Ok(tokens)
}

/// The path and query of `link` when it is on `registry`'s origin.
fn same_registry_path(registry: &Url, link: &str) -> Option<String> {
    let url = registry.join(link).ok()?;
    (url.origin() == registry.origin()).then(|| match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    })
}

/// npm's `generateTokenIds`: each key's shortest prefix (at least 6) no other key shares.
fn with_ids(tokens: &mut [Map<String, Value>]) {
    let keys: Vec<String> = tokens
        .iter()
        .map(|t| t["key"].as_str().unwrap_or_default().to_string())
        .collect();
    for (i, token) in tokens.iter_mut().enumerate() {
        let key = &keys[i];
        let unique = (MIN_ID..key.len()).find(|&n| {
            !keys
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.get(..n) == key.get(..n))
        });
        let id = unique.and_then(|n| key.get(..n)).unwrap_or(key);
        token.insert("id".into(), json!(id));
    }
}

const PACKAGES_PERMISSION: Kind = Kind::Choice {
    choices: &["read-only", "read-write", rules::STAGE_ONLY, "no-access"],
};
const ORGS_PERMISSION: Kind = Kind::Choice {
    choices: &["read-only", "read-write", "no-access"],
};

/// `npm token create`.
pub const CREATE_TOKEN: Endpoint = Endpoint {
    name: "createToken",
    method: Method::POST,
    inputs: &[
        Input::new("password", Kind::Text),
        Input::optional("name", Kind::Text),
        Input::optional("description", Kind::Text),
        Input::optional(
            "expires",
            Kind::Number {
                min: 1.0,
                max: 36500.0,
                whole: true,
            },
        ),
        Input::optional("packages", Kind::List),
        Input::optional("packagesAll", Kind::Flag),
        Input::optional("scopes", Kind::List),
        Input::optional("orgs", Kind::List),
        Input::optional("packagesAndScopesPermission", PACKAGES_PERMISSION),
        Input::optional("orgsPermission", ORGS_PERMISSION),
        Input::optional("cidr", Kind::List),
        Input::optional("bypass2fa", Kind::Flag),
    ],
    body: Some(create_body),
    decode: Some(Decoder {
        what: "the new token",
        read: |answer, _| {
            let token = pick(answer, TOKEN_FIELDS);
            token.get("token")?.as_str()?;
            Some(Value::Object(token))
        },
    }),
    answer: Some("newToken"),
    otp: true,
    secret: Some("password"),
    answers_credential: true,
    action: "create a token",
    subject: "the token endpoint",
    custom: Some(create),
    changes: true,
    ..LIST_TOKENS
};

/// The request, with npm 12's warning when the token can publish directly (only
/// `read-write`: a stage-only token stages, the others cannot publish).
fn create<'a>(caller: &'a Caller<'a>, args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let mut result = caller.run(&CREATE_TOKEN, &args).await?;
        let direct = args.text("packagesAndScopesPermission") == Some("read-write");
        let warnings: Vec<&str> = direct
            .then_some(rules::DIRECT_PUBLISH_WARNING)
            .into_iter()
            .collect();
        result["warnings"] = json!(warnings);
        Ok(result)
    })
}

/// npm token create's body, in its key order; lists and flags only when they say something.
fn create_body(args: &Args) -> Result<Value> {
    let mut body = Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.into(), value);
    };
    if let Some(name) = args.text("name") {
        put("name", json!(name));
    }
    put("password", json!(args.text("password")));
    if let Some(description) = args.text("description") {
        put("description", json!(description));
    }
    let list = |option| args.list(option).filter(|l| !l.is_empty());
    if let Some(packages) = list("packages") {
        put("packages", json!(packages));
    }
    if args.flag("packagesAll") == Some(true) {
        put("packages_all", json!(true));
    }
    for (option, key) in [("scopes", "scopes"), ("orgs", "orgs")] {
        if let Some(values) = list(option) {
            put(key, json!(values));
        }
    }
    for (option, key) in [
        (
            "packagesAndScopesPermission",
            "packages_and_scopes_permission",
        ),
        ("orgsPermission", "orgs_permission"),
    ] {
        if let Some(permission) = args.text(option) {
            put(key, json!(permission));
        }
    }
    if let Some(days) = args.number("expires") {
        put("expires", json!(days as u64));
    }
    if let Some(cidr) = list("cidr") {
        for range in cidr {
            check_cidr(range)?;
        }
        put("cidr_whitelist", json!(cidr));
    }
    if args.flag("bypass2fa") == Some(true) {
        put("bypass_2fa", json!(true));
    }
    Ok(Value::Object(body))
}

/// An IPv4 range `a.b.c.d/n`, as npm's `is-cidr` v4 check wants it.
fn check_cidr(range: &str) -> Result<()> {
    let valid = range.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<Ipv4Addr>().is_ok()
            && bits.parse::<u8>().is_ok_and(|b| b <= 32)
            && !bits.starts_with('+')
    });
    if valid {
        return Ok(());
    }
    let why = if range.contains(':') {
        "CIDR ranges can only be IPv4"
    } else {
        "each CIDR range must look like 192.168.0.0/24"
    };
    Err(Error::invalid_input(
        "cidr",
        format!("Option `cidr` is invalid: {why} (got \"{range}\")."),
    ))
}

/// `npm token revoke <id|token>`: `id` is a key, the start of one that no other key shares (the
/// `id` listTokens shows), or a whole token.
pub const REVOKE_TOKEN: Endpoint = Endpoint {
    name: "revokeToken",
    method: Method::DELETE,
    path: "-/npm/v1/tokens/token/{key}",
    inputs: &[Input::new("id", Kind::Text)],
    body: None,
    decode: None,
    answer: None,
    otp: true,
    action: "revoke that token",
    subject: "the token",
    custom: Some(revoke),
    steps: &[&LIST_TOKENS],
    changes: true,
    ..LIST_TOKENS
};

fn revoke<'a>(caller: &'a Caller<'a>, mut args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let id = args.text("id").unwrap_or_default().to_string();
        let tokens = list(caller, &args).await?;
        let key = key_for(&id, &tokens)?;
        let listed = key != id || tokens.iter().any(|t| t["key"] == id.as_str());
        args.set("key", Given::Text(key.clone()));
        // A whole token given is masked in what the call answers, whatever its form (`execute`
        // knows only the call's token and `npm_` tokens; a session token from .npmrc or a
        // legacy UUID token is neither).
        let mut given = Secrets::default();
        if !listed {
            given.add(&id);
        }
        let mut result = caller
            .run(&REVOKE_TOKEN, &args)
            .await
            .map_err(|e| e.scrubbed(&given))?;
        if listed {
            result["key"] = json!(key);
        }
        super::scrub(&mut result, &given);
        Ok(result)
    })
}

/// npm's matching: a unique key prefix, else a token whose redacted form fits `id`.
fn key_for(id: &str, tokens: &[Map<String, Value>]) -> Result<String> {
    let keys: Vec<&str> = tokens
        .iter()
        .filter_map(|t| t["key"].as_str())
        .filter(|key| key.starts_with(id))
        .collect();
    match keys.as_slice() {
        [key] => return Ok(key.to_string()),
        [] => {}
        _ => {
            return Err(Error::invalid_input(
                "id",
                format!(
                "Token id \"{id}\" is ambiguous: {} tokens start with it. Pass more of the key.",
                keys.len()
            ),
            )
            .with_hint(Hint::ListTokens))
        }
    }
    let shown = tokens.iter().filter_map(|t| t.get("token")?.as_str());
    if shown.into_iter().any(|shown| fits_redacted(id, shown)) {
        return Ok(id.to_string());
    }
    Err(Error::invalid_input("id", "No token has that id or value.").with_hint(Hint::ListTokens))
}

/// `token` could be the one listed as `shown` (`npm_aBcD…7890`, or an old registry's prefix).
fn fits_redacted(token: &str, shown: &str) -> bool {
    let (head, tail) = shown
        .split_once("...")
        .or_else(|| shown.split_once('…'))
        .unwrap_or((shown, ""));
    !head.is_empty() && token.starts_with(head) && token.ends_with(tail) && token.len() > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_whole_tokens_only() {
        assert_eq!(
            redacted("npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ1234567890"),
            "npm_aBcD…7890"
        );
        assert_eq!(redacted("npm_aBcD...7890"), "npm_aBcD...7890");
        assert_eq!(redacted("a1b2c3"), "a1b…");
        assert_eq!(redacted(""), "…");
    }

    #[test]
    fn ids_are_shortest_unique_prefixes() {
        let mut tokens: Vec<Map<String, Value>> = ["abcdef123", "abcdef456", "zzzzzzzz"]
            .iter()
            .map(|k| json!({ "key": k }).as_object().unwrap().clone())
            .collect();
        with_ids(&mut tokens);
        let ids: Vec<_> = tokens.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["abcdef1", "abcdef4", "zzzzzz"]);
    }

    #[test]
    fn keys_from_ids_and_tokens() {
        let tokens: Vec<Map<String, Value>> = [
            json!({"key": "abcdef123", "token": "npm_aBcD...7890"}),
            json!({"key": "abcdef456", "token": "npm_zzzz...0000"}),
        ]
        .iter()
        .map(|t| t.as_object().unwrap().clone())
        .collect();
        assert_eq!(key_for("abcdef1", &tokens).unwrap(), "abcdef123");
        assert_eq!(
            key_for("abcdef", &tokens).unwrap_err().field.as_deref(),
            Some("id")
        );
        assert_eq!(
            key_for("npm_aBcDxxxxxxxxxxxx7890", &tokens).unwrap(),
            "npm_aBcDxxxxxxxxxxxx7890"
        );
        let unknown = key_for("npm_nope", &tokens).unwrap_err();
        assert!(!unknown.message.contains("npm_nope"));
    }

    #[test]
    fn cidr_ranges_are_ipv4() {
        assert!(check_cidr("192.168.0.0/24").is_ok());
        assert!(check_cidr("10.0.0.1/32").is_ok());
        assert!(check_cidr("10.0.0.1/33").is_err());
        assert!(check_cidr("10.0.0.1").is_err());
        assert!(check_cidr("::1/128").unwrap_err().message.contains("IPv4"));
    }

    #[test]
    fn next_pages_stay_on_the_registry() {
        let registry = Url::parse("https://r.example/npm/").unwrap();
        assert_eq!(
            same_registry_path(&registry, "https://r.example/npm/-/npm/v1/tokens?page=1")
                .as_deref(),
            Some("/npm/-/npm/v1/tokens?page=1")
        );
        assert_eq!(
            same_registry_path(&registry, "https://evil.example/x"),
            None
        );
    }
}
