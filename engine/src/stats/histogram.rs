//! A bounded log-linear histogram of latencies.
//!
//! The layout follows HDR Histogram (Gil Tene, <https://hdrhistogram.org>):
//! each power of two of the range is split into equal linear sub-buckets, so
//! the relative error is the same at every scale and storage is fixed.

/// The smallest value told apart from zero: one microsecond.
const LOWEST_S: f64 = 1e-6;
/// `1 / LOWEST_S`: values are bucketed in microseconds.
const UNITS_PER_SECOND: f64 = 1e6;
/// Sub-buckets per power of two, as a bit count: 64 sub-buckets bound a
/// bucket's width to 1/64 (1.6%) of its lower edge.
const SUB_BUCKET_BITS: u32 = 6;
/// Sub-buckets per power of two.
const SUB_BUCKETS: usize = 1 << SUB_BUCKET_BITS;
/// Powers of two covered: 2^34 microseconds is about 17,180 seconds.
const OCTAVES: usize = 34;
/// Number of buckets.
const BUCKETS: usize = OCTAVES * SUB_BUCKETS;
/// The top of the range, in microseconds; larger values saturate here.
const TOP_UNITS: f64 = (1u64 << OCTAVES) as f64;

/// The largest value the histogram keeps, in seconds (about 4.8 hours).
/// Larger values are recorded as this value.
pub const HIGHEST_TRACKABLE_S: f64 = TOP_UNITS * LOWEST_S;

/// A histogram of durations in seconds, from 1 µs to about 17,000 s, with a
/// relative bucket error of at most 1/64 (1.6%) and fixed storage.
///
/// Values below 1 µs, negative values and NaN count as zero and land in the
/// first bucket; values above the range saturate to
/// [`HIGHEST_TRACKABLE_S`] and land in the last. The count, sum, minimum and
/// maximum are kept exactly, so [`mean`](Self::mean) is exact and quantiles
/// never stray outside the observed values.
///
/// Its bucket counts are `u64` unless it says otherwise: a window's one-second slots count in
/// `u32` (a bucket there would need four billion values in a second to overflow), which halves
/// the memory of the windows every resource group keeps.
#[derive(Clone, Debug)]
pub struct LatencyHistogram<C: Count = u64> {
    /// Counts per bucket, allocated once so `record` never allocates.
    buckets: Box<[C; BUCKETS]>,
    count: u64,
    sum: f64,
    /// Smallest value seen; `+inf` when empty.
    min: f64,
    /// Largest value seen; `-inf` when empty.
    max: f64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

/// A bucket's count: `u64`, or `u32` where a bucket cannot hold that many.
pub trait Count: Copy + Default + std::fmt::Debug + Into<u64> + 'static {
    /// `self + n`, saturating.
    fn plus(self, n: u64) -> Self;
    /// `self - n`, saturating at zero.
    fn minus(self, n: u64) -> Self;
}

impl Count for u64 {
    #[inline]
    fn plus(self, n: u64) -> Self {
        self.saturating_add(n)
    }
    #[inline]
    fn minus(self, n: u64) -> Self {
        self.saturating_sub(n)
    }
}

