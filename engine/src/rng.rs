//! The simulation's one random number generator and the distributions it draws from.
//!
//! Every random choice in a run goes through one [`SimRng`], seeded once, so the same seed
//! and inputs give the same numbers on every platform: PCG is portable, and every exp and ln
//! goes through the pure-Rust `libm`, never the platform's maths library.

use num_traits::Float;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_pcg::Pcg64Mcg;

/// The simulation's random number generator.
#[derive(Debug, Clone)]
pub struct SimRng(Pcg64Mcg);

impl SimRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Pcg64Mcg::seed_from_u64(seed))
    }

    /// A uniform number in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.uniform() < p)
    }

    /// An exponential draw with the given mean; zero for a mean that is not positive.
    #[inline]
    pub fn exp(&mut self, mean: f64) -> f64 {
        if mean > 0.0 {
            let e: f64 = Exp1.sample(&mut self.0);
            e * mean
        } else {
            0.0
        }
    }

    /// A standard normal draw.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.0)
    }

    /// A uniform integer in `0..n` (`n` must be positive).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        self.0.random_range(0..n.max(1))
    }
}

/// A log-normal latency described the way people quote latency: its median and its p95.
///
/// Heavy-tailed: a p95 many times the median gives a long tail, like a third-party API on a
/// bad day. `ln X ~ N(ln median, sigma)` with `sigma = ln(p95 / median) / z_0.95`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

impl LogNormal {
    /// A log-normal with the given median and 95th percentile (seconds). A p95 below the
    /// median is treated as equal to it (no spread).
    pub fn from_median_p95(median: f64, p95: f64) -> Self {
        let median = median.max(1e-9);
        let sigma = libm::log(p95.max(median) / median) / Z95;
        Self {
            mu: libm::log(median),
            sigma,
        }
    }

    /// The distribution's mean, `exp(mu + sigma^2 / 2)`.
    pub fn mean(&self) -> f64 {
        libm::exp(self.mu + self.sigma * self.sigma / 2.0)
    }

    /// The distribution's median, `exp(mu)`.
    pub fn median(&self) -> f64 {
        libm::exp(self.mu)
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        libm::exp(self.mu + self.sigma * rng.normal())
    }
}

/// Key popularity: a Zipf law over `keys` keys, key 1 the hottest: key `k` has probability
/// proportional to `k^-s`.
///
/// Draws the keys `rand_distr::Zipf` draws, from the same random numbers (but for a draw whose
/// power lands within a few ulps of a whole key or of the acceptance bound, about one in a
/// billion, after which the two streams part): rejection-
/// inversion (Hörmann and Derflinger), whose acceptance test compares a uniform `y` with
/// `(b / x)^s`, `b` the inverse CDF of another uniform and `x = floor(b + 1)`. That power is
/// at least `1 - s (1 - r) / r` with `r = b / x` (from `ln r >= 1 - 1/r`), so a `y` clearly
/// below that bound is accepted without computing it: one power per draw (the inverse CDF's)
/// instead of three, and that one is a few multiplications when its exponent is whole. The
/// other powers go through `num_traits::Float`, as in `rand_distr`.
#[derive(Debug, Clone, Copy)]
pub struct KeyPopularity {
    keys: u32,
    s: f64,
    t: f64,
    q: f64,
    /// `q` when it is a whole number from 1 to 8 (to within a few ulps), so `y^q` is a few
    /// multiplications.
    whole_q: Option<u32>,
}

/// How far below the bound a uniform must be to be accepted without the power: far more than
/// the rounding of the bound and of the power (a few ulps).
const ZIPF_MARGIN: f64 = 1e-9;

impl KeyPopularity {
    /// `keys` keys (at least 1) with Zipf exponent `s` (0 gives uniform popularity).
    pub fn new(keys: u32, s: f64) -> Self {
        let keys = keys.max(1);
        let s = s.max(0.0);
        let n = f64::from(keys);
        // As `rand_distr::Zipf::new`.
        let q = if s != 1.0 { 1.0 / (1.0 - s) } else { 0.0 };
        let t = if s != 1.0 {
            (Float::powf(n, 1.0 - s) - s) * q
        } else {
            1.0 + Float::ln(n)
        };
        // `1 / (1 - 0.8)` is 5.000000000000001 in floating point: a few ulps from 5, so the
        // powers differ in the last bits only.
        let whole = q.round();
        let whole_q = ((q - whole).abs() <= 8.0 * f64::EPSILON * whole
            && (1.0..=8.0).contains(&whole))
        .then_some(whole as u32);
        Self {
            keys,
            s,
            t,
            q,
            whole_q,
        }
    }

    /// How many keys there are.
    pub fn keys(&self) -> u32 {
        self.keys
    }

