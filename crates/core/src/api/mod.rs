//! The registry API beyond trust and OIDC: package access, orgs, teams, tokens, staged
//! publishing, search and audit.
//!
//! Every endpoint is one row of a table ([`Endpoint`]): the npm command that makes the call, its
//! method and path template, its query and body, how its answer is read, whether npm asks for a
//! one-time password around it, and the options it takes ([`Input`]). One mechanism
//! ([`execute`]) runs any row through the registry transport (auth, 2FA, retries, time budget,
//! secrets scrubbing). Paths are escaped as npm escapes them: a package is npm-package-arg's
//! `escapedName` (`@scope%2fname`), an org, team or user `encodeURIComponent`'d.
//!
//! Adding an endpoint: a row here (and in [`ENDPOINTS`]), a route in the emulator
//! (`testing/lib/`), and a binding method (`src/api.rs`, `src/client.rs`).

pub mod access;
pub mod audit;
mod decode;
pub mod disttag;
pub mod history;
pub mod org;
pub mod rules;
pub mod search;
pub mod stage;
pub mod team;
pub mod tokens;

use std::collections::BTreeMap;

use reqwest::{Method, Url};
use serde::Serialize;
use serde_json::{json, Map, Value};

pub use decode::Decoder;

use crate::config;
use crate::error::{Code, Error, Result, Secrets};
use crate::package::PackageName;
use crate::provider::checks::is_uuid;
use crate::registry::{ApiRequest, Registry};
use crate::session::{CallOptions, Session};

/// What an option of an endpoint holds, and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Kind {
    /// A package name, checked by npm's rules. Default: package.json's `name`. Read with the
    /// common options (`package`).
    Package,
    /// An org (a scope), with or without its `@`.
    Org,
    /// A team as npm names it: `org:team`, with or without the org's `@`.
    Team,
    /// Any text that is not empty.
    Text,
    /// A UUID (`1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f`), as npm's `validateUUID` checks it.
    Uuid,
    /// One of these words.
    Choice {
        choices: &'static [&'static str],
    },
    Flag,
    /// A number from `min` to `max`; `whole` for a count.
    Number {
        min: f64,
        max: f64,
        whole: bool,
    },
    /// Strings, or one string.
    List,
    /// JSON data (checked by the endpoint's body builder).
    Json,
}

/// One option an endpoint takes.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The JS option name.
    pub option: &'static str,
    #[serde(flatten)]
    pub kind: Kind,
    pub required: bool,
}

impl Input {
    pub const fn new(option: &'static str, kind: Kind) -> Input {
        Input {
            option,
            kind,
            required: true,
        }
    }

    pub const fn optional(option: &'static str, kind: Kind) -> Input {
        Input {
            option,
            kind,
            required: false,
        }
    }
}

/// A value the caller gave for an option, as read from JS.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Text(String),
    Flag(bool),
    Number(f64),
    List(Vec<String>),
    Json(Value),
}

/// Who must be logged in for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Auth {
    /// A token is required (`ENEEDAUTH` without one).
    Required,
    /// The registry's token is sent when there is one, as npm sends it.
    IfConfigured,
}

