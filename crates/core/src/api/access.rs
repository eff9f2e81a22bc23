//! Package access (`npm access`, libnpmaccess): visibility and 2FA settings, collaborators,
//! team grants, and the packages of a user, org or team.

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::decode::{Decoder, PERMISSIONS};
use super::{Args, BoxFuture, Caller, Endpoint, Given, Input, Kind};
use crate::error::{Code, Error, Result};
use crate::trust::TrustClient;

const PACKAGE: Input = Input::optional("package", Kind::Package);
const TEAM: Input = Input::new("team", Kind::Team);

/// Fields every `npm access` row shares.
const ACCESS: Endpoint = Endpoint {
    command: "access",
    subject: "package {package}",
    ..Endpoint::ROW
};

/// `{ public: true }` (what npm reads) as `{ package, visibility }`.
const VISIBILITY: Decoder = Decoder {
    what: "the package's visibility",
    read: |answer, args| {
        let public = answer.get("public")?.as_bool()?;
        Some(json!({
            "package": args.package.as_ref()?.as_str(),
            "visibility": if public { "public" } else { "private" },
        }))
    },
};

/// `npm access get status`.
pub const GET_PACKAGE_ACCESS: Endpoint = Endpoint {
    name: "getPackageAccess",
    path: "-/package/{package}/visibility",
    inputs: &[PACKAGE],
    decode: Some(VISIBILITY),
    action: "read the access settings of {package}",
    ..ACCESS
};

/// `npm access set status=public|private` and `npm access set mfa=none|publish|automation`.
pub const SET_PACKAGE_ACCESS: Endpoint = Endpoint {
    name: "setPackageAccess",
    method: Method::POST,
    path: "-/package/{package}/access",
    inputs: &[
        PACKAGE,
        Input::optional(
            "visibility",
            Kind::Choice {
                choices: &["public", "private"],
            },
        ),
        Input::optional("publishRequiresTfa", Kind::Flag),
        Input::optional("automationTokenOverridesTfa", Kind::Flag),
    ],
    body: Some(access_body),
    otp: true,
    action: "change the access settings of {package}",
    changes: true,
    ..ACCESS
};

/// The last step of moving to trusted publishing: once the package has a trusted publisher,
/// require 2FA and disallow tokens for publishing (`npm access set mfa=publish`). A package with
/// none is left alone (`skipped`): with tokens disallowed, nothing could publish it.
pub const LOCK_DOWN: Endpoint = Endpoint {
    name: "lockDownPackage",
    inputs: &[PACKAGE],
    body: None,
    custom: Some(lock_down),
    steps: &[&SET_PACKAGE_ACCESS],
    action: "lock down {package}",
    ..SET_PACKAGE_ACCESS
};

fn lock_down<'a>(caller: &'a Caller<'a>, mut args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let Some(package) = args.package.clone() else {
            return Err(Error::invalid_input(
                "package",
                "Option `package` is required.",
            ));
        };
        let registry = caller.registry(&LOCK_DOWN, &args)?;
        let publishers = TrustClient::new(registry).list(&package).await?;
        let mut result = Map::new();
        result.insert("package".into(), json!(package.as_str()));
        if publishers.is_empty() {
            result.insert("status".into(), json!("skipped"));
            result.insert("publishers".into(), json!([]));
            return Ok(Value::Object(result));
        }
        args.set("publishRequiresTfa", Given::Flag(true));
        args.set("automationTokenOverridesTfa", Given::Flag(false));
        let set = caller.run(&SET_PACKAGE_ACCESS, &args).await?;
        let dry_run = set["dryRun"] == json!(true);
        result.insert(
            "status".into(),
            json!(if dry_run { "planned" } else { "locked" }),
        );
        result.insert("publishers".into(), json!(publishers));
        if let Value::Object(set) = set {
            result.extend(set);
        }
        Ok(Value::Object(result))
    })
}

/// libnpmaccess's bodies, in its key order: `{ access }` for the status (`private` is
/// `restricted` on the wire), `{ publish_requires_tfa, automation_token_overrides_tfa }` for 2FA.
fn access_body(args: &Args) -> Result<Value> {
    let mut body = Map::new();
    if let Some(visibility) = args.text("visibility") {
        if args.package.as_ref().and_then(|p| p.scope()).is_none() {
            return Err(Error::invalid_input(
                "visibility",
                "Only scoped packages (`@scope/name`) can be made private or public; an unscoped \
                 package is always public.",
            ));
        }
        let access = if visibility == "private" {
            "restricted"
        } else {
            "public"
        };
        body.insert("access".into(), json!(access));
    }
    for (option, field) in [
        ("publishRequiresTfa", "publish_requires_tfa"),
        (
            "automationTokenOverridesTfa",
            "automation_token_overrides_tfa",
        ),
    ] {
        if let Some(flag) = args.flag(option) {
            body.insert(field.into(), json!(flag));
        }
    }
    if body.is_empty() {
        return Err(Error::invalid_input(
            "visibility",
            "Nothing to set: pass `visibility`, `publishRequiresTfa` or \
             `automationTokenOverridesTfa`.",
        ));
    }
    Ok(Value::Object(body))
}

