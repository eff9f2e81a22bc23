//! Fake OIDC issuers for GitHub Actions, GitLab, CircleCI and Google: real RS256 JWTs signed with
//! each issuer's own test key, JWKS to verify them, and claims shaped like the real providers'.

use ring::rand::SystemRandom;
use ring::signature::{
    RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use serde_json::{json, Map, Value};

use crate::oidc::jwt::{self, b64url_decode, b64url_encode};

/// How long the providers' id_tokens live (GitHub's are valid for minutes, not hours).
pub const ID_TOKEN_LIFETIME: i64 = 300;

pub struct Issuer {
    /// `github`, `gitlab`, `circleci`, `google`: the provider the token is from.
    pub provider: &'static str,
    /// The `iss` claim; CircleCI's ends with the organization id.
    iss: &'static str,
    kid: &'static str,
    key: RsaKeyPair,
    public: RsaPublicKeyComponents<Vec<u8>>,
}

impl Issuer {
    fn new(provider: &'static str, iss: &'static str, kid: &'static str, pkcs8: &[u8]) -> Issuer {
        let key = RsaKeyPair::from_pkcs8(pkcs8)
            .expect("the committed test keys are valid PKCS#8 RSA keys");
        let public = RsaPublicKeyComponents::from(key.public());
        Issuer {
            provider,
            iss,
            kid,
            key,
            public,
        }
    }

    fn issuer_for(&self, claims: &Map<String, Value>) -> String {
        match self.provider {
            "circleci" => format!(
                "{}{}",
                self.iss,
                claims
                    .get("oidc.circleci.com/org-id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
            _ => self.iss.to_string(),
        }
    }

    /// The issuer's public key as a JWK.
    pub fn jwk(&self) -> Value {
        let unsigned =
            |bytes: &[u8]| b64url_encode(&bytes[bytes.iter().take_while(|b| **b == 0).count()..]);
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": unsigned(&self.public.n),
            "e": unsigned(&self.public.e),
        })
    }

    /// Signs `claims` over the provider's defaults (see [`defaults`]), for `audience`, valid
    /// for `lifetime` seconds from now (negative: already expired).
    pub fn issue(&self, audience: &str, overrides: &Value, lifetime: i64) -> String {
        let now = jwt::now();
        let mut claims = defaults(self.provider, overrides);
        claims.insert("iss".into(), Value::String(self.issuer_for(&claims)));
        claims.insert("aud".into(), Value::String(audience.into()));
        claims.insert("iat".into(), json!(now.min(now + lifetime)));
        claims.insert("nbf".into(), json!(now.min(now + lifetime) - 5));
        claims.insert("exp".into(), json!(now + lifetime));
        claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        for (k, v) in overrides.as_object().into_iter().flatten() {
            if ["aud", "exp", "nbf", "iat", "iss", "jti"].contains(&k.as_str()) {
                claims.insert(k.clone(), v.clone());
            }
        }
        self.sign(&Value::Object(claims))
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid });
        let signing_input = format!(
            "{}.{}",
            b64url_encode(header.to_string().as_bytes()),
            b64url_encode(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing with a valid key does not fail");
        format!("{signing_input}.{}", b64url_encode(&signature))
    }

    /// Checks the signature with this issuer's key; answers the claims.
    fn verify_signature(&self, token: &str) -> Result<Value, String> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or("malformed token")?;
        let signature = b64url_decode(signature).ok_or("malformed signature")?;
        self.public
            .verify(
                &RSA_PKCS1_2048_8192_SHA256,
                signing_input.as_bytes(),
                &signature,
            )
            .map_err(|_| "invalid signature".to_string())?;
        jwt::decode(token).map(|j| j.claims).map_err(|e| e.message)
    }
}

pub struct Issuers(Vec<Issuer>);

