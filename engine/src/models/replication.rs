//! Replication from a primary to a read replica, and how far behind the replica is.

/// Replication from a primary to one read replica: a single apply stream.
///
/// Each write adds `apply_s` of work to the replica's apply backlog, which drains in real
/// time; the replica's lag is its network delay plus the backlog. Lag therefore grows with
/// the write rate and explodes as writes approach the apply rate (a D/M/1-like queue).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaLag {
    /// Lag with no backlog (network and commit delay), seconds.
    pub base_s: f64,
    /// Replay time per write, seconds.
    pub apply_s: f64,
    /// Extra lag injected by a fault, seconds.
    pub extra_s: f64,
    backlog_s: f64,
    at: f64,
}

impl ReplicaLag {
    /// A replica with this base lag and replay cost.
    pub fn new(base_s: f64, apply_s: f64) -> Self {
        Self {
            base_s,
            apply_s,
            extra_s: 0.0,
            backlog_s: 0.0,
            at: 0.0,
        }
    }

    fn drain(&mut self, now: f64) {
        self.backlog_s = (self.backlog_s - (now - self.at)).max(0.0);
        self.at = now;
    }

    /// The replica's lag at `now`, seconds.
    pub fn lag(&mut self, now: f64) -> f64 {
        self.drain(now);
        self.base_s + self.backlog_s + self.extra_s
    }

    /// A write reached the replica's apply stream at `now`.
    pub fn write(&mut self, now: f64) {
        self.drain(now);
        self.backlog_s += self.apply_s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_replica_lags_by_its_base_delay() {
        let mut r = ReplicaLag::new(0.010, 0.001);
        assert!((r.lag(5.0) - 0.010).abs() < 1e-12);
    }

    #[test]
    fn lag_grows_with_the_write_rate_and_drains_after() {
        // 1 ms of replay per write: 500 writes/s keep up, 2,000 writes/s fall behind.
        let steady = |rate: f64| {
            let mut r = ReplicaLag::new(0.010, 0.001);
            let mut t = 0.0;
            while t < 2.0 {
                r.write(t);
                t += 1.0 / rate;
            }
            r.lag(t)
        };
        assert!(steady(500.0) < 0.012);
        let behind = steady(2_000.0);
        assert!(behind > 0.9, "a second of backlog builds up: {behind}");
        let mut r = ReplicaLag::new(0.010, 0.001);
        for i in 0..1_000 {
            r.write(f64::from(i) * 1e-4); // 10,000 writes/s for 0.1 s
        }
        assert!(r.lag(0.1) > 0.8);
        assert!((r.lag(10.0) - 0.010).abs() < 1e-12, "the backlog drains");
    }

    #[test]
    fn injected_lag_adds_on_top() {
        let mut r = ReplicaLag::new(0.010, 0.001);
        r.extra_s = 0.2;
        assert!((r.lag(1.0) - 0.210).abs() < 1e-12);
    }
}
