//! A thinned record of the hops requests took lately, for the animation.
//!
//! Network hops inside a data centre take a fraction of a millisecond, so the requests *on the
//! wire* at any instant are nearly all on the slow internet hops. The animation instead shows
//! each recorded hop as a dot moving along its edge over the trail's window: how many dots an
//! edge carries follows how many requests crossed it, up to a cap.
//!
//! The window is split into [`BUCKETS`] time buckets. Each keeps at most [`PER_BUCKET`] hops,
//! spread over the bucket by keeping every k-th hop, with k from the previous bucket's count.

/// Time buckets in the window.
pub const BUCKETS: usize = 16;
/// Hops kept per bucket.
pub const PER_BUCKET: usize = 10;

/// A hop a request took.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    /// Edge index.
    pub edge: u16,
    /// The request's class.
    pub class: u8,
    /// A deferred job rather than a user request.
    pub job: bool,
    /// Seconds since the hop started.
    pub age: f32,
    /// How many hops this kept one stands for: its bucket's hops over the hops it kept. The
    /// weights of an edge's traces add up to the hops it carried in the window.
    pub weight: f32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    slot: i64,
    seen: u32,
    len: u8,
    hops: [(u16, u8, bool, f64); PER_BUCKET],
}

const EMPTY: Bucket = Bucket {
    slot: i64::MIN,
    seen: 0,
    len: 0,
    hops: [(0, 0, false, 0.0); PER_BUCKET],
};

/// The latest hops over a window of simulated time, thinned.
#[derive(Debug, Clone)]
pub struct Trail {
    bucket_s: f64,
    stride: u32,
    buckets: [Bucket; BUCKETS],
}

impl Trail {
    /// A trail over the last `window_s` simulated seconds.
    pub fn new(window_s: f64) -> Self {
        Self {
            bucket_s: Self::bucket_for(window_s),
            stride: 1,
            buckets: [EMPTY; BUCKETS],
        }
    }

    fn bucket_for(window_s: f64) -> f64 {
        if window_s.is_finite() && window_s > 0.0 {
            window_s / BUCKETS as f64
        } else {
            1.0 / BUCKETS as f64
        }
    }

    /// The window, simulated seconds.
    pub fn window_s(&self) -> f64 {
        self.bucket_s * BUCKETS as f64
    }

    /// Changes the window (the animation's speed changed); forgets what was recorded.
    pub fn set_window(&mut self, window_s: f64) {
        *self = Self::new(window_s);
    }

    /// Notes a hop along `edge` starting at `now`, by a request that counts `weight` times.
    /// A weighted hop is kept as a trace when the hops it stands for reach the next k-th, so
    /// an edge keeps its share of the traces however its requests are weighted.
    #[inline]
    pub fn record(&mut self, now: f64, edge: u16, class: u8, job: bool, weight: u32) {
        let slot = (now / self.bucket_s) as i64;
        let i = Self::index(slot);
        if self.buckets[i].slot != slot {
            // A new bucket: keep every k-th hop, k from how busy the previous bucket was.
            let prev = &self.buckets[Self::index(slot - 1)];
            self.stride = if prev.slot == slot - 1 {
                (prev.seen / PER_BUCKET as u32).max(1)
            } else {
                1
            };
            self.buckets[i] = Bucket { slot, ..EMPTY };
        }
        let b = &mut self.buckets[i];
        // Hops `seen..seen + weight` include a multiple of the stride (for one hop: `seen` is
        // one).
        let next_kept = b.seen.div_ceil(self.stride) * self.stride;
        if next_kept - b.seen < weight && usize::from(b.len) < PER_BUCKET {
            b.hops[usize::from(b.len)] = (edge, class, job, now);
            b.len += 1;
        }
        b.seen += weight;
    }

    fn index(slot: i64) -> usize {
        slot.rem_euclid(BUCKETS as i64) as usize
    }

