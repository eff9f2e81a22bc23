//! Why an exchange fails: an id_token's claims compared with trusted-publisher configurations,
//! each difference named in words a user acts on.
//!
//! npm's registry answers every mismatch with the same 404 ("package not found"), so this is
//! where the reason comes from. For npm the provider tables say where each configured value lives
//! in the token (a field's claim path; `{ file }` objects match the file of a ref); PyPI's
//! publishers have their own rules (`job_workflow_ref`, case-insensitive environments).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::jwt::{self, Jwt};
use crate::trust::provider::{Claim, Field, Provider};
use crate::trust::{self, OptionValue, Publisher, Values, CREATE_PACKAGE, CREATE_STAGED_PACKAGE};

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

/// A PyPI trusted publisher (the four kinds PyPI offers).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum PypiPublisher {
    /// `repository` is `owner/repo`; `workflow` the file name in .github/workflows.
    Github {
        repository: String,
        workflow: String,
        environment: Option<String>,
    },
    /// `project` is `namespace/project`; `workflow` the top-level pipeline path.
    Gitlab {
        project: String,
        workflow: String,
        environment: Option<String>,
    },
    /// A service account; `subject` pins its numeric id.
    Google {
        email: String,
        subject: Option<String>,
    },
    Activestate {
        organization: String,
        project: String,
        actor: String,
    },
}

/// Either registry's configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyPublisher {
    Npm(Publisher),
    Pypi(PypiPublisher),
}

/// The provider a token is from, by its issuer.
pub fn token_provider(claims: &Value) -> Option<&'static str> {
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if iss.starts_with("https://token.actions.githubusercontent.com") {
        Some("github")
    } else if iss.starts_with("https://oidc.circleci.com/") {
        Some("circleci")
    } else if iss == "https://accounts.google.com" {
        Some("google")
    } else if iss.contains("activestate.com") {
        Some("activestate")
    } else if claims.get("project_path").is_some() && claims.get("ci_config_ref_uri").is_some() {
        Some("gitlab")
    } else {
        None
    }
}

/// The file part of a ref URI: `o/r/.github/workflows/release.yml@refs/heads/main` and
/// `gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main` both give the file name.
pub fn ref_file(reference: &str) -> &str {
    let path = reference.rsplit_once('@').map_or(reference, |(p, _)| p);
    path.rsplit('/').next().unwrap_or(path)
}

