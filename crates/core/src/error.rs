//! One error type for the whole core.
//!
//! Every failure carries a stable, npm-style `code` (what scripts branch on), a message that
//! tells the user what to do, and, for registry answers, the HTTP details and the registry's own
//! message. The binding layer turns it into a JS `Error` field by field, so whatever is stored
//! here is public: secrets are scrubbed before they can get in (see [`Secrets`]).

use std::fmt;

/// The stable codes. `as_str` is the contract with JS callers; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidPackageName,
    InvalidInput,
    NeedAuth,
    Otp,
    /// Any HTTP status the registry answered with that has no more specific code.
    Http(u16),
    Network,
    Timeout,
    /// The registry answered, but not with something we can read.
    Response,
    /// Credentials would go over plain http to a host that is not this machine.
    Insecure,
    /// The TLS handshake failed (an untrusted or invalid certificate).
    Tls,
    /// An OIDC call outside a CI provider that can issue id_tokens.
    OidcNotCi,
    /// The CI job is not allowed (or not set up) to get an id_token.
    OidcPermission,
    /// The CI provider failed to issue an id_token.
    OidcProvider,
    /// The id_token is for another audience than the registry's.
    OidcAudience,
    /// The id_token has expired (or is not valid yet).
    OidcExpired,
    /// The registry (npm or PyPI) refused to exchange the id_token.
    OidcExchange,
    /// The caller aborted the call (its `AbortSignal`).
    Aborted,
    /// Strict: the CI file a publisher names would not publish through it.
    Workflow,
    /// The package is marked `private` in its package.json.
    Private,
    /// The version is already published.
    PublishConflict,
    /// Downloaded bytes are not what the registry said they are (a tarball whose digest, or
    /// contents, differ from the staged version's).
    Integrity,
    /// The token may only stage versions (a stage-only token, or a direct publish the
    /// registry's 2027 rules refuse): stage, then approve with 2FA.
    StageRequired,
    /// The manifest has `packageExtensions`: project policy of the root, never published (npm
    /// 12 refuses it so).
    PackageExtensions,
    /// Provenance could not be signed or attached (not in a CI that signs, Fulcio or Rekor
    /// refused), or a version's provenance does not verify.
    Provenance,
}

/// The named codes and their spelling, both ways.
const NAMES: [(Code, &str); 23] = [
    (Code::InvalidPackageName, "EINVALIDPACKAGENAME"),
    (Code::InvalidInput, "EINVALIDINPUT"),
    (Code::NeedAuth, "ENEEDAUTH"),
    (Code::Otp, "EOTP"),
    (Code::Network, "ENETWORK"),
    (Code::Timeout, "ETIMEDOUT"),
    (Code::Response, "ERESPONSE"),
    (Code::Insecure, "EINSECURE"),
    (Code::Tls, "ETLS"),
    (Code::OidcNotCi, "EOIDCNOTCI"),
    (Code::OidcPermission, "EOIDCPERMISSION"),
    (Code::OidcProvider, "EOIDCPROVIDER"),
    (Code::OidcAudience, "EOIDCAUDIENCE"),
    (Code::OidcExpired, "EOIDCEXPIRED"),
    (Code::OidcExchange, "EOIDCEXCHANGE"),
    (Code::Aborted, "EABORTED"),
    (Code::Workflow, "EWORKFLOW"),
    (Code::Private, "EPRIVATE"),
    (Code::PublishConflict, "EPUBLISHCONFLICT"),
    (Code::Integrity, "EINTEGRITY"),
    (Code::StageRequired, "E_STAGE_REQUIRED"),
    (Code::PackageExtensions, "EPACKAGEEXTENSIONS"),
    (Code::Provenance, "EPROVENANCE"),
];

impl Code {
    pub fn as_str(&self) -> String {
        match self {
            Code::Http(status) => format!("E{status}"),
            named => NAMES
                .iter()
                .find(|(code, _)| code == named)
                .map(|(_, name)| name.to_string())
                .unwrap_or_default(),
        }
    }

