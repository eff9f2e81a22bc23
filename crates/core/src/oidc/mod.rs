//! OIDC in CI: getting the provider's id_token, exchanging it for an npm token or a PyPI token,
//! and explaining why an exchange fails.

pub mod ci;
pub mod diagnose;
pub mod exchange;
pub mod jwt;
pub mod pypi;
pub mod sources;

use serde::Serialize;
use serde_json::Value;

use crate::config::EnvVars;
use crate::error::Result;
use crate::registry::Context;

/// An id_token and what it says. `Debug` never shows the token.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdToken {
    pub token: String,
    /// The CI provider that issued it (`github`, `gitlab`, `circleci`, `google`, ...), from
    /// its issuer.
    pub provider: Option<String>,
    /// Where it came from: `$NPM_ID_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_URL`, ...
    pub source: String,
    pub header: Value,
    pub claims: Value,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for IdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdToken(*** from {}, {:?})", self.source, self.provider)
    }
}

impl IdToken {
    fn from_token(token: String, source: String) -> Result<IdToken> {
        let decoded = jwt::decode(&token)?;
        Ok(IdToken {
            provider: diagnose::token_provider(&decoded.claims).map(str::to_string),
            expires_at: decoded.expires_at(),
            header: decoded.header,
            claims: decoded.claims,
            token,
            source,
        })
    }

    pub fn jwt(&self) -> jwt::Jwt {
        jwt::Jwt {
            header: self.header.clone(),
            claims: self.claims.clone(),
        }
    }
}

/// The given id_token, or one from the CI provider for `audience`. Only decoded: the caller
/// checks audience and expiry where it matters.
pub(crate) async fn id_token_for(
    audience: &str,
    given: Option<String>,
    variable: Option<&str>,
    env: &EnvVars,
    context: &Context,
) -> Result<IdToken> {
    match given {
        Some(token) => IdToken::from_token(token, "the idToken option".into()),
        None => {
            let (token, source) =
                sources::fetch(audience, variable, env, &context.http.plain()?).await?;
            IdToken::from_token(token, source.describe())
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct IdTokenOptions {
    /// Default `npm:registry.npmjs.org`.
    pub audience: Option<String>,
    /// Read the token from this environment variable (GitLab `id_tokens:` names).
    pub variable: Option<String>,
    pub env: Option<EnvVars>,
    pub context: std::sync::Arc<Context>,
}

/// The CI provider's id_token for `audience`, checked for audience and expiry.
pub async fn get_id_token(options: IdTokenOptions) -> Result<IdToken> {
    let env = options.env.unwrap_or_else(EnvVars::from_process);
    let audience = options
        .audience
        .unwrap_or_else(|| "npm:registry.npmjs.org".into());
    let token = id_token_for(
        &audience,
        None,
        options.variable.as_deref(),
        &env,
        &options.context,
    )
    .await?;
    jwt::check(&token.jwt(), &audience, jwt::now())?;
    Ok(token)
}
