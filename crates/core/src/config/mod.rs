//! npm configuration, resolved the way npm resolves it, with a record of where each value came
//! from so that "why did this call go there with that token" has an answer.
//!
//! Precedence, highest first: the caller's options, `npm_config_*` environment variables, the
//! project .npmrc (next to the project's package.json), the user .npmrc (`npm_config_userconfig`,
//! default `~/.npmrc`), the global npmrc (`npm_config_globalconfig`, default
//! `{prefix}/etc/npmrc`). `NPM_TOKEN` is the last fallback for the token.
//!
//! A token goes only where it is bound: an `_authToken` line goes to the registry its nerf dart
//! names; a token bound to none (`NPM_TOKEN`, the `token` option) goes to the public registry,
//! to a registry the caller named, or to one the user's own config names, never to one chosen
//! by files a checkout holds.
//!
//! The checkout's files are the project .npmrc and any config file inside the project folder
//! (`npm run` exports a project .npmrc's `userconfig=` as `npm_config_userconfig`). What they
//! take from the user's environment (`${VAR}`) is the user's: an `_authToken` line built so is
//! a token bound to no registry, and a URL built so is refused. They cannot weaken TLS.

mod global;
pub mod npmrc;
pub mod transport;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Url;

use crate::error::{Code, Error, Hint, Result};
use crate::package::{npm_prefix, PackageName};

pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Environment variables, passed in rather than read ad hoc so tests can control them. Shared:
/// every call of a client clones its snapshot.
#[derive(Debug, Clone)]
pub struct EnvVars {
    vars: Arc<HashMap<String, String>>,
    /// A Windows process's environment: names compare without case (Windows calls it `Path`),
    /// and npm lays itself out as on Windows. Set on Windows, and by tests to see Windows' rules.
    windows: bool,
}

// Not derived: `windows` is true on Windows.
#[allow(clippy::derivable_impls)]
impl Default for EnvVars {
    fn default() -> Self {
        EnvVars {
            vars: Arc::default(),
            windows: cfg!(windows),
        }
    }
}

impl EnvVars {
    pub fn from_process() -> Self {
        let mut env = EnvVars::default();
        Arc::make_mut(&mut env.vars).extend(std::env::vars());
        env
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut env = EnvVars::default();
        for (name, value) in pairs {
            env.set(name, value);
        }
        env
    }

    /// This environment with Windows' rules (`true`) or Unix's.
    pub fn windows(mut self, windows: bool) -> Self {
        self.windows = windows;
        self
    }

    pub fn is_windows(&self) -> bool {
        self.windows
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned().or_else(|| {
            let (_, value) = self.vars.iter().find(|(k, _)| self.same_name(k, name))?;
            Some(value.clone())
        })
    }

    /// Whether two variable names are one: on Windows without regard to case, as Windows
    /// compares them (a process has `Path`, never `Path` and `PATH` both).
    fn same_name(&self, a: &str, b: &str) -> bool {
        a == b || (self.windows && a.to_uppercase() == b.to_uppercase())
    }

    /// A variable that is set and not empty (npm treats empty as unset).
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        let windows = self.windows;
        let vars = Arc::make_mut(&mut self.vars);
        if windows {
            vars.retain(|k, _| k == name || k.to_uppercase() != name.to_uppercase());
        }
        vars.insert(name.into(), value.into());
    }

    /// Every variable, as the environment names it.
    fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.vars.iter()
    }

    /// An executable on the PATH of this environment (not of this process: callers may pass
    /// their own): on Windows a `.exe` or `.cmd` too.
    pub fn which(&self, program: &str) -> Option<PathBuf> {
        let path = self.get("PATH")?;
        let names: Vec<String> = if self.windows {
            vec![
                format!("{program}.exe"),
                format!("{program}.cmd"),
                program.to_string(),
            ]
        } else {
            vec![program.to_string()]
        };
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|candidate| candidate.is_file())
    }

    fn home(&self) -> Option<PathBuf> {
        self.non_empty("HOME")
            .or_else(|| self.non_empty("USERPROFILE"))
            .map(PathBuf::from)
    }
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The caller's option of that name.
    Option(&'static str),
    /// An environment variable.
    Env(String),
    /// A key in an npmrc file.
    File {
        path: PathBuf,
        key: String,
    },
    /// package.json's `publishConfig.registry`, for a publish.
    PublishConfig,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Option(name) => write!(f, "the `{name}` option"),
            Source::Env(name) => write!(f, "the {name} environment variable"),
            Source::File { path, key } => write!(f, "{key} in {}", path.display()),
            Source::PublishConfig => f.write_str("publishConfig.registry in package.json"),
            Source::Default => f.write_str("npm's default"),
        }
    }
}

/// A config layer, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Env,
    Project,
    User,
    Global,
    /// npm's own `npmrc`, in its install folder.
    Builtin,
}

#[derive(Debug, Clone)]
struct Entries {
    layer: Layer,
    /// `None` for the environment layer.
    path: Option<PathBuf>,
    /// A file of the checkout: the project .npmrc, or a config file inside the project folder.
    checkout: bool,
    entries: Vec<npmrc::Entry>,
}

/// Every npm config layer that applies to a directory, loaded once.
#[derive(Debug, Clone)]
pub struct NpmConfig {
    layers: Vec<Entries>,
    pub env: EnvVars,
    /// The config files looked at, highest precedence first, each with why it was not read
    /// (`None`: it was).
    pub files: Vec<(Layer, PathBuf, Option<String>)>,
    /// The project folder (npm's local prefix), when there is a project: what lies inside is
    /// the checkout's.
    project_dir: Option<PathBuf>,
    /// Why the files cannot be used (an expansion past its bounds, a URL built from the
    /// environment in a checkout's file): every call that resolves config fails with it.
    problem: Option<Error>,
    /// Proxy and certificates, the same for every registry: resolved (certificate files read)
    /// once, however many packages a run goes through.
    transport:
        std::sync::OnceLock<Result<(transport::TransportConfig, transport::TransportReport)>>,
}

