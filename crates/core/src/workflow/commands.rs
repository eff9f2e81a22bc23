//! Which shell commands of a CI job publish to npm, the folder each runs in, and which packages
//! it reaches. Read the way a reviewer reads a `run:` block, not the way a shell runs it: words
//! split on blanks, commands on `&&`, `||`, `;` and `|`, `cd` followed, package.json scripts
//! (`npm run release`) looked into a few levels deep.
//!
//! The monorepo rule: a publish reaches the package in the folder it runs in (`npm publish`,
//! `pnpm publish`, `yarn npm publish`, `semantic-release`); with a workspace-wide flag or tool
//! (`npm publish --workspaces`, `pnpm -r publish`, `yarn workspaces foreach`, `changeset
//! publish`, `lerna publish`, `multi-semantic-release`) every package in that folder and below;
//! with filters (`-w`, `--filter`, a path) the packages they name, by name or folder, globs
//! allowed. A tarball or a folder only known at run time may hold any package. Staging
//! (`npm stage publish`, `trust-native stage publish`) counts as publishing: it exchanges the
//! job's id_token like a publish does.

/// A folder relative to the checkout, `/`-separated, `""` for the root.
pub type Dir = String;

/// Which packages a publish reaches, from the folder it runs in.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// The package in that folder.
    Here,
    /// Every package in that folder and below.
    Below,
    /// The packages these select: names (`@acme/*`) or folders (`./packages/a`).
    Only(Vec<String>),
    /// Which package cannot be told (a tarball, a folder only known at run time): any.
    Any,
}

/// One publish: what runs it, where, and what it reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    /// `npm publish`, `semantic-release`, `JS-DevTools/npm-publish`, ...
    pub tool: String,
    pub dir: Dir,
    pub reach: Reach,
}

impl Publish {
    /// Whether it reaches the package named `name` in `package_dir`.
    pub fn reaches(&self, package_dir: &str, name: &str) -> bool {
        match &self.reach {
            Reach::Here => package_dir == self.dir,
            Reach::Below => within(package_dir, &self.dir),
            Reach::Only(selectors) => selectors
                .iter()
                .any(|s| selects(s, &self.dir, package_dir, name)),
            Reach::Any => true,
        }
    }
}

/// The `scripts` entry `name` of the package.json in a folder.
pub type Scripts<'a> = &'a dyn Fn(&str, &str) -> Option<String>;

/// npm scripts calling npm scripts: deeper than this is not followed.
const MAX_SCRIPT_DEPTH: usize = 4;
/// Scripts followed for one script, however they branch: a script that runs itself many
/// times over must not multiply the work.
const MAX_SCRIPTS: usize = 32;
/// Runners running runners (`npx pnpm exec npx ...`): more than this is not a real command.
const MAX_HOPS: usize = 8;

/// The publishes of a shell script that starts in `dir`.
pub fn publishes(script: &str, dir: &str, scripts: Scripts) -> Vec<Publish> {
    let mut walk = Walk {
        scripts,
        followed: 0,
        found: Vec::new(),
    };
    scan(script, dir, &mut walk, 0);
    walk.found
}

/// One script's analysis: where scripts come from, how many were followed, what was found.
struct Walk<'a> {
    scripts: Scripts<'a>,
    followed: usize,
    found: Vec<Publish>,
}

fn scan(script: &str, dir: &str, walk: &mut Walk, depth: usize) {
    let script = script.replace("\\\r\n", " ").replace("\\\n", " ");
    // `None` after a `cd` to a folder that cannot be known: a publish there may reach any package.
    let mut dir = Some(dir.to_string());
    for command in script.lines().flat_map(split_commands) {
        let words = words(command);
        let words = skip_assignments(&words);
        let here = dir.as_deref().unwrap_or_default();
        match words.as_slice() {
            ["cd", to, ..] => dir = join(here, to),
            _ => match analyse(words, here, walk.scripts, 0) {
                Some(Found::Publish(publish)) if dir.is_none() => walk.found.push(Publish {
                    reach: Reach::Any,
                    ..publish
                }),
                Some(Found::Publish(publish)) => walk.found.push(publish),
                Some(Found::Script(run_dir, name))
                    if depth < MAX_SCRIPT_DEPTH && walk.followed < MAX_SCRIPTS =>
                {
                    walk.followed += 1;
                    if let Some(body) = (walk.scripts)(&run_dir, &name) {
                        scan(&body, &run_dir, walk, depth + 1);
                    }
                }
                _ => {}
            },
        }
    }
}

