//! Registry answers: a JSON value on success, else an [`Error`] with npm's code for the status
//! (npm-registry-fetch's `check-response`), the registry's own message, and nothing secret.

use std::time::Duration;

use serde_json::Value;

use crate::error::{Code, Error, HttpContext, Result, Secrets, WebAuth};

/// Longest registry text kept in an error: enough to read, short enough not to flood a log.
const EXCERPT: usize = 300;

pub async fn read(
    response: reqwest::Response,
    mut context: HttpContext,
    secrets: &Secrets,
    otp_was_sent: bool,
) -> Result<Value> {
    let status = response.status().as_u16();
    context.status = Some(status);
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let bytes = response.bytes().await.map_err(|e| {
        Error::new(
            Code::Network,
            format!(
                "The connection broke while reading the answer to {} {}: {}",
                context.method,
                context.url,
                cause(&e)
            ),
        )
        .with_http(context.clone())
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let json: Option<Value> = serde_json::from_slice(&bytes).ok();

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
                    excerpt(&secrets.scrub(&text))
                ),
            )
            .with_http(context)),
        };
    }

    context.registry_message = registry_message(json.as_ref(), &text).map(|m| secrets.scrub(&m));
    let said = context
        .registry_message
        .as_deref()
        .map(|m| format!(" The registry said: \"{m}\"."))
        .unwrap_or_default();
    let otp_challenge = status == 401
        && (www_authenticate
            .as_deref()
            .is_some_and(|w| w.split(',').any(|p| p.trim() == "otp"))
            || text.contains("one-time pass"));

    let error = if otp_challenge {
        let web_auth = json.as_ref().and_then(web_auth);
        let message = if otp_was_sent {
            "The one-time password was rejected: it may have expired (codes last 30 seconds). Pass a fresh `otp`.".to_string()
        } else if let Some(web) = &web_auth {
            format!(
                "This operation requires two-factor authentication. Pass `otp` with a code from your authenticator, or approve it in a browser at {} and retry.",
                web.auth_url
            )
        } else {
            "This operation requires two-factor authentication: pass `otp` with a code from your authenticator.".to_string()
        };
        Error {
            web_auth,
            ..Error::new(Code::Otp, format!("{message}{said}"))
        }
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

/// The registry's message: `message` or `error` of a JSON body, else a short excerpt of the text.
pub fn registry_message(json: Option<&Value>, text: &str) -> Option<String> {
    let from_json = json.and_then(|j| {
        ["message", "error", "reason"]
            .iter()
            .find_map(|k| j.get(k).and_then(Value::as_str))
            .map(str::to_string)
    });
    from_json
        .or_else(|| (json.is_none() && !text.trim().is_empty()).then(|| excerpt(text)))
        .filter(|m| !m.trim().is_empty())
}

fn web_auth(json: &Value) -> Option<Box<WebAuth>> {
    Some(Box::new(WebAuth {
        auth_url: json.get("authUrl")?.as_str()?.to_string(),
        done_url: json.get("doneUrl")?.as_str()?.to_string(),
    }))
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(EXCERPT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The innermost cause of a transport error, without the URL reqwest prefixes (we add our own).
fn cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

pub fn transport_error(error: reqwest::Error, context: HttpContext, timeout: Duration) -> Error {
    let (code, message) = if error.is_timeout() {
        (
            Code::Timeout,
            format!(
                "{} {} got no answer within {} ms. Check your network, or raise `timeoutMs`.",
                context.method,
                context.url,
                timeout.as_millis()
            ),
        )
    } else {
        (
            Code::Network,
            format!(
                "Could not reach the registry for {} {}: {}. Check the registry URL and your network or proxy.",
                context.method,
                context.url,
                cause(&error)
            ),
        )
    };
    Error::new(code, message).with_http(context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_from_json_fields_or_text() {
        assert_eq!(
            registry_message(Some(&json!({"message": "nope"})), ""),
            Some("nope".into())
        );
        assert_eq!(
            registry_message(Some(&json!({"error": "bad"})), ""),
            Some("bad".into())
        );
        assert_eq!(
            registry_message(None, "  <html>oops</html> "),
            Some("<html>oops</html>".into())
        );
        assert_eq!(registry_message(Some(&json!({"other": 1})), "{}"), None);
        assert_eq!(registry_message(None, "   "), None);
        let long = "x".repeat(1000);
        assert_eq!(
            registry_message(None, &long).unwrap().chars().count(),
            EXCERPT + 1
        );
    }
}
