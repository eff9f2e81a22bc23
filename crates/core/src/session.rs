//! What every call resolves before it talks to a registry: the working directory, its
//! package.json, npm's config, and from those the registry and credentials for a package.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::config::transport::TransportReport;
use crate::config::{self, EnvVars, Layer, NpmConfig, Overrides, Resolved};
use crate::context::{Project, ProjectCache};
use crate::error::{Result, Secrets};
use crate::package::{Manifest, PackageName};
use crate::provider::infer_package_name;
use crate::registry::otp::OtpPrompt;
use crate::registry::{Policy, Registry, UserAgent};

/// The options every registry call takes (the JS API's common options).
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    pub package: Option<String>,
    pub registry: Option<String>,
    /// package.json's `publishConfig.registry`, for a publish (below `registry`): chosen by the
    /// checkout, so a token bound to no registry does not go there.
    pub publish_config_registry: Option<String>,
    pub token: Option<String>,
    pub otp: Option<String>,
    pub cwd: Option<PathBuf>,
    pub dry_run: bool,
    /// Findings of the CI file check are errors (`EWORKFLOW`), not warnings, and a file that
    /// could not be checked is one too (add, plan, ensure).
    pub strict: bool,
    /// The Node.js version for the user agent, when called from Node.
    pub node_version: Option<String>,
    /// The environment to read npm config and tokens from; the process's when `None`.
    pub env: Option<EnvVars>,
    /// Projects already read with this same `env` (a client's cache); read anew when `None`.
    pub projects: Option<Arc<ProjectCache>>,
    /// Timeouts, retries, 2FA prompting. Its transport settings are replaced by npm's config.
    pub policy: Policy,
    /// The caller's `signal` aborted, for an operation that stops itself (a bulk apply
    /// finishes what is in flight); the binding ends other calls itself.
    pub stop: Option<Arc<tokio::sync::Notify>>,
}

impl CallOptions {
    /// The secrets the caller handed over, to keep out of anything the call returns.
    /// What the call sets over npm's config.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            registry: self.registry.clone(),
            publish_config_registry: self.publish_config_registry.clone(),
            token: self.token.clone(),
        }
    }

    pub fn secrets(&self) -> Secrets {
        let mut secrets = Secrets::default();
        for secret in self.token.iter().chain(self.otp.iter()) {
            secrets.add(secret);
        }
        secrets
    }
}

/// The directory a call works in: its `cwd`, else the process's.
pub fn working_dir(call: &CallOptions) -> PathBuf {
    call.cwd
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

pub struct Session<'a> {
    call: &'a CallOptions,
    pub cwd: PathBuf,
    project: Arc<Project>,
}

impl<'a> Session<'a> {
    pub fn open(call: &'a CallOptions) -> Self {
        let cwd = working_dir(call);
        let project = crate::read::blocking(|| match (&call.projects, &call.env) {
            (Some(cache), Some(env)) => cache.get_or_load(&cwd, env),
            _ => {
                let env = call.env.clone().unwrap_or_else(EnvVars::from_process);
                Arc::new(Project::load(&cwd, env))
            }
        });
        Session { call, cwd, project }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.project.manifest
    }

    pub fn config(&self) -> &NpmConfig {
        &self.project.config
    }

    /// The package the call is about: the option, else package.json's `name`.
    pub fn package(&self, given: Option<&str>) -> Result<PackageName> {
        infer_package_name(given, self.manifest())
    }

    pub fn resolve(&self, package: &PackageName) -> Result<Resolved> {
        self.resolve_for(Some(package))
    }

    /// The registry and token for `package` (its scope's registry), or npm's default registry.
    pub fn resolve_for(&self, package: Option<&PackageName>) -> Result<Resolved> {
        config::resolve(self.config(), &self.call.overrides(), package)
    }

    /// A client for `resolved`'s registry, with the call's policy and npm's transport settings.
    pub fn registry(&self, resolved: &Resolved, command: &'static str) -> Result<Registry> {
        self.registry_prompting(resolved, command, self.call.policy.otp_prompt.clone())
    }

    /// [`Session::registry`] with this 2FA prompt (none: an OTP challenge is the caller's error,
    /// as it is for npm commands that do not ask).
    pub fn registry_prompting(
        &self,
        resolved: &Resolved,
        command: &'static str,
        otp_prompt: Option<Arc<dyn OtpPrompt>>,
    ) -> Result<Registry> {
        let policy = Policy {
            transport: resolved.transport.clone(),
            otp_prompt,
            ..self.call.policy.clone()
        };
        Registry::new(
            resolved.registry.clone(),
            UserAgent::new(self.call.node_version.as_deref()),
            command,
            &policy,
        )
    }

    /// A registry client for `package`, with its token; `ENEEDAUTH` when there is none.
    pub fn registry_for(&self, package: &PackageName) -> Result<Registry> {
        let resolved = self.resolve(package)?;
        let Some(token) = &resolved.token else {
            return Err(config::need_auth(self.config(), &resolved));
        };
        Ok(self
            .registry(&resolved, "trust")?
            .with_credentials(Some(token.value.clone()), self.call.otp.clone()))
    }
}

/// What npm's configuration resolves to for a call, and where each value came from. The token
/// itself is never included.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReport {
    /// The package the registry was chosen for (its scope can pick the registry).
    pub package: Option<String>,
    pub registry: String,
    pub registry_source: String,
    /// `"***"` when a token was found.
    pub token: Option<String>,
    pub token_source: Option<String>,
    /// Where a token bound to no registry (`NPM_TOKEN`, the `token` option, a checkout's
    /// `_authToken=${VAR}` line) came from when it is not sent to this one.
    pub token_withheld: Option<String>,
    #[serde(flatten)]
    pub transport: TransportReport,
    /// The npmrc files read, highest precedence first.
    pub files: Vec<ConfigFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    pub layer: &'static str,
    pub path: String,
    pub found: bool,
}

/// Resolves npm's configuration as a call with these options would.
pub fn resolve_config(call: &CallOptions) -> Result<ConfigReport> {
    let session = Session::open(call);
    let package = session.package(call.package.as_deref()).ok();
    let resolved = config::resolve(session.config(), &call.overrides(), package.as_ref())?;
    Ok(ConfigReport {
        package: package.map(|p| p.to_string()),
        registry: resolved.registry.to_string(),
        registry_source: resolved.registry_source.to_string(),
        token: resolved.token.as_ref().map(|_| "***".to_string()),
        token_source: resolved.token.as_ref().map(|t| t.source.to_string()),
        token_withheld: resolved.withheld.as_ref().map(ToString::to_string),
        transport: resolved.transport_report,
        files: session
            .config()
            .files
            .iter()
            .map(|(layer, path, unread)| ConfigFile {
                layer: match layer {
                    Layer::Env => "env",
                    Layer::Project => "project",
                    Layer::User => "user",
                    Layer::Global => "global",
                    Layer::Builtin => "builtin",
                },
                path: path.display().to_string(),
                found: unread.is_none(),
            })
            .collect(),
    })
}
