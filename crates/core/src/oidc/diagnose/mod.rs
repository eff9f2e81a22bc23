//! Why an exchange fails: an id_token's claims compared with trusted-publisher configurations,
//! each difference named in words a user acts on.
//!
//! npm's registry answers every mismatch with the same 404 ("package not found"), so this is
//! where the reason comes from. For npm the provider tables say where each configured value lives
//! in the token (a field's claim path; `{ file }` objects match the file of a ref); PyPI's
//! publishers have their own rules (`job_workflow_ref`, case-insensitive environments).

mod explain;
mod npm;
mod pypi;
mod token;

use serde::Serialize;
use serde_json::Value;

use super::jwt::{self, Jwt};
use crate::provider::{self, OptionValue, Publisher};
use npm::npm_mismatches;
use pypi::{pypi_mismatches, pypi_only_issuer};

pub use explain::{explain_exchange_failure, Explanation, Failure};
pub use pypi::PypiPublisher;
pub use token::{configure_args, describe_token, ref_file, required_configuration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the exchange (or the publish) fail.
    Error,
    /// Worth knowing; may fail depending on the registry.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The configuration it is about; absent for findings about the token itself.
    pub publisher: Option<String>,
    /// `provider`, a field (`repository`, `file`, `environment`, `project`, `orgId`, ...),
    /// `audience`, `expired`, `permission`, `runner`, `issuer`, `none`.
    pub kind: String,
    pub severity: Severity,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// A configuration matches and nothing about the token stops the exchange.
    pub ok: bool,
    /// The matching configuration (its id, or for PyPI its index in the list).
    pub matched: Option<String>,
    /// When none matches: the configuration closest to the token, the one whose differences the
    /// findings name (a package may have several publishers; the others' are left out).
    pub closest: Option<String>,
    /// The CI provider the token is from (`github`, `gitlab`, `circleci`, `google`, ...).
    pub provider: Option<String>,
    pub findings: Vec<Finding>,
    /// The npm configuration this token would match, as `add*Publisher` options.
    pub suggestion: Option<Value>,
}

/// What the caller wants to do with the token.
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    /// The audience the registry expects (`npm:registry.npmjs.org`, `pypi`); unchecked if absent.
    pub audience: Option<String>,
    /// The permission the publish needs (`createPackage` for `npm publish`).
    pub permission: Option<String>,
    pub now: Option<i64>,
}

/// Either registry's configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyPublisher {
    Npm(Publisher),
    Pypi(PypiPublisher),
}

/// The provider a token is from, by its issuer: npm's providers by their table, then the
/// issuers only PyPI trusts.
pub fn token_provider(claims: &Value) -> Option<&'static str> {
    provider::by_token(claims)
        .map(|p| p.kind)
        .or_else(|| pypi_only_issuer(claims))
}

fn finding(
    publisher: Option<&str>,
    kind: &str,
    severity: Severity,
    expected: Option<String>,
    actual: Option<String>,
    message: String,
) -> Finding {
    Finding {
        publisher: publisher.map(str::to_string),
        kind: kind.into(),
        severity,
        expected,
        actual,
        message,
    }
}

fn case_note(expected: &str, actual: &str) -> &'static str {
    if expected.eq_ignore_ascii_case(actual) {
        " They differ only in letter case, and the registry compares exactly."
    } else if expected.trim_end_matches(".yaml").trim_end_matches(".yml")
        == actual.trim_end_matches(".yaml").trim_end_matches(".yml")
    {
        " Note .yml vs .yaml."
    } else {
        ""
    }
}

fn value_text(value: &OptionValue) -> String {
    match value {
        OptionValue::Text(t) => t.clone(),
        OptionValue::List(l) => l.join(", "),
    }
}

/// Things about the token itself that stop the registry from accepting it.
/// What is wrong with the token whatever the configuration says (a self-hosted runner, an
/// issuer the registry does not accept, ...): the errors among its findings, as sentences.
pub fn token_problems(claims: &Value) -> Vec<String> {
    token_findings(claims, &Expectation::default())
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message)
        .collect()
}

