//! A cache in front of the database that holds the hottest keys, invalidated by writes.

/// Which keys the cache can answer: the `hot` most popular ones (key ids 1..=hot, since key 1
/// is the most popular), minus any invalidated by a write and not yet refilled by a read.
#[derive(Debug, Clone, PartialEq)]
pub struct HotKeyCache {
    hot: u32,
    invalid: Vec<u64>,
}

impl HotKeyCache {
    /// A cache holding keys `1..=hot` out of `keys`.
    pub fn new(keys: u32, hot: u32) -> Self {
        Self {
            hot: hot.min(keys),
            invalid: vec![0; (keys as usize).div_ceil(64) + 1],
        }
    }

    /// How many keys it holds when all are valid.
    pub fn hot(&self) -> u32 {
        self.hot
    }

    fn bit(key: u32) -> (usize, u64) {
        (key as usize / 64, 1 << (key % 64))
    }

    /// A read of `key`: true on a hit. A miss on a hot key refills it.
    pub fn read(&mut self, key: u32) -> bool {
        self.lookup(key) == Lookup::Hit
    }

    /// A read of `key`, and why it missed: a cold key, or a hot key a write had cleared (this
    /// read refills it).
    pub fn lookup(&mut self, key: u32) -> Lookup {
        if key == 0 || key > self.hot {
            return Lookup::Cold;
        }
        let (w, b) = Self::bit(key);
        match self.invalid.get_mut(w) {
            Some(word) if *word & b != 0 => {
                *word &= !b;
                Lookup::Refill
            }
            _ => Lookup::Hit,
        }
    }

    /// A write of `key`: its entry is dropped, so the next read goes to the database.
    pub fn invalidate(&mut self, key: u32) {
        if key == 0 || key > self.hot {
            return;
        }
        let (w, b) = Self::bit(key);
        if let Some(word) = self.invalid.get_mut(w) {
            *word |= b;
        }
    }
}

/// What a cache lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The cache had it.
    Hit,
    /// The key is not one the cache keeps.
    Cold,
    /// The key is one the cache keeps, but a write had cleared it: this read refills it.
    Refill,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_keys_hit_and_cold_keys_miss() {
        let mut c = HotKeyCache::new(1_000, 100);
        assert!(c.read(1) && c.read(100));
        assert!(!c.read(101) && !c.read(1_000));
        assert_eq!(c.hot(), 100);
    }

    #[test]
    fn a_write_makes_the_next_read_miss_and_that_read_refills() {
        let mut c = HotKeyCache::new(1_000, 100);
        c.invalidate(7);
        assert_eq!(
            c.lookup(7),
            Lookup::Refill,
            "first read after the write misses"
        );
        assert!(c.read(7), "the miss refilled the entry");
        assert!(c.read(8), "other keys are untouched");
    }

    #[test]
    fn empty_and_full_caches() {
        let mut none = HotKeyCache::new(50, 0);
        assert!(!none.read(1));
        let mut all = HotKeyCache::new(50, 500);
        assert_eq!(all.hot(), 50);
        assert!(all.read(50));
        assert!(!all.read(0));
    }
}
