//! The version manifest npm publishes: package.json as `@npmcli/package-json`'s `prepare`
//! steps leave it (what `npm publish` reads from a folder or a tarball), then libnpmpublish's
//! fields. The steps run in npm's order, so keys land where npm puts them: the file-reading
//! steps first (README, gyp, server.js, AUTHORS), then the ones on the data (`_id`, repository,
//! the fields `normalize-package-data` fixes).
//!
//! Not done (npm does it; rare in packages published this way, and left as the file has it):
//! git URLs in dependencies. The steps that glob the folder (`directories.bin`,
//! `directories.man`) look at the packed files. `types` is filled in from a `.d.ts` beside `main` when the tarball holds it
//! (npm also looks at a folder's unpacked files).

use serde_json::{json, Map, Value};

use super::tarball::Tarball;
use crate::error::{Error, Result};

/// The manifest npm would publish for `tarball`'s package.json. `git_head`: the commit of the
/// git checkout a folder is in (npm records it for a folder, not for a tarball).
pub fn prepare(tarball: &Tarball, git_head: Option<String>) -> Result<Map<String, Value>> {
    let Value::Object(mut data) = tarball.package_json.clone() else {
        unreachable!("Tarball::read keeps only an object")
    };
    file_steps(&mut data, tarball);
    if let (Some(head), false) = (git_head, truthy(data.get("gitHead"))) {
        data.insert("gitHead".into(), head.into());
    }
    fill_types(&mut data, tarball);
    data_steps(&mut data)?;
    Ok(data)
}

/// npm's `fillTypes`: without `types` or `typings`, the `.d.ts` beside `main` (default
/// `index.js`) when there is one.
fn fill_types(data: &mut Map<String, Value>, tarball: &Tarball) {
    if data.contains_key("types") || data.contains_key("typings") {
        return;
    }
    let main = match data.get("main") {
        Some(Value::String(main)) if !main.is_empty() => main.as_str(),
        None | Some(Value::Null) => "index.js",
        Some(_) => return,
    };
    // Node's path.join(dirname, basename without extension), then `./` in front.
    let mut parts: Vec<&str> = Vec::new();
    for part in main.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return;
                }
            }
            part => parts.push(part),
        }
    }
    let Some(file) = parts.pop() else {
        return;
    };
    let stem = match file.rfind('.') {
        Some(dot) if dot > 0 => &file[..dot],
        _ => file,
    };
    parts.push(stem);
    let dts = format!("{}.d.ts", parts.join("/"));
    if tarball.files.contains(&dts) {
        data.insert("types".into(), format!("./{dts}").into());
    }
}

/// The commit checked out in the git repository `folder` is in: `.git/HEAD`, a ref it names
/// (a loose ref, else `packed-refs`), as `@npmcli/package-json`'s `gitHead` step reads it.
pub fn git_head(folder: &std::path::Path) -> Option<String> {
    let root = folder.ancestors().find(|dir| dir.join(".git").is_dir())?;
    let git = root.join(".git");
    let read = |path: std::path::PathBuf| crate::read::config(&path).ok();
    let head = read(git.join("HEAD"))?;
    let Some(reference) = head.strip_prefix("ref: ") else {
        return Some(head.trim().to_string()).filter(|h| !h.is_empty());
    };
    let reference = reference.trim();
    // A ref names a file under .git only: never a path that leaves it.
    if reference
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    if let Some(loose) = read(git.join(reference)) {
        let loose = loose.trim_start_matches("ref: ").trim().to_string();
        if !loose.is_empty() {
            return Some(loose);
        }
    }
    read(git.join("packed-refs"))?.lines().find_map(|line| {
        let (hash, name) = line.split_once(' ')?;
        (name.trim() == reference
            && hash.len() == 40
            && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hash.to_string())
    })
}

