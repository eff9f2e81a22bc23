//! The npm exchange: an id_token for a short-lived, package-scoped npm token, sent exactly as
//! npm's `utils/oidc.js` sends it, but failing loudly with the reason instead of silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::diagnose::{configure_args, describe_token, token_problems};
use super::{id_token_for, jwt, IdToken};
use crate::config::write::{auth_env, check_token, npmrc_target, write_auth_token, WrittenAuth};
use crate::config::{NpmConfig, Source};
use crate::error::{Code, Error, Hint, OidcContext, Result};
use crate::registry::{package_exists, ApiRequest};
use crate::session::{CallOptions, Session};

/// Where to write the exchanged token for package managers.
#[derive(Debug, Clone, PartialEq)]
pub enum NpmrcTarget {
    /// The user's .npmrc (`npm_config_userconfig`, else `~/.npmrc`), where npm writes tokens:
    /// outside the checkout, which may be shared (a cache, an artifact) or committed.
    User,
    Path(PathBuf),
}

impl NpmrcTarget {
    fn path(&self, config: &NpmConfig) -> Result<PathBuf> {
        match self {
            NpmrcTarget::Path(path) => Ok(path.clone()),
            NpmrcTarget::User => {
                let path = config.user_file().ok_or_else(|| {
                    Error::invalid_input(
                        "writeNpmrc",
                        "`writeNpmrc: true` writes your user .npmrc, but neither \
                         npm_config_userconfig nor HOME says where it is: pass the path to write.",
                    )
                })?;
                if config.user_file_in_checkout() {
                    return Err(Error::invalid_input(
                        "writeNpmrc",
                        format!(
                            "`writeNpmrc: true` writes your user .npmrc, but the one configured \
                             ({}) is inside the project folder, where the checkout chose it \
                             (`npm run` exports a project .npmrc's `userconfig=` as \
                             npm_config_userconfig): the token would go into the checkout. Pass \
                             the path to write (`writeNpmrc: '/home/you/.npmrc'`).",
                            path.display()
                        ),
                    ));
                }
                Ok(path.to_path_buf())
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ExchangeOptions {
    pub call: CallOptions,
    /// An id_token to exchange; by default one is requested from the CI provider.
    pub id_token: Option<String>,
    pub write_npmrc: Option<NpmrcTarget>,
    /// The npm command the exchange is made for (its `npm-command` header): `publish` when
    /// `None`; `dist-tag` for npm 12's dist-tag commands.
    pub command: Option<&'static str>,
}

/// What trying trusted publishing before a command came to.
#[derive(Debug)]
pub enum Attempt {
    Exchanged(Box<Exchanged>),
    /// Not in a CI that issues id_tokens: the configured token is used, as npm does.
    NotCi,
    /// The exchange was refused, and the configured token is used instead (as npm does,
    /// silently): why, to warn with and to add to a failure with that token.
    Refused(Box<Error>),
}

/// Trusted publishing first, as npm does before `publish` (11.5.1 and later) and before
/// `dist-tag` (12): the exchanged token; outside CI, nothing; a refusal, when `fallback` (a
/// configured token to use instead, and the exchange not `required`). Any other failure, the
/// exchange's diagnosis among them, is the call's.
pub async fn exchange_first(
    options: ExchangeOptions,
    required: bool,
    fallback: bool,
) -> Result<Attempt> {
    match exchange_token(options).await {
        Ok(exchanged) => Ok(Attempt::Exchanged(Box::new(exchanged))),
        Err(error) if error.code == Code::OidcNotCi && !required => Ok(Attempt::NotCi),
        Err(error) if !required && fallback => Ok(Attempt::Refused(Box::new(error))),
        Err(error) => Err(error),
    }
}

impl Attempt {
    /// The warning a refused exchange gives, when the configured token is used instead.
    pub fn fallback_warning(refusal: &Error) -> String {
        // What happened, without the advice: a warning is shown as it is by every interface,
        // and the advice of the hint is in the library's words.
        format!(
            "Trusted publishing did not work, so the configured token is used instead (npm does \
             the same, silently). Why: {}",
            refusal.summary()
        )
    }

    /// `error`, a failure with the configured token used in place of a refused exchange, also
    /// saying why the exchange was refused (a 401 or an EOTP alone would hide the cause).
    pub fn note_refusal(refusal: Option<&str>, mut error: Error) -> Error {
        if let Some(why) = refusal {
            error.notes.push(format!(
                "Trusted publishing was tried first and refused, so the configured token was \
                 used: {why}"
            ));
        }
        error
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchanged {
    /// The npm token: valid for publishing this one package, for about an hour.
    pub token: String,
    pub token_type: Option<String>,
    pub created: Option<String>,
    pub expires: Option<String>,
    pub package: String,
    pub registry: String,
    /// Where the id_token came from (`$NPM_ID_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_URL`, ...).
    pub id_token_source: String,
    /// The .npmrc written, when asked to.
    pub npmrc: Option<WrittenAuth>,
    /// Variables that hand the token to package managers reading the environment.
    pub env: BTreeMap<String, String>,
    pub warnings: Vec<String>,
    /// The id_token's claims (for npm's provenance rule); not part of the JS result.
    #[serde(skip)]
    pub claims: Value,
}

/// `POST /-/npm/v1/oidc/token/exchange/package/{escaped}`, from the registry host's root.
pub fn exchange_request(escaped_package: &str) -> ApiRequest {
    ApiRequest {
        method: Method::POST,
        path: format!("/-/npm/v1/oidc/token/exchange/package/{escaped_package}"),
        body: None,
        // The answer is a publish token: the registry asked gives it, no other.
        credential: true,
    }
}

pub async fn exchange_token(options: ExchangeOptions) -> Result<Exchanged> {
    let mut secrets = options.call.secrets();
    if let Some(id_token) = &options.id_token {
        secrets.add(id_token);
    }
    exchange(options).await.map_err(|e| e.scrubbed(&secrets))
}

async fn exchange(options: ExchangeOptions) -> Result<Exchanged> {
    let call = &options.call;
    let session = Session::open(call);
    let package = session.package(call.package.as_deref())?;
    let resolved = session.resolve(&package)?;
    let registry_url = resolved.registry.clone();
    let audience = format!("npm:{}", registry_url.host_str().unwrap_or_default());
    let env = session.config().env.clone();
    // Before a token exists: a file it could not be written to must not cost the minted token.
    let npmrc = options
        .write_npmrc
        .as_ref()
        .map(|target| {
            let path = target.path(session.config())?;
            npmrc_target(&path).map(|_| path)
        })
        .transpose()?;

    let id_token: IdToken = id_token_for(
        &audience,
        options.id_token.clone(),
        None,
        &env,
        &options.call.policy.context,
    )
    .await?;
    let context = OidcContext {
        claims: Some(id_token.claims.clone()),
        package: Some(package.to_string()),
        errors: vec![],
        configure: configure_args(&id_token.claims, package.as_str()),
    };
    let with_context = |e: Error| e.with_oidc(context.clone());
    jwt::check(&id_token.jwt(), &audience, jwt::now()).map_err(with_context)?;

    let registry = session
        .registry(&resolved, options.command.unwrap_or("publish"))?
        .with_id_token(id_token.token.clone());
    let answer = registry.send(&exchange_request(&package.escaped())).await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            // The registry answers 404 alike for a package that does not exist and for a
            // configuration that does not match: a public read of the package tells them apart.
            let published = if error.code == Code::Http(404) {
                published(&session, &resolved, &package).await
            } else {
                None
            };
            let explained = explain(error, &package.to_string(), &id_token.claims, published);
            return Err(with_context(explained));
        }
    };
    let text = |key: &str| answer.get(key).and_then(Value::as_str).map(str::to_string);
    let Some(token) = text("token") else {
        return Err(with_context(Error::new(
            Code::Response,
            "The registry accepted the id_token but its answer has no `token`.",
        )));
    };
    check_token(&token).map_err(with_context)?;

    let mut warnings = Vec::new();
    // The line npm reads: the token's, or a checkout's `${VAR}` line trust-native withholds
    // (npm would still send it).
    let line = resolved.token.as_ref().map(|t| &t.source);
    if let Some((path, key)) = line.or(resolved.withheld.as_ref()).and_then(|s| match s {
        Source::File { path, key } => Some((path, key)),
        _ => None,
    }) {
        // npm reads the first file that sets the key: a line there outranks the token written
        // to a file after it (or to one npm does not read).
        let rank = |p: &Path| {
            let files = &session.config().files;
            files
                .iter()
                .position(|(_, f, _)| f == p)
                .unwrap_or(files.len())
        };
        let fix = match npmrc.as_deref() {
            // Words every interface shares: doctor and the CLI show this warning too.
            None => {
                "Remove the line, or publish with the exchanged token in its place.".to_string()
            }
            Some(written) if written == path.as_path() => {
                "The exchanged token was written in its place.".to_string()
            }
            Some(written) if rank(path) < rank(written) => format!(
                "The exchanged token was written to {}, which that file outranks: npm still \
                 reads the static line. Remove it, or write the exchanged token to that file.",
                written.display()
            ),
            Some(written) => format!(
                "The exchanged token written to {} comes first, so npm uses it.",
                written.display()
            ),
        };
        warnings.push(format!(
            "{key} in {} sets a static token for {registry_url} (actions/setup-node's \
             `registry-url` writes one from NODE_AUTH_TOKEN, a placeholder when unset). npm \
             11.5.1 and later try OIDC first and fall back to that token when the exchange \
             fails, so a refused exchange shows up as a 401 or 404 for the token, hiding its \
             cause. {fix}",
            path.display()
        ));
    }
    let npmrc = npmrc
        .map(|path| write_auth_token(&path, &registry_url, &token))
        .transpose()?;
    Ok(Exchanged {
        env: auth_env(&registry_url, &token),
        token,
        token_type: text("token_type"),
        created: text("created"),
        expires: text("expires"),
        package: package.to_string(),
        registry: registry_url.to_string(),
        id_token_source: id_token.source,
        npmrc,
        warnings,
        claims: id_token.claims.clone(),
    })
}

/// Whether `package` has been published: `None` when the registry does not say.
async fn published(
    session: &Session<'_>,
    resolved: &crate::config::Resolved,
    package: &crate::package::PackageName,
) -> Option<bool> {
    let registry = session.registry(resolved, "view").ok()?;
    package_exists(&registry, package).await.ok()
}

/// The registry's refusal, with what the token says so the user can compare it with the
/// package's configuration (the registry does not say which part did not match).
fn explain(error: Error, package: &str, claims: &Value, published: Option<bool>) -> Error {
    let Code::Http(status) = error.code else {
        return error;
    };
    let said = error.http.as_ref().map(|h| h.said()).unwrap_or_default();
    let token = describe_token(claims);
    let why = match status {
        404 if published == Some(false) => format!(
            "{package} has never been published, and a token can be exchanged only for a \
             package that exists: a maintainer creates it (a first version, published with \
             their token) and configures its trusted publisher. The token says {token}."
        ),
        // In CI no maintainer's token reads the configurations: say what this job needs, from
        // its own token; the hint's advice says how to configure it.
        404 => format!(
            "No trusted publisher of {package} matches this job's id_token, which needs one for \
             {token}{}.",
            if published == Some(true) {
                ""
            } else {
                " (or the package does not exist: the registry gives the same answer for both)"
            }
        ),
        403 => format!(
            "A trusted publisher of {package} matches, but it does not allow this action: \
             `npm publish` needs the publish permission (createPackage), `npm stage publish` the \
             stage publish permission (createStagedPackage)."
        ),
        401 => format!(
            "The registry rejected the id_token ({token}): expired, for another audience, or \
             from an issuer it does not trust (self-hosted runners, self-managed GitLab)."
        ),
        _ => format!("The registry could not exchange the id_token for {package} ({status})."),
    };
    // What is wrong with the token itself holds whatever the configuration says.
    let problems = match status {
        401 | 404 => token_problems(claims),
        _ => vec![],
    };
    let token_side = if problems.is_empty() {
        String::new()
    } else {
        format!(" The token itself: {}", problems.join(" "))
    };
    // A configuration is the fix only when nothing about the token itself stops the exchange.
    let hint = match status {
        404 if published == Some(false) => Some(Hint::Claim),
        404 if problems.is_empty() => Some(Hint::Configure),
        _ => error.hint,
    };
    Error {
        code: Code::OidcExchange,
        message: format!("{why}{token_side}{said}"),
        hint,
        ..error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EnvVars;

    #[test]
    fn a_token_goes_where_npm_writes_tokens_unless_a_path_is_named() {
        let cwd = std::env::temp_dir();
        let config = |pairs: &[(&str, &str)]| {
            NpmConfig::load(&cwd, EnvVars::from_pairs(pairs.iter().copied()))
        };
        let user = |pairs: &[(&str, &str)]| NpmrcTarget::User.path(&config(pairs));
        assert_eq!(
            user(&[("HOME", "/home/me")]).unwrap(),
            Path::new("/home/me/.npmrc")
        );
        // A rooted path without a drive is on cwd's drive on Windows, as npm resolves it: joined
        // to cwd, it replaces all of cwd but that prefix (which is the point here).
        #[allow(clippy::join_absolute_paths)]
        let rooted = cwd.join("/ci/.npmrc");
        assert_eq!(
            user(&[
                ("HOME", "/home/me"),
                ("npm_config_userconfig", "/ci/.npmrc")
            ])
            .unwrap(),
            rooted
        );
        assert_eq!(user(&[]).unwrap_err().field.as_deref(), Some("writeNpmrc"));
        // A user config inside the project folder is the checkout's: no token goes there.
        let project = cwd.join(format!("tn-exchange-user-{}", std::process::id()));
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join("package.json"), "{}").unwrap();
        let inside = project.join("ci-cache.npmrc");
        let in_checkout = NpmConfig::load(
            &project,
            EnvVars::from_pairs([
                ("HOME", "/home/me"),
                ("npm_config_userconfig", inside.to_str().unwrap()),
            ]),
        );
        let err = NpmrcTarget::User.path(&in_checkout).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("writeNpmrc"));
        assert!(
            err.message.contains("inside the project folder"),
            "{}",
            err.message
        );
        std::fs::remove_dir_all(&project).unwrap();
        let given = PathBuf::from("/somewhere/.npmrc");
        assert_eq!(
            NpmrcTarget::Path(given.clone()).path(&config(&[])).unwrap(),
            given
        );
    }
}
