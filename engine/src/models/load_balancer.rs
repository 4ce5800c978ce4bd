//! A load balancer: picks an app server for each request among those its health checks
//! believe are up.

use crate::scenario::LbPolicy;

/// The load balancer's state: its policy, its view of which servers are healthy, and its turn.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    policy: LbPolicy,
    healthy: Vec<bool>,
    draining: Vec<bool>,
    next: usize,
}

impl LoadBalancer {
    /// A balancer over `servers` servers, all believed healthy.
    pub fn new(policy: LbPolicy, servers: usize) -> Self {
        Self {
            policy,
            healthy: vec![true; servers.max(1)],
            draining: vec![false; servers.max(1)],
            next: 0,
        }
    }

    /// A health check's result: server `i` answers (or not). Until the next check the
    /// balancer keeps sending to a server that died, which is why requests fail in between.
    pub fn set_healthy(&mut self, i: usize, up: bool) {
        if let Some(h) = self.healthy.get_mut(i) {
            *h = up;
        }
    }

    /// Stops (or resumes) sending new requests to server `i`, whatever the health checks say:
    /// how a deploy takes an instance out of rotation before restarting it.
    pub fn set_draining(&mut self, i: usize, draining: bool) {
        if let Some(d) = self.draining.get_mut(i) {
            *d = draining;
        }
    }

    /// Whether the balancer believes server `i` is up.
    pub fn is_healthy(&self, i: usize) -> bool {
        self.healthy.get(i).copied().unwrap_or(false)
    }

    /// Picks a server. `in_progress(i)` is server `i`'s requests in progress, used by
    /// least-connections. With no healthy server it still picks one (the request will fail).
    pub fn pick(&mut self, in_progress: impl Fn(usize) -> u32) -> usize {
        let n = self.healthy.len();
        if n == 1 {
            return 0;
        }
        let start = self.next;
        self.next = (self.next + 1) % n;
        // Healthy and not draining: where new requests may go (`&`, not `&&`: no branch).
        let usable = |i: usize| self.healthy[i] & !self.draining[i];
        match self.policy {
            // Turn order from `start`: `start..n`, then `0..start`.
            LbPolicy::RoundRobin => (start..n).chain(0..start).find(|&i| usable(i)),
            // The idlest usable server, ties to the first in turn order: each server's key is
            // its load, then its place in the turn, and an unusable one's is above them all
            // (all ones). One key per server and their minimum: this runs for every request,
            // over up to 64 servers.
            LbPolicy::LeastConnections => {
                let key = |i: usize| {
                    let turn = if i >= start { i - start } else { i + n - start };
                    let out = u64::from(!usable(i)).wrapping_neg();
                    u64::from(in_progress(i)) << 32 | turn as u64 | out
                };
                let best = (0..n).map(key).min().unwrap_or(u64::MAX);
                (best != u64::MAX).then(|| (start + (best & 0xffff_ffff) as usize) % n)
            }
        }
        .unwrap_or(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_takes_turns_and_skips_unhealthy_servers() {
        let mut lb = LoadBalancer::new(LbPolicy::RoundRobin, 3);
        let picks: Vec<_> = (0..6).map(|_| lb.pick(|_| 0)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
        lb.set_healthy(1, false);
        let picks: Vec<_> = (0..4).map(|_| lb.pick(|_| 0)).collect();
        assert!(!picks.contains(&1), "{picks:?}");
    }

    #[test]
    fn least_connections_prefers_the_idlest_healthy_server() {
        let mut lb = LoadBalancer::new(LbPolicy::LeastConnections, 3);
        let load = [5, 1, 3];
        assert_eq!(lb.pick(|i| load[i]), 1);
        lb.set_healthy(1, false);
        assert_eq!(lb.pick(|i| load[i]), 2);
        assert!(!lb.is_healthy(1));
        lb.set_healthy(1, true);
        assert_eq!(lb.pick(|i| load[i]), 1);
    }

    #[test]
    fn least_connections_breaks_ties_by_turn_and_skips_servers_out_of_rotation() {
        // Against the rule written out plainly: the first server in turn order, from the
        // turn's start, among the usable ones with the fewest requests in progress.
        let mut rng = crate::rng::SimRng::new(3);
        let n = 64;
        let mut lb = LoadBalancer::new(LbPolicy::LeastConnections, n);
        for round in 0..2_000 {
            let load: Vec<u32> = (0..n).map(|_| rng.below(4)).collect();
            let i = round % n;
            lb.set_healthy(i, !rng.chance(0.3));
            lb.set_draining((i * 7) % n, rng.chance(0.1));
            let start = lb.next;
            let usable = |i: usize| lb.is_healthy(i) && !lb.draining[i];
            let expected = (start..n)
                .chain(0..start)
                .filter(|&i| usable(i))
                .fold(None::<usize>, |best, i| match best {
                    Some(b) if load[b] <= load[i] => Some(b),
                    _ => Some(i),
                })
                .unwrap_or(start);
            assert_eq!(lb.pick(|i| load[i]), expected, "round {round}");
        }
    }

    #[test]
    fn a_draining_server_gets_no_new_requests_even_when_healthy() {
        let mut lb = LoadBalancer::new(LbPolicy::RoundRobin, 2);
        lb.set_draining(0, true);
        lb.set_healthy(0, true);
        assert!((0..4).all(|_| lb.pick(|_| 0) == 1));
        lb.set_draining(0, false);
        assert!((0..4).any(|_| lb.pick(|_| 0) == 0));
    }

    #[test]
    fn with_no_server_in_rotation_least_connections_still_takes_turns() {
        let mut lb = LoadBalancer::new(LbPolicy::LeastConnections, 3);
        for i in 0..3 {
            lb.set_healthy(i, false);
        }
        lb.set_healthy(7, true); // no such server: nothing changes
        let picks: Vec<_> = (0..4).map(|_| lb.pick(|i| [5, 0, 9][i])).collect();
        assert_eq!(
            picks,
            [0, 1, 2, 0],
            "the turn's own server, the request to fail there"
        );
    }

    #[test]
    fn a_single_server_is_always_picked() {
        let mut lb = LoadBalancer::new(LbPolicy::LeastConnections, 1);
        lb.set_healthy(0, false);
        assert_eq!(lb.pick(|_| 9), 0);
    }
}
