//! Circuit breakers for the services Kirana calls (payment gateways, couriers): after
//! repeated failures calls fail fast for a while instead of hanging, then one probe
//! decides whether the service is back. Their states show in `/readyz` and `/metrics`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast until the open time is over.
    Open,
    /// One probe call is allowed; its outcome closes or reopens the breaker.
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// Every breaker of the application, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Breakers(pub Vec<std::sync::Arc<CircuitBreaker>>);

#[derive(Debug)]
pub struct CircuitBreaker {
    name: &'static str,
    threshold: u32,
    open_for: Duration,
    failures: AtomicU32,
    /// When it opened, and whether a probe is out.
    opened: Mutex<Option<(Instant, bool)>>,
}

impl CircuitBreaker {
    /// Opens after `threshold` failures in a row, for `open_for`.
    pub fn new(name: &'static str, threshold: u32, open_for: Duration) -> Self {
        Self {
            name,
            threshold: threshold.max(1),
            open_for,
            failures: AtomicU32::new(0),
            opened: Mutex::new(None),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn state(&self) -> BreakerState {
        match self.opened.lock().map(|o| *o) {
            Ok(None) => BreakerState::Closed,
            Ok(Some((at, probing))) if probing || at.elapsed() >= self.open_for => {
                BreakerState::HalfOpen
            }
            _ => BreakerState::Open,
        }
    }

    /// A call may go out now when this gives a permit: always when closed; when open,
    /// only as the one probe after the open time. The permit reports the outcome; one
    /// dropped without an outcome (the caller's future was dropped mid-call) hands the
    /// probe back, so the breaker cannot stay half-open forever.
    pub fn permit(&self) -> Option<Permit<'_>> {
        self.allow().then_some(Permit {
            breaker: self,
            settled: false,
        })
    }

    /// Whether a call may go out now (see [`CircuitBreaker::permit`], which callers that
    /// make the call should use).
    pub fn allow(&self) -> bool {
        let Ok(mut opened) = self.opened.lock() else {
            return true;
        };
        match *opened {
            None => true,
            Some((at, false)) if at.elapsed() >= self.open_for => {
                *opened = Some((at, true));
                true
            }
            Some(_) => false,
        }
    }

    pub fn success(&self) {
        self.failures.store(0, Ordering::Relaxed);
        if let Ok(mut opened) = self.opened.lock()
            && opened.take().is_some()
        {
            tracing::info!(
                service = self.name,
                "circuit closed: the service answers again"
            );
        }
    }

    pub fn failure(&self) {
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let Ok(mut opened) = self.opened.lock() else {
            return;
        };
        let probe_failed = matches!(*opened, Some((_, true)));
        if probe_failed || (opened.is_none() && failures >= self.threshold) {
            *opened = Some((Instant::now(), false));
            tracing::warn!(
                service = self.name,
                failures,
                "circuit open: calls fail fast"
            );
        }
    }
}

/// One call let through by a breaker; see [`CircuitBreaker::permit`].
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    settled: bool,
}

impl Permit<'_> {
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.success();
    }

    pub fn failure(mut self) {
        self.settled = true;
        self.breaker.failure();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // The call never finished: if it was the probe, the next caller probes instead.
        if let Ok(mut opened) = self.breaker.opened.lock()
            && let Some((at, true)) = *opened
        {
            *opened = Some((at, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_repeated_failures_and_a_probe_closes_it() {
        let b = CircuitBreaker::new("test", 3, Duration::from_millis(30));
        assert!(b.allow());
        b.failure();
        b.failure();
        assert_eq!(b.state(), BreakerState::Closed);
        b.failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow(), "fails fast while open");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.allow(), "one probe");
        assert!(!b.allow(), "only one");
        b.failure();
        assert_eq!(b.state(), BreakerState::Open, "a failed probe reopens it");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow());
        b.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.allow());
    }

    #[test]
    fn a_probe_dropped_without_an_outcome_is_handed_back() {
        let b = CircuitBreaker::new("test", 1, Duration::from_millis(20));
        b.failure();
        std::thread::sleep(Duration::from_millis(30));
        let probe = b.permit().expect("the probe");
        assert!(b.permit().is_none(), "only one probe");
        drop(probe); // a client went away mid-request
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let again = b.permit().expect("the probe is free again");
        again.success();
        assert_eq!(b.state(), BreakerState::Closed);
        // A closed breaker's permits change nothing when dropped.
        drop(b.permit());
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[tokio::test]
    async fn a_probe_whose_future_is_dropped_is_handed_back() {
        let b = std::sync::Arc::new(CircuitBreaker::new("test", 1, Duration::from_millis(20)));
        b.failure();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let call = {
            let b = b.clone();
            async move {
                let permit = b.permit();
                assert!(permit.is_some());
                // The service hangs; the caller gives up and drops this future.
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(permit);
            }
        };
        let _ = tokio::time::timeout(Duration::from_millis(20), call).await;
        assert!(b.permit().is_some(), "not stuck half-open");
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = CircuitBreaker::new("test", 2, Duration::from_secs(60));
        b.failure();
        b.success();
        b.failure();
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
