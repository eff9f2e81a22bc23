//! The trust endpoints of the registry API, with the npm CLI's paths and bodies, made safe to
//! retry, and errors rewritten to say what the user should do about them.
//!
//! A create is never blindly repeated: when it fails after the registry may have acted on it (a
//! timeout, a 5xx, a dropped connection, an unreadable answer), the package's configurations are
//! listed to learn whether it exists, so nothing is created twice and nothing is lost.

use reqwest::Method;
use serde_json::Value;

use crate::error::{Code, Error, Hint, Result};
use crate::package::PackageName;
use crate::provider::{checks, same_configuration, Publisher};
use crate::registry::{ApiRequest, Failure, Registry};

const NOT_CREATED: &str = "A check of the package's configurations shows it was not created.";
const UNCHECKED: &str = "Whether the configuration was created could not be checked.";
const UNTOLD: &str = "The package's configurations could not be listed to tell which.";
const NONE_LISTED: &str = "Its configurations, listed after the refusal, are none.";

pub struct TrustClient {
    registry: Registry,
}

#[derive(Clone, Copy)]
enum Operation<'a> {
    Create,
    /// A create the registry refused (409), with what the package's configurations listed
    /// after it show: this one (`existing`), or `count` others.
    Refused {
        existing: Option<&'a Publisher>,
        count: usize,
    },
    List,
    Revoke(&'a str),
}

