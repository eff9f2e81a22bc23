//! Pacing for runs of many requests: one pace shared by every concurrent task, set by the
//! registry's 429 answers (AIMD, as TCP sets its window by lost packets).
//!
//! Two limits apply to every request of the run: a spacing between request starts, and a window
//! of requests in flight. Until the registry pushes back, the spacing is zero (or `1 / maxRps`)
//! and the window is the run's concurrency.
//!
//! A 429 starts an *episode*: 429s that arrive within its `Retry-After` are answers to requests
//! already in flight, and count once. An episode halves the window and sets the spacing to the
//! time between the answers that got through since the previous episode, counting only the time
//! some request was under way (while all of them wait out a `Retry-After`, the registry is not
//! asked, and its silence says nothing of its rate). Against a token bucket that is its refill
//! rate. When that measure says nothing slower, the spacing grows by [`SLOWER`]; it never
//! exceeds the `Retry-After` (a request may go then, so a slower pace is never needed). While
//! requests get through, the window grows by about one per window of answers and the spacing
//! shrinks slowly ([`PROBE`]), to find out whether the registry allows more: the pace settles
//! just under the registry's rate, with an occasional 429 that costs one request a retry. The
//! request that got the 429 waits its `Retry-After` (the registry's retry loop does that) and
//! then takes its turn like any other.
//!
//! (Pausing every request for each `Retry-After` costs far more when a registry sends whole
//! seconds and refills its bucket in fractions of one. The constants were chosen with a
//! simulation of token buckets of 0.2 to 50 requests/s and bursts of 1 to 100; `npm run bench`
//! measures the result against the emulator.)

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A 429 episode without a slower measure of the registry's rate slows the pace by this factor.
const SLOWER: f64 = 1.4;
/// Each answer that got through shortens the spacing by this fraction.
const PROBE: f64 = 0.005;
/// How much later than `Retry-After` the slowest pace is.
const RETRY_AFTER_MARGIN: f64 = 1.05;
/// The least spacing once the registry has pushed back.
const FIRST_SPACING: Duration = Duration::from_millis(20);
const MAX_SPACING: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Pacer {
    state: Mutex<State>,
    /// A request in flight finished: a waiting one may go.
    freed: Notify,
    /// `1 / maxRps`: the pace never gets faster.
    min_spacing: Duration,
    /// The run's concurrency: the window never gets wider.
    max_window: f64,
}

#[derive(Debug)]
struct State {
    /// The earliest moment the next request may start.
    next: Instant,
    /// Time between request starts.
    spacing: Duration,
    /// Requests allowed in flight (its whole part, and at least one).
    window: f64,
    in_flight: usize,
    /// Until when 429s belong to the episode already accounted for.
    episode_until: Option<Instant>,
    /// Time some request was under way since the last episode, and since when one has been.
    busy: Duration,
    busy_since: Option<Instant>,
    /// Answers that got through since the last episode.
    got_through: u32,
    throttled: u64,
}

/// A request's turn: it counts as in flight until dropped.
#[derive(Debug)]
pub struct Turn<'a> {
    pacer: &'a Pacer,
    /// How long the request waited for its turn.
    pub waited: Duration,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.pacer.state();
        state.in_flight -= 1;
        if state.in_flight == 0 {
            let since = state.busy_since.take();
            state.busy += since.map_or(Duration::ZERO, |t| t.elapsed());
        }
        drop(state);
        self.pacer.freed.notify_one();
    }
}

impl Pacer {
    /// A pace for a run of `concurrency` requests at once, never faster than `max_rps`.
    pub fn new(concurrency: usize, max_rps: Option<f64>) -> Pacer {
        let min_spacing = max_rps
            .filter(|rps| rps.is_finite() && *rps > 0.0)
            .map_or(Duration::ZERO, |rps| {
                Duration::from_secs_f64((1.0 / rps).min(MAX_SPACING.as_secs_f64()))
            });
        let max_window = concurrency.max(1) as f64;
        Pacer {
            state: Mutex::new(State {
                next: Instant::now(),
                spacing: min_spacing,
                window: max_window,
                in_flight: 0,
                episode_until: None,
                busy: Duration::ZERO,
                busy_since: None,
                got_through: 0,
                throttled: 0,
            }),
            freed: Notify::new(),
            min_spacing,
            max_window,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a place in the window and for this request's start time.
    pub async fn turn(&self) -> Turn<'_> {
        let asked = Instant::now();
        loop {
            // Made before looking, so that a place freed meanwhile is not missed.
            let freed = self.freed.notified();
            let start = {
                let mut state = self.state();
                if (state.in_flight as f64) < state.window.floor().max(1.0) {
                    state.in_flight += 1;
                    let now = Instant::now();
                    state.busy_since.get_or_insert(now);
                    let at = state.next.max(now);
                    state.next = at + state.spacing;
                    Some(at)
                } else {
                    None
                }
            };
            if let Some(at) = start {
                // Counted from here, so that a caller that gives up while waiting frees it.
                let mut turn = Turn {
                    pacer: self,
                    waited: Duration::ZERO,
                };
                // Another place may be free too (the window grew).
                self.freed.notify_one();
                tokio::time::sleep_until(at).await;
                turn.waited = asked.elapsed();
                return turn;
            }
            freed.await;
        }
    }

    /// The registry said 429: slow the shared pace, once per episode.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut state = self.state();
        let now = Instant::now();
        state.throttled += 1;
        if state.episode_until.is_some_and(|until| until > now) {
            return;
        }
        // What got through since the last episode, while requests were under way.
        let busy = state.busy + state.busy_since.map_or(Duration::ZERO, |t| now - t);
        let measured = (state.got_through > 0).then(|| busy / state.got_through);
        let mut spacing = measured
            .filter(|&m| m > state.spacing)
            .unwrap_or_else(|| state.spacing.mul_f64(SLOWER));
        // The registry says a request may go after `Retry-After`: a slower pace is never
        // needed (just after, not at that moment, which would race its clock).
        if let Some(after) = retry_after.filter(|after| !after.is_zero()) {
            spacing = spacing.min(after.mul_f64(RETRY_AFTER_MARGIN));
        }
        state.spacing = spacing
            .max(FIRST_SPACING)
            .max(self.min_spacing)
            .min(MAX_SPACING);
        state.window = (state.window / 2.0).max(1.0);
        let episode = retry_after.unwrap_or(state.spacing).max(state.spacing);
        state.episode_until = Some(now + episode);
        state.busy = Duration::ZERO;
        state.busy_since = state.busy_since.map(|_| now);
        state.got_through = 0;
    }

