//! A folder packed as `npm pack` packs it: a port of npm-packlist 10 over ignore-walk, whose
//! rules are minimatch patterns (publish/glob.rs). Each folder reads its rule sets in npm's
//! order (npm's defaults, `files` from package.json, `.npmignore`, else `.gitignore`, then the
//! strict rules: what is always or never packed); the last rule that matches an entry decides,
//! after the folders above it have had their say. Bundled dependencies are packed from
//! `node_modules` as npm-packlist packs them (their own `files`, not their ignore files).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::glob::Rule;
use super::manifest::bins;
use super::tarball::{Tarball, MAX_UNPACKED};
use crate::error::{Error, Result};

/// npm-packlist's `defaults`: applied in every folder but inside non-link bundled dependencies.
const DEFAULTS: &[&str] = &[
    ".npmignore",
    ".gitignore",
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "**/.git/**",
    "**/.svn/**",
    "**/.hg/**",
    "**/CVS/**",
    "/.lock-wscript",
    "/.wafpickle-*",
    "/build/config.gypi",
    "npm-debug.log",
    "**/.npmrc",
    ".*.swp",
    ".DS_Store",
    "**/.DS_Store/**",
    "._*",
    "**/._*/**",
    "*.orig",
    "/archived-packages/**",
];

/// A package's strict rules (after its `files` entries that are files, before main, browser
/// and bins): what it always ships and never ships.
const PACKAGE_STRICT: &[&str] = &[
    "/.git",
    "!/package.json",
    "!/readme{,.*[^~$]}",
    "!/copying{,.*[^~$]}",
    "!/license{,.*[^~$]}",
    "!/licence{,.*[^~$]}",
    "/.git",
    "/node_modules",
    ".npmrc",
    "/package-lock.json",
    "/yarn.lock",
    "/pnpm-lock.yaml",
    "/bun.lockb",
];

const MAX_FILES: usize = 100_000;

/// A rule set of a folder, named as npm-packlist names them (its `ignoreFiles`).
#[derive(Clone, Copy, PartialEq)]
enum Set {
    Defaults,
    PackageJson,
    NpmIgnore,
    GitIgnore,
    Strict,
}

impl Set {
    fn file(self) -> Option<&'static str> {
        match self {
            Set::PackageJson => Some("package.json"),
            Set::NpmIgnore => Some(".npmignore"),
            Set::GitIgnore => Some(".gitignore"),
            Set::Defaults | Set::Strict => None,
        }
    }
}

const PACKAGE_SETS: &[Set] = &[
    Set::Defaults,
    Set::PackageJson,
    Set::NpmIgnore,
    Set::GitIgnore,
    Set::Strict,
];
const FOLDER_SETS: &[Set] = &[Set::Defaults, Set::NpmIgnore, Set::GitIgnore, Set::Strict];

/// One folder being walked (ignore-walk's `Walker`): its rules, in order, and its parent's.
struct Level<'p> {
    parent: Option<&'p Level<'p>>,
    basename: String,
    /// The folder itself matched as a file: its parent's exclusion does not end the matter.
    exact: bool,
    rules: Vec<Rule>,
}

impl Level<'_> {
    /// ignore-walk's `filterEntry`: whether `entry` (a path below this folder) is included.
    fn includes(&self, entry: &str, partial: bool, basename: Option<&str>) -> bool {
        let mut included = true;
        if let Some(parent) = self.parent {
            let in_parent = format!("{}/{entry}", self.basename);
            included = parent.includes(&in_parent, partial, Some(basename.unwrap_or(entry)));
            if !included && !self.exact {
                return false;
            }
        }
        let slashed = format!("/{entry}");
        for rule in &self.rules {
            // A rule can only change the verdict: an exclusion of what is excluded is moot.
            if rule.negate == included {
                continue;
            }
            let base = basename.filter(|_| rule.relative);
            let hit = rule.matches(&slashed, false)
                || rule.matches(entry, false)
                || partial
                    && (rule.matches(&format!("{slashed}/"), false)
                        || rule.matches(&format!("{entry}/"), false)
                        || rule.negate
                            && (rule.matches(&slashed, true) || rule.matches(entry, true))
                        || base.is_some_and(|base| {
                            rule.matches(&format!("/{base}/"), false)
                                || rule.matches(&format!("{base}/"), false)
                                || rule.negate
                                    && (rule.matches(&format!("/{base}"), true)
                                        || rule.matches(base, true))
                        }));
            if hit {
                included = rule.negate;
            }
        }
        included
    }
}