impl TrustClient {
    pub fn new(registry: Registry) -> Self {
        TrustClient { registry }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn path(package: &PackageName) -> String {
        format!("-/package/{}/trust", package.escaped())
    }

    /// `POST /-/package/{escaped}/trust` with `[config]`, as `npm trust <provider>` sends it.
    pub fn create_request(&self, package: &PackageName, body: &Value) -> ApiRequest {
        ApiRequest {
            method: Method::POST,
            path: Self::path(package),
            body: Some(Value::Array(vec![body.clone()])),
            credential: false,
        }
    }

    pub fn revoke_request(&self, package: &PackageName, id: &str) -> ApiRequest {
        ApiRequest {
            method: Method::DELETE,
            // `id` is a validated UUID, which encodeURIComponent (npm) leaves as is.
            path: format!("{}/{id}", Self::path(package)),
            body: None,
            credential: false,
        }
    }

    /// Creates the configuration `body` (`{ type, claims, permissions }`); answers what the
    /// registry stored.
    pub async fn create(&self, package: &PackageName, body: &Value) -> Result<Publisher> {
        self.create_checked(package, body)
            .await
            .map_err(Refusal::into_error)
    }

    /// [`create`](Self::create), and when the registry refuses it (409), the package's
    /// configurations as listed after the refusal, for a caller that acts on them.
    pub async fn create_checked(
        &self,
        package: &PackageName,
        body: &Value,
    ) -> std::result::Result<Publisher, Refusal> {
        let request = self.create_request(package, body);
        let mut uncertain = false;
        let mut not_created = None;
        for _ in 0..=self.registry.retries() {
            let failure =
                match self.registry.try_send(&request).await {
                    Ok(answer) => match first_publisher(&answer) {
                        Some(publisher) => return Ok(publisher),
                        // Stored, but the answer is not one we can read: read it back.
                        None => {
                            return self.find(package, body).await?.ok_or_else(|| {
                                Refusal::Failed(self.registry.unexpected_answer(
                                    &request,
                                    "a trusted publisher configuration",
                                ))
                            })
                        }
                    },
                    Err(failure) => failure,
                };
            if failure.error.code == Code::Http(409) {
                return self.refused(failure, package, body, uncertain).await;
            }
            let unreadable = failure.error.code == Code::Response;
            if !(failure.maybe_processed || unreadable) {
                let error = self.failed(failure, package, Operation::Create, None);
                return Err(error.into());
            }
            // The registry may have created it: look before trying again.
            match self.find(package, body).await {
                Ok(Some(publisher)) => return Ok(publisher),
                Ok(None) if failure.maybe_processed => {
                    uncertain = true;
                    not_created = Some(failure);
                }
                Ok(None) => {
                    let error = self.failed(failure, package, Operation::Create, Some(NOT_CREATED));
                    return Err(error.into());
                }
                Err(_) => {
                    let error = self.failed(failure, package, Operation::Create, Some(UNCHECKED));
                    return Err(error.with_hint(Hint::ListPublishers).into());
                }
            }
        }
        let failure = not_created.expect("the loop ends only after a failure that was checked");
        let error = self.failed(failure, package, Operation::Create, Some(NOT_CREATED));
        Err(error.into())
    }

    /// The failure in words the user can act on, with what a check of the configurations found.
    fn failed(
        &self,
        failure: Failure,
        package: &PackageName,
        op: Operation<'_>,
        checked: Option<&str>,
    ) -> Error {
        let mut error = explain(*failure.error, package, self.registry.base().as_str(), op);
        error.notes.extend(checked.map(String::from));
        error
    }

    /// A create refused with 409: the package has this configuration already, or as many as the
    /// registry keeps. Its list tells which (registries word the two differently, or alike), and
    /// the advice differs: nothing to do, or revoke one first. Without the list, both are said.
    /// After an attempt that may have been processed (`uncertain`), this configuration there is
    /// that attempt's: created.
    async fn refused(
        &self,
        failure: Failure,
        package: &PackageName,
        body: &Value,
        uncertain: bool,
    ) -> std::result::Result<Publisher, Refusal> {
        let Ok(mut current) = self.list(package).await else {
            // Not a Conflict: a caller must not act on a refusal it cannot tell apart.
            let checked = if uncertain { UNCHECKED } else { UNTOLD };
            let error = self.failed(failure, package, Operation::Create, Some(checked));
            return Err(Refusal::Failed(error.with_hint(Hint::ListPublishers)));
        };
        let existing = current.iter().position(|p| same_configuration(body, p));
        if let (true, Some(at)) = (uncertain, existing) {
            return Ok(current.swap_remove(at));
        }
        let op = Operation::Refused {
            existing: existing.map(|at| &current[at]),
            count: current.len(),
        };
        let mut error = self.failed(failure, package, op, uncertain.then_some(NOT_CREATED));
        if current.is_empty() {
            // Neither refusal shows: there is nothing to revoke, only to look again.
            error.notes.push(NONE_LISTED.to_string());
        }
        Err(match existing {
            Some(at) => Refusal::Exists {
                error,
                existing: current.swap_remove(at),
            },
            None => Refusal::Conflict { error, current },
        })
    }

    /// The stored configuration equal to `body`, if there is one.
    async fn find(&self, package: &PackageName, body: &Value) -> Result<Option<Publisher>> {
        Ok(self
            .list(package)
            .await?
            .into_iter()
            .find(|p| same_configuration(body, p)))
    }

    pub async fn list(&self, package: &PackageName) -> Result<Vec<Publisher>> {
        let request = ApiRequest {
            method: Method::GET,
            path: Self::path(package),
            body: None,
            credential: false,
        };
        let answer = self
            .registry
            .send(&request)
            .await
            .map_err(|e| explain(e, package, self.registry.base().as_str(), Operation::List))?;
        match answer {
            Value::Array(items) => Ok(items.iter().filter_map(Publisher::from_registry).collect()),
            Value::Null => Ok(Vec::new()),
            _ => Err(self
                .registry
                .unexpected_answer(&request, "a list of configurations")),
        }
    }

    /// Deletes configuration `id`. The id usually comes from the registry's own list: it goes
    /// into the path only when it is a UUID, so an answer cannot aim the DELETE elsewhere
    /// (`../../other-pkg/trust/<uuid>`).
    pub async fn revoke(&self, package: &PackageName, id: &str) -> Result<()> {
        if !checks::is_uuid(id) {
            return Err(Error::new(
                Code::Response,
                format!(
                    "The registry listed a trusted publisher of {package} whose id is not a UUID; \
                     trust-native sends no request with it, and deleted nothing."
                ),
            ));
        }
        let failure = match self
            .registry
            .try_send(&self.revoke_request(package, id))
            .await
        {
            Ok(_) => return Ok(()),
            Err(failure) => failure,
        };
        let code = failure.error.code;
        // A retry found it gone: an earlier attempt, whose answer was lost, deleted it.
        if code == Code::Http(404) && failure.after_ambiguous_attempt {
            return Ok(());
        }
        // An answer we cannot read says nothing: look.
        if code == Code::Response || failure.maybe_processed {
            if let Ok(current) = self.list(package).await {
                if !current.iter().any(|p| p.id == id) {
                    return Ok(());
                }
            }
        }
        Err(self.failed(failure, package, Operation::Revoke(id), None))
    }
}

/// Why a create did not create.
pub enum Refusal {
    /// The registry refused it (409), and the package has this configuration: `existing`.
    Exists { error: Error, existing: Publisher },
    /// The registry refused it (409); `current` is the package's configurations listed after,
    /// none of them this one.
    Conflict {
        error: Error,
        current: Vec<Publisher>,
    },
    /// Any other failure, or a 409 whose list could not be read: which refusal it was is not
    /// known, and nothing should be done on the strength of it.
    Failed(Error),
}

impl Refusal {
    pub fn into_error(self) -> Error {
        match self {
            Refusal::Exists { error, .. }
            | Refusal::Conflict { error, .. }
            | Refusal::Failed(error) => error,
        }
    }
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        Refusal::Failed(error)
    }
}

