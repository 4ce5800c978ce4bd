//! Statistics over a sliding window of simulated time, in fixed memory.
//!
//! Both windows split their span into a ring of equal slots keyed by absolute
//! slot number `floor(now / slot_width)`. The live window is the newest slot
//! and the `slots - 1` before it, so it covers between `window - slot_width`
//! and `window` seconds; finer slots make its edge sharper.

use super::histogram::Sample;
use super::LatencyHistogram;

/// The absolute slot number of time `now`; `as` saturates, and NaN maps to 0.
fn slot_of(now: f64, slot_width: f64) -> i64 {
    (now / slot_width).floor() as i64
}

/// A time before which `slot_of` is surely at most `current`: a hair before the next slot's
/// start, so rounding in `now / slot_width` cannot reach the next slot below it. Between it
/// and the exact start, the full computation decides.
/// (At or below time zero it gives no shortcut.)
fn same_slot_until(current: i64, slot_width: f64) -> f64 {
    let next = (current as f64 + 1.0) * slot_width;
    if next > 0.0 {
        next * (1.0 - 1e-12)
    } else {
        f64::NEG_INFINITY
    }
}

/// Checks a window's shape; a bad shape is a programming error.
fn slot_width(window_s: f64, slots: usize) -> f64 {
    assert!(
        window_s.is_finite() && window_s > 0.0,
        "window must be a positive number of seconds, got {window_s}"
    );
    assert!(slots > 0, "a window needs at least one slot");
    window_s / slots as f64
}

/// Latencies recorded over the last `window_s` seconds of simulated time.
///
/// Keeps one [`LatencyHistogram`] per slot plus their running total, so a
/// quantile is a single scan of one histogram and expiring a slot is one
/// subtraction.
#[derive(Clone, Debug)]
pub struct WindowedHistogram {
    slot_width: f64,
    /// Each slot's latencies, in `u32` counts (a bucket would need four billion values in one
    /// slot to overflow).
    ring: Box<[LatencyHistogram<u32>]>,
    /// The sum of every slot in `ring`.
    total: LatencyHistogram,
    /// Absolute number of the newest slot; `None` before the first call.
    current: Option<i64>,
    /// Where the newest slot is in `ring`.
    current_index: usize,
    /// Before this time the window needs no moving (see [`same_slot_until`]).
    fast_until: f64,
}

impl WindowedHistogram {
    /// A window of `window_s` seconds split into `slots` slots; all memory
    /// is allocated here.
    ///
    /// # Panics
    ///
    /// If `window_s` is not positive and finite or `slots` is zero.
    pub fn new(window_s: f64, slots: usize) -> Self {
        let slot_width = slot_width(window_s, slots);
        Self {
            slot_width,
            ring: vec![LatencyHistogram::empty(); slots].into_boxed_slice(),
            total: LatencyHistogram::new(),
            current: None,
            current_index: 0,
            fast_until: f64::NEG_INFINITY,
        }
    }

    /// Records a latency of `seconds` observed at time `now`. A `now` older
    /// than the newest slot counts in the newest slot.
    #[inline]
    pub fn record(&mut self, now: f64, seconds: f64) {
        self.move_to(now);
        self.record_sample(Sample::new(seconds), 1);
    }

    /// Records `n` of the same value at `now` here and in `also` (the same values kept since
    /// the start, say), bucketing it once.
    #[inline]
    pub fn record_also(&mut self, now: f64, seconds: f64, n: u64, also: &mut LatencyHistogram) {
        let v = Sample::new(seconds);
        also.record_sample(v, n);
        self.move_to(now);
        self.record_sample(v, n);
    }

    /// Makes the newest slot the one for `now` (a `now` older than it counts in it).
    #[inline]
    fn move_to(&mut self, now: f64) {
        // NaN goes the slow way too.
        let same_slot = now < self.fast_until;
        if !same_slot {
            self.advance(now);
            if self.current.is_none() {
                self.set_current(0);
            }
        }
    }

    #[inline]
    fn record_sample(&mut self, v: Sample, n: u64) {
        self.ring[self.current_index].record_sample(v, n);
        self.total.record_sample(v, n);
    }

    fn set_current(&mut self, slot: i64) {
        self.current = Some(slot);
        self.current_index = slot.rem_euclid(self.ring.len() as i64) as usize;
        self.fast_until = same_slot_until(slot, self.slot_width);
    }

