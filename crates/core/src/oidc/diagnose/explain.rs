//! A failed exchange explained: with the package's configurations, the exact differences;
//! without them, what the token says and how to get the configurations.

use serde::Serialize;
use serde_json::Value;

use super::token::describe_token;
use super::{diagnose, AnyPublisher, Diagnosis, Expectation, Severity};
use crate::provider::CREATE_PACKAGE;

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
