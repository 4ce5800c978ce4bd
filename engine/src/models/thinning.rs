//! Thinning a busy flow of requests that cannot affect one another (CDN edge hits): one in k
//! is simulated and counts k times, the rest are dropped as they arrive.
//!
//! The kept request stands for itself and the ones dropped since the last one kept, so the
//! counts add up exactly, late by at most k - 1 requests. The stride k follows the flow's
//! rate, so a quiet flow is simulated request by request.

/// The largest stride: the most requests one kept request stands for.
pub const MAX_STRIDE: u16 = 64;

/// Which requests of a flow to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Thinning {
    /// The most requests of the flow to simulate per simulated second (0: all of them).
    simulated_per_s: f64,
    /// Requests dropped since the last one kept.
    dropped: u16,
}

impl Thinning {
    /// Simulates at most about `simulated_per_s` requests a second of the flow (0: all).
    pub fn new(simulated_per_s: f64) -> Self {
        Self {
            simulated_per_s,
            dropped: 0,
        }
    }

    /// One kept request in how many, while the flow runs at `rate_per_s`.
    pub fn stride(&self, rate_per_s: f64) -> u16 {
        if self.simulated_per_s > 0.0 && rate_per_s.is_finite() {
            (rate_per_s / self.simulated_per_s).clamp(1.0, f64::from(MAX_STRIDE)) as u16
        } else {
            1
        }
    }

    /// The flow's next request, while it runs at `rate_per_s`: `Some(weight)` to simulate it,
    /// counting `weight` times (itself and those dropped since the last one kept), `None` to
    /// drop it.
    pub fn next(&mut self, rate_per_s: f64) -> Option<u16> {
        let stride = self.stride(rate_per_s);
        if self.dropped + 1 < stride {
            self.dropped += 1;
            None
        } else {
            Some(std::mem::take(&mut self.dropped) + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_flow_or_no_limit_keeps_every_request() {
        let mut quiet = Thinning::new(1_000.0);
        assert!((0..100).all(|_| quiet.next(999.0) == Some(1)));
        let mut off = Thinning::new(0.0);
        assert!((0..100).all(|_| off.next(1e9) == Some(1)));
        assert_eq!(quiet.stride(f64::NAN), 1);
    }

    #[test]
    fn a_busy_flow_keeps_one_in_k_and_the_weights_add_up_to_every_request() {
        let mut t = Thinning::new(1_000.0);
        let kept: Vec<Option<u16>> = (0..8).map(|_| t.next(4_000.0)).collect();
        assert_eq!(kept, [None, None, None, Some(4), None, None, None, Some(4)]);
        // The rate changes in the middle of a group: the kept one stands for all since the
        // last one kept, so nothing is lost or counted twice.
        let mut t = Thinning::new(1_000.0);
        let mut total = 0u64;
        let mut requests = 0u64;
        for i in 0..10_000u32 {
            let rate = f64::from(1 + i % 97) * 1_000.0;
            requests += 1;
            total += t.next(rate).map_or(0, u64::from);
        }
        let pending = u64::from(t.dropped);
        assert_eq!(total + pending, requests);
        assert!(pending < u64::from(MAX_STRIDE));
        assert_eq!(Thinning::new(1_000.0).stride(1e12), MAX_STRIDE);
    }
}