    /// Moves the window's end to `now`, dropping slots that fell out of it.
    /// Time never moves backwards; a non-finite `now` is ignored.
    pub fn advance(&mut self, now: f64) {
        if !now.is_finite() || now < self.fast_until {
            return;
        }
        let target = slot_of(now, self.slot_width);
        let Some(current) = self.current else {
            self.set_current(target);
            return;
        };
        if target <= current {
            return;
        }
        let slots = self.ring.len() as i64;
        if target.saturating_sub(current) >= slots {
            // Every slot expired: clearing beats subtracting one by one.
            for slot in self.ring.iter_mut() {
                slot.clear();
            }
            self.total.clear();
        } else {
            let mut expired_any = false;
            for k in current + 1..=target {
                let slot = &mut self.ring[k.rem_euclid(slots) as usize];
                if slot.count() != 0 {
                    self.total.subtract_part(slot);
                    slot.clear_occupied();
                    expired_any = true;
                }
            }
            if expired_any {
                self.resync_summary();
            }
        }
        self.set_current(target);
    }

    /// Recomputes the total's sum, minimum and maximum from the live slots:
    /// exact where subtraction could only bound them, and it stops rounding
    /// drift in the sum from building up over a long run.
    fn resync_summary(&mut self) {
        let mut sum = 0.0;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for slot in self.ring.iter() {
            sum += slot.sum();
            let (lo, hi) = slot.raw_min_max();
            min = min.min(lo);
            max = max.max(hi);
        }
        self.total.set_summary(sum, min, max);
    }

    /// The `q`-quantile of the latencies in the window (see
    /// [`LatencyHistogram::quantile`]); 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        self.total.quantile(q)
    }

    /// Several quantiles of the window at once (see [`LatencyHistogram::quantiles`]).
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        self.total.quantiles(qs)
    }

    /// How many latencies are in the window.
    pub fn count(&self) -> u64 {
        self.total.count()
    }

    /// The exact mean latency in the window; 0 when empty.
    pub fn mean(&self) -> f64 {
        self.total.mean()
    }

    /// Every latency in the window, as one histogram.
    pub fn total(&self) -> &LatencyHistogram {
        &self.total
    }
}

/// The rate of events over the last `window_s` seconds of simulated time.
#[derive(Clone, Debug)]
pub struct RateWindow {
    slot_width: f64,
    ring: Box<[u64]>,
    /// The sum of every slot in `ring`.
    total: u64,
    /// Absolute number of the newest slot; `None` before the first call.
    current: Option<i64>,
    /// The time of the first call, so early rates divide by the time
    /// actually elapsed rather than by the whole window.
    start: Option<f64>,
    /// Where the newest slot is in `ring`.
    current_index: usize,
    /// Before this time the window needs no moving (see [`same_slot_until`]).
    fast_until: f64,
}

impl RateWindow {
    /// A window of `window_s` seconds split into `slots` slots; all memory
    /// is allocated here.
    ///
    /// # Panics
    ///
    /// If `window_s` is not positive and finite or `slots` is zero.
    pub fn new(window_s: f64, slots: usize) -> Self {
        let slot_width = slot_width(window_s, slots);
        Self {
            slot_width,
            ring: vec![0; slots].into_boxed_slice(),
            total: 0,
            current: None,
            start: None,
            current_index: 0,
            fast_until: f64::NEG_INFINITY,
        }
    }

    /// This window with measurement starting at `t0` rather than at its first event, so a
    /// stream whose first event comes late is not read as a burst.
    pub fn started_at(mut self, t0: f64) -> Self {
        self.advance(t0);
        self
    }

    /// Counts `n` events at time `now`. A `now` older than the newest slot
    /// counts in the newest slot.
    #[inline]
    pub fn record(&mut self, now: f64, n: u64) {
        // NaN goes the slow way too.
        let same_slot = now < self.fast_until;
        if !same_slot {
            self.advance(now);
            if self.current.is_none() {
                self.set_current(0);
            }
        }
        let slot = &mut self.ring[self.current_index];
        *slot = slot.saturating_add(n);
        self.total = self.total.saturating_add(n);
    }

    fn set_current(&mut self, slot: i64) {
        self.current = Some(slot);
        self.current_index = slot.rem_euclid(self.ring.len() as i64) as usize;
        self.fast_until = same_slot_until(slot, self.slot_width);
    }

    /// Moves the window's end to `now`, dropping slots that fell out of it.
    /// The first call also marks the start of measurement. Time never moves
    /// backwards; a non-finite `now` is ignored.
    pub fn advance(&mut self, now: f64) {
        if !now.is_finite() || now < self.fast_until {
            return;
        }
        self.start.get_or_insert(now);
        let target = slot_of(now, self.slot_width);
        let Some(current) = self.current else {
            self.set_current(target);
            return;
        };
        if target <= current {
            return;
        }
        let slots = self.ring.len() as i64;
        if target.saturating_sub(current) >= slots {
            self.ring.fill(0);
            self.total = 0;
        } else {
            for k in current + 1..=target {
                let slot = &mut self.ring[k.rem_euclid(slots) as usize];
                self.total -= *slot;
                *slot = 0;
            }
        }
        self.set_current(target);
    }