/// What a walk shares: the package root, what it found, whether the package has `workspaces`.
struct Walk<'a> {
    /// The folder whose paths are reported (the package being packed).
    root: &'a Path,
    found: &'a mut Vec<String>,
    /// With `workspaces` in the packed package.json (arborist's `tree.workspaces`), every
    /// folder below reads a package.json it holds as an ignore file, which rules out its
    /// `.npmignore` and `.gitignore` (npm-packlist's `walkerOpt`).
    workspaces: bool,
}

/// What a folder's walker is given (npm-packlist's walker options).
struct Folder<'a> {
    path: PathBuf,
    sets: &'a [Set],
    /// A package root (the packed package or a bundled one): its package.json gives rules.
    package: Option<&'a Map<String, Value>>,
    /// Files its parent's `files` names directly in it (npm's `requiredFiles`).
    required: Vec<String>,
}

/// Packs `folder` (it must hold a package.json).
pub fn pack(folder: &Path) -> Result<Tarball> {
    let manifest = read_manifest(folder)?;
    // What the tarball's package.json holds: `workspace:` ranges replaced, as pnpm packs it.
    let packed_manifest =
        super::workspace_protocol::replace(folder, &Value::Object(manifest.clone()))?;
    let mut paths = list(folder, &manifest)?;
    paths.sort_by(|a, b| npm_order(a, b));
    let bins: Vec<String> = bins(&manifest).into_iter().map(|(_, path)| path).collect();
    let mut entries = Vec::with_capacity(paths.len());
    let mut size = 0u64;
    for path in paths {
        let full = folder.join(&path);
        let meta = std::fs::symlink_metadata(&full).map_err(|e| unreadable(&full, e))?;
        size += meta.len();
        if size > MAX_UNPACKED {
            return Err(invalid("`folder` holds more than 512 MiB to pack."));
        }
        let contents = match &packed_manifest {
            Some(replaced) if path == "package.json" => replaced.clone(),
            _ => crate::read::bytes(&full, MAX_UNPACKED).map_err(|e| unreadable(&full, e))?,
        };
        let mode = tar_mode(&meta, is_package_bin(&bins, &path));
        entries.push((path, contents, mode));
    }
    let mut tarball = Tarball::pack(entries)?;
    // npm's manifest steps read AUTHORS from the folder, packed or not.
    if tarball.text("AUTHORS").is_none() {
        if let Ok(text) = crate::read::config(&folder.join("AUTHORS")) {
            tarball.texts.push(("AUTHORS".into(), text));
        }
    }
    Ok(tarball)
}

/// The files npm packs from `folder`, unsorted: npm-packlist's walk, then bundled dependencies.
pub fn list(folder: &Path, manifest: &Map<String, Value>) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let workspaces = super::manifest::truthy(manifest.get("workspaces"));
    let mut walk = Walk {
        root: folder,
        found: &mut found,
        workspaces,
    };
    walk.folder(
        Folder {
            path: folder.to_path_buf(),
            sets: PACKAGE_SETS,
            package: Some(manifest),
            required: Vec::new(),
        },
        None,
        String::new(),
        false,
    )?;
    let mut seen = HashSet::new();
    bundle(folder, folder, manifest, true, &mut seen, &mut found)?;
    let mut unique = HashSet::new();
    found.retain(|path| unique.insert(path.clone()));
    Ok(found)
}

fn invalid(why: &str) -> Error {
    Error::invalid_input("folder", why)
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid_input("folder", format!("Could not read {}: {e}", path.display()))
}

fn read_manifest(folder: &Path) -> Result<Map<String, Value>> {
    let path = folder.join("package.json");
    let text = crate::read::config(&path).map_err(|e| {
        Error::invalid_input(
            "folder",
            format!(
                "`folder` must be a package folder with a package.json ({}: {e}).",
                path.display()
            ),
        )
    })?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(manifest)) => Ok(manifest),
        Ok(_) => Err(invalid("package.json in `folder` is not a JSON object.")),
        Err(e) => Err(Error::invalid_input(
            "folder",
            format!("package.json in `folder` is not valid JSON ({e})."),
        )),
    }
}