impl Count for u32 {
    #[inline]
    fn plus(self, n: u64) -> Self {
        u32::try_from(u64::from(self).saturating_add(n)).unwrap_or(u32::MAX)
    }
    #[inline]
    fn minus(self, n: u64) -> Self {
        self.saturating_sub(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// Maps a value in seconds to its bucket index.
///
/// Reads the exponent and top mantissa bits of the IEEE 754 double straight
/// from its bits: the exponent picks the power of two and the first
/// `SUB_BUCKET_BITS` bits of the mantissa pick the linear sub-bucket, with no
/// logarithm and no rounding.
fn bucket_index(seconds: f64) -> usize {
    let units = seconds * UNITS_PER_SECOND;
    if units.is_nan() || units < 1.0 {
        return 0;
    }
    if units >= TOP_UNITS {
        return BUCKETS - 1;
    }
    let bits = units.to_bits();
    // units >= 1 is a normal number, so the biased exponent is at least 1023.
    let exponent = ((bits >> 52) & 0x7ff) as usize - 1023;
    let sub = ((bits >> (52 - SUB_BUCKET_BITS)) as usize) & (SUB_BUCKETS - 1);
    exponent * SUB_BUCKETS + sub
}

/// The lower edge of bucket `index`, in seconds (ignoring that bucket 0 also
/// holds everything below it).
fn bucket_lower(index: usize) -> f64 {
    let octave = (index / SUB_BUCKETS) as i32;
    let sub = (index % SUB_BUCKETS) as f64;
    2f64.powi(octave) * (1.0 + sub / SUB_BUCKETS as f64) * LOWEST_S
}

/// The upper edge of bucket `index`, in seconds.
fn bucket_upper(index: usize) -> f64 {
    let octave = (index / SUB_BUCKETS) as i32;
    let sub = (index % SUB_BUCKETS) as f64;
    2f64.powi(octave) * (1.0 + (sub + 1.0) / SUB_BUCKETS as f64) * LOWEST_S
}

/// Brings any input into the recordable range: NaN and negatives to zero,
/// anything above the range (including infinity) to its top, so sums stay
/// finite.
fn sanitize(seconds: f64) -> f64 {
    if seconds.is_nan() || seconds <= 0.0 {
        0.0
    } else {
        seconds.min(HIGHEST_TRACKABLE_S)
    }
}

/// A value made recordable ([`sanitize`]) with its bucket: computed once for every histogram
/// the value goes into.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    seconds: f64,
    bucket: usize,
}

impl Sample {
    #[inline]
    pub(crate) fn new(seconds: f64) -> Self {
        let seconds = sanitize(seconds);
        Self {
            seconds,
            bucket: bucket_index(seconds),
        }
    }
}

impl LatencyHistogram {
    /// An empty histogram. This is the only allocation it ever makes.
    pub fn new() -> Self {
        Self::empty()
    }
}

impl<C: Count> LatencyHistogram<C> {
    /// An empty histogram of `C` counts. This is the only allocation it ever makes.
    pub fn empty() -> Self {
        let buckets: Box<[C; BUCKETS]> = vec![C::default(); BUCKETS]
            .into_boxed_slice()
            .try_into()
            .expect("the vector has exactly BUCKETS entries");
        Self {
            buckets,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Records one duration, in seconds.
    pub fn record(&mut self, seconds: f64) {
        self.record_n(seconds, 1);
    }

    /// Records `n` occurrences of the same duration, in seconds.
    pub fn record_n(&mut self, seconds: f64, n: u64) {
        if n == 0 {
            return;
        }
        let v = Sample::new(seconds);
        self.record_sample(v, n);
    }

    /// Records `n` occurrences of a value already brought into range and bucketed, for
    /// callers that record one value into several histograms.
    #[inline]
    pub(crate) fn record_sample(&mut self, v: Sample, n: u64) {
        let bucket = &mut self.buckets[v.bucket];
        *bucket = bucket.plus(n);
        self.count = self.count.saturating_add(n);
        self.sum += v.seconds * n as f64;
        self.min = self.min.min(v.seconds);
        self.max = self.max.max(v.seconds);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of all recorded values, in seconds.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The exact mean of the recorded values, from the running sum; 0 when
    /// empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            // Clamped because a sum kept through subtractions can drift by
            // rounding.
            (self.sum / self.count as f64).clamp(self.min, self.max)
        }
    }

    /// The largest recorded value; 0 when empty.
    pub fn max(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.max
        }
    }

    /// The smallest recorded value; 0 when empty.
    pub fn min(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.min
        }
    }

    /// The `q`-quantile of the recorded values, for `q` in [0, 1] (clamped;
    /// NaN counts as 0); 0 when empty.
    ///
    /// Uses the nearest-rank definition: the value of rank `ceil(q * count)`
    /// (at least 1). It is reported as its bucket's midpoint, so within 0.8%
    /// of the true value, clamped to the observed minimum and maximum; the
    /// first and last ranks report the exact minimum and maximum.
    pub fn quantile(&self, q: f64) -> f64 {
        self.quantiles([q])[0]
    }

    /// Several quantiles at once (each as [`quantile`](Self::quantile) gives it), in one
    /// pass over the buckets that starts at the minimum's.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let mut out = [0.0; N];
        if self.count == 0 {
            return out;
        }
        let mut ranks = [0u64; N];
        let mut pending = [0usize; N];
        let mut left = 0;
        for (i, &q) in qs.iter().enumerate() {
            let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
            let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
            ranks[i] = rank;
            // The extreme ranks are known exactly.
            if rank == 1 {
                out[i] = self.min;
            } else if rank == self.count {
                out[i] = self.max;
            } else {
                out[i] = self.max; // only kept if the counts disagree with the buckets
                pending[left] = i;
                left += 1;
            }
        }
        let pending = &mut pending[..left];
        pending.sort_unstable_by_key(|&i| ranks[i]);
        let mut next = 0;
        let mut seen = 0u64;
        // Every value is at least the minimum, so no octave below the minimum's holds one.
        // Whole octaves are summed at once (a loop without branches) until one holds the
        // next rank; only that octave is walked bucket by bucket.
        let first_octave = bucket_index(self.min) / SUB_BUCKETS;
        for (octave, chunk) in self
            .buckets
            .chunks_exact(SUB_BUCKETS)
            .enumerate()
            .skip(first_octave)
        {
            if next == pending.len() {
                break;
            }
            let in_octave: u64 = chunk.iter().map(|&n| n.into()).sum();
            if seen + in_octave < ranks[pending[next]] {
                seen += in_octave;
                continue;
            }
            for (sub, &n) in chunk.iter().enumerate() {
                seen += n.into();
                if next == pending.len() || seen < ranks[pending[next]] {
                    continue;
                }
                let index = octave * SUB_BUCKETS + sub;
                let mid = 0.5 * (bucket_lower(index) + bucket_upper(index));
                while next < pending.len() && seen >= ranks[pending[next]] {
                    out[pending[next]] = mid.clamp(self.min, self.max);
                    next += 1;
                }
            }
        }
        out
    }