fn file_steps(data: &mut Map<String, Value>, tarball: &Tarball) {
    let has = |path: &str| tarball.files.iter().any(|f| f == path);
    let scripts = data.get("scripts").cloned();
    let script = |name: &str| scripts.as_ref().and_then(|s| s.get(name)).is_some();
    // gypfile: a native addon builds on install.
    if !script("install")
        && !script("preinstall")
        && data.get("gypfile") != Some(&Value::Bool(false))
        && tarball
            .files
            .iter()
            .any(|f| !f.contains('/') && f.ends_with(".gyp"))
    {
        set_script(data, "install", "node-gyp rebuild");
        data.insert("gypfile".into(), Value::Bool(true));
    }
    let scripts = data.get("scripts").cloned();
    if scripts.as_ref().and_then(|s| s.get("start")).is_none() && has("server.js") {
        set_script(data, "start", "node server.js");
    }
    if !data.contains_key("contributors") {
        if let Some(authors) = tarball.text("AUTHORS") {
            let names: Vec<Value> = authors
                .lines()
                .map(|l| {
                    if l.trim_start().starts_with('#') {
                        ""
                    } else {
                        l.trim()
                    }
                })
                .filter(|l| !l.is_empty())
                .map(Value::from)
                .collect();
            data.insert("contributors".into(), Value::Array(names));
        }
    }
    if !truthy(data.get("readme")) {
        let readme = readme_file(&tarball.files);
        if let Some((file, text)) = readme.and_then(|f| tarball.text(f).map(|t| (f, t))) {
            data.insert("readme".into(), text.into());
            data.insert("readmeFilename".into(), file.into());
        }
        if !truthy(data.get("readme")) {
            data.insert("readme".into(), NO_README.into());
        }
    }
    mans(data, tarball);
    bin_step(data, tarball);
}

/// The packed entries (files and the folders above them) below `dir` that glob's `**` finds:
/// none inside a dot folder nor a dotfile; paths relative to `dir`, sorted.
fn entries_below(tarball: &Tarball, dir: &str) -> Vec<String> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{}/", dir.trim_end_matches('/'))
    };
    let mut found: Vec<String> = Vec::new();
    for file in tarball.files.iter().filter_map(|f| f.strip_prefix(&prefix)) {
        let parts: Vec<&str> = file.split('/').collect();
        if parts.iter().any(|p| p.starts_with('.')) {
            continue;
        }
        for end in 1..=parts.len() {
            found.push(parts[..end].join("/"));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// `directories[key]` (`bin`, `man`) cleaned as a path inside the package, when it is set.
fn directory(data: &Map<String, Value>, key: &str) -> Option<String> {
    data.get("directories")
        .and_then(|d| d.get(key))
        .filter(|d| truthy(Some(d)))
        .and_then(Value::as_str)
        .map(inside)
}

/// The `binDir` step (`bin` from `directories.bin` when there is none), else `bin` cleaned.
fn bin_step(data: &mut Map<String, Value>, tarball: &Tarball) {
    if let (Some(dir), false) = (directory(data, "bin"), truthy(data.get("bin"))) {
        let mut bin = Map::new();
        for entry in entries_below(tarball, &dir) {
            let name = entry.rsplit('/').next().unwrap_or(&entry).to_string();
            bin.insert(name, format!("{dir}/{}", inside(&entry)).into());
        }
        data.insert("bin".into(), Value::Object(bin));
        return;
    }
    match bins(data) {
        list if list.is_empty() => {
            data.remove("bin");
        }
        list => {
            let bin = list
                .into_iter()
                .map(|(name, path)| (name, Value::from(path)));
            data.insert("bin".into(), Value::Object(bin.collect()));
        }
    }
}

const NO_README: &str = "ERROR: No README data found!";

/// npm's choice among `{README,README.*}` (any case, in glob order): the first with a
/// markdown-like extension, else the last named `...README`.
fn readme_file(files: &[String]) -> Option<&str> {
    let mut candidates: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|f| {
            let lower = f.to_ascii_lowercase();
            !f.contains('/') && (lower == "readme" || lower.starts_with("readme."))
        })
        .collect();
    // glob gives them in the reverse of Node's (sorted) readdir order.
    candidates.sort_unstable();
    candidates.reverse();
    let markdown = |f: &str| {
        // `/\.m?a?r?k?d?o?w?n?$/i`: an extension made of letters of "markdown", in order.
        let lower = f.to_ascii_lowercase();
        match lower.rfind('.') {
            Some(dot) => {
                let mut letters = "markdown".chars();
                lower[dot + 1..].chars().all(|c| letters.any(|m| m == c))
            }
            None => false,
        }
    };
    // The first markdown-like one, else the last that ends in `README` (with its case).
    candidates
        .iter()
        .find(|f| markdown(f))
        .or_else(|| candidates.iter().rev().find(|f| f.ends_with("README")))
        .copied()
}

fn set_script(data: &mut Map<String, Value>, name: &str, command: &str) {
    let scripts = data
        .entry("scripts")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(scripts) = scripts {
        scripts.insert(name.into(), command.into());
    }
}

/// JavaScript's truthiness of a JSON value (a missing one is falsy).
pub(crate) fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(_) => true,
    }
}

