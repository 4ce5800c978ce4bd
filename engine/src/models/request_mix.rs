//! What users ask for: static files, reads, writes, third-party calls and deferrable work.

/// The request classes and their shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestMix {
    /// Share of all requests that are static files.
    pub static_share: f64,
    /// Share of dynamic requests that write.
    pub write_share: f64,
    /// Share of dynamic requests that call a third-party API.
    pub third_party_share: f64,
    /// Share of dynamic requests that trigger deferrable work.
    pub deferred_share: f64,
}

/// A kind of user request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A static file (JS, CSS, images).
    Static,
    /// A page that only reads.
    Read,
    /// A request that writes.
    Write,
    /// A request that calls a third-party API (checkout, OAuth).
    ThirdParty,
    /// A request that triggers deferrable work (email, PDF).
    Deferred,
}

impl RequestMix {
    /// The kind of a request, from two uniform numbers in [0, 1): `u` picks static or
    /// dynamic, `v` the dynamic kind.
    pub fn pick(&self, u: f64, v: f64) -> Kind {
        if u < self.static_share {
            return Kind::Static;
        }
        let w = self.write_share;
        let t = w + self.third_party_share;
        let d = t + self.deferred_share;
        if v < w {
            Kind::Write
        } else if v < t {
            Kind::ThirdParty
        } else if v < d {
            Kind::Deferred
        } else {
            Kind::Read
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    #[test]
    fn kinds_come_in_their_shares() {
        let mix = RequestMix {
            static_share: 0.5,
            write_share: 0.2,
            third_party_share: 0.1,
            deferred_share: 0.1,
        };
        let mut rng = SimRng::new(4);
        let n = 200_000;
        let mut counts = std::collections::HashMap::new();
        for _ in 0..n {
            *counts
                .entry(mix.pick(rng.uniform(), rng.uniform()))
                .or_insert(0) += 1;
        }
        let share = |k| f64::from(counts[&k]) / f64::from(n);
        assert!((share(Kind::Static) - 0.5).abs() < 0.005);
        assert!((share(Kind::Write) - 0.1).abs() < 0.004);
        assert!((share(Kind::ThirdParty) - 0.05).abs() < 0.003);
        assert!((share(Kind::Deferred) - 0.05).abs() < 0.003);
        assert!((share(Kind::Read) - 0.3).abs() < 0.005);
    }

    #[test]
    fn a_read_only_mix_never_writes() {
        let mix = RequestMix {
            static_share: 0.0,
            write_share: 0.0,
            third_party_share: 0.0,
            deferred_share: 0.0,
        };
        assert_eq!(mix.pick(0.0, 0.0), Kind::Read);
        assert_eq!(mix.pick(0.99, 0.99), Kind::Read);
    }
}