/// Commands of one line: split on `&&`, `||`, `;`, `|`, parentheses dropped.
fn split_commands(line: &str) -> Vec<&str> {
    let line = line.split(" #").next().unwrap_or_default();
    line.split(['&', '|', ';', '(', ')'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Blank-separated words, quotes removed.
fn words(command: &str) -> Vec<String> {
    command
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
        .collect()
}

/// The command after `NAME=value` prefixes (and `env`, `time`, `exec`).
fn skip_assignments(words: &[String]) -> Vec<&str> {
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    while let Some(first) = words.first() {
        let assignment = first.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if assignment || matches!(*first, "env" | "time" | "exec" | "sudo") {
            words.remove(0);
        } else {
            break;
        }
    }
    words
}

enum Found {
    Publish(Publish),
    /// A package.json script to look into: the folder it runs in, its name.
    Script(Dir, String),
}

/// Flags of each package manager that take the next word as their value.
const NPM_VALUED: &[&str] = &[
    "-w",
    "--workspace",
    "--prefix",
    "--tag",
    "--access",
    "--otp",
    "--registry",
    "--userconfig",
];
const TRUST_NATIVE_VALUED: &[&str] = &["--tag", "--access", "--otp", "--registry", "--timeout"];
const PNPM_VALUED: &[&str] = &[
    "--filter",
    "-F",
    "-C",
    "--dir",
    "--tag",
    "--access",
    "--otp",
    "--registry",
    "--publish-branch",
];
const YARN_VALUED: &[&str] = &[
    "--tag",
    "--access",
    "--otp",
    "--cwd",
    "--include",
    "--exclude",
    "--from",
];
const RUNNER_VALUED: &[&str] = &["-p", "--package", "-c", "--call"];

/// Flags and positional words, with `--flag=value` and `--flag value` both read.
struct Args<'a> {
    positional: Vec<&'a str>,
    flags: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Args<'a> {
    fn parse(words: &[&'a str], valued: &[&str]) -> Args<'a> {
        let mut args = Args {
            positional: Vec::new(),
            flags: Vec::new(),
        };
        let mut rest = words.iter();
        while let Some(word) = rest.next() {
            if *word == "--" {
                args.positional.extend(rest.by_ref());
            } else if let Some((flag, value)) =
                word.split_once('=').filter(|_| word.starts_with('-'))
            {
                args.flags.push((flag, Some(value)));
            } else if valued.contains(word) {
                args.flags.push((word, rest.next().copied()));
            } else if word.starts_with('-') {
                args.flags.push((word, None));
            } else {
                args.positional.push(word);
            }
        }
        args
    }

    fn has(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|(f, _)| names.contains(f))
    }

    fn values(&self, names: &[&str]) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(f, _)| names.contains(f))
            .filter_map(|(_, v)| v.map(str::to_string))
            .collect()
    }

    /// The folder a `--prefix`/`-C`/`--dir`/`--cwd` flag moves to.
    fn dir(&self, dir: &str, names: &[&str]) -> Dir {
        match self.values(names).last() {
            Some(to) => join(dir, to).unwrap_or_default(),
            None => dir.to_string(),
        }
    }
}

fn publish(tool: &str, dir: Dir, reach: Reach) -> Option<Found> {
    Some(Found::Publish(Publish {
        tool: tool.into(),
        dir,
        reach,
    }))
}

/// The reach of a package manager's publish: filters, else workspace-wide, else a path
/// argument, else the package here.
fn reach(filters: Vec<String>, wide: bool, path: Option<&str>) -> Reach {
    if !filters.is_empty() {
        Reach::Only(filters)
    } else if wide {
        Reach::Below
    } else if let Some(path) = path {
        // A tarball holds whichever package it was packed from.
        if path.contains('$') || path.ends_with(".tgz") {
            Reach::Any
        } else {
            Reach::Only(vec![path.to_string()])
        }
    } else {
        Reach::Here
    }
}

/// The executable's name: no folder, no `@version`.
fn tool_name(word: &str) -> &str {
    let base = word.rsplit('/').next().unwrap_or(word);
    match base.split_once('@') {
        Some((name, _)) if !name.is_empty() => name,
        _ => base,
    }
}

/// What one command is. `hops` counts the runners it went through.
fn analyse(words: Vec<&str>, dir: &str, scripts: Scripts, hops: usize) -> Option<Found> {
    let (first, rest) = words.split_first()?;
    if hops > MAX_HOPS {
        return None;
    }
    let hops = hops + 1;
    match tool_name(first) {
        "npx" | "bunx" => runner(rest, dir, scripts, hops),
        "npm" => npm(rest, dir, scripts, hops),
        "pnpm" => pnpm(rest, dir, scripts, hops),
        "yarn" => yarn(rest, dir, scripts, hops),
        "bun" => match Args::parse(rest, &[]).positional.as_slice() {
            ["run", script, ..] => Some(Found::Script(dir.into(), script.to_string())),
            ["x", ..] => runner(&rest[1..], dir, scripts, hops),
            [script, ..] if scripts(dir, script).is_some() => {
                Some(Found::Script(dir.into(), script.to_string()))
            }
            _ => None,
        },
        "semantic-release" => publish("semantic-release", dir.into(), Reach::Here),
        "multi-semantic-release" => publish("multi-semantic-release", dir.into(), Reach::Below),
        "changeset" if rest.first() == Some(&"publish") => {
            publish("changeset publish", dir.into(), Reach::Below)
        }
        "lerna" if rest.first() == Some(&"publish") => {
            publish("lerna publish", dir.into(), Reach::Below)
        }
        "trust-native" => trust_native(rest, dir),
        _ => None,
    }
}

/// `trust-native stage publish [folder|tarball...] [--workspaces]`: the folders or tarballs
/// given, every workspace package below, or the package here.
fn trust_native(words: &[&str], dir: &str) -> Option<Found> {
    let args = Args::parse(words, TRUST_NATIVE_VALUED);
    match args.positional.as_slice() {
        ["stage", "publish", paths @ ..] if !args.has(&["--dry-run"]) => {
            let reach = if args.has(&["--workspaces"]) {
                Reach::Below
            } else if paths.is_empty() {
                Reach::Here
            } else if paths.iter().any(|p| p.contains('$') || p.ends_with(".tgz")) {
                Reach::Any
            } else {
                Reach::Only(paths.iter().map(|p| p.to_string()).collect())
            };
            publish("trust-native stage publish", dir.into(), reach)
        }
        _ => None,
    }
}

/// `npx [flags] <command>`, `pnpm exec`, `pnpm dlx`, `yarn dlx`, `npm exec`.
fn runner(words: &[&str], dir: &str, scripts: Scripts, hops: usize) -> Option<Found> {
    let mut words = words;
    while let Some((first, rest)) = words.split_first() {
        if RUNNER_VALUED.contains(first) {
            words = rest.get(1..).unwrap_or_default();
        } else if first.starts_with('-') {
            words = rest;
        } else {
            break;
        }
    }
    analyse(words.to_vec(), dir, scripts, hops)
}

fn npm(words: &[&str], dir: &str, scripts: Scripts, hops: usize) -> Option<Found> {
    let args = Args::parse(words, NPM_VALUED);
    let dir = args.dir(dir, &["--prefix"]);
    match args.positional.as_slice() {
        ["publish", path @ ..] | ["stage", "publish", path @ ..] if !args.has(&["--dry-run"]) => {
            let filters = args.values(&["-w", "--workspace"]);
            let wide = args.has(&["--workspaces", "-ws", "--ws"]);
            let tool = match args.positional[0] {
                "stage" => "npm stage publish",
                _ => "npm publish",
            };
            publish(tool, dir, reach(filters, wide, path.first().copied()))
        }
        ["run" | "run-script" | "rum" | "urn", script, ..] => {
            Some(Found::Script(dir, script.to_string()))
        }
        ["exec" | "x", ..] => {
            let at = words.iter().position(|w| *w == "exec" || *w == "x")?;
            runner(&words[at + 1..], &dir, scripts, hops)
        }
        _ => None,
    }
}

fn pnpm(words: &[&str], dir: &str, scripts: Scripts, hops: usize) -> Option<Found> {
    let args = Args::parse(words, PNPM_VALUED);
    let dir = args.dir(dir, &["-C", "--dir"]);
    match args.positional.as_slice() {
        ["publish", path @ ..] if !args.has(&["--dry-run"]) => {
            let filters = args.values(&["--filter", "-F"]);
            let wide = args.has(&["-r", "--recursive"]);
            publish(
                "pnpm publish",
                dir,
                reach(filters, wide, path.first().copied()),
            )
        }
        ["run", script, ..] => Some(Found::Script(dir, script.to_string())),
        [command, ..] => {
            let at = words.iter().position(|w| w == command)?;
            match *command {
                "exec" | "dlx" => runner(&words[at + 1..], &dir, scripts, hops),
                script if scripts(&dir, script).is_some() => {
                    Some(Found::Script(dir, script.into()))
                }
                // pnpm runs a dependency's executable when no script has the name.
                _ => analyse(words[at..].to_vec(), &dir, scripts, hops),
            }
        }
        [] => None,
    }
}

fn yarn(words: &[&str], dir: &str, scripts: Scripts, hops: usize) -> Option<Found> {
    let args = Args::parse(words, YARN_VALUED);
    let dir = args.dir(dir, &["--cwd"]);
    match args.positional.as_slice() {
        ["npm", "publish", ..] => publish("yarn npm publish", dir, Reach::Here),
        ["workspaces", "foreach", .., "npm", "publish"] => publish(
            "yarn npm publish",
            dir,
            reach(args.values(&["--include"]), true, None),
        ),
        ["run", script, ..] => Some(Found::Script(dir, script.to_string())),
        ["dlx", ..] => {
            let at = words.iter().position(|w| *w == "dlx")?;
            runner(&words[at + 1..], &dir, scripts, hops)
        }
        [command, ..] => {
            let at = words.iter().position(|w| w == command)?;
            if scripts(&dir, command).is_some() {
                Some(Found::Script(dir, command.to_string()))
            } else {
                analyse(words[at..].to_vec(), &dir, scripts, hops)
            }
        }
        [] => None,
    }
}

/// Variables CI files use for the checkout's own folder.
const CHECKOUT_VARIABLES: &[&str] = &[
    "${{ github.workspace }}",
    "${{github.workspace}}",
    "$GITHUB_WORKSPACE",
    "${GITHUB_WORKSPACE}",
    "$CI_PROJECT_DIR",
    "${CI_PROJECT_DIR}",
];

/// `to` from `dir`, normalized; `None` when it cannot be known (another variable, outside the
/// checkout, absolute).
pub fn join(dir: &str, to: &str) -> Option<Dir> {
    let (base, to) = match CHECKOUT_VARIABLES.iter().find_map(|v| to.strip_prefix(v)) {
        Some(rest) => ("", rest.trim_start_matches('/')),
        None if to.starts_with('/') || to.starts_with('~') || to.contains('$') => return None,
        None => (dir, to),
    };
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in to.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `path` is `dir` or below it.
fn within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A filter or `-w` value selects a package: a folder (`./packages/a`, `{packages/*}`), else a
/// name (`@acme/*`). pnpm's dependency marks (`...`, `^`) are dropped: they only add packages.
fn selects(selector: &str, dir: &str, package_dir: &str, name: &str) -> bool {
    let selector = selector
        .trim_start_matches("...")
        .trim_end_matches("...")
        .trim_start_matches('^')
        .trim_start_matches('!');
    let path = selector.trim_start_matches('{').trim_end_matches('}');
    let is_path = selector.starts_with('{')
        || selector.starts_with('.')
        || (selector.contains('/') && !selector.starts_with('@'));
    let matches =
        |pattern: &str, text: &str| glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text));
    if is_path {
        join(dir, path).is_some_and(|p| p == package_dir || matches(&p, package_dir))
    } else {
        matches(selector, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_scripts(_: &str, _: &str) -> Option<String> {
        None
    }

    /// Tool, folder and reach of each publish.
    type Publishes = Vec<(String, String, Reach)>;

    fn found(script: &str) -> Publishes {
        publishes(script, "", &no_scripts)
            .into_iter()
            .map(|p| (p.tool, p.dir, p.reach))
            .collect()
    }

    fn one(tool: &str, dir: &str, reach: Reach) -> Publishes {
        vec![(tool.into(), dir.into(), reach)]
    }

    #[test]
    fn finds_each_way_to_publish() {
        use Reach::*;
        let only = |s: &[&str]| Only(s.iter().map(|s| s.to_string()).collect());
        let cases: Vec<(&str, Publishes)> = vec![
            (
                "npm publish --provenance --access public",
                one("npm publish", "", Here),
            ),
            ("npm publish --workspaces", one("npm publish", "", Below)),
            (
                "npm publish -w @acme/a --workspace=packages/b",
                one("npm publish", "", only(&["@acme/a", "packages/b"])),
            ),
            (
                "npm publish ./packages/a",
                one("npm publish", "", only(&["./packages/a"])),
            ),
            (
                "npm --prefix packages/a publish",
                one("npm publish", "packages/a", Here),
            ),
            ("npm publish --dry-run", vec![]),
            (
                "pnpm -r publish --no-git-checks",
                one("pnpm publish", "", Below),
            ),
            (
                "pnpm publish --filter './packages/*'",
                one("pnpm publish", "", only(&["./packages/*"])),
            ),
            (
                "pnpm -C packages/a publish",
                one("pnpm publish", "packages/a", Here),
            ),
            (
                "yarn npm publish --tolerate-republish",
                one("yarn npm publish", "", Here),
            ),
            (
                "yarn workspaces foreach --all --no-private npm publish",
                one("yarn npm publish", "", Below),
            ),
            ("npx semantic-release", one("semantic-release", "", Here)),
            (
                "npx --yes semantic-release@24 --branches main",
                one("semantic-release", "", Here),
            ),
            (
                "NPM_CONFIG_PROVENANCE=true npx semantic-release",
                one("semantic-release", "", Here),
            ),
            (
                "./node_modules/.bin/semantic-release",
                one("semantic-release", "", Here),
            ),
            (
                "pnpm exec semantic-release",
                one("semantic-release", "", Here),
            ),
            ("npx changeset publish", one("changeset publish", "", Below)),
            (
                "pnpm changeset publish",
                one("changeset publish", "", Below),
            ),
            (
                "yarn changeset publish",
                one("changeset publish", "", Below),
            ),
            (
                "npx lerna publish from-package --yes",
                one("lerna publish", "", Below),
            ),
            (
                "cd packages/a && npm publish",
                one("npm publish", "packages/a", Here),
            ),
            (
                "cd packages/a\nnpm ci\ncd ../b; npm publish",
                one("npm publish", "packages/b", Here),
            ),
            (
                "cd $GITHUB_WORKSPACE/packages/c && npm publish",
                one("npm publish", "packages/c", Here),
            ),
            (
                "cd \"$PKG_DIR\" && npm publish",
                one("npm publish", "", Any),
            ),
            // A tarball, or a path only known at run time: any package.
            (
                "npm publish \"./dist/$file\" --provenance",
                one("npm publish", "", Any),
            ),
            ("npm publish widgets-1.0.0.tgz", one("npm publish", "", Any)),
            ("npm ci && npm test && npm run build", vec![]),
            ("echo npm publish is done # npm publish", vec![]),
            ("npx changeset version", vec![]),
            // Staged publishing: the version waits for approval, but the job publishes.
            (
                "npm stage publish --tag next",
                one("npm stage publish", "", Here),
            ),
            (
                "npm stage publish --workspaces",
                one("npm stage publish", "", Below),
            ),
            ("npm stage list", vec![]),
            (
                "npx trust-native stage publish --workspaces --tag latest",
                one("trust-native stage publish", "", Below),
            ),
            (
                "cd packages/a && npx trust-native stage publish",
                one("trust-native stage publish", "packages/a", Here),
            ),
            (
                "pnpm exec trust-native stage publish packages/a packages/b --tag next",
                one(
                    "trust-native stage publish",
                    "",
                    only(&["packages/a", "packages/b"]),
                ),
            ),
            (
                "npx trust-native stage publish dist/a-1.0.0.tgz",
                one("trust-native stage publish", "", Any),
            ),
            ("npx trust-native stage publish --dry-run", vec![]),
            ("npx trust-native stage approve --workspaces", vec![]),
        ];
        // Runners of runners, deeper than any real command: no publish, and no stack overflow.
        for runner in ["pnpm ", "npx ", "yarn dlx ", "npm exec "] {
            let script = format!("{}semantic-release", runner.repeat(100_000));
            assert_eq!(found(&script), vec![], "{runner}");
        }
        for (script, expected) in cases {
            assert_eq!(found(script), expected, "{script}");
        }
    }

    #[test]
    fn follows_package_json_scripts_a_few_levels() {
        let scripts = |dir: &str, name: &str| -> Option<String> {
            match (dir, name) {
                ("", "release") => Some("npm run build && npm run ship".into()),
                ("", "ship") => Some("changeset publish".into()),
                ("", "loop") => Some("npm run loop".into()),
                ("packages/a", "deploy") => Some("npm publish".into()),
                _ => None,
            }
        };
        let tools = |script: &str, dir: &str| -> Vec<(String, String)> {
            publishes(script, dir, &scripts)
                .into_iter()
                .map(|p| (p.tool, p.dir))
                .collect()
        };
        let changeset = vec![("changeset publish".to_string(), String::new())];
        assert_eq!(tools("npm run release", ""), changeset);
        assert_eq!(tools("pnpm release", ""), changeset);
        assert_eq!(tools("yarn release", ""), changeset);
        assert_eq!(tools("bun run release", ""), changeset);
        assert_eq!(
            tools("npm run deploy", "packages/a"),
            vec![("npm publish".to_string(), "packages/a".to_string())]
        );
        assert!(tools("npm run loop", "").is_empty());
        // A script that runs itself many times over stops after a bounded number of scripts.
        let fork = |_: &str, _: &str| Some(vec!["npm run fork"; 1000].join(" && "));
        assert!(publishes("npm run fork", "", &fork).is_empty());
        assert!(tools("npm run missing", "").is_empty());
    }

    #[test]
    fn reach_is_the_monorepo_rule() {
        let at = |dir: &str, reach: Reach| Publish {
            tool: "t".into(),
            dir: dir.into(),
            reach,
        };
        assert!(at("", Reach::Here).reaches("", "root"));
        assert!(!at("", Reach::Here).reaches("packages/a", "a"));
        assert!(at("packages/a", Reach::Here).reaches("packages/a", "a"));
        assert!(at("", Reach::Below).reaches("packages/a", "a"));
        assert!(at("packages", Reach::Below).reaches("packages/a", "a"));
        assert!(!at("packages", Reach::Below).reaches("packagesX/a", "a"));
        assert!(at("packages", Reach::Any).reaches("tools/b", "b"));
        let only = |s: &str| at("", Reach::Only(vec![s.into()]));
        assert!(only("@acme/*").reaches("packages/a", "@acme/a"));
        assert!(!only("@acme/b").reaches("packages/a", "@acme/a"));
        assert!(only("./packages/*").reaches("packages/a", "@acme/a"));
        assert!(only("{packages/a}...").reaches("packages/a", "x"));
        assert!(only("packages/a").reaches("packages/a", "x"));
        assert!(!only("./tools/*").reaches("packages/a", "x"));
    }

    #[test]
    fn joins_folders_inside_the_checkout_only() {
        assert_eq!(join("", "./packages/a/").as_deref(), Some("packages/a"));
        assert_eq!(join("packages/a", "../b").as_deref(), Some("packages/b"));
        assert_eq!(join("", "${{ github.workspace }}/x").as_deref(), Some("x"));
        assert_eq!(join("", ".."), None);
        assert_eq!(join("", "/abs"), None);
        assert_eq!(join("", "$OTHER/x"), None);
    }
}