/// The rules of an ignore file's lines: trimmed as JavaScript trims (a byte order mark too),
/// without blank lines and `#` comments.
fn rules<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<Rule> {
    lines
        .into_iter()
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(Rule::new)
        .collect()
}

impl Walk<'_> {
    fn folder(
        &mut self,
        folder: Folder,
        parent: Option<&Level>,
        basename: String,
        exact: bool,
    ) -> Result<()> {
        let mut names: Vec<String> = std::fs::read_dir(&folder.path)
            .map_err(|e| unreadable(&folder.path, e))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        let mut required = folder.required;
        let mut found: Vec<(Set, Vec<Rule>)> =
            vec![(Set::Defaults, rules(DEFAULTS.iter().copied()))];
        if folder.package.is_none() {
            let lines: Vec<String> = std::iter::once("/.git".to_string())
                .chain(required.iter().map(|f| format!("!{f}")))
                .collect();
            found.push((Set::Strict, rules(lines.iter().map(String::as_str))));
        }
        for set in folder.sets {
            let Some(file) = set.file().filter(|f| names.iter().any(|n| n == f)) else {
                continue;
            };
            match (set, folder.package) {
                (Set::PackageJson, Some(manifest)) => {
                    let (listed, strict) = package_rules(&folder.path, manifest, &mut required);
                    found.extend(listed.map(|rules| (Set::PackageJson, rules)));
                    found.push((Set::Strict, strict));
                }
                _ => {
                    // An ignore file that cannot be read (a folder, a FIFO) gives no rules.
                    let text = crate::read::config(&folder.path.join(file)).unwrap_or_default();
                    found.push((*set, rules(text.split('\n'))));
                }
            }
        }
        let has = |set: Set| found.iter().any(|(s, _)| *s == set);
        // package.json's `files` rules out both ignore files; .npmignore rules out .gitignore.
        let dropped: &[Set] = if has(Set::PackageJson) {
            &[Set::NpmIgnore, Set::GitIgnore]
        } else if has(Set::NpmIgnore) {
            &[Set::GitIgnore]
        } else {
            &[]
        };
        let mut ordered = Vec::new();
        for set in folder.sets.iter().filter(|s| !dropped.contains(s)) {
            if let Some(index) = found.iter().position(|(s, _)| s == set) {
                ordered.append(&mut found.remove(index).1);
            }
        }
        let level = Level {
            parent,
            basename,
            exact,
            rules: ordered,
        };
        for name in names {
            // npm-packlist skips names with `*`, bad on Windows.
            if name.contains('*') {
                continue;
            }
            let as_file = level.includes(&name, false, None);
            let as_dir = level.includes(&name, true, None);
            if !as_file && !as_dir {
                continue;
            }
            let path = folder.path.join(&name);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            // npm packs neither links nor devices. Nor an `.npmrc`, in any letter case, unless
            // `main`, `browser` or a bin names it (its strict rules re-include it): trust-native
            // never packs one, since it may hold a token.
            if meta.is_file() && as_file && !name.eq_ignore_ascii_case(".npmrc") {
                if self.found.len() >= MAX_FILES {
                    return Err(invalid("`folder` holds more than 100,000 files to pack."));
                }
                let relative = path.strip_prefix(self.root).unwrap_or(&path);
                self.found
                    .push(relative.to_string_lossy().replace('\\', "/"));
            } else if meta.is_dir() && as_dir {
                let exact = as_file || level.includes(&format!("{name}/"), false, None);
                let sets = if self.workspaces {
                    PACKAGE_SETS
                } else {
                    FOLDER_SETS
                };
                let required = required
                    .iter()
                    .filter_map(|f| f.strip_prefix(&format!("{name}/")))
                    .filter(|rest| !rest.is_empty() && !rest.contains('/'))
                    .map(String::from)
                    .collect();
                let child = Folder {
                    path,
                    sets,
                    package: None,
                    required,
                };
                self.folder(child, Some(&level), name, exact)?;
            }
        }
        Ok(())
    }
}

