//! Faults a test can inject: the registry misbehaving the ways real registries and networks do.
//! A rule matches requests by method and path, applies a fault, and expires after `times` uses.

use serde::{Deserialize, Serialize};

use super::server::Request;

/// One way of misbehaving.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// Answer with this status (429, 500, 503, ...) and the registry's error shape.
    #[serde(rename_all = "camelCase")]
    Status {
        status: u16,
        /// Seconds, sent as `Retry-After`.
        retry_after: Option<u64>,
    },
    /// Wait before handling the request normally.
    #[serde(rename_all = "camelCase")]
    Latency { ms: u64 },
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
pub fn take(rules: &mut Vec<FaultRule>, request: &Request) -> Option<Fault> {
    let index = rules.iter().position(|r| r.matches(request))?;
    let rule = &mut rules[index];
    let fault = rule.fault.clone();
    match rule.times {
        Some(1) => {
            rules.remove(index);
        }
        Some(n) => rule.times = Some(n - 1),
        None => {}
    }
    Some(fault)
}
