//! A shard router: which shard owns a tenant.

use crate::scenario::ShardStrategy;

/// Maps tenant ids (1 = the most active tenant) to shards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShardRouter {
    strategy: ShardStrategy,
    shards: u32,
    tenants: u32,
}

impl ShardRouter {
    /// A router over `shards` shards for tenants `1..=tenants`.
    pub fn new(strategy: ShardStrategy, shards: u32, tenants: u32) -> Self {
        Self {
            strategy,
            shards: shards.max(1),
            tenants: tenants.max(1),
        }
    }

    /// The shard (0-based) that owns `tenant`.
    pub fn route(&self, tenant: u32) -> usize {
        let n = self.shards;
        if n == 1 {
            return 0;
        }
        let tenant = tenant.clamp(1, self.tenants);
        let shard = match self.strategy {
            // Fibonacci hashing spreads neighbouring ids over the shards.
            ShardStrategy::Hash => {
                ((u64::from(tenant).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 32) as u32 % n
            }
            // Contiguous ranges: tenants A–F on shard 1, G–M on shard 2, ...
            ShardStrategy::Range => {
                ((u64::from(tenant - 1) * u64::from(n)) / u64::from(self.tenants)) as u32
            }
            // The directory deals tenants out in order of activity, so the busiest are apart.
            ShardStrategy::Directory => (tenant - 1) % n,
        };
        shard.min(n - 1) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{KeyPopularity, SimRng};

    /// Each shard's share of 100,000 Zipf-popular tenants' requests.
    fn shares(strategy: ShardStrategy) -> Vec<f64> {
        let router = ShardRouter::new(strategy, 4, 10_000);
        let pop = KeyPopularity::new(10_000, 1.0);
        let mut rng = SimRng::new(8);
        let mut counts = [0u32; 4];
        for _ in 0..100_000 {
            counts[router.route(pop.sample(&mut rng))] += 1;
        }
        counts.iter().map(|&c| f64::from(c) / 100_000.0).collect()
    }

    #[test]
    fn range_sharding_makes_a_hot_shard() {
        let s = shares(ShardStrategy::Range);
        assert!(s[0] > 0.7, "{s:?}");
    }

    #[test]
    fn hash_and_directory_spread_the_load() {
        for strategy in [ShardStrategy::Hash, ShardStrategy::Directory] {
            let s = shares(strategy);
            assert!(
                s.iter().all(|&x| x > 0.1 && x < 0.45),
                "{strategy:?}: {s:?}"
            );
        }
    }

    #[test]
    fn every_tenant_has_one_shard_in_range() {
        for strategy in [
            ShardStrategy::Hash,
            ShardStrategy::Range,
            ShardStrategy::Directory,
        ] {
            let r = ShardRouter::new(strategy, 3, 1_000);
            for t in [0, 1, 2, 500, 999, 1_000, 5_000] {
                assert!(r.route(t) < 3);
            }
            assert_eq!(ShardRouter::new(strategy, 1, 1_000).route(77), 0);
        }
    }
}
