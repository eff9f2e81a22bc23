//! Where an id_token comes from in each CI, and what to say when it cannot be had.
//!
//! Order: an explicit variable, `NPM_ID_TOKEN` (npm audiences, any provider, as npm does), the
//! `id` package's `<AUDIENCE>_ID_TOKEN` convention (`PYPI_ID_TOKEN`), then the detected CI's own
//! mechanism: GitHub's request URL, Google's metadata server, `buildkite-agent`, the `circleci`
//! CLI. GitLab only has variables, declared with `id_tokens:` in the job.

use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use super::ci::{self, Ci};
use crate::config::EnvVars;
use crate::error::{Code, Error, Result, Secrets};
use crate::registry::innermost;
use crate::registry::wire::{capped_body, in_clear, BodyError, MAX_BODY};

/// How long a CI helper (metadata server, agent CLI) may take to hand out a token.
const SOURCE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the token came from, for messages and for `getIdToken`'s result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Variable(String),
    GithubRequestUrl,
    GoogleMetadata,
    BuildkiteAgent,
    CircleciCli,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Variable(name) => format!("${name}"),
            Source::GithubRequestUrl => "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
            Source::GoogleMetadata => "the Google Cloud metadata server".into(),
            Source::BuildkiteAgent => "buildkite-agent oidc request-token".into(),
            Source::CircleciCli => "circleci run oidc get".into(),
        }
    }
}

/// The `id` package's variable for an audience: uppercased, anything outside `A-Z0-9_` (and a
/// leading digit) replaced by `_`, then `_ID_TOKEN`.
pub fn audience_variable(audience: &str) -> String {
    let mut name: String = audience
        .to_ascii_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.replace_range(..1, "_");
    }
    format!("{name}_ID_TOKEN")
}

/// The variable GitLab and CircleCI users are told to set for this audience.
fn variable_for(audience: &str) -> String {
    if audience.starts_with("npm:") {
        "NPM_ID_TOKEN".into()
    } else {
        audience_variable(audience)
    }
}

pub async fn fetch(
    audience: &str,
    variable: Option<&str>,
    env: &EnvVars,
    http: &reqwest::Client,
) -> Result<(String, Source)> {
    if let Some(name) = variable {
        return env
            .non_empty(name)
            .map(|t| (t, Source::Variable(name.into())))
            .ok_or_else(|| {
                Error::new(
                    Code::OidcPermission,
                    format!("The variable {name} is not set or empty."),
                )
            });
    }
    let mut candidates = vec![audience_variable(audience)];
    if audience.starts_with("npm:") {
        candidates.insert(0, "NPM_ID_TOKEN".into());
    }
    for name in candidates {
        if let Some(token) = env.non_empty(&name) {
            return Ok((token, Source::Variable(name)));
        }
    }
    match ci::detect(env) {
        Some(Ci::GithubActions) => github(audience, env, http)
            .await
            .map(|t| (t, Source::GithubRequestUrl)),
        Some(Ci::GoogleCloud) => google(audience, env, http)
            .await
            .map(|t| (t, Source::GoogleMetadata)),
        Some(Ci::Buildkite) => command(
            Ci::Buildkite,
            "buildkite-agent",
            &["oidc", "request-token", "--audience", audience],
            env,
            "Run the step on a Buildkite agent with OIDC enabled.".into(),
        )
        .await
        .map(|t| (t, Source::BuildkiteAgent)),
        Some(Ci::Circleci) => {
            let claims = serde_json::json!({ "aud": audience }).to_string();
            command(
                Ci::Circleci,
                "circleci",
                &["run", "oidc", "get", "--claims", &claims],
                env,
                format!(
                    "Set {} in the job: `export {}=$(circleci run oidc get --claims '{claims}')`. \
                     CircleCI's own $CIRCLE_OIDC_TOKEN will not do: its audience is your \
                     organization id, which the registry refuses.",
                    variable_for(audience),
                    variable_for(audience)
                ),
            )
            .await
            .map(|t| (t, Source::CircleciCli))
        }
        Some(Ci::Gitlab) => {
            let name = variable_for(audience);
            Err(Error::new(
                Code::OidcPermission,
                format!(
                    "GitLab CI/CD gives id_tokens only to jobs that declare them. Add to the job:\n  \
                     id_tokens:\n    {name}:\n      aud: \"{audience}\""
                ),
            ))
        }
        None => Err(Error::new(
            Code::OidcNotCi,
            format!(
                "No OIDC provider here: this is not GitHub Actions, GitLab CI/CD, CircleCI, \
                 Buildkite or Google Cloud, and {} is not set. Trusted publishing works from CI; \
                 locally, publish with a token.",
                variable_for(audience)
            ),
        )),
    }
}