    /// An answer other than 429: the registry let the request through.
    pub fn got_through(&self) {
        let mut state = self.state();
        state.got_through = state.got_through.saturating_add(1);
        state.spacing = state.spacing.mul_f64(1.0 - PROBE).max(self.min_spacing);
        state.window = (state.window + 1.0 / state.window).min(self.max_window);
    }

    /// How many 429 answers the run met.
    pub fn throttled_count(&self) -> u64 {
        self.state().throttled
    }

    /// The current spacing between request starts.
    pub fn spacing(&self) -> Duration {
        self.state().spacing
    }

    /// The current number of requests allowed in flight.
    pub fn window(&self) -> usize {
        self.state().window.floor().max(1.0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(50)
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_sets_the_spacing_to_what_got_through_and_halves_the_window() {
        let pacer = Pacer::new(8, None);
        assert_eq!((pacer.spacing(), pacer.window()), (Duration::ZERO, 8));
        // A second with a request under way, and an answer through.
        let turn = pacer.turn().await;
        tokio::time::advance(Duration::from_secs(1)).await;
        pacer.got_through();
        drop(turn);
        // A second with nothing under way (all waiting out a Retry-After) does not count.
        tokio::time::advance(Duration::from_secs(1)).await;
        // Another answer through, then a 429.
        let turn = pacer.turn().await;
        pacer.got_through();
        pacer.throttled(Some(Duration::from_secs(1)));
        drop(turn);
        assert!(
            close(pacer.spacing(), Duration::from_millis(500)),
            "{:?}",
            pacer.spacing()
        );
        assert_eq!(pacer.window(), 4);
        // Answers to requests already in flight: the same episode.
        pacer.throttled(Some(Duration::from_secs(1)));
        assert_eq!(pacer.window(), 4);
        assert_eq!(pacer.throttled_count(), 2);
        // Turns are spaced.
        let start = Instant::now();
        for _ in 0..3 {
            drop(pacer.turn().await);
        }
        assert!(start.elapsed() >= Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_measure_the_pace_slows_by_a_factor_and_recovers_slowly() {
        let pacer = Pacer::new(4, None);
        pacer.throttled(None);
        assert_eq!(pacer.spacing(), FIRST_SPACING);
        tokio::time::advance(Duration::from_secs(1)).await;
        pacer.throttled(None);
        assert_eq!(pacer.spacing(), FIRST_SPACING.mul_f64(SLOWER));
        assert_eq!(pacer.window(), 1);
        let slowed = pacer.spacing();
        for _ in 0..100 {
            pacer.got_through();
        }
        let expected = slowed.mul_f64((1.0 - PROBE).powi(100));
        assert!(close(pacer.spacing(), expected), "{:?}", pacer.spacing());
        // Additive increase: about one more place per window of answers.
        assert_eq!(pacer.window(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_bounds_requests_in_flight() {
        let pacer = std::sync::Arc::new(Pacer::new(2, None));
        let first = pacer.turn().await;
        let _second = pacer.turn().await;
        let waiting = {
            let pacer = pacer.clone();
            tokio::spawn(async move { pacer.turn().await.waited })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished());
        drop(first);
        let waited = waiting.await.unwrap();
        assert!(waited >= Duration::from_secs(5), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_bounds_the_spacing() {
        let pacer = Pacer::new(8, None);
        // One answer through in three busy seconds would mean a spacing of three seconds.
        let turn = pacer.turn().await;
        tokio::time::advance(Duration::from_secs(3)).await;
        pacer.got_through();
        pacer.throttled(Some(Duration::from_secs(1)));
        drop(turn);
        assert_eq!(pacer.spacing(), Duration::from_millis(1050));
    }

    #[tokio::test(start_paused = true)]
    async fn max_rps_is_the_fastest_pace() {
        let pacer = Pacer::new(8, Some(4.0));
        assert_eq!(pacer.spacing(), Duration::from_millis(250));
        for _ in 0..1000 {
            pacer.got_through();
        }
        assert_eq!(pacer.spacing(), Duration::from_millis(250));
        let start = Instant::now();
        for _ in 0..5 {
            drop(pacer.turn().await);
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // Nonsense is no limit.
        assert_eq!(Pacer::new(1, Some(f64::NAN)).spacing(), Duration::ZERO);
    }
}
