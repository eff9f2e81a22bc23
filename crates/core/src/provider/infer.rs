//! What `npm trust <provider>` infers before it sends anything (trust-cmd.js `flagsToOptions`):
//! the package from package.json's `name`, the repository or project from its `repository` when
//! it points at the provider's host, and warnings when what was given and package.json disagree.

use serde_json::Value;

use super::publisher::{permissions, Publisher};
use super::{OptionValue, Provider, Values};
use crate::error::{Error, Result};
use crate::package::{Manifest, PackageName};
use crate::repository;

/// What the caller asked for, before inference.
#[derive(Debug, Clone, Default)]
pub struct PublisherInput {
    pub values: Values,
    pub allow_publish: Option<bool>,
    pub allow_stage_publish: Option<bool>,
}

/// A validated configuration, ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub package: PackageName,
    pub values: Values,
    /// `{ type, claims, permissions }`
    pub body: Value,
    pub warnings: Vec<String>,
    pub from_package_json: Vec<String>,
}

/// The package the call is about: the given one, else package.json's `name`.
pub fn package_name(given: Option<&str>, manifest: &Manifest) -> Result<PackageName> {
    match given.or(manifest.name.as_deref()) {
        Some(name) => PackageName::parse(name),
        None => Err(Error::invalid_input(
            "package",
            "Package name must be specified either as an argument or in package.json file",
        )),
    }
}

