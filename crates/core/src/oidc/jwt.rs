//! Reading a JWT without verifying it: enough to say whose token it is, for which audience, and
//! until when. Verification is the registry's job (and the emulator's).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Code, Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
}

pub fn b64url_decode(part: &str) -> Option<Vec<u8>> {
    // Some issuers pad; the JWT spec does not. Accept both.
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn not_a_jwt(why: &str) -> Error {
    Error::invalid_input("idToken", format!("The id_token is not a JWT: {why}"))
}

/// Decodes header and claims. The signature is neither checked nor kept.
pub fn decode(token: &str) -> Result<Jwt> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(claims), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_a_jwt("expected three dot-separated parts"));
    };
    let json = |part: &str, what: &str| -> Result<Value> {
        let bytes = b64url_decode(part)
            .ok_or_else(|| not_a_jwt(&format!("the {what} is not base64url")))?;
        match serde_json::from_slice(&bytes) {
            Ok(value @ Value::Object(_)) => Ok(value),
            _ => Err(not_a_jwt(&format!("the {what} is not a JSON object"))),
        }
    };
    Ok(Jwt {
        header: json(header, "header")?,
        claims: json(claims, "payload")?,
    })
}

impl Jwt {
    /// `aud` as a list (the claim may be a string or an array).
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        }
    }

    fn seconds(&self, claim: &str) -> Option<i64> {
        self.claims
            .get(claim)
            .and_then(Value::as_f64)
            .map(|s| s as i64)
    }

    pub fn expires_at(&self) -> Option<i64> {
        self.seconds("exp")
    }

    pub fn not_before(&self) -> Option<i64> {
        self.seconds("nbf")
    }

    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Checks the audience and the validity window; the codes say which is wrong.
pub fn check(jwt: &Jwt, audience: &str, now: i64) -> Result<()> {
    let audiences = jwt.audiences();
    if !audiences.iter().any(|a| a == audience) {
        return Err(Error::new(
            Code::OidcAudience,
            format!(
                "The id_token is for audience {} but this needs \"{audience}\". Request the id_token \
                 with that audience{}.",
                if audiences.is_empty() { "(none)".to_string() } else { format!("\"{}\"", audiences.join("\", \"")) },
                audience_hint(jwt, audience),
            ),
        ));
    }
    if let Some(exp) = jwt.expires_at().filter(|exp| *exp <= now) {
        return Err(Error::new(
            Code::OidcExpired,
            format!(
                "The id_token expired {} ago. CI id_tokens live minutes: request it right before \
                 the exchange, not at the start of a long job.",
                ago(now - exp)
            ),
        ));
    }
    if let Some(nbf) = jwt.not_before().filter(|nbf| *nbf > now + 60) {
        return Err(Error::new(
            Code::OidcExpired,
            format!(
                "The id_token is not valid for another {}; check the machine's clock.",
                ago(nbf - now)
            ),
        ));
    }
    Ok(())
}

fn audience_hint(jwt: &Jwt, audience: &str) -> String {
    let circleci = jwt
        .issuer()
        .is_some_and(|i| i.starts_with("https://oidc.circleci.com/"));
    if circleci {
        format!(
            " (CircleCI's own $CIRCLE_OIDC_TOKEN carries your organization id as its audience; \
             mint one for the registry with `circleci run oidc get --claims '{{\"aud\":\"{audience}\"}}'` \
             and put it in NPM_ID_TOKEN)"
        )
    } else {
        String::new()
    }
}

fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(claims: Value) -> String {
        format!(
            "{}.{}.c2ln",
            b64url_encode(br#"{"alg":"RS256","kid":"k"}"#),
            b64url_encode(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn decodes_header_and_claims() {
        let jwt = decode(&token(
            json!({"aud": ["a", "b"], "exp": 100, "iss": "https://x"}),
        ))
        .unwrap();
        assert_eq!(jwt.header["kid"], "k");
        assert_eq!(jwt.audiences(), vec!["a", "b"]);
        assert_eq!(jwt.expires_at(), Some(100));
        assert_eq!(jwt.issuer(), Some("https://x"));
    }

    #[test]
    fn rejects_what_is_not_a_jwt() {
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.x",
            &format!("{}.{}.x", b64url_encode(b"[]"), b64url_encode(b"{}")),
        ] {
            let e = decode(bad).unwrap_err();
            assert_eq!(e.code, Code::InvalidInput, "{bad}");
            assert!(!e.message.contains(bad) || bad.is_empty());
        }
    }

    #[test]
    fn checks_audience_and_expiry_with_codes() {
        let jwt = decode(&token(
            json!({"aud": "npm:registry.npmjs.org", "exp": 1000}),
        ))
        .unwrap();
        assert!(check(&jwt, "npm:registry.npmjs.org", 999).is_ok());
        assert_eq!(
            check(&jwt, "npm:registry.npmjs.org", 1000)
                .unwrap_err()
                .code,
            Code::OidcExpired
        );
        let wrong = check(&jwt, "pypi", 0).unwrap_err();
        assert_eq!(wrong.code, Code::OidcAudience);
        assert!(
            wrong.message.contains("\"npm:registry.npmjs.org\"")
                && wrong.message.contains("\"pypi\"")
        );

        let circle = decode(&token(
            json!({"aud": "org-uuid", "iss": "https://oidc.circleci.com/org/org-uuid"}),
        ))
        .unwrap();
        assert!(check(&circle, "npm:registry.npmjs.org", 0)
            .unwrap_err()
            .message
            .contains("circleci run oidc get"));
    }
}