    /// Events per second in the window as seen at `now`, without moving it.
    ///
    /// Divides the events in the live slots by the span they cover: from the
    /// later of the start of measurement and the oldest live slot's start, to
    /// `now`. 0 when that span is empty or nothing was recorded.
    pub fn rate(&self, now: f64) -> f64 {
        let (Some(start), Some(current)) = (self.start, self.current) else {
            return 0.0;
        };
        if !now.is_finite() {
            return 0.0;
        }
        let slots = self.ring.len() as i64;
        let end = slot_of(now, self.slot_width).max(current);
        let oldest = end.saturating_sub(slots - 1);
        // Slots older than `oldest` would expire if the window moved to `now`.
        let first = oldest.max(current.saturating_sub(slots - 1));
        // Slots `first..=current` of the ring, from `first`'s place, wrapping once.
        let count = (current - first + 1).max(0) as usize;
        let from = first.rem_euclid(slots) as usize;
        let (tail, head) = self.ring.split_at(from);
        let events: u64 = head.iter().chain(tail).take(count).sum();
        let span = now - start.max(oldest as f64 * self.slot_width);
        if events == 0 || span <= 0.0 {
            0.0
        } else {
            events as f64 / span
        }
    }

    /// Events in the window as of the last `record` or `advance`.
    pub fn count_in_window(&self) -> u64 {
        self.total
    }
}

/// The time-weighted average of a piecewise-constant quantity, such as queue
/// length or busy servers: the `L` of Little's law `L = λW` (Little, 1961).
///
/// Averaging starts at the first [`update`](Self::update) (or
/// [`reset`](Self::reset)); before that the average is 0. Times that go
/// backwards count as no time passing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeAverage {
    /// When averaging started; `None` before the first update.
    start: Option<f64>,
    /// When `value` last changed.
    last: f64,
    /// The value holding since `last`.
    value: f64,
    /// The integral of the value over [start, last].
    integral: f64,
}

impl TimeAverage {
    /// A time average with nothing recorded yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the quantity to `value` from time `now` on.
    pub fn update(&mut self, now: f64, value: f64) {
        if self.start.is_none() {
            self.reset(now);
        } else {
            let now = self.clamp_time(now);
            self.integral += self.value * (now - self.last);
            self.last = now;
        }
        self.value = value;
    }

    /// The average of the quantity over [start, `now`]; the current value if
    /// no time has passed, 0 before the first update.
    pub fn average(&self, now: f64) -> f64 {
        if self.start.is_none() {
            return 0.0;
        }
        let start = self.start.unwrap_or(self.last);
        let now = self.clamp_time(now);
        let span = now - start;
        if span <= 0.0 {
            return self.value;
        }
        (self.integral + self.value * (now - self.last)) / span
    }

    /// Restarts averaging at `now`, keeping the current value.
    pub fn reset(&mut self, now: f64) {
        let now = if now.is_finite() { now } else { self.last };
        self.start = Some(now);
        self.last = now;
        self.integral = 0.0;
    }

    /// The value holding now.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// No earlier than the last change, and finite.
    fn clamp_time(&self, now: f64) -> f64 {
        if now.is_finite() {
            now.max(self.last)
        } else {
            self.last
        }
    }
}

#[cfg(test)]
mod started_tests {
    use super::RateWindow;

    #[test]
    fn a_late_first_event_is_not_a_burst_when_measurement_started_earlier() {
        let mut late = RateWindow::new(10.0, 10).started_at(0.0);
        late.record(9.9, 1);
        // One event over the window's span (the slots still in it): about 0.1 per second.
        assert!(late.rate(10.0) < 0.12, "{}", late.rate(10.0));
        let mut unstarted = RateWindow::new(10.0, 10);
        unstarted.record(9.9, 1);
        assert!(
            unstarted.rate(10.0) > 5.0,
            "without a start the span is 0.1 s"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-12)
    }

    /// A regular stream, 64 events a second from t = 0 (a step that is
    /// exact in binary, so events sit exactly on slot edges).
    const STEP: f64 = 1.0 / 64.0;

