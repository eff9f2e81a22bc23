//! Registry answers: a JSON value on success, else an [`Error`] with npm's code for the status
//! (npm-registry-fetch's `check-response`), the registry's own message, and nothing secret.

use serde_json::Value;

use crate::error::{Code, Error, Hint, HttpContext, Result, Secrets, WebAuth};

/// Longest registry text kept in an error: enough to read, short enough not to flood a log.
pub const EXCERPT: usize = 300;

/// A registry answer as read off the wire.
pub struct Raw<'a> {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: &'a [u8],
}

/// The JSON value of a success, or the error a failure stands for.
pub fn interpret(
    raw: Raw<'_>,
    mut context: HttpContext,
    secrets: &Secrets,
    otp_was_sent: bool,
) -> Result<Value> {
    let status = raw.status;
    context.status = Some(status);
    let text = String::from_utf8_lossy(raw.body);
    let json: Option<Value> = serde_json::from_slice(raw.body).ok();

    if (200..300).contains(&status) {
        return match json {
            Some(value) => Ok(value),
            None if text.trim().is_empty() => Ok(Value::Null),
            None => Err(Error::new(
                Code::Response,
                format!(
                    "The registry answered {} {} with something that is not JSON: \"{}\"",
                    context.method,
                    context.url,
                    secrets.excerpt(&text, EXCERPT)
                ),
            )
            .with_http(context)),
        };
    }

    context.registry_message = registry_message(json.as_ref(), &text, secrets);
    let said = context.said();
    let www_authenticate = raw.www_authenticate.map(|w| w.to_ascii_lowercase());
    let otp_challenge = status == 401
        && (www_authenticate
            .as_deref()
            .is_some_and(|w| w.split(',').any(|p| p.trim() == "otp"))
            || text.contains("one-time pass"));

    let error = if otp_challenge {
        let web_auth = json.as_ref().and_then(web_auth);
        let (message, hint) = if otp_was_sent {
            (
                "The one-time password was rejected: it may have expired (codes last 30 seconds).",
                Hint::FreshOtp,
            )
        } else {
            (
                "This operation requires two-factor authentication.",
                Hint::Otp,
            )
        };
        Error {
            web_auth,
            hint: Some(hint),
            ..Error::new(Code::Otp, format!("{message}{said}"))
        }
    } else if stage_required(json.as_ref(), &text) {
        Error::new(
            Code::StageRequired,
            format!(
                "The registry refused to publish directly with this token: it can only stage \
                 versions (a stage-only token, or one that bypasses 2FA, whose direct publishing \
                 ended in January 2027).{said}"
            ),
        )
        .with_hint(Hint::Stage)
    } else if status == 401
        && www_authenticate
            .as_deref()
            .is_some_and(|w| w.contains("ipaddress"))
    {
        Error::new(
            Code::Http(401),
            format!("Login is not allowed from your IP address.{said}"),
        )
    } else {
        Error::new(
            Code::Http(status),
            format!(
                "{} {} answered {status}.{said}",
                context.method, context.url
            ),
        )
    };
    Err(error.with_http(context))
}

/// The registry's `E_STAGE_REQUIRED`: in the body's `code`, or leading its message.
fn stage_required(json: Option<&Value>, text: &str) -> bool {
    const CODE: &str = "E_STAGE_REQUIRED";
    match json {
        Some(json) => {
            json.get("code").and_then(Value::as_str) == Some(CODE)
                || registry_message(Some(json), text, &Secrets::default())
                    .is_some_and(|m| m.starts_with(CODE))
        }
        None => text.trim_start().starts_with(CODE),
    }
}

/// The registry's message: `message` or `error` of a JSON body, else a short excerpt of the
/// text; scrubbed of `secrets`.
fn registry_message(json: Option<&Value>, text: &str, secrets: &Secrets) -> Option<String> {
    let from_json = json.and_then(|j| {
        ["message", "error", "reason"]
            .iter()
            .find_map(|k| j.get(k).and_then(Value::as_str))
            .map(|m| secrets.scrub(m))
    });
    from_json
        .or_else(|| {
            (json.is_none() && !text.trim().is_empty()).then(|| secrets.excerpt(text, EXCERPT))
        })
        .filter(|m| !m.trim().is_empty())
}

fn web_auth(json: &Value) -> Option<Box<WebAuth>> {
    Some(Box::new(WebAuth {
        auth_url: json.get("authUrl")?.as_str()?.to_string(),
        done_url: json.get("doneUrl")?.as_str()?.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stage_required_is_its_own_code() {
        let refused = |body: &str| {
            interpret(
                Raw {
                    status: 403,
                    www_authenticate: None,
                    body: body.as_bytes(),
                },
                HttpContext::default(),
                &Secrets::default(),
                false,
            )
            .unwrap_err()
        };
        for body in [
            r#"{"code":"E_STAGE_REQUIRED","error":"This token can only stage"}"#,
            r#"{"error":"E_STAGE_REQUIRED: stage this version"}"#,
            "E_STAGE_REQUIRED",
        ] {
            let error = refused(body);
            assert_eq!(error.code, Code::StageRequired, "{body}");
            assert_eq!(error.hint, Some(Hint::Stage));
        }
        assert_eq!(refused(r#"{"error":"Forbidden"}"#).code, Code::Http(403));
    }

    /// A non-JSON error page echoing the Authorization header, cut where the excerpt ends:
    /// the piece of the token left before the cut is masked too.
    #[test]
    fn a_token_cut_by_the_excerpt_is_masked() {
        let token = "npm_ENVSECRET0000aaaabbbbccccddddeeee";
        let mut secrets = Secrets::default();
        secrets.add(token);
        for pad in EXCERPT - 40..EXCERPT {
            let body = format!(
                "{}Authorization: Bearer {token} {}",
                "x".repeat(pad),
                "y".repeat(1000)
            );
            for status in [200, 500] {
                let error = interpret(
                    Raw {
                        status,
                        www_authenticate: None,
                        body: body.as_bytes(),
                    },
                    HttpContext::default(),
                    &secrets,
                    false,
                )
                .unwrap_err();
                let shown = format!("{error:?}");
                for at in 0..token.len() - 8 {
                    assert!(!shown.contains(&token[at..at + 8]), "{pad}: {shown}");
                }
            }
        }
    }

    #[test]
    fn message_from_json_fields_or_text() {
        let none = Secrets::default();
        assert_eq!(
            registry_message(Some(&json!({"message": "nope"})), "", &none),
            Some("nope".into())
        );
        assert_eq!(
            registry_message(Some(&json!({"error": "bad"})), "", &none),
            Some("bad".into())
        );
        assert_eq!(
            registry_message(None, "  <html>oops</html> ", &none),
            Some("<html>oops</html>".into())
        );
        assert_eq!(
            registry_message(Some(&json!({"other": 1})), "{}", &none),
            None
        );
        assert_eq!(registry_message(None, "   ", &none), None);
        let long = "x".repeat(1000);
        assert_eq!(
            registry_message(None, &long, &none)
                .unwrap()
                .chars()
                .count(),
            EXCERPT + 1
        );
    }
}
