//! dist-tags (`npm dist-tag ls|add|rm`), as npm 12 sends them: in CI, the package's token is
//! exchanged through trusted publishing first (npm 12's `#oidc`), so a release job can move a
//! tag without a token; then the package's dist-tags are read, and a tag is set (`PUT` of the
//! version as a JSON string) or removed (`DELETE`) with an OTP when the registry asks.
//!
//! Where npm swallows a refused exchange and carries on with the configured token, the refusal
//! is a warning here and is added to a failure with that token; without a configured token the
//! exchange's diagnosis is the call's error.

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::decode::{string_map, Decoder};
use super::{Args, Auth, BoxFuture, Caller, Endpoint, Given, Input, Kind};
use crate::error::{Error, Result, Secrets};
use crate::oidc::exchange::{exchange_first, Attempt, ExchangeOptions};
use crate::publish::check_tag;

const PACKAGE: Input = Input::optional("package", Kind::Package);

/// Fields every `npm dist-tag` row shares.
const DIST_TAG: Endpoint = Endpoint {
    command: "dist-tag",
    subject: "package {package}",
    ..Endpoint::ROW
};

/// `{ tag: version }`, without the registry's `_etag` (npm deletes it).
const TAGS: Decoder = Decoder {
    what: "a map of dist-tags to versions",
    read: |answer, _| {
        let mut tags = string_map(answer, |v| v)?;
        tags.as_object_mut()?.remove("_etag");
        Some(tags)
    },
};

/// `npm dist-tag ls [<package>]`.
pub const LIST_DIST_TAGS: Endpoint = Endpoint {
    name: "listDistTags",
    path: "-/package/{package}/dist-tags",
    inputs: &[PACKAGE],
    decode: Some(TAGS),
    auth: Auth::IfConfigured,
    action: "read the dist-tags of {package}",
    custom: Some(|caller, args| {
        Box::pin(async move {
            // The dist-tags are public: a refused exchange reads them without a token, as npm
            // does (the refusal is added to a failure).
            let token = Token::get(caller, &args, true).await?;
            token.guard(read(caller, &args, &token)).await
        })
    }),
    ..DIST_TAG
};

/// `npm dist-tag add <package>@<version> [<tag>]`.
pub const ADD_DIST_TAG: Endpoint = Endpoint {
    name: "addDistTag",
    method: Method::PUT,
    path: "-/package/{package}/dist-tags/{tag}",
    inputs: &[
        PACKAGE,
        Input::new("version", Kind::Text),
        Input::optional("tag", Kind::Text),
    ],
    // npm sends `JSON.stringify(version)`: the version as a JSON string.
    body: Some(|args| Ok(json!(args.text("version")))),
    otp: true,
    action: "set a dist-tag of {package}",
    custom: Some(add),
    steps: &[&LIST_DIST_TAGS],
    changes: true,
    ..DIST_TAG
};

/// `npm dist-tag rm <package> <tag>`.
pub const REMOVE_DIST_TAG: Endpoint = Endpoint {
    name: "removeDistTag",
    method: Method::DELETE,
    path: "-/package/{package}/dist-tags/{tag}",
    inputs: &[PACKAGE, Input::new("tag", Kind::Text)],
    otp: true,
    action: "remove a dist-tag of {package}",
    custom: Some(remove),
    steps: &[&LIST_DIST_TAGS],
    changes: true,
    ..DIST_TAG
};

/// The token a dist-tag command uses: exchanged for the package in CI, else the configured one.
#[derive(Default)]
struct Token {
    exchanged: Option<String>,
    /// Why the exchange was refused, when the configured token is used instead.
    refused: Option<String>,
    warnings: Vec<String>,
}

impl Token {
    /// `anonymous`: the call may go on without a token when the exchange is refused.
    async fn get(caller: &Caller<'_>, args: &Args, anonymous: bool) -> Result<Token> {
        // A given token is the caller's choice; a dry run exchanges nothing (as publish).
        if caller.call.token.is_some() || caller.call.dry_run {
            return Ok(Token::default());
        }
        let configured = caller
            .session
            .resolve_for(args.package.as_ref())?
            .token
            .is_some();
        let mut call = caller.call.clone();
        call.package = args.package.as_ref().map(|p| p.to_string());
        let options = ExchangeOptions {
            call,
            command: Some(caller.command),
            ..Default::default()
        };
        Ok(
            match exchange_first(options, false, configured || anonymous).await? {
                Attempt::Exchanged(exchanged) => Token {
                    exchanged: Some(exchanged.token),
                    refused: None,
                    warnings: exchanged.warnings,
                },
                Attempt::NotCi => Token::default(),
                Attempt::Refused(error) => Token {
                    exchanged: None,
                    warnings: vec![Attempt::fallback_warning(&error)],
                    refused: Some(error.summary()),
                },
            },
        )
    }