/// GitHub's protocol: GET the request URL with `audience` appended, bearer the request token,
/// answer `{ "value": jwt }`. The variables exist only with `permissions: id-token: write`.
/// The fork a `pull_request` run comes from (`owner/repo`), read from the event payload: such
/// runs get no id_token at all, which looks like a missing `id-token: write`.
fn pull_request_from_fork(env: &EnvVars) -> Option<String> {
    if env.non_empty("GITHUB_EVENT_NAME")? != "pull_request" {
        return None;
    }
    let path = env.non_empty("GITHUB_EVENT_PATH")?;
    // An event payload is the runner's, but no file is read without bound.
    let text = crate::read::bytes(std::path::Path::new(&path), 8 << 20).ok()?;
    let event: Value = serde_json::from_slice(&text).ok()?;
    let name = |repo: &Value| {
        repo.get("full_name")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let pull = event.get("pull_request")?;
    let head = name(pull.get("head")?.get("repo")?)?;
    let base =
        name(pull.get("base")?.get("repo")?).or_else(|| env.non_empty("GITHUB_REPOSITORY"))?;
    (!head.eq_ignore_ascii_case(&base)).then_some(head)
}

async fn github(audience: &str, env: &EnvVars, http: &reqwest::Client) -> Result<String> {
    let (Some(url), Some(request_token)) = (
        env.non_empty("ACTIONS_ID_TOKEN_REQUEST_URL"),
        env.non_empty("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ) else {
        if let Some(fork) = pull_request_from_fork(env) {
            return Err(Error::new(
                Code::OidcPermission,
                format!(
                    "This job runs for a pull request from the fork {fork}: GitHub gives such jobs \
                     no id_token, whatever their permissions say (ACTIONS_ID_TOKEN_REQUEST_URL is \
                     unset). Publish from a push, release or workflow_dispatch run of the \
                     repository itself, and skip publishing in pull requests."
                ),
            ));
        }
        return Err(Error::new(
            Code::OidcPermission,
            "GitHub Actions did not give this job an id_token: the workflow lacks \
             `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are unset). Add it \
             to the publishing job, or to the workflow:\n  permissions:\n    id-token: write\n    \
             contents: read",
        ));
    };
    let mut url = Url::parse(&url).map_err(|e| {
        Error::new(
            Code::OidcProvider,
            format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}"),
        )
    })?;
    // The request token would let anyone who reads it mint id_tokens as this job.
    if in_clear(&url) {
        return Err(Error::new(
            Code::Insecure,
            format!(
                "Refusing to send ACTIONS_ID_TOKEN_REQUEST_TOKEN to {} over plain http: anyone on \
                 the network could read it and get id_tokens as this job. GitHub's \
                 ACTIONS_ID_TOKEN_REQUEST_URL is https; check what set it to this value.",
                url.origin().ascii_serialization()
            ),
        ));
    }
    url.query_pairs_mut().append_pair("audience", audience);
    let answer = get(
        http,
        url,
        &[
            ("authorization", format!("Bearer {request_token}")),
            ("accept", "application/json".into()),
        ],
        Ci::GithubActions,
    )
    .await?;
    serde_json::from_str::<Value>(&answer)
        .ok()
        .and_then(|v| v.get("value").and_then(Value::as_str).map(str::to_string))
        .ok_or_else(|| {
            Error::new(
                Code::OidcProvider,
                "GitHub's id_token endpoint answered without a `value`.",
            )
        })
}

/// Google's metadata server: the instance's service account identity, `format=full`.
async fn google(audience: &str, env: &EnvVars, http: &reqwest::Client) -> Result<String> {
    let host = ci::metadata_host(env);
    let mut url = Url::parse(&format!(
        "http://{host}/computeMetadata/v1/instance/service-accounts/default/identity"
    ))
    .map_err(|e| Error::new(Code::OidcProvider, format!("Bad metadata host {host}: {e}")))?;
    url.query_pairs_mut()
        .append_pair("audience", audience)
        .append_pair("format", "full");
    let token = get(
        http,
        url,
        &[("metadata-flavor", "Google".into())],
        Ci::GoogleCloud,
    )
    .await?;
    Ok(token.trim().to_string())
}

async fn get(
    http: &reqwest::Client,
    url: Url,
    headers: &[(&str, String)],
    ci: Ci,
) -> Result<String> {
    crate::activity::set(format!("{} to hand out an id_token", ci.name()));
    let mut request = http.get(url).timeout(SOURCE_TIMEOUT);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let unreachable = |e: reqwest::Error| {
        let code = if e.is_timeout() {
            Code::Timeout
        } else {
            Code::OidcProvider
        };
        Error::new(
            code,
            format!(
                "{} did not hand out an id_token: {}",
                ci.name(),
                innermost(&e)
            ),
        )
    };
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let text = match capped_body(response).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(BodyError::Transport(e)) => return Err(unreachable(e)),
        Err(BodyError::TooLarge) => {
            return Err(Error::new(
                Code::OidcProvider,
                format!(
                "{} answered more than {} MiB instead of an id_token; trust-native reads no more.",
                ci.name(),
                MAX_BODY >> 20
            ),
            ))
        }
    };
    if !status.is_success() {
        let hint = if status.as_u16() == 403 && ci == Ci::GithubActions {
            " The job may lack `permissions: id-token: write`."
        } else {
            ""
        };
        return Err(Error::new(
            Code::OidcProvider,
            format!(
                "{} refused to issue an id_token ({status}).{hint}",
                ci.name()
            ),
        ));
    }
    Ok(text)
}

