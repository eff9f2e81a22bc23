//! What an operation is waiting for right now, so that when its time budget runs out the error
//! can say what it was waiting for ("an answer to GET https://...", "your onOtp callback"),
//! not just that time ran out. The binding scopes each operation with [`track`]; code that
//! waits calls [`set`]. Outside a scope, `set` does nothing.

use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static ACTIVITY: Arc<Mutex<String>>;
}

/// Records what the current operation waits for from now on.
pub fn set(what: impl Into<String>) {
    let _ = ACTIVITY.try_with(|cell| *cell.lock().unwrap_or_else(|e| e.into_inner()) = what.into());
}

/// Runs `future` with `cell` receiving what it waits for.
pub async fn track<F: Future>(cell: Arc<Mutex<String>>, future: F) -> F::Output {
    ACTIVITY.scope(cell, future).await
}