    /// Forgets every value. Cheap when already empty, since the window below
    /// clears many idle slots.
    pub fn clear(&mut self) {
        if self.count != 0 {
            self.buckets.fill(C::default());
        }
        self.count = 0;
        self.sum = 0.0;
        self.min = f64::INFINITY;
        self.max = f64::NEG_INFINITY;
    }

    /// Adds every value of `other` to this histogram.
    pub fn add(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets.iter()) {
            *mine = mine.plus((*theirs).into());
        }
        self.count = self.count.saturating_add(other.count);
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Removes the values of `other`, which should have been added before;
    /// bucket counts saturate at zero otherwise.
    ///
    /// The count is recomputed from the buckets so the two always agree. The
    /// exact minimum and maximum of what remains are unknowable, so they are
    /// narrowed to the edges of the lowest and highest non-empty buckets
    /// (still within the bucket error); callers that know better, like
    /// [`WindowedHistogram`](super::WindowedHistogram), set them exactly.
    pub fn subtract(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        let mut count = 0u64;
        let mut lowest = None;
        let mut highest = 0;
        for (index, (mine, theirs)) in self
            .buckets
            .iter_mut()
            .zip(other.buckets.iter())
            .enumerate()
        {
            *mine = mine.minus((*theirs).into());
            let n: u64 = (*mine).into();
            if n != 0 {
                count = count.saturating_add(n);
                lowest.get_or_insert(index);
                highest = index;
            }
        }
        let Some(lowest) = lowest else {
            self.clear();
            return;
        };
        self.count = count;
        self.sum = (self.sum - other.sum).max(0.0);
        // Bucket 0 also holds zero and the last bucket holds the saturated top.
        let floor = if lowest == 0 {
            0.0
        } else {
            bucket_lower(lowest)
        };
        let ceiling = if highest == BUCKETS - 1 {
            HIGHEST_TRACKABLE_S
        } else {
            bucket_upper(highest)
        };
        self.min = self.min.max(floor).min(ceiling);
        self.max = self.max.min(ceiling).max(self.min);
    }