    /// The spelling of every named code (HTTP codes are `E` and the status).
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(_, name)| *name)
    }

    /// The code spelled `name` (`EOTP`, `E404`), if it is one.
    pub fn parse(name: &str) -> Option<Code> {
        NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(code, _)| *code)
            .or_else(|| name.strip_prefix('E')?.parse().ok().map(Code::Http))
    }
}

/// What the registry said, for errors that come from an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpContext {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    /// The registry's own message (`message` or `error` of its JSON body), scrubbed.
    pub registry_message: Option<String>,
}

impl HttpContext {
    /// ` The registry said: "…".`, to append to a message, or nothing when it said nothing.
    pub fn said(&self) -> String {
        self.registry_message
            .as_deref()
            .map(|m| format!(" The registry said: \"{m}\"."))
            .unwrap_or_default()
    }
}

/// The registry's web 2FA flow, offered with an `EOTP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAuth {
    pub auth_url: String,
    pub done_url: String,
}

/// One entry of PyPI's `errors: [{ code, description }]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemoteError {
    pub code: String,
    pub description: String,
}

/// What an OIDC failure is about: the id_token's claims (never the token itself) and, from
/// PyPI, its error codes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OidcContext {
    pub claims: Option<serde_json::Value>,
    pub package: Option<String>,
    pub errors: Vec<RemoteError>,
    /// The arguments of `npm trust` that configure the publisher the token needs, for the
    /// advice of [`Hint::Configure`] (built where the token is known, by its provider's table).
    pub configure: Option<String>,
}

/// What the user can do about an error, as a kind: each interface words it its own way (the
/// library names options and functions, the CLI its flags and subcommands). The library's words
/// are [`Hint::advice`]; `message` holds only what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Give a one-time password, or a way to be asked (or approve at the error's `authUrl`).
    Otp,
    /// The one-time password was refused: give a fresh one.
    FreshOtp,
    /// Give an npm token.
    Token,
    /// A token bound to no registry was not sent to a registry the checkout chose: name the
    /// registry, or bind the token to it.
    BindToken,
    /// List the package's trusted publishers: their ids, or whether a create went through.
    ListPublishers,
    /// Revoke the package's configuration before adding another.
    RevokeFirst,
    /// Allow the call more time.
    Timeout,
    /// Allow the web 2FA approval more time.
    WebAuthTimeout,
    /// Use https, or allow plain http on a trusted network.
    Insecure,
    /// The package does not exist yet: claim its name first.
    Claim,
    /// List the account's tokens: their ids.
    ListTokens,
    /// Name the CI file to trust: it could not be inferred.
    File,
    /// Configure the trusted publisher this job's id_token needs (from the error's `claims`).
    Configure,
    /// The trusted publisher must allow publishing (`createPackage`).
    AllowPublish,
    /// The trusted publisher must allow stage publishing (`createStagedPackage`).
    AllowStagePublish,
    /// The token can only stage: stage the version, then approve it with 2FA.
    Stage,
}

