//! Which CI we run in, detected like npm (ci-info's vendor variables, `CI=false` turns it all
//! off) plus Google Cloud the way the Python `id` package finds it.

use serde::Serialize;

use crate::config::EnvVars;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ci {
    GithubActions,
    Gitlab,
    Circleci,
    Buildkite,
    GoogleCloud,
}

impl Ci {
    pub fn name(self) -> &'static str {
        match self {
            Ci::GithubActions => "GitHub Actions",
            Ci::Gitlab => "GitLab CI/CD",
            Ci::Circleci => "CircleCI",
            Ci::Buildkite => "Buildkite",
            Ci::GoogleCloud => "Google Cloud",
        }
    }
}

/// ci-info: set and not `false` switches everything off.
fn disabled(env: &EnvVars) -> bool {
    env.get("CI").as_deref() == Some("false")
}

/// ci-info's `isCI`.
pub fn is_ci(env: &EnvVars) -> bool {
    !disabled(env)
        && ([
            "BUILD_ID",
            "BUILD_NUMBER",
            "CI",
            "CI_APP_ID",
            "CI_BUILD_ID",
            "CI_BUILD_NUMBER",
            "CI_NAME",
            "CONTINUOUS_INTEGRATION",
            "RUN_ID",
        ]
        .iter()
        .any(|v| env.non_empty(v).is_some())
            || detect(env).is_some())
}

/// The CI provider whose id_tokens we know how to get. Order matters only when several
/// variables are set; it is the `id` package's order.
pub fn detect(env: &EnvVars) -> Option<Ci> {
    if disabled(env) {
        return None;
    }
    let set = |name: &str| env.non_empty(name).is_some();
    if set("GITHUB_ACTIONS") {
        Some(Ci::GithubActions)
    } else if on_google_cloud(env) {
        Some(Ci::GoogleCloud)
    } else if set("BUILDKITE") {
        Some(Ci::Buildkite)
    } else if set("GITLAB_CI") {
        Some(Ci::Gitlab)
    } else if set("CIRCLECI") {
        Some(Ci::Circleci)
    } else {
        None
    }
}

/// A metadata server is reachable: named by `GCE_METADATA_HOST` (Google's client libraries'
/// convention, also how tests point at the emulator), or the machine says it is a Google VM.
/// No network probe, so this never hangs outside Google Cloud.
fn on_google_cloud(env: &EnvVars) -> bool {
    env.non_empty("GCE_METADATA_HOST").is_some()
        || std::fs::read_to_string("/sys/class/dmi/id/product_name")
            .map(|name| matches!(name.trim(), "Google" | "Google Compute Engine"))
            .unwrap_or(false)
}

/// Where the metadata server is (`metadata.google.internal` unless overridden).
pub fn metadata_host(env: &EnvVars) -> String {
    env.non_empty("GCE_METADATA_HOST")
        .unwrap_or_else(|| "metadata.google.internal".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_like_ci_info() {
        let env = |pairs: &[(&str, &str)]| EnvVars::from_pairs(pairs.iter().copied());
        assert_eq!(
            detect(&env(&[("GITHUB_ACTIONS", "true")])),
            Some(Ci::GithubActions)
        );
        assert_eq!(
            detect(&env(&[("GITLAB_CI", "true"), ("CI", "true")])),
            Some(Ci::Gitlab)
        );
        assert_eq!(detect(&env(&[("CIRCLECI", "true")])), Some(Ci::Circleci));
        assert_eq!(detect(&env(&[("BUILDKITE", "true")])), Some(Ci::Buildkite));
        assert_eq!(
            detect(&env(&[("GCE_METADATA_HOST", "127.0.0.1:1")])),
            Some(Ci::GoogleCloud)
        );
        assert_eq!(
            detect(&env(&[("GITHUB_ACTIONS", "true"), ("CI", "false")])),
            None
        );
        assert!(is_ci(&env(&[("BUILD_NUMBER", "7")])));
        assert!(!is_ci(&env(&[("GITHUB_ACTIONS", "")])));
    }
}