    /// The buckets that can be non-zero: from the minimum's to the maximum's (`None` when
    /// empty).
    fn occupied(&self) -> Option<std::ops::RangeInclusive<usize>> {
        (self.count != 0).then(|| bucket_index(self.min)..=bucket_index(self.max))
    }

    /// [`subtract`](Self::subtract) for a histogram that is the sum of others, `other` among
    /// them (a window's total and one of its slots): only `other`'s occupied buckets are
    /// touched, and the count drops by `other`'s. The sum, minimum and maximum are left for
    /// the caller to set (see [`set_summary`](Self::set_summary)) unless nothing is left.
    pub(super) fn subtract_part<D: Count>(&mut self, other: &LatencyHistogram<D>) {
        let Some(range) = other.occupied() else {
            return;
        };
        for (mine, theirs) in self.buckets[range.clone()]
            .iter_mut()
            .zip(&other.buckets[range])
        {
            *mine = mine.minus((*theirs).into());
        }
        self.count = self.count.saturating_sub(other.count);
        if self.count == 0 {
            self.clear();
        }
    }

    /// [`clear`](Self::clear), touching only the occupied buckets.
    pub(super) fn clear_occupied(&mut self) {
        if let Some(range) = self.occupied() {
            self.buckets[range].fill(C::default());
        }
        self.count = 0;
        self.clear();
    }

    /// Overwrites the sum, minimum and maximum, for a caller that can compute
    /// them exactly after [`subtract`](Self::subtract).
    pub(super) fn set_summary(&mut self, sum: f64, min: f64, max: f64) {
        if self.count != 0 {
            self.sum = sum.max(0.0);
            self.min = min;
            self.max = max;
        }
    }

