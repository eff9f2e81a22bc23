//! Publishing a version (`npm publish`) and staging one (`npm stage publish`): the packument
//! npm sends (the manifest as npm prepares it, `dist` with the tarball's digests, the tarball
//! as an attachment), sent with an OIDC-exchanged token in CI or the user's own token with 2FA.
//!
//! Provenance is attached when npm would attach it (crate::provenance); a result says whether
//! npm would have, and where the signed statement is logged.

pub mod claim;
mod glob;
pub mod manifest;
pub mod pack;
pub mod placeholder;
pub mod tarball;
pub mod workspace_protocol;

use std::path::PathBuf;

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::Resolved;
use crate::error::{Code, Error, Hint, Result, Secrets};
use crate::oidc::ci::{detect, Ci};
use crate::oidc::exchange::{exchange_first, Attempt, ExchangeOptions};
use crate::package::PackageName;
use crate::registry::{ApiRequest, BoxFuture, PlannedRequest, Registry};
use crate::session::{working_dir, CallOptions, Session};
use tarball::Tarball;

/// What to publish.
#[derive(Debug, Clone)]
pub enum Source {
    /// A `.tgz` made by `npm pack` (or this crate); relative to the call's `cwd`.
    Tarball(PathBuf),
    /// A package folder, packed as `npm pack` packs it; relative to the call's `cwd`.
    Folder(PathBuf),
    /// A tarball made in memory (the placeholder of a claim).
    Built(Tarball),
}

/// Whether to exchange a CI id_token for the token to publish with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Oidc {
    /// As npm: when the CI offers an id_token and no `token` is given; a refused exchange falls
    /// back to the configured token (with a warning saying why), or fails when there is none.
    #[default]
    Auto,
    /// The exchange must work: its failure is the call's.
    Required,
    /// Publish with the configured token only.
    Never,
}

#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub call: CallOptions,
    pub source: Source,
    /// The dist-tag (npm's `--tag`); default `publishConfig.tag`, else `latest`.
    pub tag: Option<String>,
    /// `public` or `restricted` (npm's `--access`); default `publishConfig.access`, else none
    /// (the registry's default: public for unscoped, restricted for scoped packages).
    pub access: Option<String>,
    /// Stage the version for a maintainer to approve instead of publishing it.
    pub stage: bool,
    pub oidc: Oidc,
    /// The caller has just read that the package does not exist (a claim): npm's checks
    /// against its published versions have nothing to read, so the package is not read again.
    pub new_package: bool,
    /// npm's `provenance` / `provenance-file`, and the Sigstore to sign with.
    pub provenance: crate::provenance::Choice,
    pub sigstore: crate::provenance::Services,
}

/// Whether npm would have attached a provenance statement, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub would_attach: bool,
    pub reason: String,
    /// The provenance this publish carries (none in a dry run, as npm signs none then).
    pub attached: Option<crate::provenance::Attached>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub package: String,
    pub version: String,
    pub tag: String,
    pub access: Option<String>,
    /// `dist.integrity` (sha512) and `dist.shasum` (sha1) of the tarball.
    pub integrity: String,
    pub shasum: String,
    /// The tarball's size in bytes, and the files it holds.
    pub size: usize,
    pub files: Vec<String>,
    pub staged: bool,
    /// The registry's id of the staged version (`stage`, not in a dry run).
    pub stage_id: Option<String>,
    /// `oidc` (a token exchanged for this package), `option` (`token`) or `config` (npm's config).
    pub token_source: String,
    pub provenance: Provenance,
    pub dry_run: bool,
    /// The request sent (or, in a dry run, that would be sent), the tarball's data elided.
    pub request: PlannedRequest,
    pub warnings: Vec<String>,
}

pub async fn publish(options: PublishOptions) -> Result<Published> {
    let mut secrets = options.call.secrets();
    let result = run_boxed(options, &mut secrets).await;
    result.map_err(|e| e.scrubbed(&secrets))
}

