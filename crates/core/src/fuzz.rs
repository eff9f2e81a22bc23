//! Property tests over the parsers that take outside input: .npmrc files, JWTs, registry error
//! bodies, package.json repository URLs, package names and CI files. Each must never panic, and must keep
//! its promises (no secret echoed, escaping never leaves a `/`, what parses is well-formed) on
//! arbitrary input. `PROPTEST_CASES` raises the number of cases for a long run (FUZZING.md).

use proptest::prelude::*;

use crate::config::{npmrc, EnvVars};
use crate::error::{Code, HttpContext, Secrets};
use crate::oidc::jwt;
use crate::package::PackageName;
use crate::registry::answer::{interpret, Raw};
use crate::repository;
use crate::workflow;
use crate::yaml;

const SECRET: &str = "s3cr3t-T0KEN-value";

fn env() -> EnvVars {
    EnvVars::from_pairs([("NPM_TOKEN", SECRET), ("EMPTY", "")])
}

/// Text that looks like what the parsers meet: mostly ASCII with the characters that matter.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range(' ', '~'),
            1 => prop::sample::select(vec!['\n', '\r', '\t', '$', '{', '}', '\\', '"', '\'', ';', '#', '=', '[', ']', '/', ':', '@', '.', 'é', '\u{0}']),
        ],
        0..200,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn npmrc_parsing_never_panics_and_is_line_based(input in text()) {
        let entries = npmrc::parse(&input, &env()).unwrap();
        prop_assert!(entries.len() <= input.lines().count());
        for npmrc::Entry { key, value, .. } in &entries {
            prop_assert!(!key.is_empty());
            // Only a JSON-quoted string can carry a newline (that is how inline `ca` PEMs work).
            if !input.contains('"') {
                prop_assert!(!key.contains('\n') && !value.contains('\n'));
            }
        }
    }

    #[test]
    fn env_expansion_only_substitutes_whole_expressions(prefix in "[a-z ]{0,10}", suffix in "[a-z ]{0,10}") {
        let expanded = npmrc::expand(&format!("{prefix}${{NPM_TOKEN}}{suffix}"), &env());
        prop_assert_eq!(expanded, Some((format!("{prefix}{SECRET}{suffix}"), true)));
    }

    #[test]
    fn ci_files_never_panic(input in text()) {
        let _ = yaml::documents(&input);
        let _ = workflow::commands::publishes(&input, "", &|_, _| None);
    }

    #[test]
    fn jwt_decoding_never_panics(input in text()) {
        let _ = jwt::decode(&input);
    }

    #[test]
    fn jwt_decoding_reads_what_was_encoded(sub in "[ -~]{0,40}", exp in any::<u32>()) {
        let claims = serde_json::json!({ "sub": sub, "exp": exp });
        let token = format!(
            "{}.{}.sig",
            jwt::b64url_encode(br#"{"alg":"RS256"}"#),
            jwt::b64url_encode(claims.to_string().as_bytes())
        );
        let decoded = jwt::decode(&token).unwrap();
        prop_assert_eq!(decoded.expires_at(), Some(i64::from(exp)));
        prop_assert_eq!(decoded.claims, claims);
    }

    #[test]
    fn registry_answers_never_panic_and_never_echo_secrets(
        status in prop::sample::select(vec![200u16, 201, 204, 400, 401, 403, 404, 409, 429, 500, 503]),
        before in text(),
        after in text(),
        json_shape in any::<bool>(),
    ) {
        let body = if json_shape {
            serde_json::json!({ "message": format!("{before}{SECRET}{after}") }).to_string()
        } else {
            format!("{before}{SECRET}{after}")
        };
        let mut secrets = Secrets::default();
        secrets.add(SECRET);
        let context = HttpContext { method: "GET".into(), url: "https://r.example/x".into(), ..HttpContext::default() };
        let raw = Raw { status, www_authenticate: Some("OTP".into()), body: body.as_bytes() };
        if let Err(error) = interpret(raw, context, &secrets, false) {
            let debug = format!("{:?}", error);
            prop_assert!(!debug.contains(SECRET));
            prop_assert!(!error.full_message().contains(SECRET));
            if status == 401 { prop_assert_eq!(error.code, Code::Otp); }
        }
    }

    #[test]
    fn repository_parsing_never_panics_and_yields_clean_paths(input in text()) {
        if let Some(parsed) = repository::parse(&input) {
            prop_assert!(parsed.path.split('/').count() >= 2);
            prop_assert!(parsed.path.split('/').all(|s| !s.is_empty()));
            prop_assert!(!parsed.path.ends_with(".git"));
        }
    }

    #[test]
    fn repository_forms_agree(owner in "[A-Za-z0-9][A-Za-z0-9_-]{0,15}", name in "[A-Za-z0-9_]([A-Za-z0-9_.-]{0,14}[A-Za-z0-9_-])?") {
        prop_assume!(!name.ends_with(".git"));
        let expected = format!("{owner}/{name}");
        for form in [
            format!("{owner}/{name}"),
            format!("github:{owner}/{name}"),
            format!("git+https://github.com/{owner}/{name}.git"),
            format!("git@github.com:{owner}/{name}.git"),
            format!("https://github.com/{owner}/{name}/tree/main"),
        ] {
            let parsed = repository::parse(&form);
            prop_assert_eq!(parsed.map(|r| r.path), Some(expected.clone()), "{}", form);
        }
    }

    #[test]
    fn package_names_never_panic_and_escape_to_one_segment(input in text()) {
        if let Ok(name) = PackageName::parse(&input) {
            prop_assert!(!name.escaped().contains('/'));
            prop_assert!(name.as_str().len() <= 214);
            // Capitals are allowed (legacy names like JSONStream, as npm trust accepts them).
            prop_assert!(!name.as_str().chars().any(char::is_whitespace));
        }
    }
}