    /// The raw minimum and maximum (`+inf`/`-inf` when empty), for merging.
    pub(super) fn raw_min_max(&self) -> (f64, f64) {
        (self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative bucket error: half a bucket width over its lower edge.
    const HALF_BUCKET: f64 = 0.5 / SUB_BUCKETS as f64;

    fn rel_err(got: f64, want: f64) -> f64 {
        (got - want).abs() / want.abs()
    }

    #[test]
    fn buckets_tile_the_range_with_bounded_width() {
        assert_eq!(bucket_lower(0), LOWEST_S);
        assert!(rel_err(bucket_upper(BUCKETS - 1), HIGHEST_TRACKABLE_S) < 1e-12);
        for i in 0..BUCKETS {
            let (lo, hi) = (bucket_lower(i), bucket_upper(i));
            assert!((hi - lo) / lo <= 1.0 / 64.0 + 1e-12, "bucket {i} too wide");
            if i + 1 < BUCKETS {
                assert!(rel_err(bucket_lower(i + 1), hi) < 1e-12, "gap after {i}");
            }
            // Values just inside each edge map back to the bucket.
            assert_eq!(bucket_index(lo * (1.0 + 1e-9)), i);
            assert_eq!(bucket_index(hi * (1.0 - 1e-9)), i);
            assert_eq!(bucket_index(0.5 * (lo + hi)), i);
        }
    }

    #[test]
    fn empty_histogram_reports_zeros() {
        let h = LatencyHistogram::new();
        assert_eq!(h.count(), 0);
        assert_eq!(h.mean(), 0.0);
        assert_eq!(h.min(), 0.0);
        assert_eq!(h.max(), 0.0);
        for q in [0.0, 0.5, 1.0] {
            assert_eq!(h.quantile(q), 0.0);
        }
    }

    #[test]
    fn constant_values_give_exact_quantiles() {
        let mut h = LatencyHistogram::default();
        h.record_n(0.25, 1000);
        assert_eq!(h.count(), 1000);
        for q in [0.0, 0.01, 0.5, 0.99, 1.0] {
            assert_eq!(h.quantile(q), 0.25);
        }
        assert!(rel_err(h.mean(), 0.25) < 1e-12);
    }

    #[test]
    fn uniform_milliseconds_match_nearest_rank() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=10_000u32 {
            h.record(f64::from(ms) / 1000.0);
        }
        assert_eq!(h.count(), 10_000);
        assert!(rel_err(h.mean(), 5.0005) < 1e-12);
        assert_eq!(h.min(), 0.001);
        assert_eq!(h.max(), 10.0);
        for q in [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999] {
            // Nearest rank: the value of rank ceil(q * n) is that many ms.
            let want = (q * 10_000.0f64).ceil() / 1000.0;
            let got = h.quantile(q);
            assert!(
                rel_err(got, want) <= HALF_BUCKET + 1e-12,
                "q={q}: {got} vs {want}"
            );
        }
        assert_eq!(h.quantile(1.0), 10.0);
        assert_eq!(h.quantile(0.0), 0.001);
    }

    #[test]
    fn exponential_quantiles_match_closed_form() {
        // Stratified samples F^-1((i + 0.5) / n) of an exponential with rate
        // 20/s (mean 50 ms): deterministic, with quantiles -ln(1 - q) / rate.
        let rate = 20.0;
        let n = 100_000;
        let mut h = LatencyHistogram::new();
        for i in 0..n {
            let u = (i as f64 + 0.5) / n as f64;
            h.record(-(1.0 - u).ln() / rate);
        }
        assert!(rel_err(h.mean(), 1.0 / rate) < 1e-3);
        for q in [0.05f64, 0.25, 0.5, 0.9, 0.99, 0.999] {
            let want = -(1.0 - q).ln() / rate;
            let got = h.quantile(q);
            // Bucket error plus at most half a sample of rank error.
            assert!(
                rel_err(got, want) < HALF_BUCKET + 2e-3,
                "q={q}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn quantiles_are_monotone() {
        let mut h = LatencyHistogram::new();
        // A spread of values over many decades from a simple LCG.
        let mut x: u64 = 12345;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            h.record(10f64.powf(-7.0 + 12.0 * u));
        }
        let mut previous = 0.0;
        for i in 0..=1000 {
            let v = h.quantile(i as f64 / 1000.0);
            assert!(v >= previous, "quantile fell at {i}");
            previous = v;
        }
        assert_eq!(previous, h.max());
    }

    #[test]
    fn out_of_range_inputs_are_clamped_not_lost() {
        let mut h = LatencyHistogram::new();
        for v in [f64::NAN, -3.0, 0.0, 1e-9] {
            h.record(v);
        }
        assert_eq!(h.count(), 4);
        assert_eq!(h.min(), 0.0);
        assert_eq!(h.max(), 1e-9);
        assert!(h.quantile(1.0) <= 1e-9);
        assert!(h.mean().is_finite());

        let mut h = LatencyHistogram::new();
        h.record(1e6);
        assert_eq!(h.max(), HIGHEST_TRACKABLE_S);
        assert_eq!(h.quantile(0.5), HIGHEST_TRACKABLE_S);
        h.record(f64::INFINITY);
        assert_eq!(h.count(), 2);
        assert_eq!(h.mean(), HIGHEST_TRACKABLE_S);
        assert!(h.sum().is_finite());
        // Both ends of the range at once.
        h.record(0.0);
        assert_eq!(h.quantile(0.0), 0.0);
        assert_eq!(h.quantile(1.0), HIGHEST_TRACKABLE_S);
        // Odd q values are clamped, not trusted.
        assert_eq!(h.quantile(-1.0), 0.0);
        assert_eq!(h.quantile(2.0), HIGHEST_TRACKABLE_S);
        assert_eq!(h.quantile(f64::NAN), 0.0);
    }

    #[test]
    fn record_n_equals_repeated_record() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        a.record_n(0.003, 7);
        a.record_n(0.2, 0);
        for _ in 0..7 {
            b.record(0.003);
        }
        assert_eq!(a.count(), b.count());
        assert!(rel_err(a.sum(), b.sum()) < 1e-12);
        assert_eq!(a.buckets, b.buckets);
    }

    #[test]
    fn add_then_subtract_restores_the_original() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        for ms in 1..=100u32 {
            a.record(f64::from(ms) / 1000.0);
            b.record(f64::from(ms)); // 1..100 s, far above a.
        }
        let original = a.clone();
        a.add(&b);
        assert_eq!(a.count(), 200);
        assert_eq!(a.max(), 100.0);
        assert!(a.quantile(0.75) > 1.0);
        a.subtract(&b);
        assert_eq!(a.count(), 100);
        assert_eq!(a.buckets, original.buckets);
        assert!(rel_err(a.mean(), original.mean()) < 1e-9);
        // The max is narrowed to the top bucket's edge, within bucket error.
        assert!(a.max() >= 0.1 && rel_err(a.max(), 0.1) <= 1.0 / 64.0);
        assert_eq!(a.min(), 0.001);
        for q in [0.0, 0.5, 0.9, 1.0] {
            assert!(rel_err(a.quantile(q), original.quantile(q)) <= 1.0 / 64.0);
        }
        // Subtracting everything empties it completely.
        a.subtract(&original);
        assert_eq!(a.count(), 0);
        assert_eq!(a.sum(), 0.0);
        assert_eq!(a.quantile(0.5), 0.0);
        // Subtracting more than is there saturates rather than wrapping.
        a.record(0.5);
        a.subtract(&b);
        assert_eq!(a.count(), 1);
    }