/// [`run`], boxed by this one function: an `async fn`'s state machine is compiled again for each
/// crate and each chain of callers that awaits it (the binding's `publish`, a bulk run's), and
/// this one, with provenance's signing, was two copies of 38 kB in the release addon.
#[inline(never)]
fn run_boxed(options: PublishOptions, secrets: &mut Secrets) -> BoxFuture<'_, Result<Published>> {
    Box::pin(run(options, secrets))
}

/// The token to publish with, and where it came from.
struct Credentials {
    token: Option<String>,
    source: &'static str,
    provenance: Provenance,
    warnings: Vec<String>,
    /// Why trusted publishing was refused, when the configured token is used instead: a
    /// failure with that token says it too (a 401 or an EOTP alone would hide the cause).
    refused: Option<String>,
}

async fn run(options: PublishOptions, secrets: &mut Secrets) -> Result<Published> {
    let cwd = working_dir(&options.call);
    let tarball = load(&options.source, &cwd)?;
    let git_head = match &options.source {
        Source::Folder(folder) => manifest::git_head(&cwd.join(folder)),
        _ => None,
    };
    let mut manifest = manifest::prepare(&tarball, git_head)?;
    let Some(name) = manifest.get("name").and_then(Value::as_str) else {
        return Err(Error::invalid_input(
            "name",
            "package.json has no `name`, or it is not a string.",
        ));
    };
    let package = PackageName::parse(name)?;
    let version = manifest["version"].as_str().unwrap_or_default().to_string();
    // As libnpmpublish: any truthy `private` (`"true"` too) keeps the package home.
    if manifest::truthy(manifest.get("private")) {
        return Err(Error::new(
            Code::Private,
            format!(
                "{package} is marked private in its package.json: remove `\"private\": true` to \
                 publish it."
            ),
        ));
    }
    // As npm 12: `packageExtensions` is the project root's policy and never published (a
    // private package may keep it), and `patchedDependencies` is the consumer's state.
    if manifest.contains_key("packageExtensions") {
        return Err(Error::new(
            Code::PackageExtensions,
            format!(
                "{package}'s package.json has `packageExtensions`, which only the project root \
                 honours and must not be published (npm 12 refuses it too): move it to the root \
                 package.json."
            ),
        ));
    }
    manifest.remove("patchedDependencies");
    let publish_config = manifest
        .get("publishConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let config_text = |key: &str| {
        publish_config
            .get(key)
            .and_then(Value::as_str)
            .map(String::from)
    };
    let default_tag = options.tag.is_none() && config_text("tag").is_none();
    let tag = options
        .tag
        .clone()
        .or_else(|| config_text("tag"))
        .unwrap_or_else(|| "latest".into());
    check_tag(&tag)?;
    let access = options.access.clone().or_else(|| config_text("access"));
    if let Some(access) = &access {
        if access != "public" && access != "restricted" {
            return Err(Error::invalid_input(
                "access",
                "`access` must be 'public' or 'restricted'.",
            ));
        }
        if access == "restricted" && package.scope().is_none() {
            return Err(Error::invalid_input(
                "access",
                format!("{package} is not scoped: only scoped packages can be restricted."),
            ));
        }
    }

    if options.oidc == Oidc::Required && options.call.token.is_some() {
        return Err(Error::invalid_input(
            "oidc",
            "`oidc: true` exchanges the CI's id_token for the token to publish with: leave \
             `token` out, or leave `oidc` out to publish with the token.",
        ));
    }
    let mut call = options.call.clone();
    call.package = Some(package.to_string());
    call.publish_config_registry = config_text("registry");
    let session = Session::open(&call);
    let resolved = session.resolve(&package)?;
    let command = if options.stage { "stage" } else { "publish" };
    let credentials = credentials(&options, &call, &session, &resolved, &package).await?;
    if let Some(token) = &credentials.token {
        secrets.add(token);
    }
    if credentials.token.is_none() && !call.dry_run {
        return Err(crate::config::need_auth(session.config(), &resolved));
    }
    let registry = match options.stage {
        // Staging defers 2FA to the approval: npm sends it without asking for an OTP.
        true => session.registry_prompting(&resolved, command, None)?,
        false => session.registry(&resolved, command)?,
    }
    .with_credentials(credentials.token.clone(), call.otp.clone());

    // A failure with the token used in place of a refused exchange also says why it was refused.
    let refused = credentials.refused.clone();
    let noted = |error: Error| Attempt::note_refusal(refused.as_deref(), error);
    preflight(
        &registry,
        &package,
        &version,
        default_tag,
        options.new_package,
    )
    .await
    .map_err(noted)?;

    let integrity = tarball.integrity();
    let tarball_name = format!("{package}-{version}.tgz");
    if let Source::Tarball(path) = &options.source {
        // pacote's fields for a file spec: npm sends them when publishing a tarball, `_from`
        // as npm-package-arg saves the spec (relative to the working directory, normalized).
        let shown = |p: &std::path::Path| p.to_string_lossy().replace('\\', "/");
        manifest.insert("_integrity".into(), integrity.sha512.clone().into());
        manifest.insert(
            "_resolved".into(),
            shown(&normalized(&cwd.join(path))).into(),
        );
        manifest.insert(
            "_from".into(),
            format!("file:{}", shown(&normalized(path))).into(),
        );
    }
    if let Some(node) = &call.node_version {
        manifest.insert("_nodeVersion".into(), node.trim_start_matches('v').into());
    }
    manifest.insert("_id".into(), format!("{package}@{version}").into());
    let mut dist = manifest
        .get("dist")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    dist.insert("integrity".into(), integrity.sha512.clone().into());
    dist.insert("shasum".into(), integrity.shasum.clone().into());
    let tarball_url = registry
        .base()
        .join(&format!("{package}/-/{tarball_name}"))
        .map(|u| u.to_string().replacen("https://", "http://", 1))
        .unwrap_or_default();
    dist.insert("tarball".into(), tarball_url.into());
    manifest.insert("dist".into(), Value::Object(dist));

    let mut body = packument(
        &package,
        &version,
        &tag,
        access.as_deref(),
        manifest,
        &tarball,
        &tarball_name,
    );
    let mut provenance = credentials.provenance;
    if !call.dry_run {
        let publish = crate::provenance::Publish {
            choice: &options.provenance,
            services: &options.sigstore,
            would_attach: provenance.would_attach,
            package: &package,
            version: &version,
            integrity: &integrity.sha512,
            access: access.as_deref(),
            token: credentials.token.as_deref(),
            session: &session,
            resolved: &resolved,
            context: &call.policy.context,
            cwd: &cwd,
        };
        provenance.attached = crate::provenance::attach(&mut body, publish, secrets)
            .await
            .map_err(noted)?;
    }
    let request = ApiRequest {
        method: if options.stage {
            Method::POST
        } else {
            Method::PUT
        },
        path: match options.stage {
            true => format!("-/stage/package/{}", package.escaped()),
            false => package.escaped(),
        },
        body: Some(body),
        credential: false,
    };
    let mut planned = registry.plan(&request)?;
    elide_attachment(&mut planned);
    let mut stage_id = None;
    if !call.dry_run {
        let answer = send(&registry, &request, &package, &version, &integrity.shasum)
            .await
            .map_err(|e| match credentials.source {
                "oidc" => not_permitted(e, &package, options.stage),
                _ => e,
            })
            .map_err(noted)?;
        stage_id = answer
            .get("stageId")
            .and_then(Value::as_str)
            .map(String::from);
        if options.stage && stage_id.is_none() {
            return Err(registry.unexpected_answer(&request, "the staged version's `stageId`"));
        }
    }
    // The exchange's warnings (a registry other than npmjs.org among them) when trusted
    // publishing was used; a token publish has none, as `npm publish` prints none.
    let warnings = credentials.warnings;
    Ok(Published {
        package: package.to_string(),
        version,
        tag,
        access,
        integrity: integrity.sha512,
        shasum: integrity.shasum,
        size: tarball.bytes.len(),
        files: tarball.files,
        staged: options.stage,
        stage_id,
        token_source: credentials.source.into(),
        provenance,
        dry_run: call.dry_run,
        request: planned,
        warnings,
    })
}