fn token_findings(claims: &Value, expectation: &Expectation) -> Vec<Finding> {
    let mut out = Vec::new();
    let jwt = Jwt {
        header: Value::Null,
        claims: claims.clone(),
    };
    let now = expectation.now.unwrap_or_else(jwt::now);
    if let Some(audience) = &expectation.audience {
        let audiences = jwt.audiences();
        if !audiences.contains(audience) {
            out.push(finding(
                None,
                "audience",
                Severity::Error,
                Some(audience.clone()),
                Some(audiences.join(", ")),
                format!(
                    "The token's audience is {} but the registry expects {audience}.",
                    if audiences.is_empty() {
                        "missing".to_string()
                    } else {
                        audiences.join(", ")
                    }
                ),
            ));
        }
    }
    if let Some(exp) = jwt.expires_at().filter(|exp| *exp <= now) {
        out.push(finding(
            None,
            "expired",
            Severity::Error,
            None,
            Some(exp.to_string()),
            format!(
                "The token expired {} s ago; request a fresh one right before the exchange.",
                now - exp
            ),
        ));
    }
    let iss = jwt.issuer().unwrap_or_default();
    match token_provider(claims) {
        Some("github") if jwt.claim("runner_environment") == Some("self-hosted") => out.push(finding(None, "runner", Severity::Error, Some("github-hosted".into()), Some("self-hosted".into()),
            "The job runs on a self-hosted runner; the npm registry accepts only GitHub-hosted runners for trusted publishing.".into())),
        Some("github") if iss != "https://token.actions.githubusercontent.com" => out.push(finding(None, "issuer", Severity::Warning, Some("https://token.actions.githubusercontent.com".into()), Some(iss.into()),
            format!("The token's issuer is enterprise-specific ({iss}); the registry may not accept it."))),
        Some("gitlab") if iss != "https://gitlab.com" => out.push(finding(None, "issuer", Severity::Error, Some("https://gitlab.com".into()), Some(iss.into()),
            format!("The token is from a self-managed GitLab ({iss}); only gitlab.com is accepted for trusted publishing."))),
        Some("circleci") if claims.get("oidc.circleci.com/ssh-rerun") == Some(&Value::Bool(true)) => out.push(finding(None, "runner", Severity::Error, None, Some("ssh-rerun".into()),
            "The job is a CircleCI SSH re-run, whose tokens are not trusted for publishing; re-run without SSH.".into())),
        _ => {}
    }
    out
}

