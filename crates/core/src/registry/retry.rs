//! When to try again, and how long to wait: exponential backoff with full jitter, the server's
//! `Retry-After` when it gives one, all within the call's time budget.
//!
//! A 429 is the registry setting the pace, not a failure: it is retried for as long as the time
//! budget allows. Other transient failures (5xx, lost connections, timeouts) are retried
//! `retries` times. `retries: 0` turns retrying off altogether.

use std::time::{Duration, Instant};

/// Default number of retries after a failure (npm's `fetch-retries` is 2).
pub const DEFAULT_RETRIES: u32 = 3;
/// More retries after failures than this are not made, whatever `retries` says.
pub const MAX_RETRIES: u32 = 100;
const BASE_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(10);
/// The least wait before a retry, even when the registry says `Retry-After: 0`: with the time
/// budget, it bounds how many requests one call can make.
const MIN_WAIT: Duration = Duration::from_millis(100);
/// A longer `Retry-After` means the same as this one (no call waits that long: it gives up at
/// once), and `1e20` seconds must not overflow a clock.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Retries allowed after failures other than 429.
    pub retries: u32,
    pub deadline: Instant,
}

impl Budget {
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Whether a retry after a failure other than 429 may still follow `failures` of them.
    pub fn allows_failures(&self, failures: u32) -> bool {
        failures < self.retries.min(MAX_RETRIES)
    }

    /// The wait before retry number `retry` (1-based, whatever caused the earlier ones), or
    /// `None` when the budget does not allow it. `failures` counts the failed attempts other
    /// than 429s, this one included if it is one. `retry_after` is the server's wish, which wins
    /// over backoff; no wait is shorter than [`MIN_WAIT`].
    pub fn wait_before(
        &self,
        retry: u32,
        failures: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if self.retries == 0 || (failures > 0 && !self.allows_failures(failures - 1)) {
            return None;
        }
        let wait = retry_after
            .filter(|wait| !wait.is_zero())
            .unwrap_or_else(|| backoff(retry))
            .max(MIN_WAIT);
        // Waiting past the deadline only to time out helps nobody.
        (wait < self.remaining()).then_some(wait)
    }
}

/// Full jitter: a random wait between zero and `base * 2^(attempt-1)`, capped.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_DELAY
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_DELAY);
    let mut random = [0u8; 4];
    let fraction =
        match ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random) {
            Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
            Err(_) => 0.5,
        };
    ceiling.mul_f64(fraction)
}

/// `Retry-After` as seconds or an HTTP date, at most [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds >= 0.0 && seconds.is_finite())
            .then(|| Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER.as_secs_f64())));
    }
    // IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must also accept.
    let when = httpdate::parse_http_date(value).ok()?;
    let wait = when
        .duration_since(std::time::SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("1e20"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 99999999999999999 08:49:37 GMT"),
            None
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:-9223372036854775808:37 GMT"),
            None
        );
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT"), None);
        // RFC 9110's obsolete forms, which a recipient must accept: a past date waits nothing.
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:37 1994"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        for attempt in 1..=20 {
            let ceiling = BASE_DELAY
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(MAX_DELAY);
            assert!(backoff(attempt) <= ceiling);
        }
        let budget = Budget {
            retries: 2,
            deadline: Instant::now() + Duration::from_secs(60),
        };
        assert!(budget.wait_before(1, 1, None).is_some());
        assert!(budget.wait_before(2, 2, None).is_some());
        assert_eq!(budget.wait_before(3, 3, None), None);
        assert_eq!(
            budget.wait_before(1, 1, Some(Duration::from_secs(120))),
            None
        );
        assert_eq!(
            budget.wait_before(2, 1, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_429_is_retried_while_time_allows_and_every_wait_has_a_floor() {
        let budget = Budget {
            retries: 2,
            deadline: Instant::now() + Duration::from_secs(60),
        };
        // Fifty 429s in a row, none of them a failure: still allowed.
        assert_eq!(
            budget.wait_before(50, 0, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        // `Retry-After: 0` still waits.
        for retry in 1..=20 {
            assert!(budget.wait_before(retry, 0, Some(Duration::ZERO)).unwrap() >= MIN_WAIT);
            assert!(budget.wait_before(retry, 1, None).unwrap() >= MIN_WAIT);
        }
        // No retries at all.
        let none = Budget {
            retries: 0,
            ..budget
        };
        assert_eq!(none.wait_before(1, 0, Some(Duration::from_secs(1))), None);
        // `retries` is capped.
        let many = Budget {
            retries: u32::MAX,
            ..budget
        };
        assert!(many.allows_failures(MAX_RETRIES - 1));
        assert!(!many.allows_failures(MAX_RETRIES));
    }
}
