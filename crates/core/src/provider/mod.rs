//! The one mechanism every CI provider plugs into.
//!
//! A provider is a table of fields: the option a user passes (`repository`), the claim the
//! registry stores (`repository`, or nested like `workflow_ref.file`), whether it is required,
//! and how it is checked. From that table alone come options -> claims body (npm's
//! `optionsToBody`), claims -> options (`bodyToOptions`), validation with npm's messages, and
//! the CLI flags.

pub mod checks;
pub mod circleci;
pub mod github;
pub mod gitlab;
mod infer;
mod publisher;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::repository::Host;

pub use infer::{package_name as infer_package_name, prepare, Prepared, PublisherInput};
pub use publisher::{
    options_of, permissions, same_configuration, Publisher, CREATE_PACKAGE, CREATE_STAGED_PACKAGE,
};

/// Every provider, for lookups by registry `type` and for the CLI.
pub static PROVIDERS: [&Provider; 3] = [&github::GITHUB, &gitlab::GITLAB, &circleci::CIRCLECI];

/// The provider of a registry `type`.
pub fn by_kind(kind: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().copied().find(|p| p.kind == kind)
}

/// The provider whose issuer issued a token with these claims.
pub fn by_token(claims: &Value) -> Option<&'static Provider> {
    PROVIDERS.iter().copied().find(|p| p.issuer.issued(claims))
}

/// The registry `type`s of the providers that `keep` selects, for messages: `github, gitlab or
/// circleci`.
pub fn kinds(keep: impl Fn(&Provider) -> bool) -> String {
    let kinds: Vec<&str> = PROVIDERS
        .iter()
        .filter(|p| keep(p))
        .map(|p| p.kind)
        .collect();
    match kinds.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Where a field lives in the registry's `claims` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// `claims[key]`
    Top(&'static str),
    /// `claims[key][sub]`: the registry's partial-match objects, e.g. `workflow_ref: { file }`.
    Nested(&'static str, &'static str),
}

/// A validation rule; returns the message to show (npm's wording where npm has one).
pub type Check = fn(&Provider, &Field, &str) -> std::result::Result<(), String>;

#[derive(Debug)]
pub struct Field {
    /// The JS option and result key (camelCase).
    pub option: &'static str,
    /// The npm CLI flag (`org-id`), used in messages and by our CLI.
    pub flag: &'static str,
    pub claim: Claim,
    pub required: bool,
    /// A list of values (`contextIds`), sent only when non-empty.
    pub list: bool,
    pub check: Option<Check>,
    /// Help text for docs and the CLI.
    pub help: &'static str,
    /// Other names of its CLI flag (npm's `alias`: `--repo` for `--repository`).
    pub aliases: &'static [&'static str],
    /// A valid value (one element of a list), for docs, help and tests.
    pub example: &'static str,
}

impl Field {
    /// The workflow or pipeline file, stored under `claim.file` (a partial-match object).
    pub const fn workflow_file(
        claim: &'static str,
        help: &'static str,
        example: &'static str,
    ) -> Field {
        Field {
            option: "file",
            flag: "file",
            claim: Claim::Nested(claim, "file"),
            required: true,
            list: false,
            check: Some(checks::workflow_file),
            help,
            aliases: &[],
            example,
        }
    }

    /// The optional CI environment the job must run in (GitHub and GitLab share the claim name).
    pub const fn environment(help: &'static str) -> Field {
        Field {
            option: "environment",
            flag: "environment",
            claim: Claim::Top("environment"),
            required: false,
            list: false,
            check: Some(checks::not_blank),
            help,
            aliases: &["env"],
            example: "npm",
        }
    }
}

/// The repository-like option that npm infers from package.json for repository-based providers.
#[derive(Debug)]
pub struct Entity {
    /// Which field it is (`repository`, `project`).
    pub option: &'static str,
    /// "GitHub repository", "GitLab project": npm's `providerEntity`.
    pub label: &'static str,
    /// The git host a package.json `repository` must point at to be inferred.
    pub host: Host,
}

