//! trust-native: npm trusted publishing from Node.js, in Rust.
//!
//! The core modules know nothing of Node; `binding` is the one place that does, converting JS
//! options into core calls and core errors into JS errors.

pub mod bulk;
pub mod config;
pub mod emulator;
pub mod error;
pub mod oidc;
pub mod package;
pub mod registry;
pub mod repository;
pub mod session;
pub mod trust;

#[cfg(test)]
mod fuzz;

// napi-derive registers exports only outside `cfg(test)`, so the unit-test build sees them unused.
#[cfg_attr(test, allow(dead_code))]
mod binding;