    #[test]
    fn clear_empties_everything() {
        let mut h = LatencyHistogram::new();
        h.record(0.1);
        h.clear();
        assert_eq!(h.count(), 0);
        assert_eq!(h.sum(), 0.0);
        assert!(h.buckets.iter().all(|&n| n == 0));
        h.record(0.2);
        assert_eq!(h.min(), 0.2);
        assert_eq!(h.max(), 0.2);
    }

    #[test]
    fn quantiles_in_one_pass_equal_quantiles_one_by_one() {
        let mut h = LatencyHistogram::new();
        let mut x = 0.37_f64;
        for i in 0..5_000 {
            x = (x * 3.9 * (1.0 - x)).clamp(0.001, 0.999);
            h.record(x * 0.01 * f64::from(i % 7 + 1));
        }
        let qs = [0.99, 0.0, 0.5, 1.0, 0.95, 0.3, f64::NAN];
        let together = h.quantiles(qs);
        for (q, got) in qs.iter().zip(together) {
            assert_eq!(got.to_bits(), h.quantile(*q).to_bits(), "q {q}");
        }
        let one_by_one: Vec<f64> = qs.iter().map(|&q| h.quantile(q)).collect();
        // The same as the scan from the first bucket that quantile used to do.
        for (q, want) in qs.iter().zip(one_by_one) {
            let rank = ((if q.is_nan() { 0.0 } else { *q } * h.count() as f64).ceil() as u64)
                .clamp(1, h.count());
            if rank == 1 || rank == h.count() {
                continue;
            }
            let mut seen = 0;
            let index = h
                .buckets
                .iter()
                .position(|&n| {
                    seen += n;
                    seen >= rank
                })
                .unwrap();
            let mid = 0.5 * (bucket_lower(index) + bucket_upper(index));
            assert_eq!(want, mid.clamp(h.min(), h.max()));
        }
    }
}