/// How a provider's OIDC tokens are recognised.
#[derive(Debug, Clone, Copy)]
pub enum Issuer {
    /// `iss` starts with this.
    Prefix(&'static str),
    /// Any `iss` (each instance is its own issuer), with all these claims.
    Claims(&'static [&'static str]),
}

impl Issuer {
    pub fn issued(&self, claims: &Value) -> bool {
        match self {
            Issuer::Prefix(prefix) => claims
                .get("iss")
                .and_then(Value::as_str)
                .is_some_and(|iss| iss.starts_with(prefix)),
            Issuer::Claims(keys) => keys.iter().all(|key| claims.get(key).is_some()),
        }
    }
}

/// The kind of CI file a provider keeps in the repository, which trust-native reads and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CiFile {
    /// `.github/workflows/*.yml`.
    #[serde(rename = "github-workflow")]
    GitHubWorkflow,
    /// `.gitlab-ci.yml`, with what it includes.
    #[serde(rename = "gitlab-pipeline")]
    GitLabPipeline,
}

#[derive(Debug)]
pub struct Provider {
    /// The registry's `type`.
    pub kind: &'static str,
    /// "GitHub Actions": npm's `providerName`.
    pub name: &'static str,
    /// "GitHub Actions Workflow": npm's `providerFile`, for file messages.
    pub file_label: &'static str,
    /// "GitHub Actions workflow": npm's wording when the file is a path.
    pub file_noun: &'static str,
    pub entity: Option<Entity>,
    /// The option that names the source repository (`repository`, `project`, `vcsOrigin`), to
    /// describe a configuration in one word.
    pub repository: &'static str,
    /// Who issues its OIDC tokens.
    pub issuer: Issuer,
    /// The CI file in the repository that a configuration names, when there is one to check.
    pub ci_file: Option<CiFile>,
    pub fields: &'static [Field],
    /// The options that say which workflow or pipeline a configuration trusts: two
    /// configurations of a package with the same values are the same publisher, changed (a plan
    /// pairs them as a replace); with other values, two publishers.
    pub identity: &'static [&'static str],
}

/// An option's value: text, or a list for list fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Text(String),
    List(Vec<String>),
}

impl Serialize for OptionValue {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            OptionValue::Text(t) => t.serialize(s),
            OptionValue::List(l) => l.serialize(s),
        }
    }
}

impl OptionValue {
    fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            OptionValue::Text(t) => Some(t),
            OptionValue::List(_) => None,
        }
    }
}

/// A provider's option values, in the table's field order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values(pub Vec<(&'static str, OptionValue)>);

impl Values {
    pub fn get(&self, option: &str) -> Option<&OptionValue> {
        self.0.iter().find(|(k, _)| *k == option).map(|(_, v)| v)
    }

    pub fn text(&self, option: &str) -> Option<&str> {
        self.get(option).and_then(OptionValue::as_text)
    }

    pub fn set(&mut self, field: &'static str, value: OptionValue) {
        match self.0.iter_mut().find(|(k, _)| *k == field) {
            Some(slot) => slot.1 = value,
            None => self.0.push((field, value)),
        }
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A provider as `trustProviders()` gives it: `{ type, name, entity, entityLabel, ciFile, fields:
/// [{ option, flag, aliases, required, list, help, example, default, claim }] }`, everything an
/// interface needs to offer, name and describe it (`claim` is the path in the registry's
/// `claims`: `["workflow_ref", "file"]`; `ciFile` is `github-workflow`, `gitlab-pipeline` or
/// null; `default` says where a value left out comes from, null when it must be given).
impl Serialize for Provider {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let claim = match f.claim {
                    Claim::Top(key) => vec![key],
                    Claim::Nested(key, sub) => vec![key, sub],
                };
                serde_json::json!({
                    "option": f.option,
                    "flag": f.flag,
                    "aliases": f.aliases,
                    "required": f.required,
                    "list": f.list,
                    "help": f.help,
                    "example": f.example,
                    "default": self.default_of(f),
                    "claim": claim,
                })
            })
            .collect();
        serde_json::json!({
            "type": self.kind,
            "name": self.name,
            "entity": self.entity.as_ref().map(|e| e.option),
            "entityLabel": self.entity.as_ref().map_or(self.file_label, |e| e.label),
            "repository": self.repository,
            "ciFile": self.ci_file,
            "fields": fields,
        })
        .serialize(s)
    }
}

