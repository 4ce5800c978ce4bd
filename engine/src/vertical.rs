//! Vertical scaling: the same stage on each machine of the price ladder
//! ([`crate::scenario::MACHINES`]), and how many users each serves for its price.
//!
//! The stages before the load balancer run one app server (on stage 1, the one VM), so the first answer to "it is
//! too slow" is a bigger machine. [`ladder`] puts each machine in the app server's place and
//! asks the analytic companion where that system stops serving, which is instant and draws
//! the page's chart. [`breaking_point`] measures the same thing with the simulation (a run per
//! step of a bisection), for the command line, the README's figures and the tests, which check
//! that the two tell the same story: the bigger machines buy fewer users per dollar, and the
//! walls a bigger machine cannot move stay where they are.

use serde::Serialize;

use crate::analytic;
use crate::cost;
use crate::diagnosis::Failure;
use crate::run::run_stage;
use crate::scenario::{machine_named, Machine, Scenario, MACHINES};
use crate::stages::StageId;
use crate::topology::{Feature, Topology};

/// The users axis the ladder searches: from a handful to ten million.
pub const USERS: (f64, f64) = (10.0, 10_000_000.0);

/// When the prices in [`MACHINES`] were quoted: on-demand Linux prices in a US region, as
/// the source texts give them.
pub const PRICES_AS_OF: &str = "2024";

/// One machine of the ladder, in the app server's place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rung {
    /// The instance type's name.
    pub name: &'static str,
    /// The machine.
    pub machine: Machine,
    /// The users the system serves before it fails (`None`: more than [`USERS`] reaches).
    pub serves_users: Option<f64>,
    /// What gives out first there (`Nothing` when it holds up).
    pub limit: analytic::Measure,
    /// What the system's machines cost a month, USD. (Its traffic is left out: that costs
    /// the same per user whatever the machine.)
    pub usd_month: f64,
}

impl Rung {
    /// Users served per dollar of machines a month (`None` when the system holds up to the
    /// axis's end).
    pub fn users_per_usd(&self) -> Option<f64> {
        self.serves_users.map(|u| u / self.usd_month.max(1e-9))
    }
}

/// Whether `stage` runs a single app server, which a bigger machine can replace (stages 1 to
/// 3; from stage 4 the load balancer spreads the load over many).
pub fn scales_up(stage: StageId) -> bool {
    !stage.design().has(Feature::LoadBalancer)
}

/// `sc` with `machine` as the app server (on stage 1, the one VM).
pub fn on(sc: &Scenario, machine: Machine) -> Scenario {
    Scenario {
        app_machine: machine,
        ..sc.clone()
    }
}

/// Where the companion predicts a system stops serving, and what its machines cost.
fn predicted_rung(name: &'static str, sc: &Scenario) -> Rung {
    let serves_users = analytic::failure_users_of(sc, USERS.0, USERS.1);
    let limit = serves_users.map_or(analytic::Measure::Nothing, |users| {
        analytic::predict(&Scenario {
            users,
            ..sc.clone()
        })
        .bottleneck
    });
    Rung {
        name,
        machine: sc.app_machine,
        serves_users,
        limit,
        usd_month: cost::machines_monthly(&Topology::of(sc), sc),
    }
}

/// Every machine of the ladder in `sc`'s app server's place, smallest first, with where the
/// analytic companion predicts each system stops serving.
pub fn ladder(sc: &Scenario) -> Vec<Rung> {
    MACHINES
        .iter()
        .map(|&(name, m)| predicted_rung(name, &on(sc, m)))
        .collect()
}

/// The next stage at its defaults (with `sc`'s workload), the same way, for comparison: what
/// scaling out instead of up buys. `None` on the last stage.
pub fn next_stage(sc: &Scenario) -> Option<(StageId, Rung)> {
    let next = sc.next_stage()?;
    let name = machine_named(&next.app_machine).map_or("", |(_, name)| name);
    Some((
        StageId::of_scenario(next.stage),
        predicted_rung(name, &next),
    ))
}