/// `npm access list collaborators`.
pub const LIST_COLLABORATORS: Endpoint = Endpoint {
    name: "listCollaborators",
    path: "-/package/{package}/collaborators",
    inputs: &[PACKAGE],
    decode: Some(PERMISSIONS),
    action: "list the collaborators of {package}",
    ..ACCESS
};

/// `npm access list packages [<user>|<org>|<org:team>]`: a team's packages, or an org's, and
/// when there is no such org, the user's (npm cannot tell them apart). The logged-in user's by
/// default.
pub const LIST_PACKAGES: Endpoint = Endpoint {
    custom: Some(list_packages),
    steps: &[&TEAM_PACKAGES, &USER_PACKAGES, &WHOAMI],
    ..ORG_PACKAGES
};

const ORG_PACKAGES: Endpoint = Endpoint {
    name: "listPackages",
    path: "-/org/{org}/package",
    inputs: &[Input::optional("owner", Kind::Text)],
    decode: Some(PERMISSIONS),
    action: "list the packages of {owner}",
    subject: "org {owner}",
    ..ACCESS
};

const TEAM_PACKAGES: Endpoint = Endpoint {
    path: "-/team/{org}/{team}/package",
    subject: "team {team}",
    ..ORG_PACKAGES
};

const USER_PACKAGES: Endpoint = Endpoint {
    path: "-/user/{org}/package",
    subject: "user or org {owner}",
    ..ORG_PACKAGES
};

fn list_packages<'a>(caller: &'a Caller<'a>, mut args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let owner = match args.text("owner") {
            Some(owner) => owner.to_string(),
            None => whoami(caller, &args).await?,
        };
        // libnpmaccess's parseTeam: `[@]scope[:team]`.
        let bare = owner.strip_prefix('@').unwrap_or(&owner);
        let (org, team) = bare.split_once(':').unwrap_or((bare, ""));
        args.org = Some(org.to_string());
        args.set("owner", super::Given::Text(owner.clone()));
        if !team.is_empty() {
            args.team = Some(team.to_string());
            return caller.run(&TEAM_PACKAGES, &args).await;
        }
        match caller.run(&ORG_PACKAGES, &args).await {
            Err(e) if e.code == Code::Http(404) => caller.run(&USER_PACKAGES, &args).await,
            other => other,
        }
    })
}

/// `npm whoami`: `{ username }`.
pub const WHOAMI: Endpoint = Endpoint {
    name: "whoami",
    command: "whoami",
    path: "-/whoami",
    decode: Some(Decoder {
        what: "a user name",
        read: |answer, _| Some(json!({ "username": answer.get("username")?.as_str()? })),
    }),
    action: "look up who you are logged in as",
    subject: "the logged-in user",
    ..ACCESS
};

async fn whoami(caller: &Caller<'_>, args: &Args) -> Result<String> {
    let answer = caller.run(&WHOAMI, args).await?;
    Ok(answer["username"].as_str().unwrap_or_default().to_string())
}

/// `npm access grant <read-only|read-write> <org:team> [<package>]`.
pub const GRANT_ACCESS: Endpoint = Endpoint {
    name: "grantAccess",
    method: Method::PUT,
    path: "-/team/{org}/{team}/package",
    inputs: &[
        TEAM,
        PACKAGE,
        Input::new(
            "permissions",
            Kind::Choice {
                choices: &["read-only", "read-write"],
            },
        ),
    ],
    body: Some(|args| {
        Ok(json!({
            "package": args.package.as_ref().map(|p| p.as_str()),
            "permissions": args.text("permissions"),
        }))
    }),
    otp: true,
    scope_header: true,
    action: "grant {team} access to {package}",
    subject: "team {team} or package {package}",
    changes: true,
    ..ACCESS
};

/// `npm access revoke <org:team> [<package>]`.
pub const REVOKE_ACCESS: Endpoint = Endpoint {
    name: "revokeAccess",
    method: Method::DELETE,
    inputs: &[TEAM, PACKAGE],
    body: Some(|args| Ok(json!({ "package": args.package.as_ref().map(|p| p.as_str()) }))),
    action: "revoke the access of {team} to {package}",
    ..GRANT_ACCESS
};
