//! Pacing for runs of many requests: one pace shared by every concurrent task.
//!
//! Until the registry pushes back, requests go as fast as concurrency allows. The request that
//! got a 429 waits its `Retry-After` before trying again (the registry's own retry loop does
//! that); the shared pace slows by [`SLOWER`], once per episode: 429s that arrive within one
//! `Retry-After` of the first are answers to requests already in flight. While requests succeed
//! the spacing shrinks slowly, to find out whether the registry allows more: the pace settles
//! just under the registry's rate, with an occasional 429 that costs one request a retry.
//!
//! (Pausing every request for each `Retry-After` was measured to cost far more: registries send
//! whole seconds, and before a token bucket empties every request succeeds at the client's own
//! pace, so the success rate says nothing about the registry's.)

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A 429 episode slows the pace by at least this factor.
const SLOWER: f64 = 1.4;
/// Each success shortens the spacing by this fraction.
const PROBE: f64 = 0.003;
const FIRST_SPACING: Duration = Duration::from_millis(20);
const MAX_SPACING: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The earliest moment the next request may start.
    next: Instant,
    /// Time between request starts; zero until the registry first pushes back.
    spacing: Duration,
    /// Until when 429s belong to the episode already accounted for.
    episode_until: Option<Instant>,
    throttled: u64,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer {
            state: Mutex::new(State {
                next: Instant::now(),
                spacing: Duration::ZERO,
                episode_until: None,
                throttled: 0,
            }),
        }
    }
}

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let at = {
            let mut state = self.state();
            let at = state.next.max(Instant::now());
            state.next = at + state.spacing;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    /// The registry said 429: slow the shared pace, once per episode.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut state = self.state();
        let now = Instant::now();
        state.throttled += 1;
        if state.episode_until.is_some_and(|until| until > now) {
            return;
        }
        state.spacing = state
            .spacing
            .mul_f64(SLOWER)
            .max(FIRST_SPACING)
            .min(MAX_SPACING);
        state.episode_until = Some(now + retry_after.unwrap_or(state.spacing).max(state.spacing));
    }

    pub fn succeeded(&self) {
        let mut state = self.state();
        state.spacing = state.spacing.mul_f64(1.0 - PROBE);
    }

    /// How many 429 answers the run met.
    pub fn throttled_count(&self) -> u64 {
        self.state().throttled
    }

    /// The current spacing between request starts.
    pub fn spacing(&self) -> Duration {
        self.state().spacing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slows_once_per_episode_and_probes_faster_slowly() {
        let pacer = Pacer::default();
        pacer.throttled(Some(Duration::from_millis(100)));
        assert_eq!(pacer.spacing(), FIRST_SPACING);
        // Answers to requests already in flight: the same episode.
        pacer.throttled(Some(Duration::from_millis(100)));
        assert_eq!(pacer.spacing(), FIRST_SPACING);
        tokio::time::sleep(Duration::from_millis(110)).await;
        pacer.throttled(Some(Duration::from_millis(100)));
        assert_eq!(pacer.spacing(), FIRST_SPACING.mul_f64(SLOWER));
        // Turns are spaced.
        let start = Instant::now();
        for _ in 0..3 {
            pacer.wait().await;
        }
        assert!(start.elapsed() >= FIRST_SPACING.mul_f64(SLOWER * 2.0) - Duration::from_millis(2));
        let slowed = pacer.spacing();
        for _ in 0..100 {
            pacer.succeeded();
        }
        let expected = slowed.mul_f64((1.0 - PROBE).powi(100));
        assert!(
            pacer.spacing().abs_diff(expected) < Duration::from_micros(10),
            "{:?}",
            pacer.spacing()
        );
        assert_eq!(pacer.throttled_count(), 3);
    }
}
