//! Claiming a name: trusted publishing can be configured only for a package that exists, so a
//! new one first gets a placeholder version (see [`super::placeholder`]), published with the
//! user's own token and 2FA. A package that exists is left alone.

use serde::Serialize;

use super::{placeholder, publish, Oidc, PublishOptions, Published, Source};
use crate::error::{Code, Error, Result};
use crate::package::PackageName;
use crate::registry::package_exists;
use crate::session::{CallOptions, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimStatus {
    /// The placeholder was published (or, in a dry run, would be).
    Claimed,
    /// The package exists: nothing was done.
    Exists,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claimed {
    pub package: String,
    pub status: ClaimStatus,
    /// The placeholder's publish, for a claim.
    pub published: Option<Published>,
}

/// Whether `package` exists on its registry, read as the user (who may see private packages).
pub async fn exists(call: &CallOptions, package: &PackageName) -> Result<bool> {
    let session = Session::open(call);
    let resolved = session.resolve(package)?;
    let token = resolved.token.as_ref().map(|t| t.value.clone());
    let registry = session
        .registry(&resolved, "publish")?
        .with_credentials(token, call.otp.clone());
    package_exists(&registry, package).await
}

/// validate-npm-package-name's rules for new packages, beyond those every name follows (old
/// packages keep capitals and the like; a new one may not have them).
fn check_new_name(package: &PackageName) -> Result<()> {
    let name = package.as_str();
    let problem = if name.chars().any(|c| c.is_ascii_uppercase()) {
        Some("new package names must not contain capital letters")
    } else if name.contains(['~', '\'', '!', '(', ')', '*']) {
        Some("new package names must not contain special characters (\"~'!()*\")")
    } else if name.len() > 214 {
        Some("new package names must not be longer than 214 characters")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::new(
            Code::InvalidPackageName,
            format!("Cannot claim \"{name}\": {problem}."),
        )),
        None => Ok(()),
    }
}

/// Publishes the placeholder of `package` unless it exists. `access` defaults to `public`: a
/// scoped package would otherwise be restricted, which needs a paid organization.
pub async fn claim(
    call: &CallOptions,
    package: &PackageName,
    access: Option<String>,
) -> Result<Claimed> {
    check_new_name(package)?;
    let mut call = call.clone();
    call.package = Some(package.to_string());
    if exists(&call, package).await? {
        return Ok(Claimed {
            package: package.to_string(),
            status: ClaimStatus::Exists,
            published: None,
        });
    }
    let published = publish(PublishOptions {
        source: Source::Built(placeholder::tarball(package)?),
        tag: Some(placeholder::TAG.into()),
        access: Some(access.unwrap_or_else(|| "public".into())),
        stage: false,
        // A claim is the one publish that cannot use trusted publishing: nothing trusts yet.
        oidc: Oidc::Never,
        new_package: true,
        provenance: crate::provenance::Choice::Never,
        sigstore: Default::default(),
        call,
    })
    .await?;
    Ok(Claimed {
        package: package.to_string(),
        status: ClaimStatus::Claimed,
        published: Some(published),
    })
}
