//! The simulation's one random number generator and the distributions it draws from.
//!
//! Every random choice in a run goes through one [`SimRng`], seeded once, so the same seed
//! and inputs give the same numbers on every platform: PCG is portable, and every exp and ln
//! goes through the pure-Rust `libm`, never the platform's maths library.

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
/// Sampled exactly, with almost no `pow` per draw. The keys are cut into blocks: each of the
/// first 128 keys is its own block, then every power of two is cut into 64 blocks of equal
/// width, so a block's last key is at most 1/64 above its first. A draw picks a block from an
/// alias table (Walker/Vose) weighted by `len * first^-s`, an upper bound of the block's
/// probability; picks a key in it uniformly; and accepts key `k` with probability
/// `(first / k)^s` (rejection sampling: the result has exactly the Zipf law). A precomputed
/// lower bound of that acceptance (the block's last key's) settles almost every test without
/// computing the power: at most 1.6 × s% of draws need one `pow`, and a rejection (under 1%
/// of draws for s near 1) starts the draw again.
#[derive(Debug, Clone)]
pub struct KeyPopularity {
    keys: u32,
    s: f64,
    blocks: Vec<ZipfBlock>,
}

/// Keys `first..first + len`, and this block's entry of the alias table.
#[derive(Debug, Clone, Copy)]
struct ZipfBlock {
    first: u32,
    len: u32,
    /// A uniform draw of this slot below `keep` keeps this block, else it goes to `alias`.
    keep: f64,
    alias: u32,
    /// `(first / last)^s`: every key of the block is accepted at least this often.
    squeeze: f64,
}

/// Keys below this are blocks of one key each.
const ZIPF_SINGLE_KEYS: u32 = 128;
/// Blocks per power of two above that, as a shift: a block is at most 1/64 of its first key.
const ZIPF_BLOCK_SHIFT: u32 = 6;

impl KeyPopularity {
    /// `keys` keys (at least 1) with Zipf exponent `s` (0 gives uniform popularity).
    pub fn new(keys: u32, s: f64) -> Self {
        let keys = keys.max(1);
        let s = if s.is_finite() { s.max(0.0) } else { 0.0 };
        let mut blocks = Vec::new();
        let mut weights = Vec::new();
        let mut first = 1u32;
        while first <= keys {
            let width = if first < ZIPF_SINGLE_KEYS {
                1
            } else {
                first >> ZIPF_BLOCK_SHIFT
            };
            let len = width.min(keys - first + 1);
            let last = first + (len - 1);
            weights.push(f64::from(len) * libm::pow(f64::from(first), -s));
            blocks.push(ZipfBlock {
                first,
                len,
                keep: 1.0,
                alias: 0,
                squeeze: libm::pow(f64::from(first) / f64::from(last), s),
            });
            first = match first.checked_add(len) {
                Some(next) => next,
                None => break,
            };
        }
        build_alias(&weights, &mut blocks);
        Self { keys, s, blocks }
    }

    /// How many keys there are.
    pub fn keys(&self) -> u32 {
        self.keys
    }

    /// A key, from 1 (the hottest) to `keys`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        let n = self.blocks.len();
        loop {
            let u = rng.uniform() * n as f64;
            let i = (u as usize).min(n - 1);
            let slot = &self.blocks[i];
            let b = if u - (i as f64) < slot.keep {
                slot
            } else {
                &self.blocks[slot.alias as usize]
            };
            if b.len == 1 {
                return b.first;
            }
            let k = b.first + rng.below(b.len);
            let y = rng.uniform();
            if y < b.squeeze || y < libm::pow(f64::from(b.first) / f64::from(k), self.s) {
                return k;
            }
        }
    }
}

/// Fills in the alias table (Vose's method) for blocks with these weights: slot `i` keeps
/// block `i` with probability `keep` and otherwise gives block `alias`, so a uniform slot
/// and one uniform coin give block `j` with probability `weights[j] / sum`.
fn build_alias(weights: &[f64], blocks: &mut [ZipfBlock]) {
    let n = weights.len();
    let total: f64 = weights.iter().sum();
    let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        blocks[s].keep = scaled[s];
        blocks[s].alias = l as u32;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left has weight 1 up to rounding: it keeps itself.
    for i in small.into_iter().chain(large) {
        blocks[i].keep = 1.0;
        blocks[i].alias = i as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