/// A query parameter of a row.
#[derive(Debug, Clone, Copy)]
pub enum Query {
    /// Always this value (`format=cli`).
    Fixed(&'static str, &'static str),
    /// The option of that name, or this default when it is not given.
    Option(&'static str, Option<f64>),
}

/// A flow of several requests (listing before deleting, a fallback on 404), for the rows whose
/// npm command makes more than one.
pub type Custom = for<'a> fn(&'a Caller<'a>, Args) -> BoxFuture<'a, Result<Value>>;
pub use crate::registry::BoxFuture;

/// One registry endpoint, as the npm CLI calls it.
pub struct Endpoint {
    /// The JS method name (`grantAccess`).
    pub name: &'static str,
    /// The `npm-command` header: the npm command that makes this call.
    pub command: &'static str,
    pub method: Method,
    /// Relative to the registry URL, with `{package}`, `{org}`, `{team}` or `{<option>}`
    /// placeholders: `-/team/{org}/{team}/package`.
    pub path: &'static str,
    pub query: &'static [Query],
    pub inputs: &'static [Input],
    pub body: Option<fn(&Args) -> Result<Value>>,
    /// How the answer is read. `None` for a write whose answer npm ignores.
    pub decode: Option<Decoder>,
    /// For a write: the result field that holds the decoded answer (absent in a dry run).
    pub answer: Option<&'static str>,
    /// npm wraps the call in `otplease`: an OTP challenge is answered through `onOtp`.
    pub otp: bool,
    pub auth: Auth,
    /// npm sends `npm-scope` with the org (libnpmteam, and libnpmaccess for team grants).
    pub scope_header: bool,
    /// What the call does, for "You are not allowed to ..." (`{option}` placeholders).
    pub action: &'static str,
    /// What a 404 means was not found (`{option}` placeholders).
    pub subject: &'static str,
    pub custom: Option<Custom>,
    /// The other rows `custom` sends (a fallback, a listing before a delete).
    pub steps: &'static [&'static Endpoint],
    /// The call changes something on the registry: it honours `dryRun` and answers the request
    /// it sent (the audit is a POST that changes nothing).
    pub changes: bool,
    /// The body goes gzipped (`content-encoding: gzip`).
    pub gzip: bool,
    /// The option that holds a secret (`password`): masked in whatever the call answers, and
    /// the body that carries it goes to the registry's origin only (see
    /// [`ApiRequest::credential`]).
    pub secret: Option<&'static str>,
    /// The answer is a credential (a new token): it comes from the registry's origin only (see
    /// [`ApiRequest::credential`]).
    pub answers_credential: bool,
}

impl Endpoint {
    /// What a row has unless it says otherwise: a GET that needs a token, reads nothing and
    /// changes nothing. Each group's rows start from it (`..Endpoint::ROW`).
    pub const ROW: Endpoint = Endpoint {
        name: "",
        command: "",
        method: Method::GET,
        path: "",
        query: &[],
        inputs: &[],
        body: None,
        decode: None,
        answer: None,
        otp: false,
        auth: Auth::Required,
        scope_header: false,
        action: "",
        subject: "",
        custom: None,
        steps: &[],
        changes: false,
        gzip: false,
        secret: None,
        answers_credential: false,
    };

    pub fn takes_package(&self) -> bool {
        self.inputs.iter().any(|i| i.kind == Kind::Package)
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Endpoint({} {} {})", self.name, self.method, self.path)
    }
}

/// Every endpoint, for the binding and the coverage tests.
pub const ENDPOINTS: &[&Endpoint] = &[
    &access::GET_PACKAGE_ACCESS,
    &access::SET_PACKAGE_ACCESS,
    &access::LOCK_DOWN,
    &access::LIST_COLLABORATORS,
    &access::LIST_PACKAGES,
    &access::GRANT_ACCESS,
    &access::REVOKE_ACCESS,
    &access::WHOAMI,
    &org::LIST_ORG_MEMBERS,
    &org::SET_ORG_MEMBER,
    &org::REMOVE_ORG_MEMBER,
    &team::LIST_TEAMS,
    &team::CREATE_TEAM,
    &team::DESTROY_TEAM,
    &team::LIST_TEAM_MEMBERS,
    &team::ADD_TEAM_MEMBER,
    &team::REMOVE_TEAM_MEMBER,
    &tokens::LIST_TOKENS,
    &tokens::CREATE_TOKEN,
    &tokens::REVOKE_TOKEN,
    &stage::LIST_STAGED,
    &stage::VIEW_STAGED,
    &stage::APPROVE_STAGED,
    &stage::REJECT_STAGED,
    &stage::DOWNLOAD_STAGED,
    &disttag::LIST_DIST_TAGS,
    &disttag::ADD_DIST_TAG,
    &disttag::REMOVE_DIST_TAG,
    &history::PUBLISH_HISTORY,
    &search::SEARCH,
    &audit::AUDIT,
];

/// The options of a call, checked against its row: the package and team resolved, the rest by
/// kind.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub package: Option<PackageName>,
    /// An org: the `org` option, or the team's org. Without `@`.
    pub org: Option<String>,
    pub team: Option<String>,
    values: BTreeMap<&'static str, Given>,
}

