//! Teams of an org and their members (`npm team`, libnpmteam).

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::decode::{pick, Decoder, Type, NAMES};
use super::{Endpoint, Input, Kind, Query};

const TEAM: Input = Input::new("team", Kind::Team);
const USER: Input = Input::new("user", Kind::Text);

/// `npm team ls <org>`: the org's teams as `org:team`.
pub const LIST_TEAMS: Endpoint = Endpoint {
    name: "listTeams",
    command: "team",
    path: "-/org/{org}/team",
    query: &[Query::Fixed("format", "cli")],
    inputs: &[Input::new("org", Kind::Org)],
    decode: Some(NAMES),
    // npm team runs every subcommand inside otplease.
    otp: true,
    // libnpmteam sends `npm-scope` with its changes, not with its lists.
    action: "list the teams of org {org}",
    subject: "org {org}",
    ..Endpoint::ROW
};

/// `npm team create <org:team>`.
pub const CREATE_TEAM: Endpoint = Endpoint {
    name: "createTeam",
    method: Method::PUT,
    query: &[],
    inputs: &[TEAM, Input::optional("description", Kind::Text)],
    body: Some(|args| {
        let mut body = Map::new();
        body.insert("name".into(), json!(args.team));
        if let Some(description) = args.text("description") {
            body.insert("description".into(), json!(description));
        }
        Ok(Value::Object(body))
    }),
    decode: Some(Decoder {
        what: "a team",
        read: |answer, _| {
            Some(Value::Object(pick(
                answer,
                &[
                    ("name", "name", Type::Text),
                    ("description", "description", Type::Text),
                ],
            )))
        },
    }),
    answer: Some("team"),
    scope_header: true,
    action: "create team {team}",
    changes: true,
    ..LIST_TEAMS
};

/// `npm team destroy <org:team>`.
pub const DESTROY_TEAM: Endpoint = Endpoint {
    name: "destroyTeam",
    method: Method::DELETE,
    path: "-/team/{org}/{team}",
    query: &[],
    inputs: &[TEAM],
    decode: None,
    scope_header: true,
    action: "delete team {team}",
    subject: "team {team}",
    changes: true,
    ..LIST_TEAMS
};

/// `npm team ls <org:team>`: the team's members.
pub const LIST_TEAM_MEMBERS: Endpoint = Endpoint {
    name: "listTeamMembers",
    path: "-/team/{org}/{team}/user",
    inputs: &[TEAM],
    action: "list the members of team {team}",
    subject: "team {team}",
    ..LIST_TEAMS
};

/// `npm team add <org:team> <user>`: the user must already be a member of the org.
pub const ADD_TEAM_MEMBER: Endpoint = Endpoint {
    name: "addTeamMember",
    method: Method::PUT,
    path: "-/team/{org}/{team}/user",
    query: &[],
    inputs: &[TEAM, USER],
    body: Some(|args| Ok(json!({ "user": args.text("user") }))),
    decode: None,
    scope_header: true,
    action: "add {user} to team {team}",
    subject: "team {team} or user {user}",
    changes: true,
    ..LIST_TEAMS
};

/// `npm team rm <org:team> <user>`.
pub const REMOVE_TEAM_MEMBER: Endpoint = Endpoint {
    name: "removeTeamMember",
    method: Method::DELETE,
    action: "remove {user} from team {team}",
    subject: "team {team} or its member {user}",
    ..ADD_TEAM_MEMBER
};