/// Compares a token's claims with configurations (npm's or PyPI's).
pub fn diagnose(
    claims: &Value,
    publishers: &[AnyPublisher],
    expectation: &Expectation,
) -> Diagnosis {
    let mut findings = token_findings(claims, expectation);
    // The runner rules (GitHub-hosted only, no SSH re-runs) are the npm registry's; PyPI
    // accepts tokens from self-hosted runners.
    let for_pypi = expectation.audience.as_deref().map_or(
        !publishers.is_empty()
            && publishers
                .iter()
                .all(|p| matches!(p, AnyPublisher::Pypi(_))),
        |a| !a.starts_with("npm:"),
    );
    if for_pypi {
        findings.retain(|f| f.kind != "runner");
    }
    let blocked = findings.iter().any(|f| f.severity == Severity::Error);
    // Every configuration compared: the token passes when one of them matches.
    let compared: Vec<(String, Vec<Finding>)> = publishers
        .iter()
        .enumerate()
        .map(|(index, publisher)| match publisher {
            AnyPublisher::Npm(p) => (p.id.clone(), npm_mismatches(p, claims, expectation)),
            AnyPublisher::Pypi(p) => (index.to_string(), pypi_mismatches(index, p, claims)),
        })
        .collect();
    let errors = |mismatches: &[Finding]| {
        mismatches
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    };
    let matched = compared
        .iter()
        .find(|(_, mismatches)| errors(mismatches) == 0)
        .map(|(id, _)| id.clone());
    // None matches: the closest one (the token's provider, then the job's own workflow, then
    // the fewest differences), explained claim by claim; the others are only named.
    let closest = match matched {
        Some(_) => None,
        None => compared
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, mismatches))| {
                let other_provider = mismatches.iter().any(|f| f.kind == "provider");
                let other_workflow = mismatches
                    .iter()
                    .any(|f| IDENTITY.contains(&f.kind.as_str()));
                (other_provider, other_workflow, errors(mismatches))
            }),
    };
    let shown = matched.as_ref().or(closest.map(|(_, (id, _))| id));
    for (id, mismatches) in &compared {
        if Some(id) == shown {
            findings.extend(mismatches.iter().cloned());
        }
    }
    if let (Some((index, _)), true) = (closest, publishers.len() > 1) {
        findings.push(finding(
            None,
            "publishers",
            Severity::Error,
            None,
            None,
            others_note(publishers, index),
        ));
    }
    if publishers.is_empty() {
        findings.push(finding(
            None,
            "none",
            Severity::Error,
            None,
            None,
            format!(
                "The package has no trusted publisher. For this token it needs one for {}.",
                describe_token(claims)
            ),
        ));
    }
    let closest = closest.map(|(_, (id, _))| id.clone());
    let suggestion = required_configuration(claims).map(|(provider, values)| {
        let mut options = serde_json::to_value(&values).unwrap_or(Value::Null);
        options["type"] = Value::String(provider.kind.into());
        options
    });
    Diagnosis {
        ok: matched.is_some() && !blocked,
        matched,
        closest,
        provider: token_provider(claims).map(str::to_string),
        findings,
        suggestion,
    }
}

/// The kinds of finding that say a configuration is another workflow or pipeline than the
/// job's (the providers' [`Provider::identity`] options, and PyPI's `workflow`).
const IDENTITY: [&str; 4] = ["file", "projectId", "pipelineDefinitionId", "workflow"];

/// "None of the package's 2 trusted publishers matches this token. The differences named are
/// those of the closest, ... The others: ...": which configurations exist, each named once, when
/// the findings explain only the closest.
fn others_note(publishers: &[AnyPublisher], closest: usize) -> String {
    let others: Vec<String> = publishers
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != closest)
        .map(|(_, p)| describe_publisher(p))
        .collect();
    format!(
        "None of the package's {} trusted publishers matches this token. The differences named \
         are those of the closest, {}. The others: {}.",
        publishers.len(),
        describe_publisher(&publishers[closest]),
        others.join("; ")
    )
}