impl NpmConfig {
    pub fn load(cwd: &Path, env: EnvVars) -> NpmConfig {
        let project_dir = npm_prefix(cwd);
        let mut config = NpmConfig {
            layers: vec![env_layer(&env)],
            env,
            files: Vec::new(),
            project_dir: project_dir.clone(),
            problem: None,
            transport: std::sync::OnceLock::new(),
        };
        // Outside any project npm's local prefix is the working directory itself.
        let project = Some(
            project_dir
                .unwrap_or_else(|| cwd.to_path_buf())
                .join(".npmrc"),
        );
        // npm reads its builtin config first (it may set `prefix`); it ranks lowest.
        let node = config
            .env
            .non_empty("NODE")
            .map(PathBuf::from)
            .or_else(|| std::env::current_exe().ok());
        if let Some(dir) = node
            .as_deref()
            .and_then(|n| global::npm_dir(&config.env, n))
        {
            config.add_file(Layer::Builtin, dir.join("npmrc"));
        }
        let path = |config: &NpmConfig, key: &str| {
            let (value, _) = config.setting(key)?;
            let home = config.env.home();
            Some(global::path_value(
                &value,
                home.as_deref(),
                cwd,
                config.env.is_windows(),
            ))
        };
        let user =
            path(&config, "userconfig").or_else(|| config.env.home().map(|h| h.join(".npmrc")));
        if let Some(path) = project.filter(|p| Some(p) != user.as_ref()) {
            config.add_file(Layer::Project, path);
        }
        if let Some(path) = user {
            config.add_file(Layer::User, path);
        }
        let global = path(&config, "globalconfig").or_else(|| {
            let prefix = global_prefix(&config, cwd, node.as_deref())?;
            Some(prefix.join("etc").join("npmrc"))
        });
        if let Some(path) = global {
            config.add_file(Layer::Global, path);
        }
        config
    }

    /// Reads the config file of `layer` at `path` into its place among the layers. npm's
    /// builtin file counts only when it is there: most installs have none.
    fn add_file(&mut self, layer: Layer, path: PathBuf) {
        let unread = match crate::read::config(&path) {
            Ok(text) => {
                let checkout = layer == Layer::Project || self.inside_project(&path);
                match npmrc::parse(&text, &self.env) {
                    Ok(entries) => {
                        let entries = Entries {
                            layer,
                            path: Some(path.clone()),
                            checkout,
                            entries,
                        };
                        if let Some(problem) = entries.url_from_env() {
                            self.problem.get_or_insert(problem);
                        }
                        let at = self.layers.partition_point(|l| l.layer <= layer);
                        self.layers.insert(at, entries);
                    }
                    Err(why) => {
                        self.problem.get_or_insert(Error::new(
                            Code::InvalidInput,
                            format!("{} cannot be used: {why}.", path.display()),
                        ));
                    }
                }
                None
            }
            // npm skips a file it cannot read; where it looked says why.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("not found".to_string()),
            Err(e) => Some(e.to_string()),
        };
        if unread.is_none() || layer != Layer::Builtin {
            let at = self.files.partition_point(|(l, ..)| *l <= layer);
            self.files.insert(at, (layer, path, unread));
        }
    }

    /// Whether a user or global config file lies inside the project folder, where the checkout
    /// put it. `~/.npmrc` itself is the user's, wherever the project is: a checkout cannot move
    /// the home folder.
    fn inside_project(&self, path: &Path) -> bool {
        let Some(project_dir) = &self.project_dir else {
            return false;
        };
        if self.env.home().is_some_and(|h| h.join(".npmrc") == path) {
            return false;
        }
        let real = |p: &Path| {
            std::fs::canonicalize(p)
                .ok()
                .or_else(|| {
                    let dir = std::fs::canonicalize(p.parent()?).ok()?;
                    Some(dir.join(p.file_name()?))
                })
                .unwrap_or_else(|| p.to_path_buf())
        };
        real(path).starts_with(real(project_dir))
    }

    /// Whether `source` is a file of the checkout.
    fn is_checkouts(&self, source: &Source) -> bool {
        let Source::File { path, .. } = source else {
            return false;
        };
        self.layers
            .iter()
            .any(|l| l.checkout && l.path.as_deref() == Some(path))
    }

    /// Why the config cannot be used, if it cannot.
    fn check(&self) -> Result<()> {
        self.problem.clone().map_or(Ok(()), Err)
    }

    /// The user's config file (`npm_config_userconfig`, else `~/.npmrc`), found or not: where
    /// npm writes tokens (`npm login`).
    pub fn user_file(&self) -> Option<&Path> {
        self.files
            .iter()
            .find(|(layer, ..)| *layer == Layer::User)
            .map(|(_, path, _)| path.as_path())
    }

    /// Whether the user's config file lies inside the project folder: the checkout's file.
    pub fn user_file_in_checkout(&self) -> bool {
        self.user_file()
            .is_some_and(|path| self.inside_project(path))
    }

    pub fn transport(&self) -> Result<&(transport::TransportConfig, transport::TransportReport)> {
        self.transport
            .get_or_init(|| transport::resolve(self))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Every value of a list key (`ca[]=`) from the highest layer that sets it.
    pub fn setting_list(&self, key: &str) -> Option<(Vec<String>, Source)> {
        self.first_list(self.layers.iter(), key)
    }

    /// [`NpmConfig::setting_list`] for a setting a checkout must not choose (one that weakens
    /// TLS): from the files that are not the checkout's, and from the environment unless a
    /// checkout's file sets the key too (`npm run` exports a project .npmrc's settings as
    /// `npm_config_*`). Also the checkout's file that sets it, when that was passed over.
    pub fn users_setting_list(&self, key: &str) -> (Option<(Vec<String>, Source)>, Option<Source>) {
        let sets = |l: &&Entries| l.entries.iter().any(|e| e.key == key);
        let checkout = self.layers.iter().find(|l| l.checkout && sets(l));
        let exported = |l: &Entries| checkout.is_some() && l.path.is_none();
        let trusted = |l: &&Entries| !(l.checkout || exported(l));
        let top = self.layers.iter().find(sets);
        let passed_over = checkout
            .filter(|_| top.is_some_and(|t| !trusted(&t)))
            .map(|l| l.source_of(key));
        (
            self.first_list(self.layers.iter().filter(trusted), key),
            passed_over,
        )
    }

    fn first_list<'a>(
        &self,
        mut layers: impl Iterator<Item = &'a Entries>,
        key: &str,
    ) -> Option<(Vec<String>, Source)> {
        layers.find_map(|layer| {
            let values: Vec<String> = layer
                .entries
                .iter()
                .filter(|e| e.key == key)
                .map(|e| e.value.clone())
                .collect();
            (!values.is_empty()).then(|| (values, layer.source_of(key)))
        })
    }

    /// A key's value from the highest layer that sets it; the last occurrence within a file wins.
    pub fn setting(&self, key: &str) -> Option<(String, Source)> {
        self.entries(key)
            .next()
            .map(|(layer, e)| (e.value.clone(), layer.source_of(key)))
    }

    /// A key's values, highest layer first (the last occurrence within a file).
    fn entries<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (&'a Entries, &'a npmrc::Entry)> {
        self.layers.iter().filter_map(move |layer| {
            let entry = layer.entries.iter().rev().find(|e| e.key == key)?;
            Some((layer, entry))
        })
    }
}

/// The keys whose values are URLs or hosts the calls go to (or around, `noproxy`), or paths of
/// config files (shown in messages).
fn names_a_place(key: &str) -> bool {
    matches!(
        key,
        "registry"
            | "proxy"
            | "https-proxy"
            | "http-proxy"
            | "noproxy"
            | "prefix"
            | "userconfig"
            | "globalconfig"
    ) || key.ends_with(":registry")
}

