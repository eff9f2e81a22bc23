//! The package.json `repository` field, read the way npm reads it (hosted-git-info): which git
//! host it points at and the `owner/repo` (GitHub) or `group/.../project` (GitLab) path.

/// A git host hosted-git-info knows. Only GitHub and GitLab feed trust inference; the others are
/// recognised so that "your repository is on Bitbucket" is an accurate answer, not a silent miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    GitHub,
    GitLab,
    Bitbucket,
}

impl Host {
    /// Its name for people: "GitHub".
    pub fn name(self) -> &'static str {
        match self {
            Host::GitHub => "GitHub",
            Host::GitLab => "GitLab",
            Host::Bitbucket => "Bitbucket",
        }
    }

    /// The provider type npm compares against (`git.type !== name`).
    pub fn type_name(self) -> &'static str {
        match self {
            Host::GitHub => "github",
            Host::GitLab => "gitlab",
            Host::Bitbucket => "bitbucket",
        }
    }

    fn from_domain(domain: &str) -> Option<Host> {
        match domain.to_ascii_lowercase().trim_start_matches("www.") {
            "github.com" => Some(Host::GitHub),
            "gitlab.com" => Some(Host::GitLab),
            "bitbucket.org" => Some(Host::Bitbucket),
            _ => None,
        }
    }

    fn from_shortcut(prefix: &str) -> Option<Host> {
        match prefix {
            "github" => Some(Host::GitHub),
            "gitlab" => Some(Host::GitLab),
            "bitbucket" => Some(Host::Bitbucket),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    pub host: Host,
    /// `owner/repo`, or `group/subgroup/project` on GitLab; case as written.
    pub path: String,
}

/// Parses every form npm accepts: `owner/repo`, `github:owner/repo`, `gitlab:group/project`,
/// `git+https://…`, `git+ssh://git@…`, `git@host:owner/repo.git`, `git://…`, with or without
/// `.git`, a `#ref` or trailing `/tree/...`. Unknown hosts answer `None`.
pub fn parse(spec: &str) -> Option<RepoRef> {
    let spec = spec.trim();
    let spec = spec.split('#').next().unwrap_or_default();
    if let Some((prefix, rest)) = spec.split_once(':') {
        if let Some(host) = Host::from_shortcut(prefix) {
            return from_path(host, rest.trim_start_matches('/'));
        }
    }
    if is_github_shorthand(spec) {
        return from_path(Host::GitHub, spec);
    }
    let (domain, path) = split_url(spec)?;
    from_path(Host::from_domain(domain)?, path)
}

/// hosted-git-info's bare `owner/repo`: two segments, no scheme, no `@`, `%` or spaces, and not
/// starting like a relative path.
fn is_github_shorthand(spec: &str) -> bool {
    let Some((owner, repo)) = spec.split_once('/') else {
        return false;
    };
    let bad = |s: &str| s.is_empty() || s.contains(['@', '%', ':', '/', ' ', '\t']);
    !bad(owner) && !bad(repo) && !owner.starts_with(['.', '-'])
}

/// Domain and path of a URL (`scheme://[user@]host[:port]/path`) or an scp-like
/// `user@host:path`.
fn split_url(spec: &str) -> Option<(&str, &str)> {
    if let Some((_, rest)) = spec.split_once("://") {
        let (authority, path) = rest.split_once('/')?;
        let host_port = authority.rsplit('@').next()?;
        let host = host_port.split(':').next()?;
        return Some((host, path.split('?').next()?));
    }
    let (user_host, path) = spec.split_once(':')?;
    let (_, host) = user_host.split_once('@')?;
    Some((host, path))
}

fn from_path(host: Host, path: &str) -> Option<RepoRef> {
    let path = path.trim_matches('/');
    let segments: Vec<&str> = match host {
        // Anything after owner/repo (`/tree/main/…`) is a page of the repository.
        Host::GitHub | Host::Bitbucket => path.split('/').take(2).collect(),
        // Subgroups nest; GitLab marks where the project path ends with `/-/`.
        Host::GitLab => path.split("/-/").next()?.split('/').collect(),
    };
    let (project, owner) = segments.split_last()?;
    let project = project.strip_suffix(".git").unwrap_or(project);
    if owner.is_empty() || project.is_empty() || owner.iter().any(|s| s.is_empty()) {
        return None;
    }
    Some(RepoRef {
        host,
        path: format!("{}/{}", owner.join("/"), project),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are what hosted-git-info 9 (npm 11.19) answers for the same inputs.
    #[test]
    fn matches_hosted_git_info() {
        use Host::*;
        let cases: &[(&str, Option<(Host, &str)>)] = &[
            ("owner/repo", Some((GitHub, "owner/repo"))),
            ("Own/Repo", Some((GitHub, "Own/Repo"))),
            ("github:owner/repo", Some((GitHub, "owner/repo"))),
            ("gitlab:group/project", Some((GitLab, "group/project"))),
            (
                "gitlab:group/sub/project",
                Some((GitLab, "group/sub/project")),
            ),
            ("bitbucket:a/b", Some((Bitbucket, "a/b"))),
            (
                "git+https://github.com/owner/repo.git",
                Some((GitHub, "owner/repo")),
            ),
            (
                "git+ssh://git@github.com/owner/repo.git",
                Some((GitHub, "owner/repo")),
            ),
            (
                "git@github.com:owner/repo.git",
                Some((GitHub, "owner/repo")),
            ),
            (
                "https://gitlab.com/group/sub/project",
                Some((GitLab, "group/sub/project")),
            ),
            (
                "https://gitlab.com/group/sub/project.git",
                Some((GitLab, "group/sub/project")),
            ),
            ("https://gitlab.com/g/p/-/tree/main", Some((GitLab, "g/p"))),
            (
                "https://github.com/owner/repo#main",
                Some((GitHub, "owner/repo")),
            ),
            (
                "https://github.com/owner/repo/tree/main/packages/x",
                Some((GitHub, "owner/repo")),
            ),
            ("git://github.com/owner/repo", Some((GitHub, "owner/repo"))),
            ("https://www.github.com/o/r", Some((GitHub, "o/r"))),
            ("git+https://gitlab.com/g/p.git", Some((GitLab, "g/p"))),
            ("https://user:pw@github.com/o/r.git", Some((GitHub, "o/r"))),
            ("ssh://git@gitlab.com/g/s/p.git", Some((GitLab, "g/s/p"))),
            ("git@gitlab.com:g/s/p.git", Some((GitLab, "g/s/p"))),
            ("https://github.example.com/o/r", None),
            ("owner/repo/extra", None),
            ("github.com/o/r", None),
            ("", None),
            ("https://github.com/", None),
            ("https://github.com/onlyowner", None),
        ];
        for (spec, expected) in cases {
            let got = parse(spec).map(|r| (r.host, r.path));
            let expected = expected.map(|(h, p)| (h, p.to_string()));
            assert_eq!(got, expected, "{spec}");
        }
    }
}