/// npm-packlist's `processPackage`: the rules of `files` (everything out, then what it names
/// back in) and the strict rules. A `files` entry that is a file is strict (it beats any later
/// exclusion) and `required` in its folder.
fn package_rules(
    folder: &Path,
    manifest: &Map<String, Value>,
    required: &mut Vec<String>,
) -> (Option<Vec<Rule>>, Vec<Rule>) {
    let mut strict: Vec<String> = PACKAGE_STRICT.iter().map(|s| s.to_string()).collect();
    let listed = manifest
        .get("files")
        .and_then(Value::as_array)
        .map(|files| {
            let mut lines = vec!["*".to_string()];
            for file in files.iter().filter_map(Value::as_str) {
                let mut file = match file.strip_prefix("./") {
                    Some(rest) => format!("/{rest}"),
                    None => file.to_string(),
                };
                if file.ends_with("/*") {
                    file.push('*');
                }
                let inverse = format!("!{file}");
                let target = folder.join(file.trim_start_matches('!').trim_start_matches('/'));
                match std::fs::symlink_metadata(target) {
                    Ok(meta) if meta.is_file() => {
                        strict.insert(0, inverse);
                        required.push(file.strip_prefix('/').unwrap_or(&file).to_string());
                    }
                    Ok(meta) if meta.is_dir() => {
                        lines.push(format!("{inverse}/**"));
                        lines.push(inverse);
                    }
                    // Neither a file nor a folder: not packed at all.
                    Ok(_) => {}
                    // Not there: a pattern.
                    Err(_) => lines.push(inverse),
                }
            }
            rules(lines.iter().map(String::as_str))
        });
    for key in ["browser", "main"] {
        if let Some(Value::String(file)) = manifest.get(key) {
            strict.push(format!("!/{file}"));
        }
    }
    strict.extend(
        bins(manifest)
            .into_iter()
            .map(|(_, path)| format!("!/{path}")),
    );
    (listed, rules(strict.iter().map(String::as_str)))
}