fn data_steps(data: &mut Map<String, Value>) -> Result<()> {
    // name and version: trimmed and cleaned, as npm does before anything else.
    if let Some(Value::String(name)) = data.get_mut("name") {
        *name = name.trim().to_string();
    }
    let version = match data.get("version") {
        Some(Value::String(v)) => clean_version(v).ok_or_else(|| {
            Error::invalid_input(
                "version",
                "package.json's `version` is not a valid semver version (e.g. 1.2.3).",
            )
        })?,
        _ => {
            return Err(Error::invalid_input(
                "version",
                "package.json has no `version`.",
            ))
        }
    };
    data.insert("version".into(), version.clone().into());
    data.retain(|key, _| !key.starts_with('_'));
    if let Some(Value::String(name)) = data.get("name") {
        let id = format!("{name}@{version}");
        data.insert("_id".into(), id.into());
    }
    if let Some(bundled) = data.remove("bundledDependencies") {
        if !data.contains_key("bundleDependencies") {
            data.insert("bundleDependencies".into(), bundled);
        }
    }
    match data.get("bundleDependencies").cloned() {
        Some(Value::Bool(true)) => {
            let names: Vec<Value> = data
                .get("dependencies")
                .and_then(Value::as_object)
                .map(|d| d.keys().cloned().map(Value::from).collect())
                .unwrap_or_default();
            data.insert("bundleDependencies".into(), Value::Array(names));
        }
        Some(Value::Object(o)) => {
            let names = o.keys().cloned().map(Value::from).collect();
            data.insert("bundleDependencies".into(), Value::Array(names));
        }
        Some(Value::Array(_)) => {}
        // `false` is dropped by `prepare` (bundleDependenciesDeleteFalse), as is anything else.
        Some(_) => {
            data.remove("bundleDependencies");
        }
        None => {}
    }
    if let Some(Value::Object(scripts)) = data.get_mut("scripts") {
        scripts.retain(|_, v| v.is_string());
        for command in scripts.values_mut() {
            if let Value::String(text) = command {
                if let Some(rest) = strip_bin_prefix(text) {
                    *text = rest;
                }
            }
        }
    } else if data.contains_key("scripts") {
        data.remove("scripts");
    }
    repository(data);
    normalize_data(data);
    Ok(())
}

/// The package's bins as `@npmcli/package-json` normalizes them: a string `bin` is
/// `{ <name without scope>: path }`, an array is keyed by basenames; a name is a basename and a
/// path stays inside the package, without `./` or a leading `/`. What is not a string goes.
pub fn bins(manifest: &Map<String, Value>) -> Vec<(String, String)> {
    let basename = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    let raw: Vec<(String, Value)> = match manifest.get("bin") {
        Some(Value::String(path)) if !path.is_empty() => match manifest.get("name") {
            Some(Value::String(name)) if !name.is_empty() => {
                vec![(name.clone(), path.clone().into())]
            }
            _ => Vec::new(),
        },
        Some(Value::Array(paths)) => paths
            .iter()
            .filter_map(Value::as_str)
            .map(|p| (basename(p), Value::from(p)))
            .collect(),
        Some(Value::Object(bins)) => bins.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, path) in raw {
        let (Value::String(path), name) = (path, basename(&inside(&name))) else {
            continue;
        };
        let path = inside(&path);
        if name.is_empty() || path.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = path,
            None => out.push((name, path)),
        }
    }
    out
}

