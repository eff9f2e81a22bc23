//! The placeholder a claim publishes: a package.json and a README saying what it is, no code,
//! as a clearly named prerelease under its own dist-tag, so that `latest` and version ranges
//! never pick it.

use serde_json::json;

use super::tarball::Tarball;
use crate::error::Result;
use crate::package::PackageName;

/// The placeholder's version: below every release, and plainly not one.
pub const VERSION: &str = "0.0.0-placeholder.0";
/// The dist-tag it goes under.
pub const TAG: &str = "placeholder";

/// The placeholder tarball of `package`.
pub fn tarball(package: &PackageName) -> Result<Tarball> {
    let manifest = json!({
        "name": package.as_str(),
        "version": VERSION,
        "description": format!(
            "Placeholder for {package}: reserves the name so that trusted publishing can be configured. No code."
        ),
    });
    let readme = format!(
        "# {package}\n\n\
         This version is a placeholder. It holds no code.\n\n\
         It was published to create the package `{package}`, because npm can configure trusted \
         publishing (OIDC) only for a package that exists. Releases are published from CI \
         through trusted publishing; install those, never `{VERSION}`.\n"
    );
    let mut package_json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    package_json.push('\n');
    Tarball::pack(vec![
        ("package.json".into(), package_json.into_bytes(), 0o644),
        ("README.md".into(), readme.into_bytes(), 0o644),
    ])
}