/// Each hint's name (for JS) and advice in the library's words.
const HINTS: [(Hint, &str, &str); 16] = [
    (
        Hint::Otp,
        "otp",
        "Pass `otp` with a code from your authenticator, or an `onOtp` callback to be asked.",
    ),
    (
        Hint::FreshOtp,
        "freshOtp",
        "Pass a fresh `otp`, or an `onOtp` callback to be asked.",
    ),
    (
        Hint::Token,
        "token",
        "Pass the `token` option, add an `_authToken` line for the registry to an .npmrc \
         (`npm login` writes one), or set NPM_TOKEN.",
    ),
    (
        Hint::BindToken,
        "bindToken",
        "Name the registry yourself with the `registry` option, or bind the token to it in your \
         user .npmrc (an `_authToken` line for the registry).",
    ),
    (
        Hint::ListPublishers,
        "listPublishers",
        "listPublishers shows the package's configurations, with their ids.",
    ),
    (
        Hint::RevokeFirst,
        "revokeFirst",
        "Revoke one first (listPublishers shows their ids, revokePublisher removes one), then \
         add the new one; ensurePublisher and applyTrust replace a changed publisher for you.",
    ),
    (
        Hint::Timeout,
        "timeout",
        "Check your network, or raise `timeoutMs` if the registry is slow.",
    ),
    (
        Hint::WebAuthTimeout,
        "webAuthTimeout",
        "Raise `webAuthTimeoutMs` to wait longer, or pass `otp`.",
    ),
    (
        Hint::Insecure,
        "insecure",
        "Use the registry's https URL, or set `allowInsecure` for a network you trust.",
    ),
    (
        Hint::Claim,
        "claim",
        "claimPackage publishes a placeholder version to create it; applyTrust with \
         `claim: true` does so for every package that needs it.",
    ),
    (
        Hint::ListTokens,
        "listTokens",
        "listTokens shows your tokens, each with its shortest unique id.",
    ),
    (
        Hint::File,
        "file",
        "Pass `file`: the workflow (or CI configuration) file the registry should trust.",
    ),
    (
        Hint::Configure,
        "configure",
        "The registry matches each value exactly (letter case, .yml vs .yaml, the calling \
         workflow rather than a reusable one, the environment) and does not say what differs: \
         with a maintainer's token, explainExchangeFailure(error, { publishers }) names it.",
    ),
    (
        Hint::AllowPublish,
        "allowPublish",
        "A maintainer allows it by replacing the trusted publisher: ensurePublisher, or a spec \
         of applyTrust with `replace: true`, given `allowPublish: true` (and \
         `allowStagePublish: true` to keep stage publishing).",
    ),
    (
        Hint::AllowStagePublish,
        "allowStagePublish",
        "A maintainer allows it by replacing the trusted publisher: ensurePublisher, or a spec \
         of applyTrust with `replace: true`, given `allowStagePublish: true` (and \
         `allowPublish: true` to keep publishing).",
    ),
    (
        Hint::Stage,
        "stage",
        "Stage the version with `stagePublish` (the same options), then approve it with \
         `approveStaged` (2FA); or publish through trusted publishing.",
    ),
];