/// A breaking point the simulation measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Breaking {
    /// The fewest users at which a run fails (to within the search's step).
    pub users: f64,
    /// The failure the run there shows.
    pub failure: Failure,
}

/// Simulated seconds each run of [`breaking_point`] measures (after the warm-up).
pub const RUN_S: f64 = 60.0;

/// How close the search gets: the answer is within this factor of the true breaking point.
pub const WITHIN: f64 = 1.05;

/// The fewest users in `lo..=hi` at which `sc` (its users changed, the rest kept), run by
/// the simulation for [`RUN_S`] with `seed`, shows a failure, found by bisection on log users
/// to within [`WITHIN`]. `None` if it holds up at `hi`. Like the companion's search it assumes
/// a system that fails at some load fails at every higher one.
pub fn breaking_point(sc: &Scenario, seed: u64, lo: f64, hi: f64) -> Option<Breaking> {
    let fails = |users: f64| {
        let run = run_stage(
            &Scenario {
                users,
                ..sc.clone()
            },
            seed,
            RUN_S,
        );
        run.diagnosis.map(|d| d.failure)
    };
    if let Some(failure) = fails(lo) {
        return Some(Breaking { users: lo, failure });
    }
    let mut last = fails(hi)?;
    let (mut a, mut b) = (lo.ln(), hi.ln());
    while b - a > WITHIN.ln() {
        let m = 0.5 * (a + b);
        match fails(m.exp()) {
            Some(failure) => {
                b = m;
                last = failure;
            }
            None => a = m,
        }
    }
    Some(Breaking {
        users: b.exp(),
        failure: last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(n: u8) -> Scenario {
        Scenario::for_stage(n, 1_000.0)
    }

    #[test]
    fn only_the_stages_with_one_app_server_scale_up() {
        let up: Vec<u8> = (1..=7)
            .filter(|&n| scales_up(StageId::from_number(n).unwrap()))
            .collect();
        assert_eq!(up, vec![1, 2, 3]);
    }

    #[test]
    fn at_stage_3_the_biggest_machine_buys_the_fewest_users_per_dollar() {
        let rungs = ladder(&stage(3));
        assert_eq!(rungs.len(), MACHINES.len());
        let per_usd: Vec<f64> = rungs.iter().filter_map(Rung::users_per_usd).collect();
        assert_eq!(per_usd.len(), MACHINES.len(), "{rungs:?}");
        // The biggest machine buys the fewest users per dollar (the database behind it is the
        // wall by then), under a third of what the best buys.
        let best = per_usd.iter().copied().fold(0.0, f64::max);
        let last = per_usd[per_usd.len() - 1];
        assert!(per_usd.iter().all(|&p| p >= last), "{per_usd:?}");
        assert!(last < best / 3.0, "{per_usd:?}");
        // Scaling out instead buys more users per dollar than the biggest machine does.
        let (_, next) = next_stage(&stage(3)).unwrap();
        assert!(next.users_per_usd().unwrap() > last, "{next:?} {per_usd:?}");
        // A bigger machine never serves fewer users.
        for pair in rungs.windows(2).skip(1) {
            assert!(pair[1].serves_users >= pair[0].serves_users, "{rungs:?}");
        }
    }

    #[test]
    fn the_next_stage_is_priced_at_its_own_defaults() {
        let (next, rung) = next_stage(&stage(3)).unwrap();
        assert_eq!(next, StageId::LoadBalance);
        assert_eq!(rung.name, "t3.large");
        assert!(rung.serves_users.is_some());
        assert!(next_stage(&stage(7)).is_none());
    }

    #[test]
    fn each_rung_names_what_gives_out_first() {
        let rungs = ladder(&stage(3));
        let words: Vec<&str> = rungs.iter().map(|r| r.limit.words()).collect();
        // A small machine runs out of memory or CPU; on the biggest the database behind it
        // is what stops the stage.
        assert_eq!(words[0], "memory", "{words:?}");
        assert_eq!(words[1], "app CPU", "{words:?}");
        assert!(words[4].starts_with("database"), "{words:?}");
    }
}
