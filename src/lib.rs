//! trust-native's Node.js binding: the only crate that knows napi. It decodes JS options into
//! core requests, runs the core (`trust_core`) on napi's tokio runtime, and turns core results
//! and errors into JS values.

// napi-derive registers exports only outside `cfg(test)`, so the unit-test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

// The class and the macro that adds each operation to it, first: index.d.ts declares the class's
// members in the order napi-derive sees them, and the constructor comes first there.
mod client;
mod operation;

mod api;
mod bulk;
mod config;
mod disttag;
mod engine;
mod errors;
mod history;
mod js_support;
mod oidc;
mod options;
mod prompt;
mod provenance;
mod publish;
mod settle;
mod to_js;
mod trust;
mod workflow;

/// One tokio worker thread: a call's task and its HTTP connection's task then run on the same
/// thread, so a request crosses threads only to start and to settle its Promise. The work is
/// network-bound; a second worker only adds hand-offs (measured in bench/per-call.mjs).
#[napi_derive::module_init]
fn init() {
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
