//! trust-native's Node.js binding: the only crate that knows napi. It decodes JS options into
//! core requests, runs the core (`trust_core`) on napi's tokio runtime, and turns core results
//! and errors into JS values.

// napi-derive registers exports only outside `cfg(test)`, so the unit-test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

mod bulk;
mod client;
mod config;
mod engine;
mod errors;
mod oidc;
mod options;
mod prompt;
mod to_js;
mod trust;