    /// The inverse of the continuous proposal's CDF (as in `rand_distr`).
    #[inline]
    fn inv_cdf(&self, p: f64) -> f64 {
        let pt = p * self.t;
        if pt <= 1.0 {
            pt
        } else if self.s != 1.0 {
            self.power_q(pt * (1.0 - self.s) + self.s)
        } else {
            Float::exp(pt - 1.0)
        }
    }

    /// `y^q`. For a whole `q` up to 8 (the default `s = 0.8` gives `q = 5`) by squaring and
    /// multiplying, which is deterministic on every platform and far cheaper than `pow`. It
    /// can differ from `pow` in the last few bits, which changes a key only when `y^q` lies
    /// within a few billionths of a whole number.
    #[inline]
    fn power_q(&self, y: f64) -> f64 {
        match self.whole_q {
            Some(n) => {
                let mut power = 1.0;
                let mut square = y;
                let mut n = n;
                while n > 0 {
                    if n & 1 == 1 {
                        power *= square;
                    }
                    square *= square;
                    n >>= 1;
                }
                power
            }
            None => Float::powf(y, self.q),
        }
    }

    /// A key, from 1 (the hottest) to `keys`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        loop {
            let inv_b = self.inv_cdf(rng.uniform());
            let x = Float::floor(inv_b + 1.0);
            let y = rng.uniform();
            // Accepted at once below `1 - s (1 - r) / r` (a lower bound of the ratio below),
            // with `r = inv_b / x`: that is `1 + s - s x / inv_b`, and multiplied out by
            // `inv_b` (at least 1 here) the test needs no division.
            if x > 1.0 && (1.0 + self.s - ZIPF_MARGIN - y) * inv_b > self.s * x {
                return (x as u32).clamp(1, self.keys);
            }
            let mut ratio = Float::powf(x, -self.s);
            if x > 1.0 {
                ratio *= Float::powf(inv_b, self.s);
            }
            if y < ratio {
                return (x as u32).clamp(1, self.keys);
            }
        }
    }
}

/// The generalized harmonic number `H(n, s) = Σ_{k=1..n} k^-s`: exactly up to a thousand
/// terms, then by the Euler–Maclaurin formula (error far below a millionth of the sum).
fn harmonic(n: f64, s: f64) -> f64 {
    const EXACT: f64 = 1_000.0;
    let n = n.floor().max(0.0);
    let head = n.min(EXACT) as u32;
    let mut h: f64 = (1..=head).map(|k| libm::pow(f64::from(k), -s)).sum();
    if n > EXACT {
        let m = EXACT;
        let integral = if (s - 1.0).abs() < 1e-12 {
            libm::log(n / m)
        } else {
            (libm::pow(n, 1.0 - s) - libm::pow(m, 1.0 - s)) / (1.0 - s)
        };
        h += integral
            + (libm::pow(n, -s) - libm::pow(m, -s)) / 2.0
            + s / 12.0 * (libm::pow(m, -s - 1.0) - libm::pow(n, -s - 1.0));
    }
    h
}

impl KeyPopularity {
    /// The share of draws that fall on keys `1..=k`: `H(k, s) / H(keys, s)`.
    pub fn share_of_top(&self, k: u32) -> f64 {
        let k = k.min(self.keys);
        harmonic(f64::from(k), self.s) / harmonic(f64::from(self.keys), self.s)
    }