impl Issuers {
    pub fn new() -> Issuers {
        Issuers(vec![
            Issuer::new(
                "github",
                "https://token.actions.githubusercontent.com",
                "github-test-key",
                include_bytes!("keys/github.pk8"),
            ),
            Issuer::new(
                "gitlab",
                "https://gitlab.com",
                "gitlab-test-key",
                include_bytes!("keys/gitlab.pk8"),
            ),
            Issuer::new(
                "circleci",
                "https://oidc.circleci.com/org/",
                "circleci-test-key",
                include_bytes!("keys/circleci.pk8"),
            ),
            Issuer::new(
                "google",
                "https://accounts.google.com",
                "google-test-key",
                include_bytes!("keys/google.pk8"),
            ),
        ])
    }

    pub fn get(&self, provider: &str) -> Option<&Issuer> {
        self.0.iter().find(|i| i.provider == provider)
    }

    /// Verifies a token as a relying party does: the issuer it names must be one we trust, its
    /// key must have signed it, and it must be for `audience` and within its validity window.
    /// Answers the issuing provider and the claims, or why not.
    pub fn verify(&self, token: &str, audience: &str) -> Result<(&'static str, Value), String> {
        let claims = jwt::decode(token)
            .map_err(|_| "malformed token".to_string())?
            .claims;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let issuer = self
            .0
            .iter()
            .find(|i| {
                if i.provider == "circleci" {
                    iss.starts_with(i.iss)
                } else {
                    iss == i.iss
                }
            })
            .ok_or_else(|| format!("untrusted issuer {iss}"))?;
        let claims = issuer.verify_signature(token)?;
        let decoded = jwt::Jwt {
            header: Value::Null,
            claims,
        };
        if !decoded.audiences().iter().any(|a| a == audience) {
            return Err(format!("invalid audience, expected {audience}"));
        }
        let now = jwt::now();
        if decoded.expires_at().is_none_or(|exp| exp <= now) {
            return Err("token expired".into());
        }
        if decoded.not_before().is_some_and(|nbf| nbf > now + 60) {
            return Err("token not yet valid".into());
        }
        Ok((issuer.provider, decoded.claims))
    }
}

