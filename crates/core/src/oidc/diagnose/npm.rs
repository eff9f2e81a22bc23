//! An npm configuration compared with a token, field by field of its provider's table.

use serde_json::Value;

use super::token::{ref_file, token_value};
use super::{case_note, finding, token_provider, value_text, Expectation, Finding, Severity};
use crate::provider::{self, OptionValue, Publisher, CREATE_PACKAGE, CREATE_STAGED_PACKAGE};

/// Differences between one npm configuration and the token.
pub(super) fn npm_mismatches(
    publisher: &Publisher,
    claims: &Value,
    expectation: &Expectation,
) -> Vec<Finding> {
    let id = Some(publisher.id.as_str());
    let token_kind = token_provider(claims);
    let Some(provider) = provider::by_kind(&publisher.kind) else {
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
                    .and_then(provider::by_kind)
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
