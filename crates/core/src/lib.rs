//! trust-native's core: npm trusted publishing in Rust, with no knowledge of Node.js. The
//! binding crate at the repository root is the only place that knows napi; Cargo keeps it that
//! way, since this crate does not depend on napi.

pub mod activity;
pub mod api;
pub mod bulk;
pub mod config;
pub mod context;
pub mod error;
pub mod files;
pub mod oidc;
pub mod package;
pub mod provenance;
pub mod provider;
pub mod publish;
pub mod read;
pub mod registry;
pub mod repository;
pub mod session;
pub mod trust;
pub mod workflow;
pub mod workspace;
pub mod yaml;

#[cfg(test)]
mod fuzz;