/// Runs a CI agent's CLI that prints an id_token.
async fn command(
    ci: Ci,
    program: &str,
    args: &[&str],
    env: &EnvVars,
    advice: String,
) -> Result<String> {
    let Some(path) = env.which(program) else {
        return Err(Error::new(
            Code::OidcPermission,
            format!(
                "{}: `{program}` is not on PATH, so no id_token can be requested. {advice}",
                ci.name()
            ),
        ));
    };
    let run = tokio::process::Command::new(path)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    crate::activity::set(format!("`{program}` to hand out an id_token"));
    let output = tokio::time::timeout(SOURCE_TIMEOUT, run)
        .await
        .map_err(|_| {
            Error::new(
                Code::Timeout,
                format!(
                    "`{program}` did not answer within {} s",
                    SOURCE_TIMEOUT.as_secs()
                ),
            )
        })?
        .map_err(|e| {
            Error::new(
                Code::OidcProvider,
                format!("Could not run `{program}`: {e}"),
            )
        })?;
    let token = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || token.is_empty() {
        // stderr is the agent's own words; a token it printed on stdout before failing is
        // masked there all the same.
        let mut printed = Secrets::default();
        printed.add(&token);
        let said = printed.excerpt(&String::from_utf8_lossy(&output.stderr), 300);
        return Err(Error::new(
            Code::OidcProvider,
            format!("`{program}` failed ({}): {said}. {advice}", output.status),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_variables_follow_the_id_package() {
        assert_eq!(audience_variable("pypi"), "PYPI_ID_TOKEN");
        assert_eq!(audience_variable("sigstore"), "SIGSTORE_ID_TOKEN");
        assert_eq!(
            audience_variable("http://test.audience"),
            "HTTP___TEST_AUDIENCE_ID_TOKEN"
        );
        assert_eq!(audience_variable("1abc"), "_ABC_ID_TOKEN");
        assert_eq!(variable_for("npm:registry.npmjs.org"), "NPM_ID_TOKEN");
    }

    #[tokio::test]
    async fn explains_each_missing_source() {
        let http = crate::registry::Context::default().http.plain().unwrap();
        let env = |pairs: &[(&str, &str)]| EnvVars::from_pairs(pairs.iter().copied());
        let aud = "npm:registry.npmjs.org";
        let e = fetch(aud, None, &env(&[]), &http).await.unwrap_err();
        assert_eq!(e.code, Code::OidcNotCi);
        let e = fetch(aud, None, &env(&[("GITHUB_ACTIONS", "true")]), &http)
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::OidcPermission);
        assert!(e.message.contains("id-token: write"));
        let e = fetch(aud, None, &env(&[("GITLAB_CI", "true")]), &http)
            .await
            .unwrap_err();
        assert!(e.message.contains("id_tokens:") && e.message.contains("NPM_ID_TOKEN"));
        let e = fetch("pypi", None, &env(&[("GITLAB_CI", "true")]), &http)
            .await
            .unwrap_err();
        assert!(e.message.contains("PYPI_ID_TOKEN"));
        let e = fetch(
            aud,
            None,
            &env(&[("CIRCLECI", "true"), ("PATH", "/nonexistent")]),
            &http,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, Code::OidcPermission);
        assert!(e.message.contains("CIRCLE_OIDC_TOKEN"));
        let (token, source) = fetch(
            aud,
            None,
            &env(&[("NPM_ID_TOKEN", "a.b.c"), ("GITHUB_ACTIONS", "true")]),
            &http,
        )
        .await
        .unwrap();
        assert_eq!(
            (token.as_str(), source),
            ("a.b.c", Source::Variable("NPM_ID_TOKEN".into()))
        );
    }

    /// Windows names the variable `Path`: the agent's CLI is found on it all the same.
    #[cfg(unix)]
    #[tokio::test]
    async fn finds_the_agent_cli_on_a_path_named_otherwise() {
        use std::os::unix::fs::PermissionsExt;
        let http = crate::context::Context::default().http.plain().unwrap();
        let dir = std::env::temp_dir().join(format!("tn-sources-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cli = dir.join("buildkite-agent");
        std::fs::write(&cli, "#!/bin/sh\necho a.b.c\n").unwrap();
        std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.to_str().unwrap();
        let env = EnvVars::from_pairs([("BUILDKITE", "true"), ("Path", path)]);
        let (token, source) = fetch("npm:registry.npmjs.org", None, &env.windows(true), &http)
            .await
            .unwrap();
        assert_eq!((token.as_str(), source), ("a.b.c", Source::BuildkiteAgent));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