impl Provider {
    pub fn field(&self, option: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.option == option)
    }

    /// Where a required field left out comes from, as [`infer::prepare`] and the CI file check
    /// find it: the repository-like option from package.json, the file from the checkout.
    /// `None`: it must be given when required.
    pub fn default_of(&self, field: &Field) -> Option<String> {
        if let Some(entity) = self.entity.as_ref().filter(|e| e.option == field.option) {
            return Some(format!(
                "package.json repository, when it is on {}",
                entity.host.name()
            ));
        }
        (field.option == "file" && self.ci_file.is_some()).then(|| {
            format!(
                "the {} of the checkout that publishes the package, when exactly one does",
                self.file_noun
            )
        })
    }

    /// Reads the provider's options from a JSON object (camelCase keys). Unknown keys are an
    /// error: a misspelt option must not silently become a looser trust configuration.
    pub fn values_from_json(&self, options: &Map<String, Value>) -> Result<Values> {
        let mut values = Values::default();
        for (key, value) in options {
            let field = self.field(key).ok_or_else(|| {
                Error::invalid_input(
                    key.as_str(),
                    format!(
                        "Unknown option \"{key}\" for {}; expected one of: {}",
                        self.name,
                        self.fields
                            .iter()
                            .map(|f| f.option)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let wrong_type = || {
                let expected = if field.list {
                    "an array of strings"
                } else {
                    "a string"
                };
                Error::invalid_input(field.option, format!("{} must be {expected}", field.option))
            };
            let parsed = match (value, field.list) {
                (Value::Null, _) => continue,
                (Value::String(s), false) => OptionValue::Text(s.clone()),
                // npm's --context-id takes one or many.
                (Value::String(s), true) => OptionValue::List(vec![s.clone()]),
                (Value::Array(items), true) => OptionValue::List(
                    items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string).ok_or_else(wrong_type))
                        .collect::<Result<_>>()?,
                ),
                _ => return Err(wrong_type()),
            };
            values.set(field.option, parsed);
        }
        Ok(values)
    }

    /// Checks every field: required ones present, each value by its rule. Messages are npm's.
    pub fn validate(&self, values: &Values) -> Result<()> {
        self.fields
            .iter()
            .try_for_each(|f| self.validate_field(f, values))
    }

    pub fn validate_field(&self, field: &Field, values: &Values) -> Result<()> {
        let items: Vec<&str> = match values.get(field.option) {
            Some(OptionValue::Text(t)) if !t.is_empty() => vec![t],
            Some(OptionValue::List(l)) => l.iter().map(String::as_str).collect(),
            _ => vec![],
        };
        if items.is_empty() && field.required {
            return Err(Error::invalid_input(
                field.option,
                self.missing_message(field),
            ));
        }
        if let Some(check) = field.check {
            for item in items {
                check(self, field, item).map_err(|m| Error::invalid_input(field.option, m))?;
            }
        }
        Ok(())
    }

    fn missing_message(&self, field: &Field) -> String {
        match &self.entity {
            _ if field.option == "file" => {
                format!("{} must be specified with the file option", self.file_label)
            }
            Some(entity) if entity.option == field.option => format!(
                "{} must be specified with {} option",
                entity.label, field.option
            ),
            _ => format!("{} is required", field.flag),
        }
    }

    /// npm's `optionsToBody`: the `claims` object the registry stores.
    pub fn claims(&self, values: &Values) -> Value {
        let mut claims = Map::new();
        for field in self.fields {
            let value = match values.get(field.option) {
                Some(OptionValue::List(l)) if l.is_empty() => continue,
                Some(OptionValue::Text(t)) if t.is_empty() => continue,
                Some(v) => v.to_json(),
                None => continue,
            };
            match field.claim {
                Claim::Top(key) => {
                    claims.insert(key.into(), value);
                }
                Claim::Nested(key, sub) => {
                    let slot = claims
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(inner) = slot {
                        inner.insert(sub.into(), value);
                    }
                }
            }
        }
        Value::Object(claims)
    }

    /// npm's `bodyToOptions`: the options a stored `claims` object stands for. Claims this table
    /// does not know stay in the raw `claims` the caller also gets.
    pub fn values_from_claims(&self, claims: &Value) -> Values {
        let mut values = Values::default();
        for field in self.fields {
            let raw = match field.claim {
                Claim::Top(key) => claims.get(key),
                Claim::Nested(key, sub) => claims.get(key).and_then(|v| v.get(sub)),
            };
            let value = match raw {
                Some(Value::String(s)) if !field.list => OptionValue::Text(s.clone()),
                Some(Value::Array(items)) if field.list => OptionValue::List(
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                ),
                Some(Value::String(s)) if field.list => OptionValue::List(vec![s.clone()]),
                _ => continue,
            };
            values.set(field.option, value);
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_names_its_provider_by_the_table() {
        let kind = |claims: Value| by_token(&claims).map(|p| p.kind);
        assert_eq!(
            kind(json!({"iss": "https://token.actions.githubusercontent.com"})),
            Some("github")
        );
        assert_eq!(
            kind(json!({"iss": "https://oidc.circleci.com/org/x"})),
            Some("circleci")
        );
        let self_managed =
            json!({"iss": "https://git.example", "project_path": "g/p", "ci_config_ref_uri": "r"});
        assert_eq!(kind(self_managed), Some("gitlab"));
        assert_eq!(
            kind(json!({"iss": "https://git.example", "project_path": "g/p"})),
            None
        );
        assert_eq!(kind(json!({"iss": "https://accounts.google.com"})), None);
        assert_eq!(kind(json!({})), None);
    }

    #[test]
    fn messages_name_the_providers_of_the_table() {
        // In the table's order, whatever providers it has besides these.
        let of = |names: &'static [&str]| kinds(move |p| names.contains(&p.kind));
        assert_eq!(
            of(&["circleci", "github", "gitlab"]),
            "github, gitlab or circleci"
        );
        assert_eq!(of(&["circleci", "github"]), "github or circleci");
        assert_eq!(of(&["gitlab"]), "gitlab");
        assert_eq!(kinds(|_| false), "");
        let with_files = kinds(|p| p.ci_file.is_some());
        assert!(with_files.starts_with("github, gitlab") || with_files == "github or gitlab");
        assert!(!with_files.contains("circleci"));
    }

    #[test]
    fn a_field_left_out_comes_from_package_json_or_the_checkout_or_must_be_given() {
        let default = |p: &Provider, option| p.default_of(p.field(option).unwrap());
        assert_eq!(
            default(&github::GITHUB, "repository").as_deref(),
            Some("package.json repository, when it is on GitHub")
        );
        assert!(default(&gitlab::GITLAB, "file")
            .unwrap()
            .starts_with("the GitLab CI/CD pipeline file of the checkout"));
        assert_eq!(default(&github::GITHUB, "environment"), None);
        assert_eq!(default(&circleci::CIRCLECI, "vcsOrigin"), None);
    }

    #[test]
    fn a_provider_serializes_as_trust_providers_gives_it() {
        let github = serde_json::to_value(&github::GITHUB).unwrap();
        assert_eq!(github["type"], "github");
        assert_eq!(github["entity"], "repository");
        assert_eq!(github["entityLabel"], "GitHub repository");
        assert_eq!(github["ciFile"], "github-workflow");
        assert_eq!(
            github["fields"][1]["claim"],
            json!(["workflow_ref", "file"])
        );
        assert_eq!(github["fields"][1]["flag"], "file");
        let circleci = serde_json::to_value(&circleci::CIRCLECI).unwrap();
        assert_eq!(circleci["ciFile"], Value::Null);
        assert_eq!(circleci["entity"], Value::Null);
        assert_eq!(circleci["entityLabel"], "CircleCI pipeline");
    }
}
