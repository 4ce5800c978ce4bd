//! What each stage's lesson teaches, as data: the load where the stage fails, the change that
//! cures it (the next stage's design) and the tempting changes a learner reaches for first,
//! with what each does there. [`try_change`] runs a change on the same load and seed, so
//! every outcome a lesson shows is measured; the tests run every one of them.
//!
//! This is the engine's half of the lessons: the page's half (the prediction, the ramp, the
//! answer and the choice among remedies) is not built yet.

use crate::diagnosis::Failure;
use crate::run::run_stage;
use crate::scenario::{Machine, Scenario, C5_24XLARGE, T3_LARGE};
use crate::stages::StageId;

/// A change a learner may try on a failing system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// The next stage's design, on the same users and workload.
    NextStage,
    /// This machine in the app server's place (on stage 1, the one VM).
    Machine(Machine),
    /// This many app servers behind the load balancer.
    AppServers(u32),
    /// This share of reads answered by the cache.
    CacheHit(f64),
    /// This many queue workers.
    Workers(u32),
    /// This many read replicas of each primary.
    Replicas(u32),
    /// The data split over this many shards.
    Shards(u32),
}

impl Change {
    /// `sc` with the change made (`None`: the next stage of the last stage).
    pub fn apply(self, sc: &Scenario) -> Option<Scenario> {
        let mut out = sc.clone();
        match self {
            Change::NextStage => return sc.next_stage(),
            Change::Machine(m) => out.app_machine = m,
            Change::AppServers(n) => out.app_servers = n,
            Change::CacheHit(h) => out.cache_hit = h,
            Change::Workers(n) => out.workers = n,
            Change::Replicas(n) => out.replicas = n,
            Change::Shards(n) => out.shards = n,
        }
        Some(out)
    }
}

/// What a tempting change does at the lesson's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The failure stays (the same one or another).
    LeavesItFailing,
    /// It cures the failure, for more a month than the change the lesson teaches.
    CuresForMore,
}

/// One stage's lesson.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lesson {
    /// Its stage.
    pub stage: StageId,
    /// Daily active users where the stage's own failure shows: its failure link in the
    /// README, where the page names that failure for seeds 1 to 5
    /// (`tests/e2e/diagnosis.test.mjs`).
    pub load: f64,
    /// The change it teaches (`None` on the last stage: none of its knobs cures stale reads,
    /// which take a change of design, reading one's own writes from the primary).
    pub taught: Option<Change>,
    /// What a learner reaches for first, and what that does.
    pub tempting: &'static [(Change, Expect)],
}

use Change::*;
use Expect::*;

/// The seven lessons, stage 1 first.
pub const LESSONS: [Lesson; 7] = [
    Lesson {
        stage: StageId::OneVm,
        load: 1_000.0,
        taught: Some(NextStage),
        // The biggest VM outlives the report's memory at this load, at many times the price.
        tempting: &[(Machine(C5_24XLARGE), CuresForMore)],
    },
    Lesson {
        stage: StageId::SplitDb,
        load: 1_600.0,
        taught: Some(NextStage),
        // The unindexed query is as slow on 96 cores as on 2.
        tempting: &[(Machine(C5_24XLARGE), LeavesItFailing)],
    },
    Lesson {
        stage: StageId::Observe,
        load: 50_000.0,
        taught: Some(NextStage),
        // A t3.large runs out of threads waiting on the third-party API; a c5.24xlarge
        // carries the load for much more, and is still one machine to deploy.
        tempting: &[
            (Machine(T3_LARGE), LeavesItFailing),
            (Machine(C5_24XLARGE), CuresForMore),
        ],
    },
    Lesson {
        stage: StageId::LoadBalance,
        load: 200_000.0,
        taught: Some(NextStage),
        // More app servers open more database connections.
        tempting: &[(AppServers(64), LeavesItFailing)],
    },
    Lesson {
        stage: StageId::CacheCdn,
        load: 500_000.0,
        taught: Some(NextStage),
        // The cache does not answer the third-party API; enough app servers wait it out, for
        // more.
        tempting: &[
            (CacheHit(0.99), LeavesItFailing),
            (AppServers(64), CuresForMore),
        ],
    },
    Lesson {
        stage: StageId::Async,
        load: 1_600_000.0,
        taught: Some(NextStage),
        // The writes still go to the one primary.
        tempting: &[
            (Workers(10_000), LeavesItFailing),
            (CacheHit(0.99), LeavesItFailing),
        ],
    },
    Lesson {
        stage: StageId::ReplicasShards,
        load: 3_200_000.0,
        taught: None,
        // More replicas lag as much; more shards leave each replica as far behind.
        tempting: &[
            (Replicas(8), LeavesItFailing),
            (Shards(16), LeavesItFailing),
        ],
    },
];

/// Simulated seconds each outcome is measured over (after the warm-up).
pub const RUN_S: f64 = 60.0;

/// What a system showed over a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The failure the run shows (`None`: healthy).
    pub failure: Option<Failure>,
    /// What the system cost a month over the run, USD.
    pub usd_month: f64,
}

/// `sc` run for [`RUN_S`] with `seed`.
pub fn outcome(sc: &Scenario, seed: u64) -> Outcome {
    let run = run_stage(sc, seed, RUN_S);
    Outcome {
        failure: run.diagnosis.map(|d| d.failure),
        usd_month: run.cost_monthly_usd,
    }
}

/// `change` made to `sc`, run on the same load and seed (`None` if it cannot be made).
pub fn try_change(sc: &Scenario, change: Change, seed: u64) -> Option<Outcome> {
    change.apply(sc).map(|changed| outcome(&changed, seed))
}

impl Lesson {
    /// The lesson's system at its load.
    pub fn scenario(&self) -> Scenario {
        Scenario::for_stage(self.stage.number(), self.load)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_sets_its_one_part_and_the_last_stage_has_no_next() {
        let sc = Scenario::for_stage(5, 500_000.0);
        let more = AppServers(64).apply(&sc).unwrap();
        assert_eq!(more.app_servers, 64);
        assert_eq!(
            Scenario {
                app_servers: sc.app_servers,
                ..more
            },
            sc
        );
        assert_eq!(NextStage.apply(&sc).unwrap().stage, 6);
        assert!(NextStage.apply(&Scenario::for_stage(7, 1.0)).is_none());
    }

    #[test]
    fn the_lessons_are_the_seven_stages_in_order_and_only_the_last_teaches_no_change() {
        for (i, lesson) in LESSONS.iter().enumerate() {
            assert_eq!(usize::from(lesson.stage.number()), i + 1);
            assert_eq!(lesson.taught.is_none(), lesson.stage.next().is_none());
            assert!(!lesson.tempting.is_empty());
        }
    }
}