impl serde::Serialize for Hint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Hint {
    /// The stable name JS callers branch on.
    pub fn as_str(&self) -> &'static str {
        HINTS
            .iter()
            .find(|(h, ..)| h == self)
            .map_or("", |(_, name, _)| name)
    }

    pub fn parse(name: &str) -> Option<Hint> {
        HINTS.iter().find(|(_, n, _)| *n == name).map(|(h, ..)| *h)
    }

    /// Every hint's name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        HINTS.iter().map(|(_, name, _)| *name)
    }

    /// What to do about `error`, in the library's words.
    pub fn advice(&self, error: &Error) -> String {
        let advice = HINTS
            .iter()
            .find(|(h, ..)| h == self)
            .map_or("", |(.., a)| a);
        match self {
            Hint::Otp => match error.web_auth.as_deref() {
                Some(web) => format!(
                    "{advice} Or approve it in a browser at {} and retry.",
                    web.auth_url
                ),
                None => advice.to_string(),
            },
            // The command works for every user: npm's own (which wants a permission flag).
            Hint::Configure => match error
                .oidc
                .as_deref()
                .and_then(|oidc| oidc.configure.as_deref())
            {
                Some(args) => {
                    format!("A maintainer configures it with `npm trust {args} --allow-publish`. {advice}")
                }
                None => advice.to_string(),
            },
            _ => advice.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: Code,
    /// What happened. The `notes` and the advice of `hint` follow it in [`Error::full_message`].
    pub message: String,
    /// What the user can do, when it depends on the interface they use.
    pub hint: Option<Hint>,
    /// The option that was rejected, for `EINVALIDINPUT` (JS name, e.g. `repository`).
    pub field: Option<String>,
    pub http: Option<Box<HttpContext>>,
    pub web_auth: Option<Box<WebAuth>>,
    pub oidc: Option<Box<OidcContext>>,
    /// Facts the transport adds (retries made, a redirect that withheld credentials), kept apart
    /// so a layer that rewrites `message` keeps them.
    pub notes: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            hint: None,
            field: None,
            http: None,
            web_auth: None,
            oidc: None,
            notes: Vec::new(),
        }
    }

    /// The same error with every secret in `secrets` masked wherever outside text can reach:
    /// the message and notes (validation echoes input), the registry's words, PyPI's errors.
    pub fn scrubbed(mut self, secrets: &Secrets) -> Self {
        self.message = secrets.scrub(&self.message);
        for note in &mut self.notes {
            *note = secrets.scrub(note);
        }
        if let Some(http) = &mut self.http {
            http.url = secrets.scrub(&http.url);
            http.registry_message = http.registry_message.as_deref().map(|m| secrets.scrub(m));
        }
        if let Some(web) = &mut self.web_auth {
            web.auth_url = secrets.scrub(&web.auth_url);
            web.done_url = secrets.scrub(&web.done_url);
        }
        if let Some(oidc) = &mut self.oidc {
            for e in &mut oidc.errors {
                e.description = secrets.scrub(&e.description);
            }
        }
        if let Some(field) = &mut self.field {
            *field = secrets.scrub(field);
        }
        self
    }

    /// The message, the notes and the hint's advice in the library's words: what library users
    /// see.
    pub fn full_message(&self) -> String {
        let advice = self.hint.map(|h| h.advice(self));
        self.with_advice(advice.as_deref())
    }

    /// What happened without the advice: the message and the notes, for an interface that
    /// words the advice of `hint` itself.
    pub fn summary(&self) -> String {
        self.with_advice(None)
    }

    fn with_advice(&self, advice: Option<&str>) -> String {
        std::iter::once(self.message.as_str())
            .chain(self.notes.iter().map(String::as_str))
            .chain(advice)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            field: Some(field.into()),
            ..Error::new(Code::InvalidInput, message)
        }
    }

    pub fn with_http(mut self, http: HttpContext) -> Self {
        self.http = Some(Box::new(http));
        self
    }

    pub fn with_oidc(mut self, oidc: OidcContext) -> Self {
        self.oidc = Some(Box::new(oidc));
        self
    }

    pub fn status(&self) -> Option<u16> {
        self.http.as_ref().and_then(|h| h.status)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.full_message())
    }
}

impl std::error::Error for Error {}

/// Strings that must never reach an error, a result or a log: tokens, OTPs, id_tokens.
///
/// Anything built from outside input (a registry body can echo a header back) goes through
/// [`Secrets::scrub`] before it is stored in an [`Error`].
#[derive(Clone, Default)]
pub struct Secrets(Vec<String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

/// What `encodeURIComponent` escapes: how a secret appears in a query string.
const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

impl Secrets {
    /// Adds `secret`, and the forms it takes in headers and URLs (base64, percent-encoded), so
    /// an answer that echoes `Authorization: Basic ...` or a query string shows none of them.
    /// A JWT (an id_token) adds its long segments too: a server quoting only the signature, or
    /// the payload, quotes the token.
    pub fn add(&mut self, secret: &str) {
        use base64::Engine;
        // Very short values (an empty OTP, say) would redact ordinary words.
        if secret.len() < 4 {
            return;
        }
        let encoded = [
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            percent_encoding::utf8_percent_encode(secret, URI_COMPONENT).to_string(),
        ];
        let segments = jwt_segments(secret).filter(|s| s.len() >= SHORT_SECRET);
        let forms = std::iter::once(secret.to_string())
            .chain(encoded)
            .chain(segments.map(str::to_string));
        for form in forms {
            if !self.0.contains(&form) {
                self.0.push(form);
            }
        }
    }

    pub fn extend(&mut self, other: &Secrets) {
        for secret in &other.0 {
            if !self.0.contains(secret) {
                self.0.push(secret.clone());
            }
        }
    }

    /// `text` with every secret masked: whole, and (for a long one) the start of one that ends
    /// the text or the end of one that begins it, where someone else cut the text.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.0 {
            if secret.len() < SHORT_SECRET {
                if out.contains(secret.as_str()) {
                    out = replace_whole(&out, secret);
                }
                continue;
            }
            out = out.replace(secret.as_str(), "***");
            out = mask_edges(&out, secret);
        }
        out
    }

    /// At most `max` characters of `text` (trimmed), `…` marking a cut; scrubbed whole first,
    /// since a cut through a secret leaves a piece that no longer matches it. Every excerpt of
    /// outside text is made here.
    pub fn excerpt(&self, text: &str, max: usize) -> String {
        let scrubbed = self.scrub(text);
        let text = scrubbed.trim();
        match text.char_indices().nth(max) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_string(),
        }
    }
}