/// The value a token has for a provider field, read at the field's claim path.
fn token_value(field: &Field, claims: &Value) -> Option<OptionValue> {
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
    let provider = trust::provider(token_provider(claims)?)?;
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

/// Differences between one npm configuration and the token.
fn npm_mismatches(
    publisher: &Publisher,
    claims: &Value,
    expectation: &Expectation,
) -> Vec<Finding> {
    let id = Some(publisher.id.as_str());
    let token_kind = token_provider(claims);
    let Some(provider) = trust::provider(&publisher.kind) else {
        return vec![finding(
            id,
            "provider",
            Severity::Error,
            Some(publisher.kind.clone()),
            token_kind.map(str::to_string),
            format!(
                "Configuration {} is for \"{}\", a provider trust-native cannot compare.",
                publisher.id, publisher.kind
            ),
        )];
    };
    if token_kind != Some(provider.kind) {
        return vec![finding(
            id,
            "provider",
            Severity::Error,
            Some(provider.kind.into()),
            token_kind.map(str::to_string),
            format!(
                "Configuration {} trusts {}, but the token is from {}.",
                publisher.id,
                provider.name,
                token_kind
                    .and_then(trust::provider)
                    .map_or("another issuer", |p| p.name)
            ),
        )];
    }
    let mut findings = Vec::new();
    for field in provider.fields {
        let Some(expected) = publisher.options.get(field.option) else {
            // The registry compares the environment both ways: a job in an environment does not
            // match a configuration that names none.
            if field.option == "environment" {
                if let Some(OptionValue::Text(actual)) = token_value(field, claims) {
                    findings.push(finding(id, "environment", Severity::Error, None, Some(actual.clone()), format!(
                        "The job runs in environment \"{actual}\" but configuration {} names no environment, and the registry matches the environment exactly: add environment \"{actual}\" to the configuration, or remove `environment: {actual}` from the publishing job.",
                        publisher.id)));
                }
            }
            continue;
        };
        let actual = token_value(field, claims);
        let message = match (expected, &actual) {
            (OptionValue::Text(e), Some(OptionValue::Text(a))) if e == a => continue,
            (OptionValue::List(e), Some(OptionValue::List(a))) if e.iter().all(|x| a.contains(x)) => continue,
            (OptionValue::Text(e), None) if field.option == "environment" => format!(
                "The configuration requires environment \"{e}\" but the job runs without one: add `environment: {e}` to the publishing job."),
            (OptionValue::Text(e), Some(OptionValue::Text(a))) if field.option == "file" => format!(
                "The token comes from workflow file {a} but the configuration trusts {e}.{}{}", case_note(e, a), reusable_note(claims, e)),
            (OptionValue::Text(e), Some(OptionValue::Text(a))) => format!(
                "The token's {} is {a} but the configuration expects {e}.{}", field.flag, case_note(e, a)),
            (OptionValue::List(e), Some(OptionValue::List(a))) => format!(
                "The configuration requires {} {} but the job has {}.", field.flag, e.join(", "), if a.is_empty() { "none".into() } else { a.join(", ") }),
            (e, _) => format!("The token has no {} claim, which the configuration requires ({}).", field.flag, value_text(e)),
        };
        findings.push(finding(
            id,
            field.option,
            Severity::Error,
            Some(value_text(expected)),
            actual.as_ref().map(value_text),
            message,
        ));
    }
    if findings.is_empty() {
        // registry.npmjs.org lets every trusted publisher stage (since September 2026).
        let stages_anyway = expectation.permission.as_deref() == Some(CREATE_STAGED_PACKAGE)
            && expectation.audience.as_deref() == Some("npm:registry.npmjs.org");
        if let Some(permission) = expectation.permission.as_ref().filter(|_| !stages_anyway) {
            if !publisher.permissions.contains(permission) {
                let needs = if permission == CREATE_PACKAGE {
                    "`npm publish` needs the publish permission (createPackage)"
                } else {
                    "`npm stage publish` needs the stage publish permission (createStagedPackage)"
                };
                findings.push(finding(id, "permission", Severity::Error, Some(permission.clone()), Some(publisher.permissions.join(", ")),
                    format!("Configuration {} matches but grants only {}: {needs}. The registry answers \"OIDC permission denied for this action\".", publisher.id, publisher.permissions.join(", "))));
            }
        }
    }
    findings
}

/// GitHub checks the calling workflow (`workflow_ref`); a reusable workflow's own file is in
/// `job_workflow_ref` and does not count.
fn reusable_note(claims: &Value, expected: &str) -> String {
    let job = claims
        .get("job_workflow_ref")
        .and_then(Value::as_str)
        .map(ref_file);
    match job {
        Some(job) if job == expected => format!(
            " {expected} is the reusable workflow (job_workflow_ref); npm matches the calling workflow (workflow_ref), so trust that file instead."),
        _ => String::new(),
    }
}

fn value_text(value: &OptionValue) -> String {
    match value {
        OptionValue::Text(t) => t.clone(),
        OptionValue::List(l) => l.join(", "),
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// One PyPI comparison: `None` when `actual` satisfies `expected`.
fn pypi_compare(
    id: &str,
    kind: &str,
    expected: &str,
    actual: Option<String>,
    same: fn(&str, &str) -> bool,
    what: &str,
) -> Option<Finding> {
    if actual.as_deref().is_some_and(|a| same(expected, a)) {
        return None;
    }
    let message = match &actual {
        Some(a) => format!("The token's {what} is {a} but the PyPI publisher expects {expected}."),
        None => format!("The token has no {what}; the PyPI publisher expects {expected}."),
    };
    Some(finding(
        Some(id),
        kind,
        Severity::Error,
        Some(expected.into()),
        actual,
        message,
    ))
}

fn exact(a: &str, b: &str) -> bool {
    a == b
}

/// Differences between one PyPI publisher and the token, by PyPI's rules.
/// `owner/repo`, file and ref of a `job_workflow_ref` (`o/r/.github/workflows/f.yml@refs/...`).
fn job_workflow(claims: &Value) -> Option<(&str, &str)> {
    let reference = claims.get("job_workflow_ref")?.as_str()?;
    let (path, at) = reference.rsplit_once('@')?;
    let (repository, _) = path.split_once("/.github/workflows/")?;
    Some((repository, at))
}

/// PyPI matches the workflow that runs the job: a reusable workflow from another repository is
/// not the publisher's repository, whatever the caller is.
fn pypi_job_repository(id: &str, repository: &str, claims: &Value) -> Option<Finding> {
    let (from, _) = job_workflow(claims)?;
    (!eq_ci(from, repository)).then(|| {
        finding(Some(id), "repository", Severity::Error, Some(repository.into()), Some(from.into()), format!(
            "The job runs a reusable workflow from {from}, and PyPI matches the workflow that runs the job (job_workflow_ref), which must be in {repository}: publish from a workflow of {repository}, or configure the publisher for {from}."))
    })
}

/// PyPI checks that the workflow running the job is at the run's own ref (or commit).
fn pypi_job_ref(id: &str, claims: &Value) -> Option<Finding> {
    let (_, at) = job_workflow(claims)?;
    let run_ref = claims.get("ref").and_then(Value::as_str)?;
    let sha = claims.get("sha").and_then(Value::as_str);
    (at != run_ref && Some(at) != sha).then(|| {
        finding(Some(id), "ref", Severity::Error, Some(run_ref.into()), Some(at.into()), format!(
            "The workflow that runs the job is pinned to {at}, but the run is for {run_ref}: PyPI requires the workflow at the run's own ref. Call the reusable workflow at the same ref, or from the same repository with a relative path."))
    })
}

fn pypi_mismatches(index: usize, publisher: &PypiPublisher, claims: &Value) -> Vec<Finding> {
    let id = index.to_string();
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let kind = match publisher {
        PypiPublisher::Github { .. } => "github",
        PypiPublisher::Gitlab { .. } => "gitlab",
        PypiPublisher::Google { .. } => "google",
        PypiPublisher::Activestate { .. } => "activestate",
    };
    let from = token_provider(claims);
    if from != Some(kind) {
        return vec![finding(
            Some(&id),
            "provider",
            Severity::Error,
            Some(kind.into()),
            from.map(str::to_string),
            format!(
                "PyPI publisher {index} trusts {kind}, but the token is from {}.",
                from.unwrap_or("another issuer")
            ),
        )];
    }
    let optional = |expected: &Option<String>, field: &str| {
        expected
            .as_ref()
            .and_then(|e| pypi_compare(&id, field, e, claim(field), eq_ci, field))
    };
    let mut findings: Vec<Option<Finding>> = match publisher {
        PypiPublisher::Github {
            repository,
            workflow,
            environment,
        } => vec![
            pypi_compare(
                &id,
                "repository",
                repository,
                claim("repository"),
                eq_ci,
                "repository",
            ),
            // PyPI matches job_workflow_ref: the workflow that runs the job, reusable or not.
            pypi_compare(
                &id,
                "file",
                workflow,
                claim("job_workflow_ref").map(|r| ref_file(&r).to_string()),
                exact,
                "workflow file (from job_workflow_ref)",
            ),
            optional(environment, "environment"),
            pypi_job_repository(&id, repository, claims),
            pypi_job_ref(&id, claims),
        ],
        PypiPublisher::Gitlab {
            project,
            workflow,
            environment,
        } => {
            let path = claim("ci_config_ref_uri").and_then(|r| {
                let (_, path) = r.split_once("//")?;
                Some(path.rsplit_once('@').map_or(path, |(p, _)| p).to_string())
            });
            vec![
                pypi_compare(
                    &id,
                    "project",
                    project,
                    claim("project_path"),
                    eq_ci,
                    "project",
                ),
                pypi_compare(
                    &id,
                    "file",
                    workflow,
                    path,
                    exact,
                    "pipeline file (from ci_config_ref_uri)",
                ),
                optional(environment, "environment"),
            ]
        }
        PypiPublisher::Google { email, subject } => vec![
            pypi_compare(
                &id,
                "email",
                email,
                claim("email"),
                eq_ci,
                "service account email",
            ),
            (claims.get("email_verified") != Some(&Value::Bool(true))).then(|| {
                finding(
                    Some(&id),
                    "email",
                    Severity::Error,
                    Some("verified".into()),
                    None,
                    "The token's email is not verified (email_verified is not true).".into(),
                )
            }),
            subject
                .as_ref()
                .and_then(|s| pypi_compare(&id, "subject", s, claim("sub"), exact, "subject")),
        ],
        PypiPublisher::Activestate {
            organization,
            project,
            actor,
        } => vec![
            pypi_compare(
                &id,
                "organization",
                organization,
                claim("organization"),
                exact,
                "organization",
            ),
            pypi_compare(&id, "project", project, claim("project"), exact, "project"),
            pypi_compare(&id, "actor", actor, claim("actor"), exact, "actor"),
        ],
    };
    findings.drain(..).flatten().collect()
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
            let name = trust::provider(&p.kind).map_or(p.kind.as_str(), |provider| provider.name);
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

/// What a failed exchange is known to be about.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    /// The error's `code` (`EOIDCEXCHANGE`, `EOIDCEXPIRED`, `EOIDCAUDIENCE`, ...).
    pub code: Option<String>,
    pub message: Option<String>,
    /// The id_token's claims, as exchange errors carry them.
    pub claims: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub summary: String,
    /// Present when the configurations were given to compare against.
    pub diagnosis: Option<Diagnosis>,
}

/// Turns an exchange failure into what to do: with the package's configurations, the exact
/// differences; without them, what the token says and how to get the configurations.
pub fn explain_exchange_failure(
    failure: &Failure,
    publishers: Option<&[AnyPublisher]>,
) -> Explanation {
    let Some(claims) = &failure.claims else {
        return Explanation {
            summary: failure
                .message
                .clone()
                .unwrap_or_else(|| "The failure carries no id_token claims to explain.".into()),
            diagnosis: None,
        };
    };
    let expectation = Expectation {
        permission: Some(CREATE_PACKAGE.into()),
        ..Expectation::default()
    };
    // The token itself was refused before any configuration was compared: no list of
    // publishers would explain it.
    if matches!(
        failure.code.as_deref(),
        Some("EOIDCEXPIRED" | "EOIDCAUDIENCE")
    ) {
        return Explanation {
            summary: failure.message.clone().unwrap_or_else(|| {
                "The id_token was refused before any configuration was compared.".into()
            }),
            diagnosis: None,
        };
    }
    let Some(publishers) = publishers else {
        return Explanation {
            summary: format!(
                "The token says {}. To find the difference, list the package's trusted publishers \
                 with a maintainer's token (listPublishers) and pass them as `publishers`.",
                describe_token(claims)
            ),
            diagnosis: None,
        };
    };
    let diagnosis = diagnose(claims, publishers, &expectation);
    let problems: Vec<&str> = diagnosis
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.as_str())
        .collect();
    let summary = if problems.is_empty() {
        format!(
            "A configuration matches this token, so the cause is elsewhere{}.",
            failure
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        )
    } else {
        problems.join(" ")
    };
    Explanation {
        summary,
        diagnosis: Some(diagnosis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
