//! What each stage's lesson teaches, as data: the load where the stage fails, the change that
//! cures it (the next stage's design) and the tempting changes a learner reaches for first,
//! with what each does there. [`try_change`] runs a change on the same load and seed, so
//! every outcome a lesson shows is measured; the tests run every one of them.
//!
//! A lesson first finds where its system breaks: a [`Ramp`] of users, each step an
//! [`outcome`] run, up to the first one that fails. The page sends each run to a worker of its
//! own as a [`Trial`] and draws the [`TrialOutcome`] that comes back.

use serde::{Deserialize, Serialize};

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
        // Every query still goes to the one primary: more workers, or a bigger app server,
        // only wait on it.
        tempting: &[
            (Workers(10_000), LeavesItFailing),
            (Machine(C5_24XLARGE), LeavesItFailing),
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The failure the run shows (`None`: none named).
    pub failure: Option<Failure>,
    /// Whether it met every target over the run.
    pub within_targets: bool,
    /// What the system cost a month over the run, USD.
    pub usd_month: f64,
    /// The 95th percentile response time over the run, ms.
    pub p95_ms: f64,
    /// The share of requests that failed over the run.
    pub error_rate: f64,
}

/// `sc` run for [`RUN_S`] with `seed`.
pub fn outcome(sc: &Scenario, seed: u64) -> Outcome {
    let run = run_stage(sc, seed, RUN_S);
    Outcome {
        failure: run.diagnosis.map(|d| d.failure),
        within_targets: run.verdict.healthy(),
        usd_month: run.cost_monthly_usd,
        p95_ms: run.reading.p95_ms,
        error_rate: run.reading.error_rate,
    }
}

/// A run the page asks for, tagged so it knows which one an outcome answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// The system.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
    /// Returned with the outcome.
    pub tag: u32,
}

/// What a [`Trial`] showed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// The trial's tag.
    pub tag: u32,
    /// What it showed.
    pub outcome: Outcome,
}

impl Trial {
    /// Runs it.
    pub fn run(&self) -> TrialOutcome {
        TrialOutcome {
            tag: self.tag,
            outcome: outcome(&self.scenario, self.seed),
        }
    }
}

/// `change` made to `sc`, run on the same load and seed (`None` if it cannot be made).
pub fn try_change(sc: &Scenario, change: Change, seed: u64) -> Option<Outcome> {
    change.apply(sc).map(|changed| outcome(&changed, seed))
}

/// The ramp's steps per doubling of the users: each step is √2 times the last, so the
/// breaking point it finds is within a factor of √2.
pub const RAMP_STEPS_PER_DOUBLING: i32 = 2;
/// The ramp starts three doublings below the lesson's load (an eighth of it)…
pub const RAMP_DOUBLINGS_BELOW: i32 = 3;
/// …and goes on to one doubling above it, for a model changed to hold out longer.
pub const RAMP_DOUBLINGS_ABOVE: i32 = 1;

/// A guess at the breaking point counts as right within this factor of the measured one:
/// the ramp itself finds it only to within √2.
pub const CLOSE_FACTOR: f64 = 2.0;

/// Whether `guess` users is within [`CLOSE_FACTOR`] of `measured`.
pub fn close(guess: f64, measured: f64) -> bool {
    guess > 0.0 && measured > 0.0 && (guess / measured).max(measured / guess) <= CLOSE_FACTOR
}

/// Users rising until the system fails: each step's outcome, as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Ramp {
    loads: Vec<f64>,
    /// The steps run so far: users and what that load showed.
    pub steps: Vec<(f64, Outcome)>,
}

impl Ramp {
    /// The ramp up to `load` and a doubling past it, from an eighth of it.
    pub fn to(load: f64) -> Self {
        let steps = RAMP_STEPS_PER_DOUBLING;
        let loads = (-RAMP_DOUBLINGS_BELOW * steps..=RAMP_DOUBLINGS_ABOVE * steps)
            .map(|k| (load * 2f64.powf(f64::from(k) / f64::from(steps))).round())
            .collect();
        Self {
            loads,
            steps: Vec::new(),
        }
    }

    /// Every load the ramp may run, lowest first.
    pub fn loads(&self) -> &[f64] {
        &self.loads
    }

