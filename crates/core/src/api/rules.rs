//! The registry's token rules of 2026-2027, as npm's changelog and `npm token create` (npm 12)
//! state them, and what each listed token can still do under them:
//!
//! - since August 2026, a token that bypasses 2FA can no longer change trust, access, tokens or
//!   orgs;
//! - from January 2027, a token that bypasses 2FA no longer publishes directly (it may stage);
//! - a stage-only token (`read-write-stage-only`) stages versions for a maintainer to approve.

use serde_json::{json, Map, Value};

use super::Args;
use crate::error::{Error, Result};

/// The first day bypass-2FA tokens can no longer manage trust, access, tokens or orgs.
pub const MANAGE_NEEDS_2FA_FROM: &str = "2026-08-01";
/// The first day bypass-2FA tokens can no longer publish directly.
pub const BYPASS_DIRECT_PUBLISH_ENDS: &str = "2027-01-01";
/// `packages_and_scopes_permission` of a token that can only stage.
pub const STAGE_ONLY: &str = "read-write-stage-only";

/// What `npm token create` (npm 12) warns when creating a token that can publish directly.
pub const DIRECT_PUBLISH_WARNING: &str = "Creating a token that can publish directly to the \
     registry. Consider `--packages-and-scopes-permission=read-write-stage-only` instead — with \
     a stage-only token, your releases go to a staging queue for you to approve before they go \
     public. Bypass-2FA tokens with direct-publish access will stop working in January 2027. \
     See https://gh.io/bypass-2fa-tokens-no-longer-publish.";

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// The `YYYY-MM-DD` of a count of days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether `text` starts with a `YYYY-MM-DD` date (an ISO 8601 date or date-time).
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
        && (b.len() == 10 || b[10] == b'T' || b[10] == b' ')
}

/// The date `option` holds (`2027-01-15`, or an ISO 8601 date-time), if given; anything else
/// is refused.
pub fn date_option<'a>(args: &'a Args, option: &'static str) -> Result<Option<&'a str>> {
    match args.text(option) {
        Some(date) if !is_date(date) => Err(Error::invalid_input(
            option,
            format!(
                "Option `{option}` must be a date such as 2027-01-15 (or an ISO 8601 date-time)."
            ),
        )),
        given => Ok(given),
    }
}

/// What a listed token can still do on `on` (`YYYY-MM-DD`), added to it as npm's words do not
/// say it: `publish` (`direct`, `stage` or `none`), `manage` (trust, access, tokens and orgs,
/// with 2FA), `directPublishEnds` (for a bypass-2FA token that publishes directly), `atRisk`
/// (a token that publishes directly and will stop, or has stopped, doing so), and `notes`.
pub fn assess(token: &mut Map<String, Value>, on: &str) {
    let flag = |key: &str| token.get(key).and_then(Value::as_bool) == Some(true);
    let readonly = flag("readonly");
    let bypass = flag("bypass2fa");
    let stage_only = token
        .get("packagesAndScopesPermission")
        .and_then(Value::as_str)
        == Some(STAGE_ONLY);
    let mut notes = Vec::new();
    let direct_ends = (!readonly && !stage_only && bypass).then_some(BYPASS_DIRECT_PUBLISH_ENDS);
    let publish = if readonly {
        "none"
    } else if stage_only {
        notes.push(
            "stage-only: publishes go to the staging queue for a maintainer to approve with 2FA"
                .to_string(),
        );
        "stage"
    } else if let Some(ends) = direct_ends.filter(|ends| on >= *ends) {
        notes.push(format!(
            "bypasses 2FA: direct publishing ended on {ends}; it can only stage now"
        ));
        "stage"
    } else {
        if let Some(ends) = direct_ends {
            notes.push(format!(
                "bypasses 2FA: direct publishing stops on {ends}; move this job to trusted \
                 publishing or a stage-only token"
            ));
        }
        "direct"
    };
    let lost_manage = bypass && on >= MANAGE_NEEDS_2FA_FROM;
    let manage = !(readonly || lost_manage);
    if lost_manage && !readonly {
        notes.push(format!(
            "bypasses 2FA: since {MANAGE_NEEDS_2FA_FROM} it cannot change trust, access, tokens \
             or orgs"
        ));
    }
    token.insert("publish".into(), json!(publish));
    token.insert("manage".into(), json!(manage));
    if let Some(ends) = direct_ends {
        token.insert("directPublishEnds".into(), json!(ends));
    }
    token.insert("atRisk".into(), json!(direct_ends.is_some()));
    token.insert("notes".into(), json!(notes));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessed(fields: Value, on: &str) -> Value {
        let mut token = fields.as_object().unwrap().clone();
        assess(&mut token, on);
        Value::Object(token)
    }

    #[test]
    fn dates_as_the_calendar_has_them() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_454), "2026-01-01");
        assert_eq!(civil_date(20_818), "2026-12-31");
        assert_eq!(civil_date(20_819), "2027-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert!(is_date(&today()));
        assert!(is_date("2027-01-01T00:00:00.000Z"));
        assert!(!is_date("2027-1-1"));
        assert!(!is_date("yesterday"));
    }

    #[test]
    fn what_each_kind_of_token_can_still_do() {
        let before = "2026-12-07";
        let after = "2027-01-02";
        let bypass = json!({ "bypass2fa": true, "readonly": false });
        let t = assessed(bypass.clone(), before);
        assert_eq!(t["publish"], "direct");
        assert_eq!(t["manage"], false);
        assert_eq!(t["directPublishEnds"], BYPASS_DIRECT_PUBLISH_ENDS);
        assert_eq!(t["atRisk"], true);
        let t = assessed(bypass, after);
        assert_eq!(t["publish"], "stage");
        assert_eq!(t["atRisk"], true);

        let stage = assessed(
            json!({ "bypass2fa": true, "packagesAndScopesPermission": STAGE_ONLY }),
            after,
        );
        assert_eq!(stage["publish"], "stage");
        assert_eq!(stage["atRisk"], false);

        let plain = assessed(json!({ "readonly": false }), after);
        assert_eq!(plain["publish"], "direct");
        assert_eq!(plain["manage"], true);
        assert_eq!(plain["atRisk"], false);
        assert!(plain.get("directPublishEnds").is_none());

        let readonly = assessed(json!({ "readonly": true, "bypass2fa": true }), after);
        assert_eq!(readonly["publish"], "none");
        assert_eq!(readonly["manage"], false);
        assert_eq!(readonly["atRisk"], false);

        // Before August 2026 a bypass token still managed.
        assert_eq!(
            assessed(json!({ "bypass2fa": true }), "2026-07-31")["manage"],
            true
        );
    }
}
