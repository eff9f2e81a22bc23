//! Org memberships (`npm org`, libnpmorg).

use reqwest::Method;
use serde_json::{json, Value};

use super::decode::{pick, Decoder, Type, ROLES};
use super::{Args, Endpoint, Input, Kind};

const ORG: Input = Input::new("org", Kind::Org);
const USER: Input = Input::new("user", Kind::Text);

/// `npm org ls <org>`: `{ user: role }`.
pub const LIST_ORG_MEMBERS: Endpoint = Endpoint {
    name: "listOrgMembers",
    command: "org",
    path: "-/org/{org}/user",
    inputs: &[ORG],
    decode: Some(ROLES),
    // npm org runs every subcommand inside otplease.
    otp: true,
    action: "list the members of org {org}",
    subject: "org {org}",
    ..Endpoint::ROW
};

/// `npm org set <org> <user> [developer|admin|owner]`: adds the user (an invitation) or
/// changes their role. The registry answers the membership and the org's new size.
pub const SET_ORG_MEMBER: Endpoint = Endpoint {
    name: "setOrgMember",
    method: Method::PUT,
    inputs: &[
        ORG,
        USER,
        Input::optional(
            "role",
            Kind::Choice {
                choices: &["developer", "admin", "owner"],
            },
        ),
    ],
    body: Some(|args| {
        // npm org set's default role.
        Ok(json!({ "user": user(args), "role": args.text("role").unwrap_or("developer") }))
    }),
    decode: Some(MEMBERSHIP),
    answer: Some("membership"),
    action: "set the membership of {user} in org {org}",
    changes: true,
    ..LIST_ORG_MEMBERS
};

/// `npm org rm <org> <user>`.
pub const REMOVE_ORG_MEMBER: Endpoint = Endpoint {
    name: "removeOrgMember",
    method: Method::DELETE,
    inputs: &[ORG, USER],
    body: Some(|args| Ok(json!({ "user": user(args) }))),
    decode: None,
    answer: None,
    action: "remove {user} from org {org}",
    subject: "org {org} or its member {user}",
    changes: true,
    ..LIST_ORG_MEMBERS
};

/// libnpmorg drops a leading `@` from the user name.
fn user(args: &Args) -> &str {
    let user = args.text("user").unwrap_or_default();
    user.strip_prefix('@').unwrap_or(user)
}

/// `{ org: { name, size }, user, role }`.
const MEMBERSHIP: Decoder = Decoder {
    what: "a membership",
    read: |answer, _| {
        let mut membership = pick(
            answer,
            &[("user", "user", Type::Text), ("role", "role", Type::Text)],
        );
        if let Some(org) = answer.get("org") {
            let org = pick(
                org,
                &[("name", "name", Type::Text), ("size", "size", Type::Number)],
            );
            membership.insert("org".into(), Value::Object(org));
        }
        Some(Value::Object(membership))
    },
};