    /// The fewest hottest keys that carry at least `share` of the draws (0 for a share of 0,
    /// every key for a share of 1): found by bisection on [`Self::share_of_top`], with no
    /// random numbers.
    pub fn keys_for_share(&self, share: f64) -> u32 {
        if share.is_nan() || share <= 0.0 {
            return 0;
        }
        if share >= 1.0 {
            return self.keys;
        }
        let (mut lo, mut hi) = (0u32, self.keys);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.share_of_top(mid) >= share {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hottest_keys_share_matches_what_the_draws_do() {
        let pop = KeyPopularity::new(1_000_000, 0.8);
        let k = pop.keys_for_share(0.9);
        assert!(pop.share_of_top(k) >= 0.9 && pop.share_of_top(k - 1) < 0.9);
        let mut rng = SimRng::new(3);
        let n = 200_000;
        let hits = (0..n).filter(|_| pop.sample(&mut rng) <= k).count();
        let measured = hits as f64 / f64::from(n);
        assert!((measured - 0.9).abs() < 0.005, "{measured}");
        assert_eq!(pop.keys_for_share(0.0), 0);
        assert_eq!(pop.keys_for_share(1.0), 1_000_000);
        // Exact below a thousand keys, and continuous across the switch to the formula.
        let small = KeyPopularity::new(10, 1.0);
        assert!((small.share_of_top(10) - 1.0).abs() < 1e-12);
        let a = harmonic(1_000.0, 0.8);
        let b = harmonic(1_001.0, 0.8);
        assert!((b - a - libm::pow(1_001.0, -0.8)).abs() < 1e-9, "{a} {b}");
    }

    #[test]
    fn same_seed_same_numbers_other_seed_other_numbers() {
        let draw = |seed| {
            let mut r = SimRng::new(seed);
            (0..8).map(|_| r.uniform()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn exponential_has_its_mean() {
        let mut r = SimRng::new(1);
        let n = 200_000;
        let mean = (0..n).map(|_| r.exp(0.25)).sum::<f64>() / n as f64;
        assert!((mean - 0.25).abs() < 0.25 * 0.01, "mean {mean}");
        assert_eq!(r.exp(0.0), 0.0);
    }

    #[test]
    fn lognormal_has_its_median_and_p95() {
        let d = LogNormal::from_median_p95(0.3, 8.0);
        let mut r = SimRng::new(2);
        let mut xs: Vec<f64> = (0..100_000).map(|_| d.sample(&mut r)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[50_000];
        let p95 = xs[95_000];
        assert!((median / 0.3 - 1.0).abs() < 0.03, "median {median}");
        assert!((p95 / 8.0 - 1.0).abs() < 0.06, "p95 {p95}");
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!(
            (mean / d.mean() - 1.0).abs() < 0.1,
            "mean {mean} vs {}",
            d.mean()
        );
    }

    #[test]
    fn zipf_makes_the_first_key_hottest() {
        let pop = KeyPopularity::new(1_000, 1.0);
        let mut r = SimRng::new(3);
        let mut counts = vec![0u32; 1_001];
        for _ in 0..100_000 {
            counts[pop.sample(&mut r) as usize] += 1;
        }
        assert!(counts[1] > counts[2] && counts[2] > counts[10] && counts[10] > counts[500]);
        // Key 1's share of a Zipf(1000, 1) is 1 / H(1000) ~= 13.4%.
        let share = f64::from(counts[1]) / 100_000.0;
        assert!((share - 0.1336).abs() < 0.01, "share {share}");
    }

    #[test]
    fn zipf_draws_follow_the_exact_law_over_the_whole_range() {
        // The empirical CDF at keys spread over every scale, against the exact CDF.
        for (keys, s) in [(1_000_000u32, 0.8), (5_000, 1.3), (300, 0.0), (1, 0.8)] {
            let pop = KeyPopularity::new(keys, s);
            let mut r = SimRng::new(4);
            let n = 400_000;
            let mut draws: Vec<u32> = (0..n).map(|_| pop.sample(&mut r)).collect();
            assert!(draws.iter().all(|&k| (1..=keys).contains(&k)));
            draws.sort_unstable();
            let weight = |k: u32| libm::pow(f64::from(k), -s);
            let total: f64 = (1..=keys).map(weight).sum();
            let mut cdf = 0.0;
            for k in 1..=keys {
                cdf += weight(k) / total;
                if [
                    1, 2, 3, 10, 100, 127, 128, 129, 200, 1_000, 4_321, 99_999, 500_000,
                ]
                .contains(&k)
                {
                    let seen = draws.partition_point(|&d| d <= k) as f64 / n as f64;
                    assert!(
                        (seen - cdf).abs() < 0.003,
                        "keys {keys}, s {s}: P(key <= {k}) = {seen}, exactly {cdf}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_whole_exponent_is_found_despite_rounding() {
        // 1 / (1 - 0.8) is 5.000000000000001: still the whole-power path.
        assert_eq!(KeyPopularity::new(1_000_000, 0.8).whole_q, Some(5));
        assert_eq!(KeyPopularity::new(100, 0.5).whole_q, Some(2));
        assert_eq!(KeyPopularity::new(100, 0.7).whole_q, None, "q = 3.33…");
        assert_eq!(KeyPopularity::new(100, 3.0).whole_q, None, "q = -0.5");
    }

    #[test]
    fn zipf_draws_are_rand_distrs_key_for_key() {
        // s = 0.8, 0.5, 0.75 and 0 take the whole-power path (q = 5, 2, 4 and 1); 1 and 3
        // do not.
        for (keys, s) in [
            (1_000_000u32, 0.8),
            (10_000, 0.5),
            (100_000, 0.75),
            (1_000, 1.0),
            (50, 3.0),
            (7, 0.0),
            (1, 0.8),
        ] {
            let ours = KeyPopularity::new(keys, s);
            let theirs = rand_distr::Zipf::new(f64::from(keys), s).unwrap();
            let (mut a, mut b) = (SimRng::new(9), SimRng::new(9));
            for _ in 0..200_000 {
                let want = (theirs.sample(&mut b.0) as u32).clamp(1, keys);
                assert_eq!(ours.sample(&mut a), want, "keys {keys}, s {s}");
            }
            assert_eq!(
                a.uniform(),
                b.uniform(),
                "the same random numbers were used"
            );
        }
    }
}