    #[test]
    fn regular_stream_rate_is_its_frequency() {
        let mut w = RateWindow::new(10.0, 10);
        let mut i = 0u32;
        while f64::from(i) * STEP <= 30.0 {
            w.record(f64::from(i) * STEP, 1);
            i += 1;
        }
        // Live slots are 21..=30, so the events in [21, 30]: 9 s plus one.
        assert_eq!(w.count_in_window(), 9 * 64 + 1);
        assert!(close(w.rate(30.0), 577.0 / 9.0, 1e-12));
        // Mid-slot the span grows with now while the events stay put.
        assert!(close(w.rate(30.5), 577.0 / 9.5, 1e-12));
        assert!(close(w.rate(30.5), 64.0, 0.06));
    }

    #[test]
    fn early_rate_divides_by_elapsed_time() {
        let mut w = RateWindow::new(60.0, 60);
        w.advance(0.0);
        assert_eq!(w.rate(0.0), 0.0);
        w.record(1.0, 50);
        w.record(2.0, 50);
        // 100 events in the 2.5 s since measurement began, not in 60 s.
        assert!(close(w.rate(2.5), 40.0, 1e-12));
    }

    #[test]
    fn events_expire_after_the_window() {
        let mut w = RateWindow::new(10.0, 10);
        for s in 0..=30 {
            w.record(f64::from(s), 64);
        }
        // At t = 35.5 the live slots are 26..=35: events at 26..=30.
        assert!(close(w.rate(35.5), 5.0 * 64.0 / 9.5, 1e-12));
        w.advance(35.5);
        assert_eq!(w.count_in_window(), 5 * 64);
        // Reading ahead without advancing agrees with advancing.
        assert_eq!(w.rate(40.0), 0.0);
        assert!(close(w.rate(39.0), 64.0 / 9.0, 1e-12));
        w.advance(41.0);
        assert_eq!(w.count_in_window(), 0);
        assert_eq!(w.rate(41.0), 0.0);
    }

    #[test]
    fn big_jumps_clear_rates() {
        let mut w = RateWindow::new(1.0, 4);
        w.record(0.1, 10);
        w.record(1e9, 3);
        assert_eq!(w.count_in_window(), 3);
        // Time going backwards neither panics nor resurrects old events.
        w.record(5.0, 1);
        assert_eq!(w.count_in_window(), 4);
        assert!(w.rate(1e9 + 0.5).is_finite());
        w.advance(f64::INFINITY);
        w.advance(f64::NAN);
        assert_eq!(w.count_in_window(), 4);
    }

    #[test]
    fn histogram_window_expires_old_latencies() {
        let mut w = WindowedHistogram::new(10.0, 10);
        // Slow requests early, fast ones later.
        for s in 0..10 {
            w.record(f64::from(s) + 0.5, 1.0);
        }
        for s in 10..20 {
            w.record(f64::from(s) + 0.5, 0.010);
        }
        // At t = 19.5 the live slots are 10..=19: only the fast ones.
        assert_eq!(w.count(), 10);
        assert_eq!(w.total().max(), 0.010);
        assert_eq!(w.total().min(), 0.010);
        assert!(close(w.mean(), 0.010, 1e-9));
        assert_eq!(w.quantile(0.99), 0.010);
        // Halfway through expiring the fast ones, a slow one arrives.
        w.record(25.2, 2.0);
        assert_eq!(w.count(), 5);
        assert!(close(w.mean(), (4.0 * 0.010 + 2.0) / 5.0, 1e-9));
        assert_eq!(w.quantile(1.0), 2.0);
        // A middle rank is reported as its bucket's midpoint.
        assert!(close(w.quantile(0.5), 0.010, 1.0 / 128.0));
    }