    /// The load to run next (`None`: it has failed, or every load ran healthy).
    pub fn next_load(&self) -> Option<f64> {
        if self.broke().is_some() {
            return None;
        }
        self.loads.get(self.steps.len()).copied()
    }

    /// Takes the outcome of the run at [`Ramp::next_load`].
    pub fn record(&mut self, outcome: Outcome) {
        if let Some(users) = self.next_load() {
            self.steps.push((users, outcome));
        }
    }

    /// Whether every step it needs has run.
    pub fn done(&self) -> bool {
        self.next_load().is_none()
    }

    /// The first step that failed: its users and its outcome.
    pub fn broke(&self) -> Option<(f64, Outcome)> {
        self.steps
            .iter()
            .find(|(_, o)| o.failure.is_some())
            .copied()
    }

    /// The last load that ran healthy below the failure.
    pub fn last_healthy(&self) -> Option<f64> {
        self.steps
            .iter()
            .take_while(|(_, o)| o.failure.is_none())
            .last()
            .map(|&(users, _)| users)
    }

    /// Where the ramp holds once done: the load that failed, or the highest it ran.
    pub fn held(&self) -> Option<f64> {
        self.broke()
            .map(|(users, _)| users)
            .or_else(|| self.steps.last().map(|&(users, _)| users))
    }

    /// The whole ramp of `sc` (its users set by each step) run here, with `seed`.
    pub fn run(sc: &Scenario, load: f64, seed: u64) -> Self {
        let mut ramp = Self::to(load);
        while let Some(users) = ramp.next_load() {
            let mut step = sc.clone();
            step.users = users;
            ramp.record(outcome(&step, seed));
        }
        ramp
    }
}

impl Lesson {
    /// The lesson's system at its load.
    pub fn scenario(&self) -> Scenario {
        Scenario::for_stage(self.stage.number(), self.load)
    }

    /// The lesson of `stage`.
    pub fn of(stage: StageId) -> &'static Lesson {
        &LESSONS[usize::from(stage.number()) - 1]
    }

    /// Every change it offers: the taught one first, then the tempting ones.
    pub fn changes(&self) -> impl Iterator<Item = Change> + '_ {
        self.taught
            .into_iter()
            .chain(self.tempting.iter().map(|&(c, _)| c))
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

    fn ran(failing: bool) -> Outcome {
        Outcome {
            failure: failing.then_some(Failure::AppSaturated),
            within_targets: !failing,
            usd_month: 1.0,
            p95_ms: 1.0,
            error_rate: 0.0,
        }
    }

    #[test]
    fn a_ramp_climbs_by_root_two_from_an_eighth_and_stops_at_the_first_failure() {
        let mut ramp = Ramp::to(1_000.0);
        assert_eq!(
            ramp.loads(),
            [125.0, 177.0, 250.0, 354.0, 500.0, 707.0, 1_000.0, 1_414.0, 2_000.0]
        );
        for failing in [false, false, false, true] {
            assert!(!ramp.done());
            ramp.record(ran(failing));
        }
        assert!(ramp.done());
        assert_eq!(ramp.next_load(), None);
        assert_eq!(ramp.broke().map(|(u, _)| u), Some(354.0));
        assert_eq!(ramp.last_healthy(), Some(250.0));
        assert_eq!(ramp.held(), Some(354.0));
        // Once failed, it runs nothing more.
        ramp.record(ran(false));
        assert_eq!(ramp.steps.len(), 4);
    }

    #[test]
    fn a_ramp_that_never_fails_holds_at_its_top() {
        let mut ramp = Ramp::to(8.0);
        while !ramp.done() {
            ramp.record(ran(false));
        }
        assert_eq!(ramp.broke(), None);
        assert_eq!(ramp.held(), Some(16.0));
    }

    #[test]
    fn a_guess_is_close_within_a_factor_of_two_either_way() {
        assert!(close(500.0, 1_000.0));
        assert!(close(2_000.0, 1_000.0));
        assert!(!close(499.0, 1_000.0));
        assert!(!close(2_001.0, 1_000.0));
        assert!(!close(0.0, 1_000.0));
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
