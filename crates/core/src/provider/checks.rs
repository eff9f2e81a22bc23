//! Validation rules the provider tables refer to. Messages are npm 11.19's where npm has the
//! rule; where npm is looser (it accepts `owner/` as a repository) we refuse what the registry
//! could never match, with the same message.

use super::{Field, Provider};

type Checked = Result<(), String>;

/// A workflow or pipeline file: a bare file name ending in .yml or .yaml.
pub fn workflow_file(provider: &Provider, _: &Field, file: &str) -> Checked {
    if !file.ends_with(".yml") && !file.ends_with(".yaml") {
        return Err(format!("{} must end in .yml or .yaml", provider.file_label));
    }
    if file.contains(['/', '\\']) {
        return Err(format!(
            "{} must be just a file not a path",
            provider.file_noun
        ));
    }
    Ok(())
}

fn segments(path: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = path.split('/').collect();
    let clean = |p: &&str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    parts.iter().all(clean).then_some(parts)
}

/// GitHub `owner/repository`.
pub fn owner_repo(_: &Provider, _: &Field, value: &str) -> Checked {
    match segments(value) {
        Some(parts) if parts.len() == 2 => Ok(()),
        _ => Err("GitHub repository must be specified in the format owner/repository".into()),
    }
}

/// GitLab `group/project`, with any depth of subgroups.
pub fn group_project(_: &Provider, _: &Field, value: &str) -> Checked {
    match segments(value) {
        Some(parts) if parts.len() >= 2 => Ok(()),
        _ => Err(
            "GitLab project must be specified in the format group/project or group/subgroup/project"
                .into(),
        ),
    }
}

/// npm's `UUID_REGEX`: `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, any
/// case. The one check of a UUID: configuration ids, token ids, CircleCI's ids.
pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn uuid(_: &Provider, field: &Field, value: &str) -> Checked {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(format!("{} must be a valid UUID", field.flag))
    }
}

/// CircleCI `vcs-origin`: `host/owner/repo`, no scheme.
pub fn vcs_origin(_: &Provider, _: &Field, value: &str) -> Checked {
    if value.contains("://") {
        return Err("vcs-origin must not include a scheme (e.g., use 'github.com/owner/repo' not 'https://github.com/owner/repo')".into());
    }
    match segments(value) {
        Some(parts) if parts.len() >= 3 => Ok(()),
        _ => Err("vcs-origin must be in format 'provider/owner/repo'".into()),
    }
}

/// Free text that must not be blank (an environment name).
pub fn not_blank(_: &Provider, field: &Field, value: &str) -> Checked {
    if value.trim().is_empty() || value.trim() != value {
        Err(format!(
            "{} must not be blank or have leading or trailing spaces",
            field.option
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_matches_npm_regex() {
        assert!(is_uuid("3e4b2f1a-1111-4222-8333-444455556666"));
        assert!(is_uuid("3E4B2F1A-1111-4222-8333-444455556666"));
        for bad in [
            "",
            "3e4b2f1a111142228333444455556666",
            "{3e4b2f1a-1111-4222-8333-444455556666}",
            "3e4b2f1a-1111-4222-8333-44445555666",
            "ge4b2f1a-1111-4222-8333-444455556666",
            "3e4b2f1a-1111-4222-8333-444455556666-",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
        for good in [
            "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f",
            "1DE6F3DB-2ED9-4D72-B3DD-8F0E2B474A2F",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(is_uuid(good), "{good}");
        }
        for bad in [
            "",
            "1de6f3db2ed94d72b3dd8f0e2b474a2f",
            "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2",
            "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f0",
            "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2g",
            " 1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f",
            "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f\n",
            "../../../-/whoami",
            "1de6f3db-2ed9-4d72-b3dd-8f0e-2b474a2f",
            "+de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f",
        ] {
            assert!(!is_uuid(bad), "{bad:?}");
        }
    }
}