    /// `oidc` (exchanged for this package), `option` (`token`) or `config`.
    fn source(&self, caller: &Caller<'_>) -> &'static str {
        match (&self.exchanged, &caller.call.token) {
            (Some(_), _) => "oidc",
            (None, Some(_)) => "option",
            (None, None) => "config",
        }
    }

    /// The outcome of `work`, a failure saying why trusted publishing was refused and never
    /// holding the exchanged token.
    async fn guard(&self, work: impl std::future::Future<Output = Result<Value>>) -> Result<Value> {
        let mut secrets = Secrets::default();
        if let Some(token) = &self.exchanged {
            secrets.add(token);
        }
        work.await
            .map_err(|e| Attempt::note_refusal(self.refused.as_deref(), e).scrubbed(&secrets))
    }
}

/// The package's dist-tags, read with `token` (npm reads them before a change).
async fn read(caller: &Caller<'_>, args: &Args, token: &Token) -> Result<Value> {
    let registry = caller.registry_as(&LIST_DIST_TAGS, args, token.exchanged.clone())?;
    let request = caller.request(&LIST_DIST_TAGS, args)?;
    caller
        .send(&LIST_DIST_TAGS, args, &registry, &request)
        .await
}

/// The dist-tags, which npm requires to be there before a change.
async fn existing(caller: &Caller<'_>, args: &Args, token: &Token) -> Result<Map<String, Value>> {
    let tags = read(caller, args, token).await?;
    let tags = tags.as_object().cloned().unwrap_or_default();
    if tags.is_empty() {
        let package = args
            .package
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        return Err(Error::invalid_input(
            "package",
            format!("No dist-tags found for {package}: it has no published version to tag."),
        ));
    }
    Ok(tags)
}

/// What a change answers: `run`'s `dryRun` and `request`, the package, `fields`, where the
/// token came from, and the warnings (the token's, then `more`).
fn answer(
    caller: &Caller<'_>,
    args: &Args,
    token: &Token,
    mut result: Value,
    fields: Value,
    more: Option<String>,
) -> Value {
    if let (Value::Object(result), Value::Object(fields)) = (&mut result, fields) {
        result.insert(
            "package".into(),
            json!(args.package.as_ref().map(|p| p.to_string())),
        );
        result.extend(fields);
        result.insert("tokenSource".into(), json!(token.source(caller)));
        let warnings: Vec<&String> = token.warnings.iter().chain(&more).collect();
        result.insert("warnings".into(), json!(warnings));
    }
    result
}

fn add<'a>(caller: &'a Caller<'a>, mut args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let tag = args.text("tag").unwrap_or("latest").trim().to_string();
        check_tag(&tag)?;
        args.set("tag", Given::Text(tag.clone()));
        let version = args.text("version").unwrap_or_default().trim().to_string();
        if semver::Version::parse(&version).is_err() {
            return Err(Error::invalid_input(
                "version",
                "`version` must be a published version such as 1.2.3.",
            ));
        }
        args.set("version", Given::Text(version.clone()));
        let token = Token::get(caller, &args, false).await?;
        token
            .guard(async {
                let tags = existing(caller, &args, &token).await?;
                let fields =
                    |changed| json!({ "tag": tag, "version": version, "changed": changed });
                if tags.get(&tag).and_then(Value::as_str) == Some(version.as_str()) {
                    // As npm: nothing to send.
                    let already = format!("{tag} is already set to version {version}.");
                    let result = json!({ "dryRun": caller.call.dry_run });
                    return Ok(answer(
                        caller,
                        &args,
                        &token,
                        result,
                        fields(false),
                        Some(already),
                    ));
                }
                let result = caller
                    .run_as(&ADD_DIST_TAG, &args, token.exchanged.clone())
                    .await?;
                Ok(answer(caller, &args, &token, result, fields(true), None))
            })
            .await
    })
}

fn remove<'a>(caller: &'a Caller<'a>, args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let tag = args.text("tag").unwrap_or_default().to_string();
        let token = Token::get(caller, &args, false).await?;
        token
            .guard(async {
                let tags = existing(caller, &args, &token).await?;
                let Some(version) = tags.get(&tag).and_then(Value::as_str) else {
                    let package = args
                        .package
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default();
                    let names: Vec<&str> = tags.keys().map(String::as_str).collect();
                    return Err(Error::invalid_input(
                        "tag",
                        format!(
                            "{tag} is not a dist-tag on {package} (it has {}).",
                            names.join(", ")
                        ),
                    ));
                };
                let result = caller
                    .run_as(&REMOVE_DIST_TAG, &args, token.exchanged.clone())
                    .await?;
                let fields = json!({ "tag": tag, "version": version });
                Ok(answer(caller, &args, &token, result, fields, None))
            })
            .await
    })
}