impl Entries {
    /// A checkout's file building a URL from the user's environment: it would carry the
    /// user's secret in a request line and in messages, so it is refused; the message names the
    /// key and the file, never the value.
    fn url_from_env(&self) -> Option<Error> {
        let path = self.path.as_ref().filter(|_| self.checkout)?;
        let entry = self
            .entries
            .iter()
            .find(|e| e.from_env && names_a_place(&e.key))?;
        // A key built from the environment is not shown either.
        let key = match entry.key_from_env {
            false => format!("`{}`", entry.key),
            true => "A key built from an environment variable".to_string(),
        };
        // No option is at fault: no `field`.
        Some(Error::new(
            Code::InvalidInput,
            format!(
                "{key} in {} takes its value from an environment variable (`${{...}}`), and that \
                 file is the checkout's: it could send what the variable holds to any host. Write \
                 the value itself there, or set it in your user .npmrc.",
                path.display(),
            ),
        ))
    }

    fn source_of(&self, key: &str) -> Source {
        match &self.path {
            Some(path) => Source::File {
                path: path.clone(),
                key: key.into(),
            },
            None => Source::Env(format!("npm_config_{key}")),
        }
    }
}

/// npm's `npm_config_*` environment layer: `npm_config_foo_bar` is `foo-bar`, but nerf-darted
/// keys (`npm_config_//host/:_authToken`) are taken as written.
fn env_layer(env: &EnvVars) -> Entries {
    let mut entries: Vec<(String, String)> = env
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, v)| {
            let key = k
                .get(..11)
                .filter(|p| p.eq_ignore_ascii_case("npm_config_"))?;
            let rest = &k[key.len()..];
            let key = if rest.starts_with("//") {
                rest.to_string()
            } else {
                let mut chars = rest.chars();
                let first = chars.next()?;
                std::iter::once(first)
                    .chain(chars.map(|c| if c == '_' { '-' } else { c }))
                    .collect::<String>()
                    .to_lowercase()
            };
            Some((key, v.clone()))
        })
        .collect();
    entries.sort();
    Entries {
        layer: Layer::Env,
        path: None,
        checkout: false,
        entries: entries
            .into_iter()
            .map(|(key, value)| npmrc::Entry {
                key,
                value,
                from_env: false,
                key_from_env: false,
            })
            .collect(),
    }
}

/// npm's global prefix: `npm_config_prefix`/`PREFIX`, else next to the node binary
/// (`{prefix}/bin/node` on Unix, `{prefix}\node.exe` on Windows).
/// npm's global prefix: `prefix` from the environment, the user's config or npm's builtin
/// config (never the project's), else npm's default.
fn global_prefix(config: &NpmConfig, cwd: &Path, node: Option<&Path>) -> Option<PathBuf> {
    let layers = config.layers.iter().filter(|l| !l.checkout);
    if let Some((mut prefix, _)) = config.first_list(layers, "prefix") {
        let home = config.env.home();
        let windows = config.env.is_windows();
        return prefix
            .pop()
            .map(|p| global::path_value(&p, home.as_deref(), cwd, windows));
    }
    global::default_prefix(&config.env, node?)
}

/// A secret value with its origin. `Debug` never shows the value.
#[derive(Clone)]
pub struct Token {
    pub value: String,
    pub source: Source,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(*** from {})", self.source)
    }
}

/// What overrides npm's config: the caller's options, and for a publish the package's own.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub registry: Option<String>,
    /// package.json's `publishConfig.registry`: below the `registry` option, above npm's config.
    pub publish_config_registry: Option<String>,
    pub token: Option<String>,
}

/// The registry a request goes to, the credentials it carries, and how it gets there.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub registry: Url,
    pub registry_source: Source,
    pub token: Option<Token>,
    /// Where a token bound to no registry came from when it was not used for this one (see
    /// [`takes_unbound_token`]): `NPM_TOKEN`, the `token` option, or a checkout's
    /// `_authToken=${VAR}` line; so `ENEEDAUTH` can say why.
    pub withheld: Option<Source>,
    pub transport: transport::TransportConfig,
    pub transport_report: transport::TransportReport,
}

/// npm's warning for a registry other than the public one (`npm trust` prints it too).
pub fn support_warning(registry: &Url) -> Option<String> {
    (registry.as_str() != DEFAULT_REGISTRY)
        .then(|| format!("Registry {registry} may not support trusted publishing"))
}

/// Resolves the registry for `package` (its scope's `@scope:registry` if set) and the token for
/// that registry.
pub fn resolve(
    config: &NpmConfig,
    overrides: &Overrides,
    package: Option<&PackageName>,
) -> Result<Resolved> {
    let scoped = package
        .and_then(|p| p.scope())
        .and_then(|scope| config.setting(&format!("{scope}:registry")));
    let chosen = match (&overrides.registry, &overrides.publish_config_registry) {
        (Some(r), _) => Some((r.clone(), Source::Option("registry"))),
        (None, Some(r)) => Some((r.clone(), Source::PublishConfig)),
        (None, None) => None,
    };
    let (registry, registry_source) = match (chosen, scoped) {
        (Some(chosen), _) => chosen,
        (None, Some(scoped)) => scoped,
        (None, None) => config
            .setting("registry")
            .unwrap_or_else(|| (DEFAULT_REGISTRY.to_string(), Source::Default)),
    };
    config.check()?;
    let registry = parse_registry(&registry, &registry_source)?;
    // A token the caller gave goes first; then one bound to the registry; then NPM_TOKEN. The
    // caller's and NPM_TOKEN are bound to no registry, so only some registries get them.
    let may_take_unbound = takes_unbound_token(config, &registry, &registry_source);
    let unbound = |token: Token| {
        if may_take_unbound {
            (Some(token), None)
        } else {
            (None, Some(token.source))
        }
    };
    let (bound, withheld_line) = bound_token(config, &registry, may_take_unbound);
    let (token, withheld) = match (&overrides.token, bound) {
        (Some(value), _) => unbound(Token {
            value: value.clone(),
            source: Source::Option("token"),
        }),
        (None, Some(bound)) => (Some(bound), None),
        (None, None) => match config.env.non_empty("NPM_TOKEN") {
            Some(value) => unbound(Token {
                value,
                source: Source::Env("NPM_TOKEN".into()),
            }),
            None => (None, None),
        },
    };
    // A checkout's line passed over says more than NPM_TOKEN not taken; the caller's token less.
    let withheld = match (&token, &overrides.token) {
        (None, None) => withheld_line.or(withheld),
        _ => withheld,
    };
    let (transport, transport_report) = config.transport()?.clone();
    Ok(Resolved {
        registry,
        registry_source,
        token,
        withheld,
        transport,
        transport_report,
    })
}