/// Infers, validates in npm's order (permissions, file, other fields, then the repository), and
/// builds the body.
pub fn prepare(
    provider: &Provider,
    package: Option<&str>,
    input: &PublisherInput,
    manifest: &Manifest,
) -> Result<Prepared> {
    let granted = permissions(input.allow_publish, input.allow_stage_publish)?;
    let given_package = package;
    let package = package_name(given_package, manifest)?;
    let mut from_package_json = Vec::new();
    if given_package.is_none() {
        from_package_json.push("package".to_string());
    }
    let mut warnings: Vec<String> = manifest.problem.iter().cloned().collect();
    let mut values = input.values.clone();

    let entity_option = provider.entity.as_ref().map(|e| e.option);
    for field in provider
        .fields
        .iter()
        .filter(|f| Some(f.option) != entity_option)
    {
        provider.validate_field(field, &values)?;
    }

    if let Some(entity) = &provider.entity {
        // npm only looks at package.json when the call is about package.json's own package.
        let about_manifest = given_package.is_none() || given_package == manifest.name.as_deref();
        let spec = manifest.repository_spec().filter(|_| about_manifest);
        let from_json = spec.and_then(repository::parse);
        let given = values.text(entity.option).map(str::to_string);
        let wrong_host = spec.is_some() && from_json.as_ref().map(|r| r.host) != Some(entity.host);
        if wrong_host {
            let message = format!(
                "Repository in package.json ({}) is not a {}",
                spec.unwrap_or_default(),
                entity.label
            );
            if given.is_none() {
                return Err(Error::invalid_input(
                    entity.option,
                    format!("{message}: pass `{}` explicitly", entity.option),
                ));
            }
            warnings.push(message);
        }
        match (&given, from_json.filter(|_| !wrong_host)) {
            (Some(given), Some(inferred)) if *given != inferred.path => warnings.push(format!(
                "Repository in package.json ({}) differs from provided {} ({given})",
                inferred.path, entity.label
            )),
            (None, Some(inferred)) => {
                values.set(entity.option, OptionValue::Text(inferred.path));
                from_package_json.push(entity.option.to_string());
            }
            (None, None) => {
                let hint = if about_manifest {
                    " or inferred from the package.json repository field"
                } else {
                    ""
                };
                return Err(Error::invalid_input(
                    entity.option,
                    format!(
                        "{} must be specified with {} option{hint}",
                        entity.label, entity.option
                    ),
                ));
            }
            _ => {}
        }
        if let Some(field) = provider.field(entity.option) {
            provider.validate_field(field, &values)?;
        }
    }

    // Table order, whatever was inferred when: results and dry runs list options predictably.
    values
        .0
        .sort_by_key(|(option, _)| provider.fields.iter().position(|f| f.option == *option));
    let body = Publisher::body(provider, &values, &granted);
    Ok(Prepared {
        package,
        values,
        body,
        warnings,
        from_package_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use crate::provider::{circleci::CIRCLECI, github::GITHUB, gitlab::GITLAB};

    fn manifest(name: Option<&str>, repository: Option<Value>) -> Manifest {
        Manifest {
            name: name.map(str::to_string),
            repository,
            ..Manifest::default()
        }
    }

    /// A call: the package option and the provider options.
    struct Call(Option<&'static str>, PublisherInput);

    fn input(package: Option<&'static str>, pairs: &[(&'static str, &str)]) -> Call {
        let mut values = Values::default();
        for (k, v) in pairs {
            values.set(k, OptionValue::Text(v.to_string()));
        }
        Call(
            package,
            PublisherInput {
                values,
                ..PublisherInput::default()
            },
        )
    }

    fn run(provider: &Provider, call: &Call, manifest: &Manifest) -> Result<Prepared> {
        prepare(provider, call.0, &call.1, manifest)
    }

    fn field_error(result: Result<Prepared>) -> (Code, Option<String>, String) {
        let e = result.unwrap_err();
        (e.code, e.field, e.message)
    }

    #[test]
    fn infers_package_and_repository_from_package_json() {
        let m = manifest(Some("@a/b"), Some(Value::String("github:Own/Repo".into())));
        let p = run(&GITHUB, &input(None, &[("file", "release.yml")]), &m).unwrap();
        assert_eq!(p.package.as_str(), "@a/b");
        assert_eq!(p.values.text("repository"), Some("Own/Repo"));
        assert_eq!(p.from_package_json, vec!["package", "repository"]);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn warns_when_given_repository_differs() {
        let m = manifest(
            Some("pkg"),
            Some(serde_json::json!({"type": "git", "url": "git+https://github.com/o/r.git"})),
        );
        let p = run(
            &GITHUB,
            &input(None, &[("file", "a.yml"), ("repository", "o/other")]),
            &m,
        )
        .unwrap();
        assert_eq!(p.values.text("repository"), Some("o/other"));
        assert_eq!(
            p.warnings,
            vec!["Repository in package.json (o/r) differs from provided GitHub repository (o/other)"]
        );
    }

    #[test]
    fn package_json_of_another_package_is_not_used() {
        let m = manifest(Some("pkg"), Some(Value::String("github:o/r".into())));
        let (code, field, message) = field_error(run(
            &GITHUB,
            &input(Some("other"), &[("file", "a.yml")]),
            &m,
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::InvalidInput, Some("repository"))
        );
        assert_eq!(
            message,
            "GitHub repository must be specified with repository option"
        );
    }

    #[test]
    fn wrong_host_is_an_error_without_the_option_and_a_warning_with_it() {
        let m = manifest(Some("pkg"), Some(Value::String("gitlab:g/p".into())));
        let (_, field, message) = field_error(run(&GITHUB, &input(None, &[("file", "a.yml")]), &m));
        assert_eq!(field.as_deref(), Some("repository"));
        assert!(message
            .starts_with("Repository in package.json (gitlab:g/p) is not a GitHub repository"));

        let p = run(
            &GITHUB,
            &input(None, &[("file", "a.yml"), ("repository", "o/r")]),
            &m,
        )
        .unwrap();
        assert_eq!(p.warnings.len(), 1);
        let p = run(&GITLAB, &input(None, &[("file", ".gitlab-ci.yml")]), &m).unwrap();
        assert_eq!(p.values.text("project"), Some("g/p"));
    }

    #[test]
    fn validation_order_and_messages_are_npms() {
        let m = manifest(None, None);
        let cases: Vec<(&Provider, Call, &str, &str)> = vec![
            (&GITHUB, input(None, &[("file", "a.yml")]), "package", "Package name must be specified either as an argument or in package.json file"),
            (&GITHUB, input(Some("p"), &[]), "file", "GitHub Actions Workflow must be specified with the file option"),
            (&GITHUB, input(Some("p"), &[("file", "a.json"), ("repository", "bad")]), "file", "GitHub Actions Workflow must end in .yml or .yaml"),
            (&GITHUB, input(Some("p"), &[("file", ".github/workflows/a.yml")]), "file", "GitHub Actions workflow must be just a file not a path"),
            (&GITHUB, input(Some("p"), &[("file", "a.yml"), ("repository", "a/b/c")]), "repository", "GitHub repository must be specified in the format owner/repository"),
            (&GITHUB, input(Some("p"), &[("file", "a.yml"), ("repository", "owner/")]), "repository", "GitHub repository must be specified in the format owner/repository"),
            (&GITLAB, input(Some("p"), &[("file", "ci/.gitlab-ci.yml")]), "file", "GitLab CI/CD pipeline file must be just a file not a path"),
            (&GITLAB, input(Some("p"), &[("file", ".gitlab-ci.yml"), ("project", "solo")]), "project", "GitLab project must be specified in the format group/project or group/subgroup/project"),
            (&CIRCLECI, input(Some("p"), &[]), "orgId", "org-id is required"),
            (&CIRCLECI, input(Some("p"), &[("orgId", "nope")]), "orgId", "org-id must be a valid UUID"),
        ];
        for (provider, input, field, message) in cases {
            let (code, got_field, got_message) = field_error(run(provider, &input, &m));
            assert_eq!(code, Code::InvalidInput, "{message}");
            assert_eq!(got_field.as_deref(), Some(field), "{message}");
            assert_eq!(got_message, message);
        }
        let (code, _, _) = field_error(run(
            &GITHUB,
            &input(Some("Bad Name"), &[("file", "a.yml")]),
            &m,
        ));
        assert_eq!(code, Code::InvalidPackageName);
    }

    #[test]
    fn gitlab_accepts_nested_groups_and_circleci_vcs_origin_rules() {
        let m = manifest(Some("pkg"), None);
        let p = run(
            &GITLAB,
            &input(
                None,
                &[("file", ".gitlab-ci.yaml"), ("project", "g/sub/deeper/p")],
            ),
            &m,
        )
        .unwrap();
        assert_eq!(p.body["claims"]["project_path"], "g/sub/deeper/p");
        let id = "3e4b2f1a-1111-4222-8333-444455556666";
        let base = [
            ("orgId", id),
            ("projectId", id),
            ("pipelineDefinitionId", id),
        ];
        for (origin, ok) in [
            ("github.com/o/r", true),
            ("https://github.com/o/r", false),
            ("github.com/o", false),
        ] {
            let mut pairs = base.to_vec();
            pairs.push(("vcsOrigin", origin));
            assert_eq!(
                run(&CIRCLECI, &input(None, &pairs), &m).is_ok(),
                ok,
                "{origin}"
            );
        }
    }
}