/// The segments of a compact JWT (`header.payload.signature`, base64url), if `secret` is one.
fn jwt_segments(secret: &str) -> impl Iterator<Item = &str> {
    let base64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parts: Vec<&str> = secret.split('.').collect();
    let is_jwt = parts.len() == 3 && parts.iter().all(|p| base64url(p));
    parts.into_iter().filter(move |_| is_jwt)
}

/// The shortest piece of a secret masked at a text's edge: shorter ones are ordinary text too.
const EDGE_PIECE: usize = 8;

/// `text` with the start of `secret` masked where it ends the text, and its end where it begins
/// it; the end is found past blanks and the `…` of a cut.
fn mask_edges(text: &str, secret: &str) -> String {
    // The pieces of `secret` from its start (or end), longest first.
    let pieces = |from_start: bool| {
        (EDGE_PIECE..secret.len()).rev().filter_map(move |n| {
            let at = if from_start { n } else { secret.len() - n };
            secret.is_char_boundary(at).then(|| {
                if from_start {
                    &secret[..at]
                } else {
                    &secret[at..]
                }
            })
        })
    };
    let mut out = text.to_string();
    let end = out.trim_end_matches(|c: char| c.is_whitespace() || c == '…');
    let end = end.strip_suffix("...").unwrap_or(end).len();
    if let Some(piece) = pieces(true).find(|p| out[..end].ends_with(p)) {
        out.replace_range(end - piece.len()..end, "***");
    }
    let start = out.len() - out.trim_start().len();
    if let Some(piece) = pieces(false).find(|p| out[start..].starts_with(p)) {
        out.replace_range(start..start + piece.len(), "***");
    }
    out
}

/// Below this length a secret is an OTP: six digits that also occur inside ids and digests
/// (`9123456a-...`), so it is hidden only where it stands alone, not inside a longer word.
const SHORT_SECRET: usize = 12;