/// The registry answers a create with the stored configurations (an array, as npm displays it).
fn first_publisher(answer: &Value) -> Option<Publisher> {
    match answer {
        Value::Array(items) => items.first(),
        other => Some(other),
    }
    .and_then(Publisher::from_registry)
}

/// Rewrites the generic HTTP message into one that says what to do, keeping code, status and the
/// registry's own words.
fn explain(mut error: Error, package: &PackageName, registry: &str, op: Operation<'_>) -> Error {
    let said = error.http.as_ref().map(|h| h.said()).unwrap_or_default();
    let advice = match (error.code, op) {
        (Code::Http(401), _) => format!(
            "The registry rejected the token for {registry}. Trust endpoints need the token of an \
             account with 2FA enabled, from `npm login` or a granular access token without \
             \"bypass 2FA\"; tokens that bypass 2FA and legacy basic auth are refused."
        ),
        (Code::Http(403), _) => format!(
            "You are not allowed to manage trusted publishers of {package}: this needs write \
             access to the package and two-factor authentication enabled on your account."
        ),
        (Code::Http(404), Operation::Revoke(id)) => format!(
            "{package} has no trusted publisher configuration {id} on {registry} (or the package \
             does not exist)."
        ),
        (Code::Http(404), _) => format!(
            "Package {package} was not found on {registry}, or you cannot see it. Trusted \
             publishing can only be configured for a package that already exists: publish its \
             first version with a token, then configure trust."
        ),
        (Code::Http(409), Operation::Refused { existing: Some(p), .. }) => {
            // The id is the registry's text: quoted only when it is what an id is.
            let id = Some(&p.id)
                .filter(|id| checks::is_uuid(id))
                .map(|id| format!(" (id {id})"))
                .unwrap_or_default();
            format!("{package} already has this trusted publisher{id}: there is nothing to add.")
        }
        (Code::Http(409), Operation::Refused { count, .. }) if count > 0 => format!(
            "The registry refused another trusted publisher for {package}, which has {count} \
             already, none of them this one (registry.npmjs.org keeps up to 10 per package, \
             some registries one)."
        ),
        (Code::Http(409), Operation::Create | Operation::Refused { .. }) => format!(
            "The registry refused another trusted publisher for {package}: it has this one \
             already, or as many as the registry keeps (one per package on some registries, \
             10 on registry.npmjs.org)."
        ),
        (Code::Http(429), _) => "The registry is rate limiting requests. Wait a minute and \
                                 retry, or configure packages in smaller batches."
            .to_string(),
        (Code::Http(status), _) if status >= 500 => format!(
            "The registry failed to handle the request ({status}). This is usually temporary: retry later."
        ),
        (Code::Http(status), _) => format!("The registry refused the request ({status})."),
        _ => return error,
    };
    error.message = format!("{advice}{said}");
    error.hint = match (error.code, op) {
        (Code::Http(404), Operation::Revoke(_)) => Some(Hint::ListPublishers),
        // Nothing to revoke: it is there already, or none is listed.
        (
            Code::Http(409),
            Operation::Refused {
                existing: Some(_), ..
            },
        )
        | (Code::Http(409), Operation::Refused { count: 0, .. }) => Some(Hint::ListPublishers),
        (Code::Http(409), _) => Some(Hint::RevokeFirst),
        _ => error.hint,
    };
    error
}