/// npm-packlist's `gatherBundles`: the packed package's `bundleDependencies`, then each one's
/// dependencies and optional dependencies, as installed in `node_modules`, each packed by its
/// own package.json (and its ignore files only when it is a link).
fn bundle(
    root: &Path,
    package: &Path,
    manifest: &Map<String, Value>,
    is_root: bool,
    seen: &mut HashSet<PathBuf>,
    found: &mut Vec<String>,
) -> Result<()> {
    if !seen.insert(package.to_path_buf()) {
        return Ok(());
    }
    let keys = |field: &str| -> Vec<String> {
        manifest
            .get(field)
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let runtime: Vec<String> = [keys("dependencies"), keys("optionalDependencies")].concat();
    let wanted: Vec<String> = if is_root {
        match manifest
            .get("bundleDependencies")
            .or(manifest.get("bundledDependencies"))
        {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            Some(Value::Bool(true)) => keys("dependencies"),
            _ => Vec::new(),
        }
    } else {
        runtime.clone()
    };
    for name in wanted {
        // Only what the package depends on at run time: not dev nor peer dependencies.
        if !runtime.contains(&name)
            || name
                .split('/')
                .any(|p| p == ".." || p == "." || p.is_empty())
        {
            continue;
        }
        let Some(path) = installed(root, package, &name) else {
            continue;
        };
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        let dependency = read_manifest(&path).unwrap_or_default();
        let mut files = Vec::new();
        let mut walk = Walk {
            root: &path,
            found: &mut files,
            workspaces: false,
        };
        let sets: &[Set] = if is_link {
            PACKAGE_SETS
        } else {
            &[Set::PackageJson, Set::Strict]
        };
        walk.folder(
            Folder {
                path: path.clone(),
                sets,
                package: Some(&dependency),
                required: Vec::new(),
            },
            None,
            String::new(),
            false,
        )?;
        let prefix = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(files.into_iter().map(|f| format!("{prefix}/{f}")));
        if found.len() > MAX_FILES {
            return Err(invalid("`folder` holds more than 100,000 files to pack."));
        }
        bundle(root, &path, &dependency, false, seen, found)?;
    }
    Ok(())
}

/// Where Node would find `name` from `package`: the nearest `node_modules/<name>` above it,
/// within the packed package.
fn installed(root: &Path, package: &Path, name: &str) -> Option<PathBuf> {
    package
        .ancestors()
        .take_while(|dir| dir.starts_with(root))
        .filter(|dir| dir.file_name().is_none_or(|n| n != "node_modules"))
        .map(|dir| dir.join("node_modules").join(name))
        .find(|path| path.is_dir())
}

/// The mode npm's tar gives a file: node-tar's portable mode (`(mode | 0o600) & ~0o22`), with
/// +x for the package's bins. Windows has no mode bits: Node reports 0o666 (0o444 read-only),
/// which gives what npm packs there.
fn tar_mode(meta: &std::fs::Metadata, bin: bool) -> u32 {
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mode = if meta.permissions().readonly() {
        0o444
    } else {
        0o666
    };
    let mode = (mode | 0o600) & !0o22;
    if bin {
        mode | 0o111
    } else {
        mode
    }
}

/// pacote's `isPackageBin`, quirk included: it compares each bin with the path less its first
/// folder (so `bin/cli.js` is not found as the bin `bin/cli.js`, but as `cli.js`).
fn is_package_bin(bins: &[String], path: &str) -> bool {
    let stripped = path.split_once('/').map_or(path, |(_, rest)| rest);
    bins.iter().any(|bin| bin == stripped)
}

/// npm-packlist's order, for compressibility: by extension, then base name (both lowercased),
/// then path, each compared as `localeCompare(.., 'en')` compares them (see `collate`).
fn npm_order(a: &str, b: &str) -> std::cmp::Ordering {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_lowercase();
    // Node's `path.extname`: from the last `.` of the base name, when something other than
    // dots comes before it.
    let ext = |p: &str| {
        let base = base(p);
        match base.rfind('.') {
            Some(dot) if base[..dot].chars().any(|c| c != '.') => base[dot..].to_string(),
            _ => String::new(),
        }
    };
    collate(&ext(a), &ext(b))
        .then_with(|| collate(&base(a), &base(b)))
        .then_with(|| collate(a, b))
}

/// ICU's root collation (what `localeCompare(.., 'en')` uses) for ASCII: punctuation and
/// symbols in its order, then digits, then letters without case; case only breaks ties,
/// lowercase first. Other characters come after, by code point (an approximation: ICU sorts
/// `é` with `e`).
fn collate(a: &str, b: &str) -> std::cmp::Ordering {
    const PUNCTUATION: &str = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    let primary = |c: char| -> u32 {
        if let Some(at) = PUNCTUATION.find(c) {
            at as u32
        } else if c.is_ascii_digit() {
            100 + c as u32
        } else if c.is_ascii_alphabetic() {
            200 + c.to_ascii_lowercase() as u32
        } else {
            1000 + c.to_lowercase().next().unwrap_or(c) as u32
        }
    };
    a.chars()
        .map(primary)
        .cmp(b.chars().map(primary))
        .then_with(|| {
            a.chars()
                .map(|c| c.is_uppercase())
                .cmp(b.chars().map(|c| c.is_uppercase()))
        })
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tn-pack-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        for (path, text) in files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_special_package_json_is_refused_not_read() {
        crate::read::in_bounded_child(
            "publish::pack::tests::a_special_package_json_is_refused_not_read",
            || {
                let dir = folder(&[("index.js", "")]);
                let made = std::process::Command::new("mkfifo")
                    .arg(dir.join("package.json"))
                    .status();
                assert!(made.unwrap().success());
                let err = pack(&dir).unwrap_err();
                assert!(err.message.contains("a FIFO"), "{}", err.message);
                std::fs::remove_dir_all(&dir).unwrap();
            },
        );
    }

    #[test]
    fn files_list_and_what_npm_always_packs() {
        let dir = folder(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","files":["lib/"],"bin":{"a":"cli.js"}}"#,
            ),
            ("lib/index.js", ""),
            ("lib/.npmrc", "secret"),
            ("cli.js", ""),
            ("test/a.test.js", ""),
            ("README.md", ""),
            ("LICENSE", ""),
            (".npmrc", "//r/:_authToken=secret"),
            ("node_modules/x/index.js", ""),
        ]);
        let tarball = pack(&dir).unwrap();
        let mut files = tarball.files.clone();
        files.sort();
        assert_eq!(
            files,
            [
                "LICENSE",
                "README.md",
                "cli.js",
                "lib/index.js",
                "package.json"
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ignore_files_without_a_files_list() {
        let dir = folder(&[
            ("package.json", r#"{"name":"a","version":"1.0.0"}"#),
            (".npmignore", "test/\n*.log\n"),
            (".gitignore", "dist/\n"),
            ("dist/a.js", ""),
            ("test/a.js", ""),
            ("debug.log", ""),
            ("src/.gitignore", "gen.js\n"),
            ("src/gen.js", ""),
            ("src/main.js", ""),
            ("package-lock.json", "{}"),
        ]);
        let tarball = pack(&dir).unwrap();
        let mut files = tarball.files.clone();
        files.sort();
        // .npmignore wins over .gitignore at the root; a nested .gitignore still applies.
        assert_eq!(files, ["dist/a.js", "package.json", "src/main.js"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Writes a fixture as npm-packlist's tests describe one: a string is a file, an object a
    /// folder, `{ "$symlink": target }` a link. Links are made last: Windows makes a link to a
    /// folder differently from one to a file, so the target must exist first. False when the
    /// system made no link: Windows without the privilege refuses, and Wine 8's
    /// CreateSymbolicLinkW says it did but makes nothing.
    fn materialize(dir: &Path, tree: &Map<String, Value>) -> bool {
        let mut links = Vec::new();
        write_tree(dir, tree, &mut links);
        links.into_iter().all(|(path, target)| {
            #[cfg(unix)]
            let made = std::os::unix::fs::symlink(&target, &path);
            #[cfg(windows)]
            let made = if path.parent().unwrap().join(&target).is_dir() {
                std::os::windows::fs::symlink_dir(&target, &path)
            } else {
                std::os::windows::fs::symlink_file(&target, &path)
            };
            made.is_ok() && std::fs::symlink_metadata(&path).is_ok()
        })
    }

    fn write_tree(dir: &Path, tree: &Map<String, Value>, links: &mut Vec<(PathBuf, String)>) {
        std::fs::create_dir_all(dir).unwrap();
        for (name, value) in tree {
            let path = dir.join(name);
            match value {
                Value::Object(o) if o.contains_key("$symlink") => {
                    // Written with `/`, as npm-packlist's tests are; Windows takes `\`.
                    let target = o["$symlink"].as_str().unwrap();
                    links.push((path, target.replace('/', std::path::MAIN_SEPARATOR_STR)));
                }
                Value::Object(o) => write_tree(&path, o, links),
                Value::String(text) => std::fs::write(&path, text).unwrap(),
                other => panic!("{name}: {other}"),
            }
        }
    }

    /// npm-packlist's own test cases (scripts/port-packlist-cases.mjs), which
    /// __test__/pack-cases.test.mjs also checks against npm itself.
    #[test]
    fn npm_packlist_test_cases() {
        let table: Value = serde_json::from_str(include_str!(
            "../../../../__test__/fixtures/packlist-cases.json"
        ))
        .unwrap();
        let mut failed = Vec::new();
        let mut unmade = Vec::new();
        let cases = table["cases"].as_array().unwrap();
        for case in cases {
            let dir = folder(&[]);
            if !materialize(&dir, case["fixture"].as_object().unwrap()) {
                eprintln!(
                    "not run: {}: this system made no symbolic link",
                    case["name"]
                );
                unmade.push(case["name"].to_string());
                std::fs::remove_dir_all(dir).unwrap();
                continue;
            }
            let manifest = read_manifest(&dir).unwrap_or_default();
            let mut ours = list(&dir, &manifest).unwrap();
            ours.sort();
            let mut expected: Vec<String> = case["expected"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().trim_start_matches("./").to_string())
                .collect();
            expected.sort();
            if ours != expected {
                failed.push(format!(
                    "{}\n  ours:     {ours:?}\n  expected: {expected:?}",
                    case["name"]
                ));
            }
            std::fs::remove_dir_all(dir).unwrap();
        }
        // Every case runs where links can be made, as on every Unix.
        #[cfg(unix)]
        assert_eq!(unmade, Vec::<String>::new());
        assert!(unmade.len() <= 2, "links are in two cases only: {unmade:?}");
        assert!(
            failed.is_empty(),
            "{} of {} cases differ:\n{}",
            failed.len(),
            cases.len(),
            failed.join("\n")
        );
    }

    /// The sorted files `pack` ships from a folder of `files`, and the folder.
    fn packed(files: &[(&str, &str)]) -> Vec<String> {
        let dir = folder(files);
        let mut packed = pack(&dir).unwrap().files;
        packed.sort();
        std::fs::remove_dir_all(dir).unwrap();
        packed
    }

    // issue 20, rules 1 to 5 (each expectation is what `npm pack` 11.19 ships for the folder).
    #[test]
    fn rule_1_files_entries_match_at_the_root_only() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","files":["lib/","bin/","index.js","README.md"]}"#,
            ),
            ("lib/a.js", ""),
            ("bin/cli.js", ""),
            ("index.js", ""),
            ("README.md", ""),
            ("test/bin/t.js", ""),
            ("test/lib/y.js", ""),
            ("examples/x/index.js", ""),
            ("docs/README.md", ""),
        ]);
        assert_eq!(
            files,
            [
                "README.md",
                "bin/cli.js",
                "index.js",
                "lib/a.js",
                "package.json"
            ]
        );
    }

    #[test]
    fn rule_2_a_file_named_in_files_beats_a_later_exclusion() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","files":["browser.d.ts","!*.d.ts","lib"]}"#,
            ),
            ("browser.d.ts", ""),
            ("other.d.ts", ""),
            ("lib/a.d.ts", ""),
            ("lib/a.js", ""),
        ]);
        assert_eq!(
            files,
            ["browser.d.ts", "lib/a.d.ts", "lib/a.js", "package.json"]
        );
    }

    #[test]
    fn rule_3_reinclusion_under_an_excluded_folder() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","main":"index.js"}"#,
            ),
            (".npmignore", "**/*\n!/dist/**\n"),
            ("index.js", ""),
            ("lib/axios.js", ""),
            ("dist/axios.js", ""),
        ]);
        assert_eq!(files, ["dist/axios.js", "index.js", "package.json"]);
    }

    #[test]
    fn rule_4_a_nested_ignore_file_undoes_its_parents_rule() {
        let files = packed(&[
            ("package.json", r#"{"name":"a","version":"1.0.0"}"#),
            (".gitignore", "node_modules\n*.txt\n"),
            ("fixtures/.gitignore", "!node_modules\n"),
            ("fixtures/node_modules/dep/index.js", ""),
            ("a.txt", ""),
            ("sub/.gitignore", "!keep.txt\n"),
            ("sub/keep.txt", ""),
            ("sub/drop.txt", ""),
        ]);
        assert_eq!(
            files,
            [
                "fixtures/node_modules/dep/index.js",
                "package.json",
                "sub/keep.txt"
            ]
        );
    }

    #[test]
    fn rule_5_bundled_dependencies_are_packed() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","dependencies":{"dep":"1","dev":"1"},
                   "devDependencies":{"dev":"1"},"bundleDependencies":["dep","dev","absent"]}"#,
            ),
            ("index.js", ""),
            (
                "node_modules/dep/package.json",
                r#"{"name":"dep","version":"1.0.0","files":["lib"],"dependencies":{"sub":"1"}}"#,
            ),
            ("node_modules/dep/lib/x.js", ""),
            ("node_modules/dep/test/y.js", ""),
            ("node_modules/dep/.npmignore", "lib\n"),
            (
                "node_modules/sub/package.json",
                r#"{"name":"sub","version":"1.0.0"}"#,
            ),
            ("node_modules/sub/.DS_Store", ""),
            ("node_modules/other/index.js", ""),
        ]);
        assert_eq!(
            files,
            [
                "index.js",
                "node_modules/dep/lib/x.js",
                "node_modules/dep/package.json",
                "node_modules/sub/.DS_Store",
                "node_modules/sub/package.json",
                "package.json",
            ]
        );
    }

    #[test]
    fn with_workspaces_a_folders_package_json_rules_out_its_ignore_files() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","workspaces":["packages/*"]}"#,
            ),
            ("lib/.npmignore", "x.js\n"),
            ("lib/x.js", ""),
            ("lib/z.js", ""),
            (
                "packages/a/package.json",
                r#"{"name":"b","files":["index.js"]}"#,
            ),
            ("packages/a/.npmignore", "other.js\n"),
            ("packages/a/index.js", ""),
            ("packages/a/other.js", ""),
        ]);
        assert_eq!(
            files,
            [
                "lib/z.js",
                "package.json",
                "packages/a/index.js",
                "packages/a/other.js",
                "packages/a/package.json"
            ]
        );
    }

    #[test]
    fn files_in_npms_order() {
        // As Node 20 sorts them with npm-packlist's comparator (ICU's collation).
        let mut files = vec![
            "parsex.js",
            "Parse.js",
            "parse.js",
            "parse-x.js",
            "test/parse_modified.js",
            "README",
            ".eslintrc",
            "b.JSON",
            "a.json",
            "lib/a 1.js",
            "lib/a1.js",
        ];
        files.sort_by(|a, b| npm_order(a, b));
        assert_eq!(
            files,
            [
                ".eslintrc",
                "README",
                "lib/a 1.js",
                "lib/a1.js",
                "test/parse_modified.js",
                "parse-x.js",
                "parse.js",
                "Parse.js",
                "parsex.js",
                "a.json",
                "b.JSON",
            ]
        );
    }

    #[test]
    fn an_ignore_file_with_a_byte_order_mark_and_crlf() {
        let files = packed(&[
            ("package.json", r#"{"name":"a","version":"1.0.0"}"#),
            (".npmignore", "\u{feff}secret.txt\r\n*.log\r\n"),
            ("secret.txt", ""),
            ("a.log", ""),
            ("index.js", ""),
        ]);
        assert_eq!(files, ["index.js", "package.json"]);
    }

    #[test]
    fn an_npmrc_is_never_packed_even_as_main_or_bin() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","main":".npmrc","bin":{"a":"sub/.npmrc"}}"#,
            ),
            (".npmrc", "//r/:_authToken=secret"),
            ("sub/.npmrc", "//r/:_authToken=secret"),
            ("sub/deep/.NPMRC", "//r/:_authToken=secret"),
            ("sub/a.js", ""),
        ]);
        assert_eq!(files, ["package.json", "sub/a.js"]);
    }

    // issue 23, finding 7.
    #[test]
    fn files_and_ignore_rules_match_without_case() {
        let files = packed(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","files":["LIB/**","Index.js"]}"#,
            ),
            ("lib/a.js", ""),
            ("lib/debug.log", ""),
            ("lib/.npmignore", "*.LOG\n"),
            ("index.js", ""),
        ]);
        assert_eq!(files, ["index.js", "lib/a.js", "package.json"]);
    }

    // issue 23, finding 6: modes as npm's tar writes them.
    #[cfg(unix)]
    #[test]
    fn modes_are_npms() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder(&[
            (
                "package.json",
                r#"{"name":"a","version":"1.0.0","bin":{"a":"cli.js","b":"./bin/b.js"}}"#,
            ),
            ("cli.js", ""),
            ("bin/b.js", ""),
            ("run.sh", ""),
            ("group.txt", ""),
        ]);
        for (file, mode) in [
            ("cli.js", 0o640),
            ("bin/b.js", 0o640),
            ("run.sh", 0o744),
            ("group.txt", 0o664),
        ] {
            std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
        let tarball = pack(&dir).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball.bytes.as_slice()));
        let mut modes: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        modes.sort();
        // A root bin gets +x; `bin/b.js` does not (pacote compares bins with the path less
        // its first folder); the rest is `(mode | 0o600) & ~0o22`.
        assert_eq!(
            modes,
            [
                ("package/bin/b.js".to_string(), 0o640),
                ("package/cli.js".to_string(), 0o751),
                ("package/group.txt".to_string(), 0o644),
                ("package/package.json".to_string(), 0o644),
                ("package/run.sh".to_string(), 0o744),
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