/// A registry URL, normalised with a trailing slash so paths join the way npm joins them.
pub fn parse_registry(raw: &str, source: &Source) -> Result<Url> {
    let shown = without_userinfo(raw);
    let invalid = |why: &str| {
        Error::invalid_input(
            "registry",
            format!("Invalid registry URL \"{shown}\" (from {source}): {why}"),
        )
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials belong in .npmrc, not in the URL"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// A URL as text with any `user:password@` replaced, for messages.
pub fn without_userinfo(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => raw.to_string(),
    }
}

/// Whether a token bound to no registry may go to `registry`: the public registry, one the
/// caller named (the `registry` option, the CLI's `--registry`), or one the user's own config
/// names (the user or global .npmrc, outside the project folder). Not one that the checkout
/// chooses: a project .npmrc, a config file inside the project, package.json's
/// `publishConfig`, `npm_config_registry` (which `npm run` exports from the project's .npmrc).
/// Whoever wrote the checkout would otherwise get the user's token (and a publish's tarball).
fn takes_unbound_token(config: &NpmConfig, registry: &Url, source: &Source) -> bool {
    registry.as_str() == DEFAULT_REGISTRY
        || *source == Source::Option("registry")
        || matches!(source, Source::File { .. }) && !config.is_checkouts(source)
}

/// The `_authToken` bound to a registry: npm's longest-path match over `//host[:port]/path/`
/// keys. A checkout's line that takes its token from the environment binds nothing: the
/// token is the user's, so it goes where a token bound to no registry may go
/// (`may_take_unbound`); otherwise it is passed over, and returned second so `ENEEDAUTH` can
/// name it.
fn bound_token(
    config: &NpmConfig,
    registry: &Url,
    may_take_unbound: bool,
) -> (Option<Token>, Option<Source>) {
    let mut withheld = None;
    let mut key = write::nerf_dart(registry);
    loop {
        let name = format!("{key}:_authToken");
        for (layer, entry) in config.entries(&name) {
            if entry.value.is_empty() {
                // npm takes the first file's line, even empty: a shorter path is next.
                break;
            }
            let source = layer.source_of(&name);
            if entry.from_env && layer.checkout && !may_take_unbound {
                withheld.get_or_insert(source);
                continue;
            }
            let token = Token {
                value: entry.value.clone(),
                source,
            };
            return (Some(token), withheld);
        }
        // Walk up: drop the last segment or the trailing slash, as npm-registry-fetch does.
        let trimmed = match key.strip_suffix('/') {
            Some(k) => k.to_string(),
            None => match key.rfind('/') {
                Some(at) => key[..at + 1].to_string(),
                None => break,
            },
        };
        if trimmed.len() <= 2 {
            break;
        }
        key = trimmed;
    }
    (None, withheld)
}

/// `ENEEDAUTH`, with what was looked at, so the fix is obvious; when a token bound to no
/// registry was not sent there, why, and the line that binds it.
pub fn need_auth(config: &NpmConfig, resolved: &Resolved) -> Error {
    let registry = &resolved.registry;
    let nerf = write::nerf_dart(registry);
    let looked: Vec<String> = config
        .files
        .iter()
        .map(|(_, path, unread)| match unread {
            None => path.display().to_string(),
            Some(why) => format!("{} ({why})", path.display()),
        })
        .collect();
    let looked = if looked.is_empty() {
        "no .npmrc files".to_string()
    } else {
        looked.join(", ")
    };
    let missing = format!(
        "No npm token for {registry}: no `{nerf}:_authToken=...` line in the .npmrc files looked at \
         ({looked})"
    );
    let Some(withheld) = &resolved.withheld else {
        return Error::new(Code::NeedAuth, format!("{missing}, and no NPM_TOKEN."))
            .with_hint(Hint::Token);
    };
    let (what, bind) = match withheld {
        Source::File { path, key } => (
            format!(
                "No npm token for {registry}: `{key}` in {} takes its token from an environment \
                 variable, and that file is the checkout's, so the token is yours and bound to no \
                 registry",
                path.display()
            ),
            " The same line in your user .npmrc binds it to this registry.".to_string(),
        ),
        Source::Env(name) => (
            format!("{missing}. A token is set ({withheld}), but it is bound to no registry"),
            format!(
                " The line `{nerf}:_authToken=${{{name}}}` in your user .npmrc binds it to this \
                 registry."
            ),
        ),
        _ => (
            format!("{missing}. A token is set ({withheld}), but it is bound to no registry"),
            String::new(),
        ),
    };
    Error::new(
        Code::NeedAuth,
        format!(
            "{what}. Such a token is sent only to {DEFAULT_REGISTRY}, to a registry named by the \
             caller, or to one your user or global .npmrc names; this one comes from {}, and \
             whoever wrote that would get the token.{bind}",
            chosen_by(config, &resolved.registry_source)
        ),
    )
    .with_hint(Hint::BindToken)
}

/// Where a registry that gets no unbound token was chosen, and why that is the checkout's.
fn chosen_by(config: &NpmConfig, source: &Source) -> String {
    match source {
        Source::File { path, .. }
            if config
                .files
                .iter()
                .any(|(layer, p, _)| *layer == Layer::Project && p == path) =>
        {
            format!("{source}, the project's .npmrc, which is the checkout's")
        }
        Source::File { .. } => format!(
            "{source}, a file inside the project folder (`npm run` exports a project .npmrc's \
             `userconfig=` as npm_config_userconfig), which is the checkout's"
        ),
        Source::Env(_) => format!("{source}, which `npm run` exports from the project's .npmrc"),
        Source::PublishConfig => format!("{source}, which is the checkout's"),
        Source::Option(_) | Source::Default => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sandbox(PathBuf);

    impl Sandbox {
        fn new(name: &str) -> Sandbox {
            let dir = std::env::temp_dir().join(format!("tn-config-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("home")).unwrap();
            std::fs::create_dir_all(dir.join("project/sub")).unwrap();
            std::fs::create_dir_all(dir.join("prefix/etc")).unwrap();
            std::fs::write(dir.join("project/package.json"), "{}").unwrap();
            Sandbox(dir)
        }
        fn write(&self, rel: &str, text: &str) {
            std::fs::write(self.0.join(rel), text).unwrap();
        }
        fn env(&self, extra: &[(&str, &str)]) -> EnvVars {
            let mut env = EnvVars::default();
            env.set("HOME", self.0.join("home").to_str().unwrap());
            env.set("npm_config_prefix", self.0.join("prefix").to_str().unwrap());
            for (k, v) in extra {
                env.set(k, v);
            }
            env
        }
        fn load(&self, extra: &[(&str, &str)]) -> NpmConfig {
            NpmConfig::load(&self.0.join("project/sub"), self.env(extra))
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Finding 5 (issue 23): Windows compares variable names without case (`Path`).
    #[test]
    fn windows_names_variables_without_case() {
        let env = EnvVars::from_pairs([("Path", "C:\\node"), ("HOME", "/h")]);
        assert_eq!(env.clone().windows(false).get("PATH"), None);
        let mut env = env.windows(true);
        assert_eq!(env.get("PATH").as_deref(), Some("C:\\node"));
        assert_eq!(env.get("home").as_deref(), Some("/h"));
        env.set("PATH", "D:\\bin");
        assert_eq!(env.get("Path").as_deref(), Some("D:\\bin"));
        assert_eq!(env.iter().count(), 2);
    }

    /// The files a config was loaded from that exist, by layer.
    fn found(config: &NpmConfig) -> Vec<(Layer, PathBuf)> {
        let files = config.files.iter().filter(|(.., unread)| unread.is_none());
        files.map(|(l, p, _)| (*l, p.clone())).collect()
    }

    /// Finding 4 (issue 23): npm's builtin `npmrc` (Node's Windows installer says
    /// `prefix=${APPDATA}\npm`) moves the global config to `<prefix>/etc/npmrc`; without a
    /// prefix the global config is under Node's folder on Windows, under its parent elsewhere.
    #[test]
    fn the_global_config_is_where_npms_builtin_config_puts_it() {
        let sb = Sandbox::new("builtin");
        let dir = |rel: &str| {
            std::fs::create_dir_all(sb.0.join(rel)).unwrap();
            sb.0.join(rel)
        };
        let node = dir("nodejs").join("node.exe");
        sb.write("nodejs/node.exe", "");
        dir("nodejs/node_modules/npm");
        dir("appdata/npm/etc");
        let appdata = sb.0.join("appdata");
        sb.write(
            "nodejs/node_modules/npm/npmrc",
            "prefix=${APPDATA}\\npm\nregistry=https://builtin.example/\n",
        );
        sb.write(
            "appdata/npm/etc/npmrc",
            "registry=https://global.example/\n",
        );
        let env = |windows: bool, extra: &[(&str, &str)]| {
            let mut env = EnvVars::default().windows(windows);
            env.set("HOME", sb.0.join("home").to_str().unwrap());
            env.set("NODE", node.to_str().unwrap());
            env.set("APPDATA", appdata.to_str().unwrap());
            for (k, v) in extra {
                env.set(k, v);
            }
            env
        };
        let cwd = sb.0.join("project/sub");
        let config = NpmConfig::load(&cwd, env(true, &[]));
        let builtin = sb.0.join("nodejs/node_modules/npm/npmrc");
        // `${APPDATA}\npm` is a Windows path; here `\` is part of a name.
        let global = PathBuf::from(format!("{}\\npm", appdata.display())).join("etc/npmrc");
        assert_eq!(
            config.files.last(),
            Some(&(Layer::Builtin, builtin.clone(), None))
        );
        assert!(config
            .files
            .iter()
            .any(|(l, p, _)| *l == Layer::Global && *p == global));
        // With a prefix of this machine's spelling, the global file is read, above the builtin.
        sb.write(
            "nodejs/node_modules/npm/npmrc",
            "prefix=${APPDATA}/npm\nregistry=https://builtin.example/\n",
        );
        let config = NpmConfig::load(&cwd, env(true, &[]));
        let global = sb.0.join("appdata/npm/etc/npmrc");
        assert_eq!(
            found(&config),
            [
                (Layer::Global, global.clone()),
                (Layer::Builtin, builtin.clone())
            ]
        );
        assert_eq!(
            config.setting("registry").unwrap().0,
            "https://global.example/"
        );
        // No builtin config: the prefix is Node's folder on Windows, its parent elsewhere.
        std::fs::remove_file(&builtin).unwrap();
        let global_of = |config: NpmConfig| {
            let (_, path, _) = config
                .files
                .into_iter()
                .find(|(l, ..)| *l == Layer::Global)?;
            Some(path)
        };
        assert_eq!(
            global_of(NpmConfig::load(&cwd, env(true, &[]))),
            Some(sb.0.join("nodejs/etc/npmrc"))
        );
        assert_eq!(
            global_of(NpmConfig::load(&cwd, env(false, &[]))),
            Some(sb.0.join("etc/npmrc"))
        );
        // npm's install folder is the one that runs scripts (npm_execpath): Homebrew's npm,
        // whose builtin config names Homebrew's prefix.
        dir("brew/lib/node_modules/npm/bin");
        dir("brew/etc");
        let brew = sb.0.join("brew");
        sb.write(
            "brew/lib/node_modules/npm/npmrc",
            &format!("prefix = {}\n", brew.display()),
        );
        sb.write("brew/etc/npmrc", "registry=https://brew.example/\n");
        let cli = brew.join("lib/node_modules/npm/bin/npm-cli.js");
        let config = NpmConfig::load(&cwd, env(false, &[("npm_execpath", cli.to_str().unwrap())]));
        assert_eq!(
            found(&config),
            [
                (Layer::Global, brew.join("etc/npmrc")),
                (Layer::Builtin, brew.join("lib/node_modules/npm/npmrc"))
            ]
        );
        assert_eq!(
            config.setting("registry").unwrap().0,
            "https://brew.example/"
        );
    }

    /// `~/` in `userconfig`, `globalconfig` and `prefix` is the home folder, as npm reads them.
    #[test]
    fn config_paths_start_at_home() {
        let sb = Sandbox::new("tilde");
        sb.write("home/my.npmrc", "registry=https://user.example/\n");
        sb.write("home/global.npmrc", "always-auth=true\n");
        let config = sb.load(&[
            ("npm_config_userconfig", "~/my.npmrc"),
            ("npm_config_globalconfig", "~/global.npmrc"),
        ]);
        assert_eq!(
            found(&config),
            [
                (Layer::User, sb.0.join("home/my.npmrc")),
                (Layer::Global, sb.0.join("home/global.npmrc"))
            ]
        );
        std::fs::create_dir_all(sb.0.join("home/prefix/etc")).unwrap();
        sb.write("home/prefix/etc/npmrc", "always-auth=true\n");
        let config = sb.load(&[("npm_config_prefix", "~/prefix")]);
        assert_eq!(
            found(&config),
            [(Layer::Global, sb.0.join("home/prefix/etc/npmrc"))]
        );
    }

    fn resolve_for(config: &NpmConfig, pkg: &str) -> Resolved {
        let pkg = PackageName::parse(pkg).unwrap();
        resolve(config, &Overrides::default(), Some(&pkg)).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn special_config_files_are_not_read() {
        crate::read::in_bounded_child("config::tests::special_config_files_are_not_read", || {
            let sb = Sandbox::new("special");
            let npmrc = sb.0.join("project/.npmrc");
            let made = std::process::Command::new("mkfifo").arg(&npmrc).status();
            assert!(made.unwrap().success());
            std::os::unix::fs::symlink("/dev/zero", sb.0.join("home/.npmrc")).unwrap();
            // npm skips a config file it cannot read; so do we, without waiting or reading.
            let config = sb.load(&[]);
            assert_eq!(
                config
                    .files
                    .iter()
                    .filter(|(.., unread)| unread.is_none())
                    .count(),
                0
            );
            // Where it looked says why a file was not read: it is there, not missing.
            let err = need_auth(&config, &resolve_for(&config, "pkg"));
            assert!(
                err.message
                    .contains(&format!("{} (a FIFO, not a regular file)", npmrc.display())),
                "{}",
                err.message
            );
            // A certificate file is read the same way (the user's config names it: the
            // checkout's is not applied at all).
            std::fs::remove_file(sb.0.join("home/.npmrc")).unwrap();
            sb.write("home/.npmrc", "cafile=/dev/zero\n");
            let err = sb.load(&[]).transport().unwrap_err();
            assert!(err.message.contains("a device"), "{}", err.message);
        });
    }

    #[test]
    fn default_registry_and_no_token() {
        let sb = Sandbox::new("default");
        let r = resolve_for(&sb.load(&[]), "pkg");
        assert_eq!(r.registry.as_str(), DEFAULT_REGISTRY);
        assert_eq!(r.registry_source, Source::Default);
        assert!(r.token.is_none());
    }

    #[test]
    fn project_beats_user_beats_global_and_env_beats_all() {
        let sb = Sandbox::new("layers");
        sb.write("prefix/etc/npmrc", "registry=https://global.example/\n");
        let r = resolve_for(&sb.load(&[]), "pkg");
        assert_eq!(r.registry.as_str(), "https://global.example/");

        sb.write("home/.npmrc", "registry=https://user.example/\n");
        let r = resolve_for(&sb.load(&[]), "pkg");
        assert_eq!(r.registry.as_str(), "https://user.example/");

        sb.write("project/.npmrc", "registry=https://project.example\n");
        let r = resolve_for(&sb.load(&[]), "pkg");
        assert_eq!(r.registry.as_str(), "https://project.example/");
        assert!(matches!(&r.registry_source, Source::File { key, .. } if key == "registry"));

        let config = sb.load(&[("npm_config_registry", "https://env.example/")]);
        let r = resolve_for(&config, "pkg");
        assert_eq!(r.registry.as_str(), "https://env.example/");
        assert_eq!(r.registry_source, Source::Env("npm_config_registry".into()));
    }

    #[test]
    fn scoped_registry_and_longest_path_token() {
        let sb = Sandbox::new("scoped");
        sb.write(
            "home/.npmrc",
            "@corp:registry=https://npm.corp.example/api/npm/\n\
             //npm.corp.example/:_authToken=short\n\
             //npm.corp.example/api/npm/:_authToken=${CORP_TOKEN}\n\
             //registry.npmjs.org/:_authToken=public-token\n",
        );
        let config = sb.load(&[("CORP_TOKEN", "corp-token")]);
        let r = resolve_for(&config, "@corp/lib");
        assert_eq!(r.registry.as_str(), "https://npm.corp.example/api/npm/");
        let token = r.token.unwrap();
        assert_eq!(token.value, "corp-token");
        assert!(
            matches!(token.source, Source::File { ref key, .. } if key == "//npm.corp.example/api/npm/:_authToken")
        );
        assert!(!format!("{token:?}").contains("corp-token"));

        let r = resolve_for(&config, "plain");
        assert_eq!(r.token.unwrap().value, "public-token");

        // The option wins over the scope.
        let pkg = PackageName::parse("@corp/lib").unwrap();
        let over = Overrides {
            registry: Some("http://127.0.0.1:9/".into()),
            ..Overrides::default()
        };
        let r = resolve(&config, &over, Some(&pkg)).unwrap();
        assert_eq!(r.registry.as_str(), "http://127.0.0.1:9/");
        assert!(r.token.is_none());
    }

    #[test]
    fn walks_up_to_host_only_key_and_falls_back_to_npm_token() {
        let sb = Sandbox::new("walk");
        sb.write("project/.npmrc", "//127.0.0.1:4873:_authToken=hostonly\n");
        let over = Overrides {
            registry: Some("http://127.0.0.1:4873/deep/path/".into()),
            ..Overrides::default()
        };
        let r = resolve(&sb.load(&[]), &over, None).unwrap();
        assert_eq!(r.token.unwrap().value, "hostonly");

        let over = Overrides {
            registry: Some("http://elsewhere.example/".into()),
            ..Overrides::default()
        };
        let r = resolve(&sb.load(&[("NPM_TOKEN", "env-token")]), &over, None).unwrap();
        let token = r.token.unwrap();
        assert_eq!(token.value, "env-token");
        assert_eq!(token.source, Source::Env("NPM_TOKEN".into()));
    }

    /// A token bound to no registry (`NPM_TOKEN`, the `token` option) goes to the public
    /// registry or to one the caller names, never to one a checkout's files choose.
    #[test]
    fn an_unbound_token_goes_only_to_the_public_registry_or_one_the_caller_names() {
        let sb = Sandbox::new("unbound");
        let npm_token = [("NPM_TOKEN", "env-token")];
        let token_source = |r: &Resolved| r.token.as_ref().map(|t| t.source.clone());
        let from_env = Some(Source::Env("NPM_TOKEN".into()));

        // Nothing chooses a registry: the public one gets NPM_TOKEN.
        let r = resolve_for(&sb.load(&npm_token), "pkg");
        assert_eq!(token_source(&r), from_env);

        // A project .npmrc chooses one, for every package or for a scope: nothing is sent.
        sb.write(
            "project/.npmrc",
            "registry=https://evil.example/\n@corp:registry=https://scoped-evil.example/\n",
        );
        for pkg in ["pkg", "@corp/lib"] {
            let r = resolve_for(&sb.load(&npm_token), pkg);
            assert!(r.token.is_none(), "{pkg}: {:?}", r.token);
            assert_eq!(r.withheld, from_env, "{pkg}");
        }
        // So does `npm_config_registry`, which `npm run` exports from the project's .npmrc.
        std::fs::remove_file(sb.0.join("project/.npmrc")).unwrap();
        let env = [
            ("NPM_TOKEN", "env-token"),
            ("npm_config_registry", "https://evil.example/"),
        ];
        assert!(resolve_for(&sb.load(&env), "pkg").token.is_none());

        // package.json's publishConfig.registry: the checkout's choice too.
        let pkg = PackageName::parse("pkg").unwrap();
        let published = Overrides {
            publish_config_registry: Some("https://evil.example/".into()),
            ..Overrides::default()
        };
        let r = resolve(&sb.load(&npm_token), &published, Some(&pkg)).unwrap();
        assert_eq!(r.registry_source, Source::PublishConfig);
        assert!(r.token.is_none());

        // The `token` option is bound to no registry either.
        sb.write("project/.npmrc", "registry=https://evil.example/\n");
        let given = Overrides {
            token: Some("option-token".into()),
            ..Overrides::default()
        };
        let r = resolve(&sb.load(&[]), &given, Some(&pkg)).unwrap();
        assert!(r.token.is_none());
        assert_eq!(r.withheld, Some(Source::Option("token")));

        // The caller naming the registry sends either there.
        for overrides in [
            Overrides {
                registry: Some("https://evil.example/".into()),
                ..Overrides::default()
            },
            Overrides {
                registry: Some("https://evil.example/".into()),
                token: Some("option-token".into()),
                ..published.clone()
            },
        ] {
            let r = resolve(&sb.load(&npm_token), &overrides, Some(&pkg)).unwrap();
            assert!(r.token.is_some());
            assert_eq!(r.withheld, None);
        }

        // A token bound to a private registry by its nerf dart in the user's config still goes
        // there, wherever the registry was chosen.
        sb.write("project/.npmrc", "registry=https://npm.corp.example/\n");
        sb.write(
            "home/.npmrc",
            "//npm.corp.example/:_authToken=${NPM_TOKEN}\n",
        );
        let r = resolve_for(&sb.load(&npm_token), "pkg");
        assert_eq!(r.token.unwrap().value, "env-token");
    }

    /// The user's own config (outside the project) choosing a registry is the user's choice:
    /// an unbound token goes there (`registry=` as `npm login --registry` leaves it).
    #[test]
    fn an_unbound_token_goes_to_the_registry_of_the_users_own_config() {
        let sb = Sandbox::new("userreg");
        for file in ["home/.npmrc", "prefix/etc/npmrc"] {
            sb.write(file, "registry=https://npm.corp.example/\n");
            let r = resolve_for(&sb.load(&[("NPM_TOKEN", "env-token")]), "pkg");
            assert_eq!(
                r.token.map(|t| t.value).as_deref(),
                Some("env-token"),
                "{file}"
            );
            std::fs::remove_file(sb.0.join(file)).unwrap();
        }
        // The message for a registry the checkout chose says so, per layer.
        sb.write("project/.npmrc", "registry=https://evil.example/\n");
        let config = sb.load(&[("NPM_TOKEN", "env-token")]);
        let err = need_auth(&config, &resolve_for(&config, "pkg"));
        assert!(
            err.message.contains("the project's .npmrc"),
            "{}",
            err.message
        );
        let config = sb.load(&[
            ("NPM_TOKEN", "env-token"),
            ("npm_config_registry", "https://evil.example/"),
        ]);
        let err = need_auth(&config, &resolve_for(&config, "pkg"));
        assert!(err.message.contains("`npm run` exports"), "{}", err.message);
    }

    /// Finding 1: a checkout's `_authToken=${VAR}` line takes a secret from the user's
    /// environment; it goes only where a token bound to no registry may go.
    #[test]
    fn a_checkout_cannot_bind_the_users_environment_to_its_registry() {
        let sb = Sandbox::new("checkoutbind");
        let env = [("NPM_TOKEN", "env-token"), ("MY", "my-secret-value")];
        for line in [
            "//evil.example/:_authToken=${NPM_TOKEN}",
            "//evil.example/:_authToken=${NPM_TOKEN?}",
            "//evil.example/:_authToken=${MY}",
            "//evil.example/:_authToken=x${MY}",
        ] {
            sb.write(
                "project/.npmrc",
                &format!("registry=https://evil.example/\n{line}\n"),
            );
            let config = sb.load(&env);
            let r = resolve_for(&config, "pkg");
            assert!(r.token.is_none(), "{line}: {:?}", r.token);
            assert!(
                matches!(&r.withheld, Some(Source::File { key, .. }) if key == "//evil.example/:_authToken"),
                "{line}: {:?}",
                r.withheld
            );
            let err = need_auth(&config, &r);
            assert_eq!(err.hint, Some(Hint::BindToken));
            assert!(
                err.message.contains("environment variable"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("env-token") && !err.message.contains("my-secret"));
        }
        // A literal token in the checkout is its own: it goes to the checkout's registry.
        sb.write(
            "project/.npmrc",
            "registry=https://own.example/\n//own.example/:_authToken=checkout-token\n",
        );
        let r = resolve_for(&sb.load(&env), "pkg");
        assert_eq!(r.token.unwrap().value, "checkout-token");
        // The common line for the public registry keeps working.
        sb.write(
            "project/.npmrc",
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
        );
        let r = resolve_for(&sb.load(&env), "pkg");
        assert!(matches!(r.token.unwrap().source, Source::File { .. }));
        // So does a registry the caller names.
        sb.write(
            "project/.npmrc",
            "//npm.corp.example/:_authToken=${NPM_TOKEN}\n",
        );
        let named = Overrides {
            registry: Some("https://npm.corp.example/".into()),
            ..Overrides::default()
        };
        let r = resolve(&sb.load(&env), &named, None).unwrap();
        assert_eq!(r.token.unwrap().value, "env-token");
    }

    /// Finding 2: a URL a checkout builds from the environment would carry a secret in a
    /// request line and in messages; refused, naming the key and file, never the value.
    #[test]
    fn a_checkout_cannot_put_the_environment_into_a_url() {
        let sb = Sandbox::new("urlexp");
        let env = [("NPM_TOKEN", "env-token-SECRET")];
        for (line, pkg) in [
            ("registry=https://evil.example/${NPM_TOKEN}/", "pkg"),
            (
                "@corp:registry=https://evil.example/${NPM_TOKEN}/",
                "@corp/lib",
            ),
            ("https-proxy=http://${NPM_TOKEN}.evil.example/", "pkg"),
            ("proxy=http://evil.example/${NPM_TOKEN}", "pkg"),
            ("noproxy=${NPM_TOKEN}", "pkg"),
            ("prefix=/tmp/${NPM_TOKEN}", "pkg"),
            ("userconfig=/tmp/${NPM_TOKEN}/.npmrc", "pkg"),
            ("@${NPM_TOKEN}:registry=https://evil.example/", "pkg"),
        ] {
            sb.write("project/.npmrc", &format!("{line}\n"));
            let pkg = PackageName::parse(pkg).unwrap();
            let err = resolve(&sb.load(&env), &Overrides::default(), Some(&pkg)).expect_err(line);
            assert_eq!(err.code, Code::InvalidInput, "{line}");
            let key = line.split('=').next().unwrap();
            let named = !key.contains('$');
            assert!(
                !named || err.message.contains(&format!("`{key}`")),
                "{}",
                err.message
            );
            assert!(err.message.contains(".npmrc"), "{}", err.message);
            assert!(!err.message.contains("SECRET"), "{}", err.message);
        }
        // The user's own config may build its URLs from the environment.
        std::fs::remove_file(sb.0.join("project/.npmrc")).unwrap();
        sb.write("home/.npmrc", "registry=https://${HOST}/\n");
        let r = resolve_for(&sb.load(&[("HOST", "npm.corp.example")]), "pkg");
        assert_eq!(r.registry.as_str(), "https://npm.corp.example/");
    }

    /// Finding 3: the checkout's files cannot weaken TLS, so a proxy they name cannot read
    /// the traffic; the user's config can.
    #[test]
    fn a_checkout_cannot_weaken_tls() {
        let sb = Sandbox::new("tls");
        let pem = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----";
        sb.write("project/ca.pem", "-----BEGIN CERTIFICATE-----\n");
        let cafile = sb.0.join("project/ca.pem");
        for line in [
            "strict-ssl=false".to_string(),
            format!("cafile={}", cafile.display()),
            format!("ca={pem}"),
        ] {
            sb.write(
                "project/.npmrc",
                &format!("https-proxy=http://127.0.0.1:9/\n{line}\n"),
            );
            let config = sb.load(&[]);
            let (transport, report) = config.transport().unwrap();
            assert!(transport.strict_ssl, "{line}");
            assert!(transport.ca_only.is_none(), "{line}");
            let key = line.split('=').next().unwrap();
            assert!(
                report
                    .ignored
                    .iter()
                    .any(|w| w.contains(&format!("`{key}`")) && w.contains("user .npmrc")),
                "{line}: {:?}",
                report.ignored
            );
        }
        // `npm run` exports the project's `cafile` to the environment: not applied either.
        let exported = [("npm_config_cafile", cafile.to_str().unwrap())];
        sb.write("project/.npmrc", &format!("cafile={}\n", cafile.display()));
        let config = sb.load(&exported);
        let (transport, report) = config.transport().unwrap();
        assert!(transport.ca_only.is_none());
        assert_eq!(report.ignored.len(), 1, "{:?}", report.ignored);
        std::fs::remove_file(sb.0.join("project/.npmrc")).unwrap();
        // The user's config and environment apply.
        sb.write("home/.npmrc", "strict-ssl=false\n");
        assert!(!sb.load(&[]).transport().unwrap().0.strict_ssl);
        assert!(sb.load(&exported).transport().unwrap().0.ca_only.is_some());
        // Nor does the project's `prefix` move the global config (npm reads it from the
        // environment and the user's config only).
        sb.write("project/.npmrc", "prefix=/nowhere\n");
        let config = sb.load(&[]);
        assert!(config
            .files
            .iter()
            .all(|(_, p, _)| !p.starts_with("/nowhere")));
    }

    /// Finding 6: a user or global config inside the project folder (`npm run` exports a
    /// project .npmrc's `userconfig=`) is the checkout's file.
    #[test]
    fn a_config_file_inside_the_project_is_the_checkouts() {
        let sb = Sandbox::new("inside");
        sb.write(
            "project/ci-cache.npmrc",
            "registry=https://evil.example/\n//evil.example/:_authToken=${NPM_TOKEN}\nstrict-ssl=false\n",
        );
        let inside = sb.0.join("project/ci-cache.npmrc");
        let inside = inside.to_str().unwrap();
        for var in ["npm_config_userconfig", "npm_config_globalconfig"] {
            let config = sb.load(&[("NPM_TOKEN", "env-token"), (var, inside)]);
            let r = resolve_for(&config, "pkg");
            assert!(r.token.is_none(), "{var}");
            assert!(r.transport.strict_ssl, "{var}");
        }
        // ~/.npmrc is the user's, even when the project folder holds the home folder.
        sb.write("home/package.json", "{}");
        sb.write(
            "home/.npmrc",
            "registry=https://npm.corp.example/\nstrict-ssl=false\n",
        );
        let config = NpmConfig::load(&sb.0.join("home"), sb.env(&[("NPM_TOKEN", "t0ken")]));
        let r = resolve_for(&config, "pkg");
        assert!(r.token.is_some());
        assert!(!r.transport.strict_ssl);
    }

    /// Finding 7: a small file cannot take gigabytes through `${VAR}`.
    #[test]
    fn expansion_in_a_config_file_is_bounded() {
        let sb = Sandbox::new("envbomb");
        let big = "A".repeat(2000);
        sb.write(
            "project/.npmrc",
            &format!("k={}\n", "${BIG}".repeat(1000)).repeat(4),
        );
        let err = resolve(&sb.load(&[("BIG", &big)]), &Overrides::default(), None).unwrap_err();
        assert_eq!(err.code, Code::InvalidInput);
        let file = Path::new("project").join(".npmrc");
        assert!(
            err.message.contains(&file.display().to_string()),
            "{}",
            err.message
        );
        assert!(!err.message.contains("AAAA"));
    }

    #[test]
    fn need_auth_says_why_an_unbound_token_was_not_sent() {
        let sb = Sandbox::new("withheld");
        sb.write("project/.npmrc", "registry=https://evil.example/\n");
        let config = sb.load(&[("NPM_TOKEN", "env-token")]);
        let r = resolve_for(&config, "pkg");
        let err = need_auth(&config, &r);
        assert_eq!(err.code, Code::NeedAuth);
        assert_eq!(err.hint, Some(Hint::BindToken));
        assert!(
            err.message
                .contains("A token is set (the NPM_TOKEN environment variable)"),
            "{}",
            err.message
        );
        assert!(err.message.contains("registry in "), "{}", err.message);
        assert!(
            err.message
                .contains("`//evil.example/:_authToken=${NPM_TOKEN}`"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("env-token"));
    }

    #[test]
    fn userconfig_env_moves_the_user_file() {
        let sb = Sandbox::new("userconfig");
        sb.write("home/custom-rc", "registry=https://custom.example/\n");
        let path = sb.0.join("home/custom-rc");
        let config = sb.load(&[("npm_config_userconfig", path.to_str().unwrap())]);
        assert_eq!(
            resolve_for(&config, "x").registry.as_str(),
            "https://custom.example/"
        );
    }

    #[test]
    fn bad_registry_urls_are_invalid_input() {
        for raw in ["ftp://x/", "not a url", "https://user:pw@r.example/"] {
            let err = parse_registry(raw, &Source::Option("registry")).unwrap_err();
            assert_eq!(err.code, Code::InvalidInput, "{raw}");
            assert_eq!(err.field.as_deref(), Some("registry"));
            assert!(!err.message.contains("pw@"), "{}", err.message);
        }
    }

    #[test]
    fn need_auth_lists_where_it_looked() {
        let sb = Sandbox::new("needauth");
        let config = sb.load(&[]);
        let err = need_auth(&config, &resolve_for(&config, "pkg"));
        assert_eq!(err.code, Code::NeedAuth);
        assert!(err.message.contains("//registry.npmjs.org/:_authToken"));
        assert!(err.message.contains(".npmrc (not found)"));
    }
}
