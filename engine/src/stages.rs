//! The seven stages of scaling a web system, as data the engine and the UI share.

/// One of the seven stages, in the order a system grows through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StageId {
    /// Everything on one virtual machine.
    OneVm,
    /// The database moves to its own host.
    SplitDb,
    /// Logs, metrics and product analytics.
    Observe,
    /// A load balancer in front of stateless app servers.
    LoadBalance,
    /// A cache in front of the database and a CDN in front of everything.
    CacheCdn,
    /// A queue and workers take slow work off the request path.
    Async,
    /// Read replicas and shards.
    ReplicasShards,
}

/// What every part of the app needs to know about a stage to name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Which stage this is.
    pub id: StageId,
    /// Short name for a stepper or a tab, e.g. "Split DB".
    pub short_name: &'static str,
    /// A one-line title.
    pub title: &'static str,
}

/// The seven stages in order.
pub const STAGES: [Stage; 7] = [
    Stage {
        id: StageId::OneVm,
        short_name: "1 VM",
        title: "Everything on one machine",
    },
    Stage {
        id: StageId::SplitDb,
        short_name: "Split DB",
        title: "The database gets its own host",
    },
    Stage {
        id: StageId::Observe,
        short_name: "Observe",
        title: "Logs, metrics and analytics",
    },
    Stage {
        id: StageId::LoadBalance,
        short_name: "Load Balance",
        title: "A load balancer and stateless app servers",
    },
    Stage {
        id: StageId::CacheCdn,
        short_name: "Cache + CDN",
        title: "A cache for hot reads, a CDN for static files",
    },
    Stage {
        id: StageId::Async,
        short_name: "Async",
        title: "A queue and workers for slow work",
    },
    Stage {
        id: StageId::ReplicasShards,
        short_name: "Replicas + Shard",
        title: "Read replicas and sharded primaries",
    },
];

impl StageId {
    /// The stage's position, 1 to 7.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The stage numbered `n` (1 to 7), if there is one.
    pub fn from_number(n: u8) -> Option<Self> {
        STAGES.get(usize::from(n).checked_sub(1)?).map(|s| s.id)
    }

    /// This stage's data.
    pub fn stage(self) -> &'static Stage {
        &STAGES[self as usize]
    }

    /// The stage after this one, if any.
    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    /// The stage before this one, if any.
    pub fn previous(self) -> Option<Self> {
        Self::from_number(self.number().checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_listed_in_order_and_numbered_from_one() {
        for (i, stage) in STAGES.iter().enumerate() {
            assert_eq!(usize::from(stage.id.number()), i + 1);
            assert_eq!(StageId::from_number(stage.id.number()), Some(stage.id));
            assert_eq!(stage.id.stage(), stage);
        }
        assert_eq!(StageId::from_number(0), None);
        assert_eq!(StageId::from_number(8), None);
    }

    #[test]
    fn next_and_previous_walk_the_list() {
        assert_eq!(StageId::OneVm.previous(), None);
        assert_eq!(StageId::OneVm.next(), Some(StageId::SplitDb));
        assert_eq!(StageId::ReplicasShards.next(), None);
        assert_eq!(StageId::ReplicasShards.previous(), Some(StageId::Async));
    }

    #[test]
    fn short_names_are_the_ones_the_course_uses() {
        let names: Vec<_> = STAGES.iter().map(|s| s.short_name).collect();
        assert_eq!(
            names,
            [
                "1 VM",
                "Split DB",
                "Observe",
                "Load Balance",
                "Cache + CDN",
                "Async",
                "Replicas + Shard"
            ]
        );
    }
}