    /// The kept hops that started within the window before `now`, oldest bucket first.
    pub fn traces(&self, now: f64, out: &mut Vec<Trace>) {
        out.clear();
        let newest = (now / self.bucket_s) as i64;
        for k in newest - BUCKETS as i64 + 1..=newest {
            let b = &self.buckets[Self::index(k)];
            if b.slot != k || b.len == 0 {
                continue;
            }
            let weight = b.seen as f32 / f32::from(b.len);
            for &(edge, class, job, t) in &b.hops[..usize::from(b.len)] {
                let age = now - t;
                if (0.0..=self.window_s()).contains(&age) {
                    out.push(Trace {
                        edge,
                        class,
                        job,
                        age: age as f32,
                        weight,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hops the traces of `edge` stand for.
    fn carried(seen: &[Trace], edge: u16) -> f32 {
        seen.iter()
            .filter(|s| s.edge == edge)
            .map(|s| s.weight)
            .sum()
    }

    fn count(trail: &Trail, now: f64) -> Vec<Trace> {
        let mut out = Vec::new();
        trail.traces(now, &mut out);
        out
    }

    #[test]
    fn a_quiet_edge_keeps_every_hop_within_the_window() {
        let mut t = Trail::new(1.6);
        t.record(0.05, 3, 1, false, 1);
        t.record(0.55, 4, 2, true, 1);
        let seen = count(&t, 1.0);
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].edge, seen[0].class, seen[0].job), (3, 1, false));
        assert!((seen[0].age - 0.95).abs() < 1e-6);
        assert_eq!(seen[1].edge, 4);
        // Past the window the hops are gone.
        assert!(count(&t, 3.0).is_empty());
    }

    #[test]
    fn a_busy_stream_is_thinned_to_the_cap_and_spread_over_each_bucket() {
        let mut t = Trail::new(1.6); // buckets of 0.1 s
        let n = 100_000;
        for i in 0..n {
            let now = 2.0 * f64::from(i) / f64::from(n);
            t.record(now, (i % 3) as u16, 0, false, 1);
        }
        let seen = count(&t, 2.0);
        assert!(seen.len() <= BUCKETS * PER_BUCKET);
        assert!(
            seen.len() >= (BUCKETS - 2) * PER_BUCKET / 2,
            "{}",
            seen.len()
        );
        // Spread: within a bucket the kept hops are not all at its start.
        let ages: Vec<f32> = seen.iter().map(|s| s.age).collect();
        let span = ages.iter().copied().fold(f32::MIN, f32::max)
            - ages.iter().copied().fold(f32::MAX, f32::min);
        assert!(span > 1.4, "{span}");
        let distinct = (0..3).filter(|e| seen.iter().any(|s| s.edge == *e)).count();
        assert_eq!(distinct, 3);
    }

    #[test]
    fn the_weights_add_up_to_the_hops_each_edge_carried() {
        let mut t = Trail::new(1.6); // buckets of 0.1 s
                                     // Over 3.2 s, 50,000 hops a second, one in ten (at random) on edge 1, the rest on 0.
        let n = 160_000;
        let mut x: u32 = 12_345;
        for i in 0..n {
            let now = 3.2 * f64::from(i) / f64::from(n);
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            t.record(now, u16::from((x >> 16).is_multiple_of(10)), 0, false, 1);
        }
        let seen = count(&t, 3.2);
        assert!(seen.len() <= BUCKETS * PER_BUCKET);
        // The window held 1.6 s of hops: 72,000 on edge 0 and 8,000 on edge 1, within the
        // thinning's sampling error.
        let (busy, quiet) = (carried(&seen, 0), carried(&seen, 1));
        assert!((busy / 72_000.0 - 1.0).abs() < 0.15, "{busy}");
        assert!((quiet / 8_000.0 - 1.0).abs() < 0.5, "{quiet}");
        // A quiet trail keeps every hop: each stands for itself.
        let mut q = Trail::new(1.6);
        q.record(0.05, 3, 1, false, 1);
        assert_eq!(count(&q, 0.1)[0].weight, 1.0);
    }

    #[test]
    fn a_thinned_flow_keeps_its_share_of_the_traces() {
        // As above, but edge 1's hops come as one in eight, each counting eight times.
        let mut t = Trail::new(1.6);
        let n = 160_000;
        for i in 0..n {
            let now = 3.2 * f64::from(i) / f64::from(n);
            match i % 80 {
                0 => t.record(now, 1, 0, false, 8),
                k if k % 10 == 0 => {} // a hop of edge 1's that the kept one stands for
                _ => t.record(now, 0, 0, false, 1),
            }
        }
        let seen = count(&t, 3.2);
        let (busy, quiet) = (carried(&seen, 0), carried(&seen, 1));
        assert!((busy / 72_000.0 - 1.0).abs() < 0.15, "{busy}");
        assert!((quiet / 8_000.0 - 1.0).abs() < 0.5, "{quiet}");
    }

    #[test]
    fn a_new_window_starts_empty() {
        let mut t = Trail::new(1.0);
        t.record(0.5, 1, 0, false, 1);
        t.set_window(10.0);
        assert!(count(&t, 0.6).is_empty());
        assert!((t.window_s() - 10.0).abs() < 1e-12);
    }
}