    #[test]
    fn histogram_window_matches_a_fresh_histogram_of_live_values() {
        let mut w = WindowedHistogram::new(2.0, 8);
        let mut t = 0.0;
        let mut last = t;
        let mut x: u64 = 7;
        let mut all = Vec::new();
        while t < 50.0 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let latency = 0.001 + (x >> 40) as f64 / (1u64 << 24) as f64;
            w.record(t, latency);
            all.push((t, latency));
            last = t;
            t += 0.013;
        }
        // The live slots are the 8 slots of 0.25 s ending with the last one.
        let oldest_slot = (last / 0.25).floor() - 7.0;
        let mut fresh = LatencyHistogram::new();
        for &(at, latency) in &all {
            if (at / 0.25).floor() >= oldest_slot {
                fresh.record(latency);
            }
        }
        assert_eq!(w.count(), fresh.count());
        assert!(close(w.mean(), fresh.mean(), 1e-9));
        assert_eq!(w.total().min(), fresh.min());
        assert_eq!(w.total().max(), fresh.max());
        for q in [0.1, 0.5, 0.9, 0.99] {
            assert_eq!(w.quantile(q), fresh.quantile(q));
        }
    }

    #[test]
    fn histogram_window_survives_big_jumps() {
        let mut w = WindowedHistogram::new(1.0, 4);
        w.record(0.0, 0.5);
        w.advance(1e12);
        assert_eq!(w.count(), 0);
        assert_eq!(w.quantile(0.5), 0.0);
        w.record(1e12, 0.25);
        assert_eq!(w.count(), 1);
        assert_eq!(w.quantile(0.5), 0.25);
        w.record(f64::NAN, 0.25);
        assert_eq!(w.count(), 2);
    }

    #[test]
    #[should_panic(expected = "at least one slot")]
    fn zero_slots_is_refused() {
        RateWindow::new(1.0, 0);
    }

    #[test]
    fn time_average_of_a_step_function_is_exact() {
        let mut a = TimeAverage::new();
        assert_eq!(a.average(5.0), 0.0);
        a.update(0.0, 2.0);
        assert_eq!(a.average(0.0), 2.0);
        a.update(1.0, 5.0);
        a.update(3.0, 0.0);
        // 2 for 1 s, 5 for 2 s, 0 for 1 s: 12 over 4 s.
        assert_eq!(a.average(4.0), 3.0);
        // Querying does not change anything.
        assert_eq!(a.average(4.0), 3.0);
        assert_eq!(a.average(3.0), 4.0);
        // Earlier times are clamped to the last change.
        assert_eq!(a.average(2.0), 4.0);
        assert_eq!(a.value(), 0.0);
    }

    #[test]
    fn time_average_reset_keeps_the_current_value() {
        let mut a = TimeAverage::new();
        a.update(10.0, 4.0);
        a.update(12.0, 1.0);
        a.reset(20.0);
        assert_eq!(a.average(20.0), 1.0);
        a.update(22.0, 7.0);
        // 1 for 2 s then 7 for 2 s.
        assert_eq!(a.average(24.0), 4.0);
        // Backwards or non-finite times act as the last change's time.
        a.update(21.0, 3.0);
        assert_eq!(a.average(24.0), (2.0 + 3.0 * 2.0) / 4.0);
        a.update(f64::NAN, 5.0);
        assert_eq!(a.average(26.0), (2.0 + 5.0 * 4.0) / 6.0);
    }

    #[test]
    fn time_average_satisfies_littles_law() {
        // One customer every 2 s, each staying 3 s: L = λW = 0.5 * 3 = 1.5.
        let mut in_system = TimeAverage::new();
        let mut events = Vec::new();
        for i in 0..100 {
            let arrive = 2.0 * f64::from(i);
            events.push((arrive, 1.0));
            events.push((arrive + 3.0, -1.0));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut n = 0.0;
        let mut measuring = false;
        for (t, delta) in events.into_iter().take_while(|&(t, _)| t <= 190.0) {
            // Measure whole periods, after the first customers came and went.
            if !measuring && t >= 10.0 {
                in_system.reset(10.0);
                assert_eq!(in_system.average(10.0), 1.0);
                measuring = true;
            }
            n += delta;
            in_system.update(t, n);
        }
        assert!(close(in_system.average(190.0), 1.5, 1e-12));
    }

    #[test]
    fn times_a_hair_around_slot_edges_land_where_the_division_puts_them() {
        // The shortcut that skips `now / slot_width` must agree with it at every edge.
        let (window, slots) = (10.0, 10);
        let width = window / slots as f64;
        let mut w = RateWindow::new(window, slots);
        let mut h = WindowedHistogram::new(window, 5);
        let mut times = Vec::new();
        for k in 1..200 {
            let edge = f64::from(k) * width * 0.7;
            let below = f64::from_bits(edge.to_bits() - 1);
            let above = f64::from_bits(edge.to_bits() + 1);
            times.extend([below, edge, above]);
        }
        for (i, &t) in times.iter().enumerate() {
            w.record(t, 1);
            h.record(t, 0.001);
            let newest = slot_of(t, width);
            let live = times[..=i]
                .iter()
                .filter(|&&u| slot_of(u, width) > newest - slots as i64)
                .count() as u64;
            assert_eq!(w.count_in_window(), live, "at {t}");
            let h_width = window / 5.0;
            let h_newest = slot_of(t, h_width);
            let h_live = times[..=i]
                .iter()
                .filter(|&&u| slot_of(u, h_width) > h_newest - 5)
                .count() as u64;
            assert_eq!(h.count(), h_live, "at {t}");
        }
    }
}