fn text(claims: &Map<String, Value>, key: &str) -> String {
    claims
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Sets each claim the test did not set.
fn fill(claims: &mut Map<String, Value>, defaults: Value) {
    for (key, value) in defaults.as_object().into_iter().flatten() {
        claims.entry(key.clone()).or_insert_with(|| value.clone());
    }
}

/// A provider's claims with realistic defaults for whatever the test did not set. Derived claims
/// (GitHub's `workflow_ref` from `repository`, GitLab's `ci_config_ref_uri` from `project_path`)
/// follow the values given.
pub fn defaults(provider: &str, overrides: &Value) -> Map<String, Value> {
    let mut c: Map<String, Value> = overrides.as_object().cloned().unwrap_or_default();
    match provider {
        "github" => {
            fill(&mut c, json!({ "repository": "acme/widgets" }));
            let repository = text(&c, "repository");
            let owner = repository.split('/').next().unwrap_or_default().to_string();
            fill(
                &mut c,
                json!({
                    "repository_owner": owner,
                    "repository_id": "123456789",
                    "repository_owner_id": "987654321",
                    "repository_visibility": "private",
                    "workflow": "Release",
                    "workflow_ref": format!("{repository}/.github/workflows/release.yml@refs/heads/main"),
                    "ref": "refs/heads/main",
                    "ref_type": "branch",
                    "sha": "8f4b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
                    "event_name": "push",
                    "runner_environment": "github-hosted",
                }),
            );
            let sub = match c.get("environment").and_then(Value::as_str) {
                Some(env) => format!("repo:{repository}:environment:{env}"),
                None => format!("repo:{repository}:ref:refs/heads/main"),
            };
            let workflow_ref = text(&c, "workflow_ref");
            fill(
                &mut c,
                json!({ "job_workflow_ref": workflow_ref, "sub": sub }),
            );
        }
        "gitlab" => {
            fill(&mut c, json!({ "project_path": "acme/widgets" }));
            let project = text(&c, "project_path");
            let namespace = project.rsplit_once('/').map_or("", |(n, _)| n).to_string();
            fill(
                &mut c,
                json!({
                    "namespace_path": namespace,
                    "ci_config_ref_uri": format!("gitlab.com/{project}//.gitlab-ci.yml@refs/heads/main"),
                    "ref": "main",
                    "ref_type": "branch",
                    "pipeline_source": "push",
                    "project_visibility": "private",
                    "runner_environment": "gitlab-hosted",
                    "sub": format!("project_path:{project}:ref_type:branch:ref:main"),
                }),
            );
        }
        "circleci" => {
            fill(
                &mut c,
                json!({
                    "oidc.circleci.com/org-id": "8d5e3c8a-1b6f-4a1e-9c1d-2f3a4b5c6d7e",
                    "oidc.circleci.com/project-id": "2b7f4e1c-3d5a-4b6c-8d9e-0f1a2b3c4d5e",
                    "oidc.circleci.com/pipeline-definition-id": "6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                    "oidc.circleci.com/vcs-origin": "github.com/acme/widgets",
                    "oidc.circleci.com/vcs-ref": "refs/heads/main",
                    "oidc.circleci.com/context-ids": [],
                    "oidc.circleci.com/ssh-rerun": false,
                }),
            );
            let sub = format!(
                "org/{}/project/{}/user/4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
                text(&c, "oidc.circleci.com/org-id"),
                text(&c, "oidc.circleci.com/project-id")
            );
            fill(&mut c, json!({ "sub": sub }));
        }
        "google" => fill(
            &mut c,
            json!({
                "email": "publisher@acme-project.iam.gserviceaccount.com",
                "email_verified": true,
                "sub": "112233445566778899000",
                "azp": "112233445566778899000",
            }),
        ),
        _ => {}
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_only_for_their_audience_and_issuer() {
        let issuers = Issuers::new();
        let github = issuers.get("github").unwrap();
        let token = github.issue("npm:127.0.0.1", &json!({"repository": "acme/tools"}), 300);
        let (provider, claims) = issuers.verify(&token, "npm:127.0.0.1").unwrap();
        assert_eq!(provider, "github");
        assert_eq!(
            claims["workflow_ref"],
            "acme/tools/.github/workflows/release.yml@refs/heads/main"
        );
        assert_eq!(claims["repository_owner"], "acme");

        assert!(issuers
            .verify(&token, "npm:registry.npmjs.org")
            .unwrap_err()
            .contains("audience"));
        let expired = github.issue("npm:127.0.0.1", &json!({}), -10);
        assert_eq!(
            issuers.verify(&expired, "npm:127.0.0.1").unwrap_err(),
            "token expired"
        );

        // A token claiming GitHub's issuer but signed with GitLab's key is forged.
        let gitlab = issuers.get("gitlab").unwrap();
        let forged = gitlab.sign(&json!({"iss": "https://token.actions.githubusercontent.com", "aud": "a", "exp": jwt::now() + 60}));
        assert_eq!(
            issuers.verify(&forged, "a").unwrap_err(),
            "invalid signature"
        );
        // Tampered claims break the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let tampered = b64url_encode(br#"{"iss":"https://token.actions.githubusercontent.com","aud":"npm:127.0.0.1","exp":9999999999}"#);
        parts[1] = &tampered;
        assert_eq!(
            issuers
                .verify(&parts.join("."), "npm:127.0.0.1")
                .unwrap_err(),
            "invalid signature"
        );
    }

    #[test]
    fn circleci_issuer_names_the_org_and_jwks_are_rsa() {
        let issuers = Issuers::new();
        let token = issuers.get("circleci").unwrap().issue(
            "npm:x",
            &json!({"oidc.circleci.com/org-id": "org-1"}),
            60,
        );
        let (_, claims) = issuers.verify(&token, "npm:x").unwrap();
        assert_eq!(claims["iss"], "https://oidc.circleci.com/org/org-1");
        let jwk = issuers.get("google").unwrap().jwk();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["alg"].as_str()),
            (Some("RSA"), Some("RS256"))
        );
    }
}