/// `text` with every occurrence of `secret` that no letter or digit touches replaced by `***`.
fn replace_whole(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        let alone = !before.is_some_and(|c| c.is_alphanumeric())
            && !after.is_some_and(|c| c.is_alphanumeric());
        out.push_str(&rest[..at]);
        out.push_str(if alone { "***" } else { secret });
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_time_password_is_hidden_where_it_stands_alone_not_inside_ids() {
        let mut secrets = Secrets::default();
        secrets.add("123456");
        secrets.add("npm_0123456789abcdefghij");
        assert_eq!(secrets.scrub("Invalid OTP 123456."), "Invalid OTP ***.");
        assert_eq!(secrets.scrub("?otp=123456&x"), "?otp=***&x");
        assert_eq!(secrets.scrub("npm-otp: 123456"), "npm-otp: ***");
        // Data that merely contains the digits is left whole.
        let id = "9123456a-1111-4222-8333-444455556666";
        assert_eq!(secrets.scrub(id), id);
        assert_eq!(secrets.scrub("shasum 0123456789"), "shasum 0123456789");
        // A long secret is hidden wherever it appears.
        assert_eq!(secrets.scrub("xxnpm_0123456789abcdefghijxx"), "xx***xx");
    }

    #[test]
    fn codes_parse_back() {
        for (code, name) in NAMES {
            assert_eq!(code.as_str(), name);
            assert_eq!(Code::parse(name), Some(code));
        }
        assert_eq!(Code::parse("E503"), Some(Code::Http(503)));
        assert_eq!(Code::parse("nope"), None);
    }

    #[test]
    fn codes_are_npm_style() {
        assert_eq!(Code::Http(404).as_str(), "E404");
        assert_eq!(Code::Http(503).as_str(), "E503");
        assert_eq!(Code::Otp.as_str(), "EOTP");
        assert_eq!(Code::NeedAuth.as_str(), "ENEEDAUTH");
    }

    #[test]
    fn scrub_hides_every_secret_and_debug_shows_none() {
        let mut s = Secrets::default();
        s.add("tok-SECRET-1");
        s.add("123456");
        s.add("");
        let text = s.scrub("bad token tok-SECRET-1 with otp 123456 and tok-SECRET-1");
        assert_eq!(text, "bad token *** with otp *** and ***");
        assert!(!format!("{s:?}").contains("SECRET"));
    }

    /// A text cut by someone else (a registry that truncates what it echoes, a reader's cap)
    /// can begin with a secret's end or end with its start: those parts are masked too.
    #[test]
    fn a_secret_cut_at_the_edge_of_a_text_is_masked() {
        let token = "npm_FAKE-56789abcdefghijklmnopqrstuvwxyz";
        let mut s = Secrets::default();
        s.add(token);
        assert_eq!(
            s.scrub(&format!("denied: Bearer {}", &token[..30])),
            "denied: Bearer ***"
        );
        assert_eq!(
            s.scrub(&format!("{} was denied", &token[9..])),
            "*** was denied"
        );
        // Past a cut marker or trailing blanks, as excerpts end.
        assert_eq!(
            s.scrub(&format!("Bearer {}…\n", &token[..20])),
            "Bearer ***…\n"
        );
        // Too short a part to be told from ordinary text is left alone.
        assert_eq!(s.scrub("prefix npm_012"), "prefix npm_012");
        assert_eq!(s.scrub("xyz was denied"), "xyz was denied");
    }

    /// A JWT's segments are secrets on their own: a registry that quotes the signature, or the
    /// payload, quotes the id_token.
    #[test]
    fn a_jwt_s_long_segments_are_masked_on_their_own() {
        let header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";
        let payload = "eyJhdWQiOiJucG06cmVnaXN0cnkubnBtanMub3JnIn0";
        let signature = "SIGSECRETxyzSIGSECRETxyzSIGSECRETxyz0123456789";
        let mut s = Secrets::default();
        s.add(&format!("{header}.{payload}.{signature}"));
        assert_eq!(
            s.scrub(&format!("bad signature {signature} for {payload}")),
            "bad signature *** for ***"
        );
        assert_eq!(s.scrub(&format!("header {header} seen")), "header *** seen");
        // Short segments (a test token's `c2ln`) would mask ordinary words: kept.
        let mut short = Secrets::default();
        short.add(&format!("{header}.{payload}.c2ln"));
        assert_eq!(short.scrub("c2ln"), "c2ln");
    }

    /// An excerpt is cut from the scrubbed text: cutting first would leave a piece of a secret
    /// that no longer matches it.
    #[test]
    fn an_excerpt_is_cut_after_the_secrets_are_masked() {
        let token = "npm_FAKE-56789abcdefghijklmnopqrstuvwxyz";
        let mut s = Secrets::default();
        s.add(token);
        for pad in 0..60 {
            let text = format!("{}Bearer {token} {}", "x".repeat(pad), "y".repeat(100));
            let cut = s.excerpt(&text, 50);
            assert!(cut.chars().count() <= 51, "{cut}");
            for at in 0..token.len() - 8 {
                assert!(!cut.contains(&token[at..at + 8]), "{pad}: {cut}");
            }
        }
        assert_eq!(s.excerpt("  short  ", 50), "short");
    }

    #[test]
    fn scrub_hides_the_encoded_forms_of_a_secret() {
        use base64::Engine;
        let mut s = Secrets::default();
        s.add("npm_tok/en+SECRET");
        let basic = base64::engine::general_purpose::STANDARD.encode("npm_tok/en+SECRET");
        let text = s.scrub(&format!(
            "authorization: Basic {basic}; url: ?token=npm_tok%2Fen%2BSECRET"
        ));
        assert_eq!(text, "authorization: Basic ***; url: ?token=***");
    }
}