/// `path` without `.` and with `..` applied, as Node's `path.normalize` writes it.
fn normalized(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The tarball of `source`, read or packed.
fn load(source: &Source, cwd: &std::path::Path) -> Result<Tarball> {
    /// A tarball bigger than this is not a package the registry takes.
    const MAX_TARBALL: u64 = 256 * 1024 * 1024;
    match source {
        Source::Built(tarball) => Ok(tarball.clone()),
        Source::Folder(folder) => pack::pack(&cwd.join(folder)),
        Source::Tarball(path) => {
            let path = &cwd.join(path);
            let unreadable = |e: std::io::Error| {
                Error::invalid_input(
                    "tarball",
                    format!("Could not read `tarball` {}: {e}", path.display()),
                )
            };
            Tarball::read(
                crate::read::bytes(path, MAX_TARBALL).map_err(unreadable)?,
                "tarball",
            )
        }
    }
}

/// npm refuses a tag that is a semver range (`npm install pkg@<tag>` could not name it).
pub(crate) fn check_tag(tag: &str) -> Result<()> {
    let looks_like_range = semver::VersionReq::parse(tag.trim()).is_ok()
        || tag.trim().is_empty()
        || tag.contains(['/', ' ']);
    if looks_like_range {
        return Err(Error::invalid_input(
            "tag",
            "`tag` must be a dist-tag name such as `next` or `beta`, not a version or range.",
        ));
    }
    Ok(())
}

/// The token: the caller's, an exchanged one in CI, or npm's config.
async fn credentials(
    options: &PublishOptions,
    call: &CallOptions,
    session: &Session<'_>,
    resolved: &Resolved,
    package: &PackageName,
) -> Result<Credentials> {
    let configured = resolved.token.as_ref().map(|t| t.value.clone());
    let mut credentials = Credentials {
        token: configured.clone(),
        source: if call.token.is_some() {
            "option"
        } else {
            "config"
        },
        provenance: Provenance {
            would_attach: false,
            reason: "Provenance is attached only to a publish with a token exchanged through \
                     trusted publishing (or with npm's --provenance)."
                .into(),
            attached: None,
        },
        warnings: vec![],
        refused: None,
    };
    if call.token.is_some() || options.oidc == Oidc::Never || call.dry_run {
        return Ok(credentials);
    }
    let attempt = exchange_first(
        ExchangeOptions {
            call: call.clone(),
            ..Default::default()
        },
        options.oidc == Oidc::Required,
        configured.is_some(),
    )
    .await?;
    match attempt {
        Attempt::Exchanged(exchanged) => {
            let env = &session.config().env;
            credentials.provenance = provenance(
                session,
                resolved,
                package,
                &exchanged.token,
                &exchanged.claims,
                detect(env),
                env.non_empty("SIGSTORE_ID_TOKEN").is_some(),
            )
            .await;
            credentials.token = Some(exchanged.token);
            credentials.source = "oidc";
            credentials.warnings = exchanged.warnings;
        }
        Attempt::NotCi => {}
        Attempt::Refused(error) => {
            credentials.warnings.push(Attempt::fallback_warning(&error));
            credentials.refused = Some(error.summary());
        }
    }
    Ok(credentials)
}

/// npm's rule after an exchange: provenance when the job's repository is public (GitHub), or
/// public with a Sigstore id_token (GitLab), and the package is public.
async fn provenance(
    session: &Session<'_>,
    resolved: &Resolved,
    package: &PackageName,
    token: &str,
    claims: &Value,
    ci: Option<Ci>,
    sigstore_token: bool,
) -> Provenance {
    let no = |reason: &str| Provenance {
        would_attach: false,
        reason: reason.into(),
        attached: None,
    };
    let public_repository = match ci {
        Some(Ci::GithubActions) => claims.get("repository_visibility") == Some(&json!("public")),
        Some(Ci::Gitlab) => {
            claims.get("project_visibility") == Some(&json!("public")) && sigstore_token
        }
        _ => {
            return no(
                "npm attaches provenance automatically only from GitHub Actions and GitLab CI/CD.",
            )
        }
    };
    if !public_repository {
        return no("The repository is not public (GitLab also needs a SIGSTORE_ID_TOKEN), so npm would not attach provenance.");
    }
    let visibility = ApiRequest {
        method: Method::GET,
        path: format!("-/package/{}/visibility", package.escaped()),
        body: None,
        credential: false,
    };
    let registry = session
        .registry(resolved, "publish")
        .map(|r| r.with_credentials(Some(token.to_string()), None));
    let public = match registry {
        Ok(registry) => registry.send(&visibility).await.ok(),
        Err(_) => None,
    };
    match public.and_then(|v| v.get("public").and_then(Value::as_bool)) {
        Some(true) => Provenance {
            would_attach: true,
            reason: "The repository and the package are public: npm signs and attaches a \
                     provenance statement (Sigstore), and so does this publish."
                .into(),
            attached: None,
        },
        _ => no("The package is not public (or new), so npm would not attach provenance."),
    }
}

/// npm's checks against what the registry has: never over a published version, never `latest`
/// implicitly for a prerelease or below the highest version.
async fn preflight(
    registry: &Registry,
    package: &PackageName,
    version: &str,
    default_tag: bool,
    new_package: bool,
) -> Result<()> {
    let parsed = semver::Version::parse(version).ok();
    if default_tag && parsed.as_ref().is_some_and(|v| !v.pre.is_empty()) {
        return Err(Error::invalid_input(
            "tag",
            format!("{version} is a prerelease: pass `tag` (e.g. `next`) so that `latest` keeps pointing at a release."),
        ));
    }
    if new_package {
        return Ok(());
    }
    // As npm: a packument that cannot be read means no versions yet.
    let Ok(packument) = registry.send(&ApiRequest::packument(package)).await else {
        return Ok(());
    };
    let versions: Vec<semver::Version> = packument
        .get("versions")
        .and_then(Value::as_object)
        .map(|versions| {
            versions
                .iter()
                .filter(|(_, m)| {
                    m.get("deprecated")
                        .is_none_or(|d| d.is_null() || d == &json!(false))
                })
                .filter_map(|(v, _)| semver::Version::parse(v).ok())
                .filter(|v| v.pre.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if versions.iter().any(|v| v.to_string() == version) {
        return Err(Error::new(
            Code::PublishConflict,
            format!("{package}@{version} is already published: bump `version` in package.json."),
        ));
    }
    if let (true, Some(highest), Some(new)) = (default_tag, versions.iter().max(), &parsed) {
        if highest >= new {
            return Err(Error::invalid_input(
                "tag",
                format!(
                    "{package}@{highest} is higher than {version}, so `latest` cannot move to it: \
                     pass `tag`."
                ),
            ));
        }
    }
    Ok(())
}

/// libnpmpublish's packument, in its key order.
fn packument(
    package: &PackageName,
    version: &str,
    tag: &str,
    access: Option<&str>,
    manifest: Map<String, Value>,
    tarball: &Tarball,
    tarball_name: &str,
) -> Value {
    let description = manifest.get("description").cloned();
    let mut root = Map::new();
    root.insert("_id".into(), package.as_str().into());
    root.insert("name".into(), package.as_str().into());
    if let Some(description) = description {
        root.insert("description".into(), description);
    }
    root.insert("dist-tags".into(), json!({ tag: version }));
    root.insert("versions".into(), json!({ version: manifest }));
    root.insert("access".into(), access.map_or(Value::Null, Value::from));
    root.insert(
        "_attachments".into(),
        json!({ tarball_name: {
            "content_type": "application/octet-stream",
            "data": tarball.base64(),
            "length": tarball.bytes.len(),
        }}),
    );
    Value::Object(root)
}

/// A planned request shows the attachment's size, not its megabytes of base64.
fn elide_attachment(planned: &mut PlannedRequest) {
    let attachments = planned
        .body
        .as_mut()
        .and_then(|b| b.get_mut("_attachments"))
        .and_then(Value::as_object_mut);
    for attachment in attachments.into_iter().flat_map(|a| a.values_mut()) {
        let length = attachment.get("length").cloned().unwrap_or(Value::Null);
        attachment["data"] = format!("({length} bytes, base64)").into();
    }
}

/// Sends the publish. A publish whose outcome is unclear (the answer was lost, or a retry was
/// refused because the version exists) is a success when the registry holds this very tarball.
async fn send(
    registry: &Registry,
    request: &ApiRequest,
    package: &PackageName,
    version: &str,
    shasum: &str,
) -> Result<Value> {
    let accepted = |error: &Error| {
        error.code == Code::Response
            && error
                .http
                .as_ref()
                .and_then(|h| h.status)
                .is_some_and(|s| (200..300).contains(&s))
    };
    match registry.try_send(request).await {
        Ok(answer) => Ok(answer),
        // npm ignores the answer to a publish: the registry took it, whatever it said.
        Err(failure) if request.method == Method::PUT && accepted(&failure.error) => {
            Ok(Value::Null)
        }
        // The registry may have published before the answer was lost (or was too large to
        // read): it holds this very tarball then, and the publish is done. It is checked,
        // never sent again blindly.
        Err(failure)
            if request.method == Method::PUT
                && (failure.maybe_processed
                    || failure.after_ambiguous_attempt
                    || failure.error.code == Code::Response) =>
        {
            let held = registry
                .send(&ApiRequest::packument(package))
                .await
                .map(|p| {
                    p.get("versions")
                        .and_then(|v| v.get(version))
                        .and_then(|m| m.get("dist")?.get("shasum")?.as_str().map(String::from))
                });
            match held {
                Ok(Some(held)) if held == shasum => Ok(Value::Null),
                // The registry answered: it does not hold this tarball.
                Ok(_) => Err(*failure.error),
                Err(_) => {
                    let mut error = *failure.error;
                    error.notes.push(format!(
                        "{package}@{version} may have been published before the answer was \
                         lost, and the registry could not be asked: check `npm view \
                         {package}@{version}` before publishing it again."
                    ));
                    Err(error)
                }
            }
        }
        Err(failure) => Err(explain(*failure.error, package, version)),
    }
}

/// A 403 for an exchanged token, which the registry gives only for a configuration that
/// matches: it does not grant the permission this action needs.
fn not_permitted(mut error: Error, package: &PackageName, stage: bool) -> Error {
    if error.code != Code::Http(403) {
        return error;
    }
    let said = error.http.as_ref().map(|h| h.said()).unwrap_or_default();
    let (action, permission, other, hint) = match stage {
        true => (
            "stage publishing",
            "createStagedPackage",
            "publishing",
            Hint::AllowStagePublish,
        ),
        false => (
            "publishing",
            "createPackage",
            "stage publishing",
            Hint::AllowPublish,
        ),
    };
    error.message = format!(
        "The trusted publisher of {package} that matches this job does not allow {action}: it \
         needs the {permission} permission (the configuration may allow only {other}).{said}"
    );
    error.with_hint(hint)
}

/// The registry's refusal in words that say what to do.
fn explain(mut error: Error, package: &PackageName, version: &str) -> Error {
    let said = error.http.as_ref().map(|h| h.said()).unwrap_or_default();
    let advice = match error.code {
        Code::Http(401) => {
            error.hint = Some(Hint::Token);
            "The registry rejected the token.".to_string()
        }
        Code::Http(403) if said.contains("previously published") => {
            error.code = Code::PublishConflict;
            format!("{package}@{version} is already published: bump `version` in package.json.")
        }
        Code::Http(403) => format!("You are not allowed to publish {package}."),
        _ => return error,
    };
    error.message = format!("{advice}{said}");
    error
}
