//! Faults a test can inject: the registry and the network misbehaving the ways they do. A rule
//! matches requests by method and path, applies its fault before the registry acts (nothing
//! happened) or after (the change is made, but the client sees the fault), and expires after
//! `times` uses.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::server::{Reply, Request};

/// Size of the `oversized` answer: larger than any client should read.
pub const OVERSIZED: usize = 8 * 1024 * 1024;

/// One way of misbehaving.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// Answer with this status (429, 500, 503, ...), and `Retry-After` seconds if given.
    #[serde(rename_all = "camelCase")]
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Wait this long before answering.
    #[serde(rename_all = "camelCase")]
    Latency { ms: u64 },
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a truncated JSON body.
    MalformedJson,
    /// Answer 200 with a body of 8 MiB.
    Oversized,
    /// Answer 307 to the same path on another origin.
    #[serde(rename_all = "camelCase")]
    Redirect { location: String },
    /// Send the answer's body in pieces over this long.
    #[serde(rename_all = "camelCase")]
    SlowBody { ms: u64 },
    /// Answer this status with the request's headers in the error message, as a careless server
    /// might: what a client shows from it must still hide credentials.
    #[serde(rename_all = "camelCase")]
    Echo { status: u16 },
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    #[serde(flatten)]
    pub fault: Fault,
    /// How many matching requests it applies to; forever when absent.
    pub times: Option<u32>,
    /// Only requests with this method (`GET`, `POST`, ...).
    pub method: Option<String>,
    /// Only requests whose path contains this text.
    pub path: Option<String>,
    /// Apply after the registry acted on the request (a lost answer to a done change).
    #[serde(default)]
    pub after: bool,
}

impl FaultRule {
    fn matches(&self, request: &Request) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&request.method))
            && self
                .path
                .as_deref()
                .is_none_or(|p| request.raw_path.contains(p))
    }
}

/// Takes the first rule matching `request`, counting one use of it.
pub fn take(rules: &mut Vec<FaultRule>, request: &Request) -> Option<FaultRule> {
    let index = rules.iter().position(|r| r.matches(request))?;
    let rule = &mut rules[index];
    let taken = rule.clone();
    match rule.times {
        Some(1) => {
            rules.remove(index);
        }
        Some(n) => rule.times = Some(n - 1),
        None => {}
    }
    Some(taken)
}

/// The faulty answer that replaces (or, for latency and slow bodies, delays) `reply`.
pub async fn apply(fault: &Fault, request: &Request, reply: Reply) -> Reply {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let faulty = Reply::message(*status, &format!("Injected fault: status {status}"));
            match retry_after {
                Some(secs) => faulty.with_header("retry-after", &secs.to_string()),
                None => faulty,
            }
        }
        Fault::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            reply
        }
        Fault::Drop => Reply::hang_up(),
        Fault::MalformedJson => Reply::bytes(
            200,
            "application/json",
            br#"{"id": "3e4b2f1a-1111-4222-8333-44445555"#.to_vec(),
        ),
        Fault::Oversized => Reply::bytes(200, "application/json", vec![b' '; OVERSIZED]),
        Fault::Redirect { location } => {
            let target = format!(
                "{}/{}",
                location.trim_end_matches('/'),
                request.raw_path.trim_start_matches('/')
            );
            Reply::empty(307).with_header("location", &target)
        }
        Fault::SlowBody { ms } => Reply {
            trickle: Some((10, Duration::from_millis(ms / 10))),
            ..reply
        },
        Fault::Echo { status } => {
            let headers: Vec<String> = request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            Reply::message(
                *status,
                &format!("Bad request; you sent {}", headers.join("; ")),
            )
            .with_header("www-authenticate", "Bearer")
        }
    }
}