/// "the GitHub Actions publisher 3e4b... (repository acme/mono, file release.yml)": a
/// configuration in a message, its values in one pair of parentheses.
fn describe_publisher(publisher: &AnyPublisher) -> String {
    match publisher {
        AnyPublisher::Npm(p) => {
            let name = provider::by_kind(&p.kind).map_or(p.kind.as_str(), |provider| provider.name);
            let options: Vec<String> = p
                .options
                .0
                .iter()
                .map(|(option, value)| format!("{option} {}", value_text(value)))
                .collect();
            format!("the {name} publisher {} ({})", p.id, options.join(", "))
        }
        AnyPublisher::Pypi(p) => {
            let fields = serde_json::to_value(p).unwrap_or(Value::Null);
            let kind = fields.get("type").and_then(Value::as_str).unwrap_or("pypi");
            let parts: Vec<String> = fields
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, value)| *key != "type" && !value.is_null())
                .map(|(key, value)| format!("{key} {}", value.as_str().unwrap_or_default()))
                .collect();
            format!("the {kind} publisher ({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{CREATE_PACKAGE, CREATE_STAGED_PACKAGE};
    use serde_json::json;

    fn github_claims() -> Value {
        json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "npm:registry.npmjs.org",
            "exp": jwt::now() + 300,
            "repository": "acme/widgets",
            "workflow_ref": "acme/widgets/.github/workflows/release.yml@refs/heads/main",
            "job_workflow_ref": "acme/shared/.github/workflows/publish.yml@refs/heads/main",
            "runner_environment": "github-hosted",
        })
    }

    fn npm(kind: &str, claims: Value, permissions: &[&str]) -> AnyPublisher {
        let body =
            json!({"id": "cfg-1", "type": kind, "claims": claims, "permissions": permissions});
        AnyPublisher::Npm(Publisher::from_registry(&body).unwrap())
    }

    fn expect_publish() -> Expectation {
        Expectation {
            audience: Some("npm:registry.npmjs.org".into()),
            permission: Some(CREATE_PACKAGE.into()),
            now: None,
        }
    }

    #[test]
    fn configure_args_are_npm_trust_arguments_a_shell_keeps_whole() {
        let mut claims = github_claims();
        claims["environment"] = json!("prod eu");
        assert_eq!(
            configure_args(&claims, "@acme/widgets").as_deref(),
            Some("github @acme/widgets --repository acme/widgets --file release.yml --environment 'prod eu'")
        );
        claims["environment"] = json!("it's");
        assert!(configure_args(&claims, "w")
            .unwrap()
            .ends_with(r#"--environment 'it'\''s'"#));
        assert_eq!(
            configure_args(&json!({"iss": "https://example.com"}), "w"),
            None
        );
    }

    fn kinds(d: &Diagnosis) -> Vec<&str> {
        d.findings.iter().map(|f| f.kind.as_str()).collect()
    }

    #[test]
    fn a_matching_configuration_is_ok_and_named() {
        let p = npm(
            "github",
            json!({"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}}),
            &["createPackage"],
        );
        let d = diagnose(&github_claims(), &[p], &expect_publish());
        assert!(d.ok, "{d:?}");
        assert_eq!(d.matched.as_deref(), Some("cfg-1"));
        assert_eq!(d.suggestion.unwrap()["repository"], "acme/widgets");
    }

    #[test]
    fn several_publishers_pass_when_one_matches_else_the_closest_is_explained() {
        let with_id = |id: &str, publisher: AnyPublisher| match publisher {
            AnyPublisher::Npm(mut p) => {
                p.id = id.into();
                AnyPublisher::Npm(p)
            }
            other => other,
        };
        let github = |file: &str, environment: Option<&str>| {
            let mut claims = json!({"repository": "acme/widgets", "workflow_ref": {"file": file}});
            if let Some(environment) = environment {
                claims["environment"] = json!(environment);
            }
            npm("github", claims, &["createPackage"])
        };
        let gitlab = npm(
            "gitlab",
            json!({"project_path": "acme/widgets", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}}),
            &["createPackage"],
        );
        let release = with_id("release", github("release.yml", None));
        let nightly = with_id("nightly", github("nightly.yml", None));
        let mirror = with_id("mirror", gitlab);

        // The second one matches: ok, and the others' differences do not matter.
        let d = diagnose(
            &github_claims(),
            &[nightly.clone(), release.clone(), mirror.clone()],
            &expect_publish(),
        );
        assert!(d.ok, "{d:?}");
        assert_eq!(d.matched.as_deref(), Some("release"));
        assert_eq!((d.closest, d.findings), (None, vec![]));

        // None matches: the closest (same workflow, another environment) is explained claim
        // by claim; the others are named.
        let release_in_npm = with_id("release", github("release.yml", Some("npm")));
        let d = diagnose(
            &github_claims(),
            &[mirror, nightly, release_in_npm],
            &expect_publish(),
        );
        assert!(!d.ok);
        assert_eq!(d.closest.as_deref(), Some("release"));
        assert_eq!(kinds(&d), vec!["environment", "publishers"]);
        assert_eq!(d.findings[0].publisher.as_deref(), Some("release"));
        let note = &d.findings[1].message;
        // Each one named once, by its id, its values in one pair of parentheses.
        assert_eq!(
            note,
            "None of the package's 3 trusted publishers matches this token. The differences named \
             are those of the closest, the GitHub Actions publisher release (repository \
             acme/widgets, file release.yml, environment npm). The others: the GitLab CI/CD \
             publisher mirror (project acme/widgets, file .gitlab-ci.yml); the GitHub Actions \
             publisher nightly (repository acme/widgets, file nightly.yml)."
        );
    }

    #[test]
    fn every_publisher_may_stage_on_registry_npmjs_org_only() {
        let publish_only = npm(
            "github",
            json!({"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}}),
            &["createPackage"],
        );
        let staging = |audience: &str| Expectation {
            audience: Some(audience.into()),
            permission: Some(CREATE_STAGED_PACKAGE.into()),
            now: None,
        };
        let mut claims = github_claims();
        assert!(
            diagnose(
                &claims,
                std::slice::from_ref(&publish_only),
                &staging("npm:registry.npmjs.org")
            )
            .ok
        );
        claims["aud"] = json!("npm:npm.example.com");
        let elsewhere = diagnose(&claims, &[publish_only], &staging("npm:npm.example.com"));
        assert_eq!(kinds(&elsewhere), vec!["permission"]);
    }

    #[test]
    fn names_each_mismatch() {
        let cases = [
            (
                json!({"repository": "acme/Widgets", "workflow_ref": {"file": "release.yml"}}),
                "repository",
                "letter case",
            ),
            (
                json!({"repository": "acme/widgets", "workflow_ref": {"file": "release.yaml"}}),
                "file",
                ".yml vs .yaml",
            ),
            (
                json!({"repository": "acme/widgets", "workflow_ref": {"file": "publish.yml"}}),
                "file",
                "reusable workflow",
            ),
            (
                json!({"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}, "environment": "npm"}),
                "environment",
                "runs without one",
            ),
        ];
        for (config, kind, words) in cases {
            let d = diagnose(
                &github_claims(),
                &[npm("github", config, &["createPackage"])],
                &expect_publish(),
            );
            assert!(!d.ok);
            assert_eq!(kinds(&d), vec![kind]);
            assert!(
                d.findings[0].message.contains(words),
                "{}",
                d.findings[0].message
            );
        }
    }

    #[test]
    fn token_level_problems() {
        let p = npm(
            "github",
            json!({"repository": "acme/widgets", "workflow_ref": {"file": "release.yml"}}),
            &["createStagedPackage"],
        );
        let mut claims = github_claims();
        claims["exp"] = json!(jwt::now() - 600);
        claims["aud"] = json!("npm:other.example");
        claims["runner_environment"] = json!("self-hosted");
        let d = diagnose(&claims, &[p], &expect_publish());
        assert_eq!(
            kinds(&d),
            vec!["audience", "expired", "runner", "permission"]
        );
        assert!(!d.ok);
    }

    #[test]
    fn provider_mismatch_and_no_configuration() {
        let gitlab = npm(
            "gitlab",
            json!({"project_path": "acme/widgets", "ci_config_ref_uri": {"file": ".gitlab-ci.yml"}}),
            &["createPackage"],
        );
        let d = diagnose(&github_claims(), &[gitlab], &expect_publish());
        assert_eq!(kinds(&d), vec!["provider"]);
        let d = diagnose(&github_claims(), &[], &expect_publish());
        assert_eq!(kinds(&d), vec!["none"]);
        assert!(d.findings[0]
            .message
            .contains("repository acme/widgets, file release.yml, environment (none)"));
    }

    #[test]
    fn circleci_context_ids_must_all_be_present() {
        let claims = json!({
            "iss": "https://oidc.circleci.com/org/o", "oidc.circleci.com/org-id": "o", "oidc.circleci.com/project-id": "p",
            "oidc.circleci.com/pipeline-definition-id": "d", "oidc.circleci.com/vcs-origin": "github.com/a/b",
            "oidc.circleci.com/context-ids": ["c1"],
        });
        let base = json!({"oidc.circleci.com/org-id": "o", "oidc.circleci.com/project-id": "p", "oidc.circleci.com/pipeline-definition-id": "d", "oidc.circleci.com/vcs-origin": "github.com/a/b"});
        assert!(
            diagnose(
                &claims,
                &[npm("circleci", base.clone(), &["createPackage"])],
                &Expectation::default()
            )
            .ok
        );
        let mut with_contexts = base;
        with_contexts["oidc.circleci.com/context-ids"] = json!(["c1", "c2"]);
        let d = diagnose(
            &claims,
            &[npm("circleci", with_contexts, &["createPackage"])],
            &Expectation::default(),
        );
        assert_eq!(kinds(&d), vec!["contextIds"]);
    }

    #[test]
    fn pypi_rules_use_job_workflow_ref_and_case_insensitive_environment() {
        let mut claims = github_claims();
        claims["environment"] = json!("PyPI");
        // The job runs release.yml's call of publish.yml, in the same repository.
        claims["job_workflow_ref"] =
            json!("acme/widgets/.github/workflows/publish.yml@refs/heads/main");
        let ok = PypiPublisher::Github {
            repository: "ACME/widgets".into(),
            workflow: "publish.yml".into(),
            environment: Some("pypi".into()),
        };
        assert!(diagnose(&claims, &[AnyPublisher::Pypi(ok)], &Expectation::default()).ok);
        let calling = PypiPublisher::Github {
            repository: "acme/widgets".into(),
            workflow: "release.yml".into(),
            environment: None,
        };
        let d = diagnose(
            &claims,
            &[AnyPublisher::Pypi(calling)],
            &Expectation::default(),
        );
        assert_eq!(kinds(&d), vec!["file"]);
        let google = PypiPublisher::Google {
            email: "a@b.iam.gserviceaccount.com".into(),
            subject: None,
        };
        assert_eq!(
            kinds(&diagnose(
                &claims,
                &[AnyPublisher::Pypi(google)],
                &Expectation::default()
            )),
            vec!["provider"]
        );
    }

    #[test]
    fn pypi_needs_the_job_workflow_in_the_repository_and_at_the_runs_ref() {
        let mut claims = github_claims();
        claims["ref"] = json!("refs/heads/main");
        let publisher = || {
            AnyPublisher::Pypi(PypiPublisher::Github {
                repository: "acme/widgets".into(),
                workflow: "publish.yml".into(),
                environment: None,
            })
        };
        let check = |claims: &Value| {
            kinds(&diagnose(claims, &[publisher()], &Expectation::default()))
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // A reusable workflow from another repository (github_claims: acme/shared).
        assert_eq!(check(&claims), vec!["repository"]);
        // Pinned to another ref than the run's.
        claims["job_workflow_ref"] =
            json!("acme/widgets/.github/workflows/publish.yml@refs/tags/v1");
        assert_eq!(check(&claims), vec!["ref"]);
        claims["job_workflow_ref"] =
            json!("acme/widgets/.github/workflows/publish.yml@refs/heads/main");
        assert!(check(&claims).is_empty());
        // PyPI accepts self-hosted runners; the npm registry does not.
        claims["runner_environment"] = json!("self-hosted");
        assert!(check(&claims).is_empty());
        let npm_only = diagnose(&claims, &[], &Expectation::default());
        assert!(kinds(&npm_only).contains(&"runner"));
    }

    #[test]
    fn ref_files() {
        assert_eq!(
            ref_file("o/r/.github/workflows/a.yml@refs/heads/main"),
            "a.yml"
        );
        assert_eq!(
            ref_file("gitlab.com/g/p//.gitlab-ci.yml@refs/tags/v1"),
            ".gitlab-ci.yml"
        );
        assert_eq!(ref_file("no-at-sign.yml"), "no-at-sign.yml");
    }
}