impl Args {
    pub fn text(&self, option: &str) -> Option<&str> {
        match self.values.get(option) {
            Some(Given::Text(text)) => Some(text),
            _ => None,
        }
    }

    pub fn flag(&self, option: &str) -> Option<bool> {
        match self.values.get(option) {
            Some(Given::Flag(flag)) => Some(*flag),
            _ => None,
        }
    }

    pub fn number(&self, option: &str) -> Option<f64> {
        match self.values.get(option) {
            Some(Given::Number(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn list(&self, option: &str) -> Option<&[String]> {
        match self.values.get(option) {
            Some(Given::List(list)) => Some(list),
            _ => None,
        }
    }

    pub fn json(&self, option: &str) -> Option<&Value> {
        match self.values.get(option) {
            Some(Given::Json(value)) => Some(value),
            _ => None,
        }
    }

    pub fn set(&mut self, option: &'static str, value: Given) {
        self.values.insert(option, value);
    }

    /// The value of `{name}` in messages: the option as given (the package, `org:team`, ...).
    fn shown(&self, name: &str) -> String {
        match name {
            "package" => self.package.as_ref().map(|p| p.to_string()),
            "org" => self.org.clone(),
            "team" => self
                .team
                .as_ref()
                .map(|t| format!("{}:{t}", self.org.as_deref().unwrap_or_default())),
            other => self.text(other).map(str::to_string),
        }
        .unwrap_or_default()
    }

    /// `{name}` in a path: escaped as npm escapes it.
    fn escaped(&self, name: &str) -> Option<String> {
        match name {
            "package" => self.package.as_ref().map(PackageName::escaped),
            "org" => self.org.as_deref().map(encode_uri_component),
            "team" => self.team.as_deref().map(encode_uri_component),
            other => self.text(other).map(encode_uri_component),
        }
    }
}

/// `text` with every `{name}` replaced by `value(name)`.
fn fill(text: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&value(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` percent-encoded.
pub fn encode_uri_component(text: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    percent_encoding::utf8_percent_encode(text, KEEP).to_string()
}

/// A number as JavaScript's `String(n)` writes it (`20`, `0.65`), for query strings.
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Checks the options of a call against `endpoint`'s inputs. `package` is the common option.
fn prepare(
    endpoint: &Endpoint,
    given: BTreeMap<&'static str, Given>,
    session: &Session<'_>,
    package: Option<&str>,
) -> Result<Args> {
    let mut args = Args::default();
    for input in endpoint.inputs {
        let value = given.get(input.option);
        match (input.kind, value) {
            (Kind::Package, _) => args.package = Some(session.package(package)?),
            (_, None) if input.required => {
                return Err(Error::invalid_input(
                    input.option,
                    format!("Option `{}` is required.", input.option),
                ))
            }
            (_, None) => {}
            (kind, Some(value)) => check(input.option, kind, value, &mut args)?,
        }
    }
    Ok(args)
}

fn check(option: &'static str, kind: Kind, value: &Given, args: &mut Args) -> Result<()> {
    let invalid = |why: String| Err(Error::invalid_input(option, why));
    match (kind, value) {
        (Kind::Org, Given::Text(org)) => {
            let org = org.strip_prefix('@').unwrap_or(org);
            if org.is_empty() || org.contains(['/', ':']) {
                return invalid(format!(
                    "Option `{option}` must be an org name such as `acme` (or `@acme`)."
                ));
            }
            args.org = Some(org.to_string());
        }
        (Kind::Team, Given::Text(team)) => {
            // libnpmteam's `^@?([^:]+):(.*)$`.
            let bare = team.strip_prefix('@').unwrap_or(team);
            match bare.split_once(':') {
                Some((org, name)) if !org.is_empty() && !name.is_empty() && !org.contains('/') => {
                    args.org = Some(org.to_string());
                    args.team = Some(name.to_string());
                }
                _ => {
                    return invalid(format!(
                        "Option `{option}` must name a team as `org:team`, e.g. `@acme:developers`."
                    ))
                }
            }
        }
        (Kind::Text, Given::Text(text)) if text.trim().is_empty() => {
            return invalid(format!("Option `{option}` must not be empty."))
        }
        // The value is not echoed: whatever was passed in its place may be anything.
        (Kind::Uuid, Given::Text(text)) if !is_uuid(text) => {
            return invalid(format!(
                "Option `{option}` must be a valid UUID, such as \
                 1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f."
            ))
        }
        (Kind::Choice { choices }, Given::Text(text)) if !choices.contains(&text.as_str()) => {
            return invalid(format!(
                "Option `{option}` must be one of {}.",
                choices
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        (Kind::Number { min, max, whole }, Given::Number(n))
            if !(n.is_finite() && (min..=max).contains(n) && (!whole || n.fract() == 0.0)) =>
        {
            let what = if whole { "a whole number" } else { "a number" };
            return invalid(format!(
                "Option `{option}` must be {what} from {min} to {max}."
            ));
        }
        (Kind::List, Given::List(items)) if items.iter().any(|i| i.trim().is_empty()) => {
            return invalid(format!("Option `{option}` must not hold empty strings."))
        }
        (Kind::Text | Kind::Uuid | Kind::Choice { .. }, Given::Text(_))
        | (Kind::Flag, Given::Flag(_))
        | (Kind::Number { .. }, Given::Number(_))
        | (Kind::List, Given::List(_))
        | (Kind::Json, Given::Json(_)) => {}
        _ => {
            return invalid(format!(
                "Option `{option}` has the wrong type for this call."
            ))
        }
    }
    if !matches!(kind, Kind::Org | Kind::Team) {
        args.set(option, value.clone());
    }
    Ok(())
}

/// What a call runs with: its options, npm's config, and the registry clients it makes.
pub struct Caller<'a> {
    call: &'a CallOptions,
    session: Session<'a>,
    /// The `npm-command` of every request: the command the caller ran, as npm sends it for
    /// each request a command makes.
    command: &'static str,
}

impl<'a> Caller<'a> {
    /// A client for `endpoint`'s registry: the package's scope registry when it takes a
    /// package (as npm picks it), else the default one.
    pub fn registry(&self, endpoint: &Endpoint, args: &Args) -> Result<Registry> {
        self.registry_as(endpoint, args, None)
    }

    /// [`Caller::registry`] with `exchanged`, a token exchanged through trusted publishing, in
    /// place of the configured one.
    pub fn registry_as(
        &self,
        endpoint: &Endpoint,
        args: &Args,
        exchanged: Option<String>,
    ) -> Result<Registry> {
        let resolved = self.session.resolve_for(args.package.as_ref())?;
        let token = exchanged.or_else(|| resolved.token.as_ref().map(|t| t.value.clone()));
        if token.is_none() && endpoint.auth == Auth::Required {
            return Err(config::need_auth(self.session.config(), &resolved));
        }
        let prompt = self.call.policy.otp_prompt.clone().filter(|_| endpoint.otp);
        let mut registry = self
            .session
            .registry_prompting(&resolved, self.command, prompt)?
            .with_credentials(token, self.call.otp.clone());
        if let (true, Some(org)) = (endpoint.scope_header, &args.org) {
            registry = registry.with_scope(org);
        }
        if endpoint.gzip {
            registry = registry.gzipped();
        }
        Ok(registry)
    }

    /// The request `endpoint` makes with `args`.
    pub fn request(&self, endpoint: &Endpoint, args: &Args) -> Result<ApiRequest> {
        let mut path = fill(endpoint.path, |name| args.escaped(name).unwrap_or_default());
        let query = query_string(endpoint, args);
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        let body = endpoint.body.map(|build| build(args)).transpose()?;
        Ok(ApiRequest {
            method: endpoint.method.clone(),
            path,
            body,
            credential: endpoint.secret.is_some() || endpoint.answers_credential,
        })
    }

    /// Sends `request` for `endpoint`, and reads the answer as the row says. A retried DELETE
    /// that finds nothing left counts as done: an earlier attempt, whose answer was lost,
    /// deleted it.
    pub async fn send(
        &self,
        endpoint: &Endpoint,
        args: &Args,
        registry: &Registry,
        request: &ApiRequest,
    ) -> Result<Value> {
        let answer = match registry.try_send(request).await {
            Ok(answer) => answer,
            Err(failure)
                if request.method == Method::DELETE
                    && failure.after_ambiguous_attempt
                    && failure.error.code == Code::Http(404) =>
            {
                Value::Null
            }
            Err(failure) => return Err(explain(*failure.error, endpoint, args, registry.base())),
        };
        match &endpoint.decode {
            None => Ok(Value::Null),
            Some(decoder) => (decoder.read)(&answer, args)
                .ok_or_else(|| registry.unexpected_answer(request, decoder.what)),
        }
    }

    /// Sends `request` for a download: the answer's bytes as they came, a refusal explained as
    /// [`Caller::send`] explains it.
    pub async fn fetch(
        &self,
        endpoint: &Endpoint,
        args: &Args,
        registry: &Registry,
        request: &ApiRequest,
    ) -> Result<Vec<u8>> {
        registry
            .try_fetch(request)
            .await
            .map_err(|failure| explain(*failure.error, endpoint, args, registry.base()))
    }

    /// Runs one row as is: dry runs of writes stop before sending.
    pub async fn run(&self, endpoint: &Endpoint, args: &Args) -> Result<Value> {
        self.run_as(endpoint, args, None).await
    }

    /// [`Caller::run`] with `exchanged` in place of the configured token.
    pub async fn run_as(
        &self,
        endpoint: &Endpoint,
        args: &Args,
        exchanged: Option<String>,
    ) -> Result<Value> {
        let registry = self.registry_as(endpoint, args, exchanged)?;
        let request = self.request(endpoint, args)?;
        if !endpoint.changes {
            return self.send(endpoint, args, &registry, &request).await;
        }
        let planned = registry.plan(&request)?;
        let mut result = Map::new();
        result.insert("dryRun".into(), json!(self.call.dry_run));
        if !self.call.dry_run {
            let answer = self.send(endpoint, args, &registry, &request).await?;
            if let Some(field) = endpoint.answer {
                result.insert(field.into(), answer);
            }
        }
        result.insert(
            "request".into(),
            serde_json::to_value(planned).unwrap_or_default(),
        );
        Ok(Value::Object(result))
    }
}

fn query_string(endpoint: &Endpoint, args: &Args) -> String {
    let mut url = Url::parse("http://query.invalid/").expect("a valid URL");
    {
        let mut pairs = url.query_pairs_mut();
        for query in endpoint.query {
            match *query {
                Query::Fixed(key, value) => {
                    pairs.append_pair(key, value);
                }
                Query::Option(option, default) => {
                    let value = match args.values.get(option) {
                        Some(Given::Number(n)) => Some(js_number(*n)),
                        Some(Given::Text(text)) => Some(text.clone()),
                        _ => default.map(js_number),
                    };
                    if let Some(value) = value {
                        pairs.append_pair(option, &value);
                    }
                }
            }
        }
    }
    url.query().unwrap_or_default().to_string()
}

/// Runs `endpoint` with the options the caller gave (`package` among the common options).
pub async fn execute(
    endpoint: &'static Endpoint,
    given: BTreeMap<&'static str, Given>,
    call: &CallOptions,
) -> Result<Value> {
    let secrets = secrets(endpoint, &given, call);
    match run(endpoint, given, call).await {
        Ok(mut result) => {
            scrub(&mut result, &secrets);
            Ok(result)
        }
        Err(error) => Err(error.scrubbed(&secrets)),
    }
}

/// Masks the secrets in every string of a result: a password in a planned request's body, a
/// token given as a value in its URL.
fn scrub(value: &mut Value, secrets: &Secrets) {
    match value {
        Value::String(text) => *text = secrets.scrub(text),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| scrub(v, secrets)),
        _ => {}
    }
}

/// What must never be echoed: the caller's token and OTP, the row's secret option (a password),
/// and an npm token given as a value (`revokeToken({ id: 'npm_...' })`).
fn secrets(
    endpoint: &Endpoint,
    given: &BTreeMap<&'static str, Given>,
    call: &CallOptions,
) -> Secrets {
    let mut secrets = call.secrets();
    for (option, value) in given {
        if let Given::Text(text) = value {
            if endpoint.secret == Some(*option) || text.starts_with("npm_") {
                secrets.add(text);
            }
        }
    }
    secrets
}

async fn run(
    endpoint: &'static Endpoint,
    given: BTreeMap<&'static str, Given>,
    call: &CallOptions,
) -> Result<Value> {
    let session = Session::open(call);
    let args = prepare(endpoint, given, &session, call.package.as_deref())?;
    let caller = Caller {
        call,
        session,
        command: endpoint.command,
    };
    match endpoint.custom {
        Some(custom) => custom(&caller, args).await,
        None => caller.run(endpoint, &args).await,
    }
}

/// The registry's refusal in words that say what to do, keeping code, status and its message.
fn explain(mut error: Error, endpoint: &Endpoint, args: &Args, registry: &Url) -> Error {
    let said = error.http.as_ref().map(|h| h.said()).unwrap_or_default();
    let shown = |text: &str| fill(text, |name| args.shown(name));
    let advice = match error.code {
        Code::Http(401) => format!(
            "The registry rejected the token for {registry}. Log in again (`npm login`) or pass a \
             valid `token`."
        ),
        Code::Http(403) => format!(
            "You are not allowed to {} on {registry}.",
            shown(endpoint.action)
        ),
        Code::Http(404) => format!(
            "{} was not found on {registry}, or you cannot see it.",
            capitalized(&shown(endpoint.subject))
        ),
        Code::Http(409) => format!(
            "The registry refused to {}: it already exists.",
            shown(endpoint.action)
        ),
        Code::Http(429) => {
            "The registry is rate limiting requests. Wait a minute and retry.".to_string()
        }
        Code::Http(status) if status >= 500 => format!(
            "The registry failed to handle the request ({status}). This is usually temporary: \
             retry later."
        ),
        Code::Http(status) => format!(
            "The registry refused to {} ({status}).",
            shown(endpoint.action)
        ),
        _ => return error,
    };
    error.message = format!("{advice}{said}");
    error
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(encode_uri_component("acme"), "acme");
        assert_eq!(encode_uri_component("a b/c:d@e"), "a%20b%2Fc%3Ad%40e");
        assert_eq!(encode_uri_component("-_.!~*'()"), "-_.!~*'()");
        assert_eq!(encode_uri_component("é"), "%C3%A9");
    }

    #[test]
    fn uuid_arguments_are_checked_before_they_reach_a_path() {
        let mut args = Args::default();
        let error = check(
            "id",
            Kind::Uuid,
            &Given::Text("../evil?x=1".into()),
            &mut args,
        )
        .unwrap_err();
        assert_eq!(error.code, Code::InvalidInput);
        assert_eq!(error.field.as_deref(), Some("id"));
        assert!(!error.message.contains("evil"), "{}", error.message);
        assert!(check(
            "id",
            Kind::Uuid,
            &Given::Text("1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f".into()),
            &mut args
        )
        .is_ok());
        assert_eq!(
            args.text("id"),
            Some("1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f")
        );
    }

    #[test]
    fn numbers_as_javascript_writes_them() {
        assert_eq!(js_number(20.0), "20");
        assert_eq!(js_number(0.65), "0.65");
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(0.0), "0");
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            fill("-/team/{org}/{team}", |n| n.to_uppercase()),
            "-/team/ORG/TEAM"
        );
        assert_eq!(fill("no {closing", |_| "x".into()), "no {closing");
    }

    #[test]
    fn every_row_is_named_once_and_fills_its_path() {
        let mut names: Vec<_> = ENDPOINTS.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ENDPOINTS.len());
        for endpoint in ENDPOINTS {
            for placeholder in endpoint.path.split('{').skip(1) {
                let name = placeholder.split('}').next().unwrap_or_default();
                // A flow fills what its options do not (listPackages' org from `owner`).
                let known = endpoint.custom.is_some()
                    || match name {
                        "package" => endpoint.takes_package(),
                        "org" => endpoint
                            .inputs
                            .iter()
                            .any(|i| matches!(i.kind, Kind::Org | Kind::Team)),
                        "team" => endpoint.inputs.iter().any(|i| i.kind == Kind::Team),
                        other => endpoint.inputs.iter().any(|i| i.option == other),
                    };
                assert!(known, "{endpoint:?}: nothing fills {{{name}}}");
            }
            assert!(
                endpoint.changes || endpoint.answer.is_none(),
                "{endpoint:?}: only writes name an answer field"
            );
        }
    }
}