/// `secureAndUnixifyPath`: `\` and `:` as `/`, `.` and `..` resolved without leaving the
/// package, no leading `/`; empty when nothing is left.
pub fn inside(path: &str) -> String {
    let unix = path.replace(['\\', ':'], "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in unix.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    let trailing = if unix.ends_with('/') { "/" } else { "" };
    format!("{}{trailing}", parts.join("/"))
}

/// The `mans` step: `man` from `directories.man` (its `**/*.[0-9]`) when there is none, then
/// `normalizePackageMan`: a list of paths inside the package, or gone.
fn mans(data: &mut Map<String, Value>, tarball: &Tarball) {
    if let (Some(dir), false) = (directory(data, "man"), truthy(data.get("man"))) {
        let pages: Vec<Value> = entries_below(tarball, &dir)
            .into_iter()
            .filter(|entry| {
                let name = entry.rsplit('/').next().unwrap_or(entry).as_bytes();
                name.len() > 2
                    && name[name.len() - 2] == b'.'
                    && name[name.len() - 1].is_ascii_digit()
            })
            .map(|entry| {
                if dir.is_empty() {
                    entry
                } else {
                    format!("{dir}/{entry}")
                }
                .into()
            })
            .collect();
        data.insert("man".into(), Value::Array(pages));
    }
    let list = match data.get("man") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) if truthy(Some(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let mans: Vec<Value> = list
        .iter()
        .filter_map(Value::as_str)
        .map(|m| inside(m).into())
        .collect();
    if mans.is_empty() {
        data.remove("man");
    } else {
        data.insert("man".into(), Value::Array(mans));
    }
}

/// `semver.clean` in loose mode: trimmed, without a leading `=` or `v`, and valid.
pub fn clean_version(version: &str) -> Option<String> {
    let trimmed = version.trim().trim_start_matches(['=', 'v', ' ']);
    semver::Version::parse(trimmed).ok().map(|v| v.to_string())
}

fn strip_bin_prefix(script: &str) -> Option<String> {
    for prefix in [
        "./node_modules/.bin/",
        "node_modules/.bin/",
        ".\\node_modules\\.bin\\",
        "node_modules\\.bin\\",
    ] {
        if let Some(rest) = script.strip_prefix(prefix) {
            return Some(rest.to_string());
        }
    }
    None
}

fn repository(data: &mut Map<String, Value>) {
    if let Some(first) = data
        .get("repositories")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .cloned()
    {
        data.insert("repository".into(), first);
    }
    let Some(repository) = data.get_mut("repository") else {
        return;
    };
    if let Value::String(url) = repository {
        *repository = json!({ "type": "git", "url": url });
    }
    if let Some(Value::String(url)) = repository.get_mut("url") {
        if let Some(hosted) = Hosted::from_url(url) {
            *url = hosted.normalized;
        }
    }
}

/// normalize-package-data's fixes, the ones that change what is sent.
fn normalize_data(data: &mut Map<String, Value>) {
    if data.get("description").is_some_and(|d| !d.is_string()) {
        data.remove("description");
    }
    if let Some(Value::String(readme)) = data.get("readme") {
        if !truthy(data.get("description")) && readme != NO_README {
            let description = extract_description(readme);
            data.insert("description".into(), description.into());
        }
    }
    if data.get("files").is_some_and(|f| !f.is_array()) {
        data.remove("files");
    } else if let Some(Value::Array(files)) = data.get_mut("files") {
        files.retain(|f| f.as_str().is_some_and(|f| !f.is_empty()));
    }
    let hosted = data
        .get("repository")
        .and_then(|r| r.get("url"))
        .and_then(Value::as_str)
        .and_then(Hosted::from_url);
    match data.get("bugs").cloned() {
        None => {
            if let Some(hosted) = &hosted {
                data.insert("bugs".into(), json!({ "url": hosted.bugs }));
            }
        }
        Some(Value::String(bugs)) => {
            if is_email(&bugs) {
                data.insert("bugs".into(), json!({ "email": bugs }));
            } else if reqwest::Url::parse(&bugs).is_ok() {
                data.insert("bugs".into(), json!({ "url": bugs }));
            }
        }
        Some(Value::Object(old)) => {
            let url = old.get("url").or(old.get("web")).or(old.get("name"));
            let mut bugs = Map::new();
            if let Some(Value::String(url)) =
                url.filter(|u| u.as_str().is_some_and(|u| reqwest::Url::parse(u).is_ok()))
            {
                bugs.insert("url".into(), url.clone().into());
            }
            if let Some(Value::String(email)) = old
                .get("email")
                .filter(|e| e.as_str().is_some_and(is_email))
            {
                bugs.insert("email".into(), email.clone().into());
            }
            if bugs.is_empty() {
                data.remove("bugs");
            } else {
                data.insert("bugs".into(), Value::Object(bugs));
            }
        }
        Some(_) => {}
    }
    if let Some(Value::String(keywords)) = data.get("keywords") {
        let split: Vec<Value> = keywords
            .split(',')
            .map(|k| k.trim_start().to_string())
            .map(Value::from)
            .collect();
        data.insert("keywords".into(), Value::Array(split));
    }
    if data.get("keywords").is_some_and(|k| !k.is_array()) {
        data.remove("keywords");
    } else if let Some(Value::Array(keywords)) = data.get_mut("keywords") {
        keywords.retain(|k| k.as_str().is_some_and(|k| !k.is_empty()));
    }
    if !truthy(data.get("homepage")) {
        if let Some(hosted) = &hosted {
            data.insert("homepage".into(), hosted.docs.clone().into());
        }
    }
    match data.get("homepage").cloned() {
        Some(Value::String(home)) if reqwest::Url::parse(&home).is_err() => {
            data.insert("homepage".into(), format!("http://{home}").into());
        }
        Some(Value::String(_)) | None => {}
        Some(_) => {
            data.remove("homepage");
        }
    }
    if !truthy(data.get("readme")) {
        data.insert("readme".into(), NO_README.into());
    }
    if let Some(author) = data.get("author").filter(|a| truthy(Some(a))).cloned() {
        data.insert("author".into(), person(&author));
    }
    for set in ["maintainers", "contributors"] {
        if let Some(Value::Array(people)) = data.get(set) {
            let people: Vec<Value> = people.iter().map(person).collect();
            data.insert(set.into(), Value::Array(people));
        }
    }
}

fn is_email(text: &str) -> bool {
    match (text.find('@'), text.rfind('.')) {
        (Some(at), Some(dot)) => at < dot,
        _ => false,
    }
}

/// The first paragraph of a README that is not a heading.
fn extract_description(readme: &str) -> String {
    let lines: Vec<&str> = readme.trim().split('\n').collect();
    let mut start = 0;
    while start < lines.len() && {
        let line = lines[start].trim();
        line.is_empty() || line.starts_with('#')
    } {
        start += 1;
    }
    let mut end = start + 1;
    while end < lines.len() && !lines[end].trim().is_empty() {
        end += 1;
    }
    lines[start.min(lines.len())..end.min(lines.len())]
        .join(" ")
        .trim()
        .to_string()
}

/// `"Name <email> (url)"` or `{ name, email|mail, url|web }` as `{ name, email, url }`.
fn person(value: &Value) -> Value {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Object(o) => {
            let get = |a: &str, b: &str| {
                o.get(a)
                    .or(o.get(b))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let mut text = get("name", "name").unwrap_or_default();
            if let Some(email) = get("email", "mail") {
                text.push_str(&format!(" <{email}>"));
            }
            if let Some(url) = get("url", "web") {
                text.push_str(&format!(" ({url})"));
            }
            text
        }
        other => return other.clone(),
    };
    let mut parsed = Map::new();
    let name: String = text
        .chars()
        .take_while(|c| *c != '(' && *c != '<')
        .collect();
    if !name.trim().is_empty() {
        parsed.insert("name".into(), name.trim().into());
    }
    let between = |open: char, close: char| {
        let start = text.find(open)?;
        let rest = &text[start + 1..];
        let end = rest.find(close)?;
        let inner = &rest[..end];
        (!inner.is_empty() && !inner.contains(open)).then(|| inner.to_string())
    };
    if let Some(email) = between('<', '>') {
        parsed.insert("email".into(), email.into());
    }
    if let Some(url) = between('(', ')') {
        parsed.insert("url".into(), url.into());
    }
    Value::Object(parsed)
}

/// A repository on GitHub, GitLab or Bitbucket, as hosted-git-info reads it.
#[derive(Debug, PartialEq)]
struct Hosted {
    /// The URL npm writes in `repository.url`.
    normalized: String,
    bugs: String,
    docs: String,
}

impl Hosted {
    fn from_url(url: &str) -> Option<Hosted> {
        const HOSTS: [(&str, &str); 3] = [
            ("github", "github.com"),
            ("gitlab", "gitlab.com"),
            ("bitbucket", "bitbucket.org"),
        ];
        let (url, committish) = match url.split_once('#') {
            Some((u, c)) => (u, Some(c)),
            None => (url, None),
        };
        let path_of = |rest: &str| -> Option<(String, String)> {
            let rest = rest.trim_end_matches('/');
            let rest = rest.strip_suffix(".git").unwrap_or(rest);
            let (user, project) = rest.rsplit_once('/')?;
            let user = user.trim_start_matches('/');
            (!user.is_empty() && !project.is_empty() && !project.contains(['/', ':']))
                .then(|| (user.to_string(), project.to_string()))
        };
        // Shortcuts: `owner/repo` (GitHub) and `github:owner/repo`.
        let shortcut = |host: &'static str, rest: &str| {
            let (user, project) = path_of(rest)?;
            (!user.contains('/') || host == "gitlab.com").then_some((host, user, project, "https"))
        };
        let found = if let Some((scheme, rest)) = url
            .split_once(':')
            .filter(|(s, _)| HOSTS.iter().any(|(name, _)| name == s))
        {
            let host = HOSTS.iter().find(|(name, _)| *name == scheme)?.1;
            shortcut(host, rest.trim_start_matches('/'))
        } else if !url.contains(':') && url.matches('/').count() == 1 && !url.starts_with('.') {
            shortcut("github.com", url)
        } else if let Some(rest) = url.strip_prefix("git@") {
            let (host, path) = rest.split_once(':')?;
            let host = HOSTS.iter().find(|(_, h)| *h == host)?.1;
            let (user, project) = path_of(path)?;
            Some((host, user, project, "ssh"))
        } else {
            let parsed = reqwest::Url::parse(url).ok()?;
            let form = match parsed.scheme() {
                "https" | "git+https" => "https",
                // hosted-git-info keeps `http:` as its own form, written as git+ssh, and
                // does not take `git+http:` at all.
                "http" => "ssh",
                "git" => "git",
                "ssh" | "git+ssh" => "ssh",
                _ => return None,
            };
            let host = parsed.host_str()?.trim_start_matches("www.");
            let host = HOSTS.iter().find(|(_, h)| *h == host)?.1;
            let (user, project) = path_of(parsed.path())?;
            Some((host, user, project, form))
        };
        let (host, user, project, form) = found?;
        let hash = committish.map(|c| format!("#{c}")).unwrap_or_default();
        let normalized = match form {
            "git" => format!("git://{host}/{user}/{project}.git{hash}"),
            "ssh" => format!("git+ssh://git@{host}/{user}/{project}.git{hash}"),
            _ => format!("git+https://{host}/{user}/{project}.git{hash}"),
        };
        let bugs = format!("https://{host}/{user}/{project}/issues");
        let docs = match committish {
            Some(c) if host == "github.com" => {
                format!("https://{host}/{user}/{project}/tree/{c}#readme")
            }
            _ => format!("https://{host}/{user}/{project}#readme"),
        };
        Some(Hosted {
            normalized,
            bugs,
            docs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosted(url: &str) -> Option<String> {
        Hosted::from_url(url).map(|h| h.normalized)
    }

    #[test]
    fn normalizes_repository_urls_as_hosted_git_info() {
        for url in [
            "https://github.com/acme/x",
            "https://github.com/acme/x.git",
            "git+https://github.com/acme/x.git",
            "github:acme/x",
            "acme/x",
        ] {
            assert_eq!(
                hosted(url).as_deref(),
                Some("git+https://github.com/acme/x.git"),
                "{url}"
            );
        }
        assert_eq!(
            hosted("git@github.com:acme/x.git").as_deref(),
            Some("git+ssh://git@github.com/acme/x.git")
        );
        assert_eq!(
            hosted("https://gitlab.com/group/sub/x").as_deref(),
            Some("git+https://gitlab.com/group/sub/x.git")
        );
        assert_eq!(hosted("https://example.com/acme/x"), None);
        let h = Hosted::from_url("https://github.com/acme/x").unwrap();
        assert_eq!(h.bugs, "https://github.com/acme/x/issues");
        assert_eq!(h.docs, "https://github.com/acme/x#readme");
    }

    #[test]
    fn people_and_descriptions() {
        assert_eq!(
            person(&json!("Ann Lee <ann@example.com> (https://ann.dev)")),
            json!({ "name": "Ann Lee", "email": "ann@example.com", "url": "https://ann.dev" })
        );
        assert_eq!(
            person(&json!({ "name": "Bo", "web": "https://bo.dev" })),
            json!({ "name": "Bo", "url": "https://bo.dev" })
        );
        assert_eq!(
            extract_description("# Title\n\nFirst line\nsecond.\n\nMore"),
            "First line second."
        );
    }

    #[test]
    fn git_head_from_a_loose_ref_packed_refs_or_a_detached_head() {
        let root = std::env::temp_dir().join(format!("tn-git-head-{}", std::process::id()));
        let git = root.join(".git");
        let folder = root.join("packages").join("a");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::create_dir_all(&folder).unwrap();
        let hash = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs\n{hash} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(git_head(&folder).as_deref(), Some(hash));
        let loose = "89abcdef0123456789abcdef0123456789abcdef";
        std::fs::write(git.join("refs/heads/main"), format!("{loose}\n")).unwrap();
        assert_eq!(git_head(&folder).as_deref(), Some(loose));
        std::fs::write(git.join("HEAD"), format!("{hash}\n")).unwrap();
        assert_eq!(git_head(&folder).as_deref(), Some(hash));
        // A ref that would leave .git is not read.
        std::fs::write(git.join("HEAD"), "ref: ../../etc/passwd\n").unwrap();
        assert_eq!(git_head(&folder), None);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn picks_the_readme_npm_picks() {
        let files = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            readme_file(&files(&["README", "README.md"])),
            Some("README.md")
        );
        assert_eq!(
            readme_file(&files(&["readme.txt", "README"])),
            Some("README")
        );
        assert_eq!(readme_file(&files(&["docs/README.md"])), None);
        // caolan/async: npm picks README.md, not README.es.md.
        assert_eq!(
            readme_file(&files(&["README.es.md", "README.md", "readme.txt"])),
            Some("README.md")
        );
        assert_eq!(readme_file(&files(&["readme"])), None);
        assert_eq!(clean_version(" v1.2.3 ").as_deref(), Some("1.2.3"));
        assert_eq!(clean_version("1.2"), None);
    }

    // issue 20, rule 6: what @npmcli/package-json's `prepare` gives for this folder.
    #[test]
    fn rule_6_bin_man_authors_and_repository_as_npm_cleans_them() {
        let dir = std::env::temp_dir().join(format!("tn-rule-6-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("man")).unwrap();
        let manifest = r#"{"name":"@s/a","version":"1.0.0","bin":"./cli.js","man":"./man/a.1",
            "repository":"http://github.com/acme/a","files":["cli.js","man"]}"#;
        std::fs::write(dir.join("package.json"), manifest).unwrap();
        // Not packed (not in `files`): npm reads it from the folder all the same.
        std::fs::write(dir.join("AUTHORS"), "Ann <a@x.io>\n# comment\nBo\n").unwrap();
        std::fs::write(dir.join("cli.js"), "").unwrap();
        std::fs::write(dir.join("man/a.1"), "").unwrap();
        let tarball = super::super::pack::pack(&dir).unwrap();
        assert!(!tarball.files.contains(&"AUTHORS".to_string()));
        let data = prepare(&tarball, None).unwrap();
        assert_eq!(data["bin"], json!({ "a": "cli.js" }));
        assert_eq!(data["man"], json!(["man/a.1"]));
        assert_eq!(
            data["contributors"],
            json!([{ "name": "Ann", "email": "a@x.io" }, { "name": "Bo" }])
        );
        assert_eq!(
            data["repository"],
            json!({ "type": "git", "url": "git+ssh://git@github.com/acme/a.git" })
        );
        assert_eq!(hosted("git+http://github.com/acme/a.git"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
