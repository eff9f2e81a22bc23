//! The projects (package.json and npm config) a client has already read. The connections and
//! one-time passwords its calls share are the registry's [`Context`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{EnvVars, NpmConfig};
use crate::package::Manifest;

/// Where the binding finds the client's shared connections and OTPs, which the registry owns.
pub use crate::registry::Context;

/// A project's package.json and npm config, as a call reads them.
#[derive(Debug, Clone)]
pub struct Project {
    pub manifest: Manifest,
    pub config: NpmConfig,
}

/// Projects already read, by directory, for one fixed environment. A client that keeps one
/// reads each project's files once, instead of on every call.
#[derive(Debug, Default)]
pub struct ProjectCache {
    projects: Mutex<HashMap<PathBuf, Arc<Project>>>,
}

/// A client rarely works in more than a few directories; past this many, start over rather
/// than grow without bound.
const MAX_PROJECTS: usize = 64;

impl ProjectCache {
    pub fn get_or_load(&self, cwd: &Path, env: &EnvVars) -> Arc<Project> {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(project) = projects.get(cwd) {
            return project.clone();
        }
        if projects.len() >= MAX_PROJECTS {
            projects.clear();
        }
        let project = Arc::new(Project::load(cwd, env.clone()));
        projects.insert(cwd.to_path_buf(), project.clone());
        project
    }
}

impl Project {
    pub fn load(cwd: &Path, env: EnvVars) -> Project {
        Project {
            manifest: Manifest::for_project(cwd),
            config: NpmConfig::load(cwd, env),
        }
    }
}
