//! Package documents: the packument npm reads before publishing, and the publish itself (`PUT`
//! of the packument), which accepts a maintainer's token or an exchanged OIDC token for that
//! package with the `createPackage` permission.

use serde_json::{json, Map, Value};

use super::registry::require_otp;
use super::server::{Reply, Request};
use super::state::{Package, State};
use crate::oidc::jwt;
use crate::trust::CREATE_PACKAGE;

pub fn packument(state: &State, name: &str) -> Reply {
    let Some(pkg) = state.packages.get(name) else {
        return Reply::json(404, json!({ "error": "Not found" }));
    };
    Reply::json(
        200,
        json!({
            "_id": name,
            "name": name,
            "dist-tags": pkg.dist_tags,
            "versions": pkg.versions,
        }),
    )
}

/// Who may publish: the bearer of an exchanged token for this package (with `createPackage`), or
/// a maintainer (with an OTP when the account has 2FA).
fn authorize(state: &mut State, request: &Request, name: &str) -> Result<(), Reply> {
    let token = request
        .bearer()
        .ok_or_else(|| Reply::message(401, "Unauthorized"))?;
    if let Some(grant) = state.grants.get(token) {
        if grant.expires <= jwt::now() {
            return Err(Reply::message(401, "OIDC token expired"));
        }
        if grant.package != name {
            return Err(Reply::message(
                403,
                &format!("This OIDC token may only publish {}", grant.package),
            ));
        }
        if !grant.permissions.iter().any(|p| p == CREATE_PACKAGE) {
            return Err(Reply::message(
                403,
                "OIDC permission denied for this action",
            ));
        }
        return Ok(());
    }
    let user = state
        .user_by_token(token)
        .cloned()
        .ok_or_else(|| Reply::message(401, "Unauthorized"))?;
    let maintainer = state
        .packages
        .get(name)
        .is_none_or(|p| p.maintainers.contains(&user.name));
    if !maintainer {
        return Err(Reply::message(
            403,
            &format!("You do not have permission to publish \"{name}\""),
        ));
    }
    require_otp(state, &user, request).map_or(Ok(()), Err)
}

pub fn publish(state: &mut State, request: &Request, name: &str) -> Reply {
    if let Err(reply) = authorize(state, request, name) {
        return reply;
    }
    let Some(body) = request.json() else {
        return Reply::message(400, "Request body must be a packument");
    };
    let Some((version, manifest)) = body
        .get("versions")
        .and_then(Value::as_object)
        .and_then(|v| v.iter().next())
    else {
        return Reply::message(400, "The packument has no version to publish");
    };
    if !body.get("_attachments").is_some_and(Value::is_object) {
        return Reply::message(400, "The packument has no tarball attachment");
    }
    let publisher = request
        .bearer()
        .and_then(|t| state.user_by_token(t))
        .map(|u| u.name.clone());
    let pkg = state
        .packages
        .entry(name.to_string())
        .or_insert_with(|| Package {
            maintainers: publisher.into_iter().collect(),
            ..Package::default()
        });
    if pkg.versions.contains_key(version) {
        return Reply::message(
            403,
            &format!("You cannot publish over the previously published versions: {version}."),
        );
    }
    pkg.versions.insert(version.clone(), manifest.clone());
    let tags: Map<String, Value> = body
        .get("dist-tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    pkg.dist_tags.extend(tags);
    Reply::json(200, json!({ "success": true }))
}
