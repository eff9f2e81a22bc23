//! What the integration tests share: the JavaScript registry emulator as a child process
//! (`emulator`), emulator users, an environment isolated from the machine's npm configuration,
//! and the usual GitHub publisher input.
// Each test binary uses part of this.
#![allow(dead_code)]

pub mod emulator;

use std::path::Path;

use serde_json::{json, Value};
use trust_core::config::EnvVars;
use trust_core::trust::{OptionValue, PublisherInput, Values};

/// A user with 2FA and the given authenticator code, as the emulator's seed gives users.
pub fn user(name: &str, token: &str, otp: &str) -> Value {
    json!({"name": name, "token": token, "tfa": true, "otp": otp, "bypass2fa": false})
}

/// Variables that point npm config at `home` (user .npmrc) and at no global npmrc, and nothing
/// else: no token or registry from the machine running the tests.
pub fn isolated_env(home: &Path) -> EnvVars {
    let mut env = EnvVars::default();
    env.set("HOME", home.to_str().unwrap_or_default());
    env.set(
        "npm_config_globalconfig",
        home.join("no-global-npmrc").to_str().unwrap_or_default(),
    );
    env
}

/// A GitHub publisher input: `repository` and workflow `file`.
pub fn github_input(repository: &str, file: &str) -> PublisherInput {
    let mut values = Values::default();
    values.set("repository", OptionValue::Text(repository.into()));
    values.set("file", OptionValue::Text(file.into()));
    PublisherInput {
        values,
        ..PublisherInput::default()
    }
}
