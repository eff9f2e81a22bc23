//! One task per package, a bounded number at a time: what plans and applies share. A task that
//! panics is that package's failure, never the run's: the run still ends with one outcome per
//! package, and the packages already changed are reported.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::{Id, JoinSet};

use crate::error::{Code, Error};

/// A task's index and what it returned, or the label it was started with if it panicked.
pub type Finished<T, L> = (usize, std::result::Result<T, L>);

pub struct Tasks<T, L = ()> {
    running: JoinSet<T>,
    limit: Arc<Semaphore>,
    /// The index and label of each running task, to say which one panicked.
    started: HashMap<Id, (usize, L)>,
}

impl<T: Send + 'static, L> Tasks<T, L> {
    pub fn new(concurrency: usize) -> Self {
        Tasks {
            running: JoinSet::new(),
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
            started: HashMap::new(),
        }
    }

    /// Waits until a task may run, then starts `work()` as task `index`, labelled `label`. The
    /// future is made only then, so a large run does not hold a client per package while it
    /// waits (nor start the clock of its time budget).
    pub async fn start<F, Fut>(&mut self, index: usize, label: L, work: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let turn = self.limit.clone().acquire_owned().await;
        let work = work();
        let handle = self.running.spawn(async move {
            let _turn = turn;
            work.await
        });
        self.started.insert(handle.id(), (index, label));
    }

    /// A task that has finished, if any, without waiting.
    pub fn try_next(&mut self) -> Option<Finished<T, L>> {
        let joined = self.running.try_join_next_with_id()?;
        Some(self.finished(joined))
    }

    /// The next task to finish; `None` when none is left.
    pub async fn next(&mut self) -> Option<Finished<T, L>> {
        let joined = self.running.join_next_with_id().await?;
        Some(self.finished(joined))
    }

    /// The tasks still running, dropped (and so aborted): each one's index and label.
    pub fn abandon(self) -> impl Iterator<Item = (usize, L)> {
        self.started.into_values()
    }

    fn finished(
        &mut self,
        joined: std::result::Result<(Id, T), tokio::task::JoinError>,
    ) -> Finished<T, L> {
        let (id, value) = match joined {
            Ok((id, value)) => (id, Some(value)),
            // Tasks are never cancelled here: the only other way to end is a panic.
            Err(error) => (error.id(), None),
        };
        let (index, label) = self
            .started
            .remove(&id)
            .expect("every task is recorded when it starts");
        (index, value.ok_or(label))
    }
}

/// What a package whose task panicked ends with. Nothing is known of how far it got.
pub fn panicked(package: &str) -> Error {
    Error::new(
        Code::Response,
        format!(
            "trust-native failed unexpectedly while working on {package} (most likely on an \
             answer it did not expect), so {package} may or may not have changed: plan again \
             to see where it stands, and please report this."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_reported_by_its_index_and_the_others_finish() {
        let mut tasks = Tasks::new(2);
        let mut outcomes = Vec::new();
        for index in 0..4 {
            tasks
                .start(index, index * 2, move || async move {
                    assert_ne!(index, 1, "task 1 fails");
                    index * 10
                })
                .await;
            while let Some(finished) = tasks.try_next() {
                outcomes.push(finished);
            }
        }
        while let Some(finished) = tasks.next().await {
            outcomes.push(finished);
        }
        outcomes.sort();
        assert_eq!(
            outcomes,
            [(0, Ok(0)), (1, Err(2)), (2, Ok(20)), (3, Ok(30))]
        );
    }
}
