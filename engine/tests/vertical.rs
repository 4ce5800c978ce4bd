//! Vertical scaling, measured by the simulation: a bigger machine in the app server's place at
//! stages 1 and 3, and where each system stops serving (`headroom_engine::vertical`).

use std::sync::OnceLock;

use headroom_engine::core::Window;
use headroom_engine::diagnosis::Failure;
use headroom_engine::run::WARMUP_S;
use headroom_engine::scenario::{Scenario, C5_24XLARGE, MACHINES};
use headroom_engine::sim::{Fault, Sim};
use headroom_engine::vertical::{breaking_point, ladder, on, Breaking, USERS};

const SEED: u64 = 1;

/// Each machine's measured breaking point at stage 1 or 3, smallest machine first (measured
/// once for all the tests).
fn measured(stage: u8) -> &'static [Breaking] {
    static STAGE_1: OnceLock<Vec<Breaking>> = OnceLock::new();
    static STAGE_3: OnceLock<Vec<Breaking>> = OnceLock::new();
    let cell = if stage == 1 { &STAGE_1 } else { &STAGE_3 };
    cell.get_or_init(|| measure(stage))
}

fn measure(stage: u8) -> Vec<Breaking> {
    let sc = Scenario::for_stage(stage, 1_000.0);
    MACHINES
        .iter()
        .map(|&(name, m)| {
            breaking_point(&on(&sc, m), SEED, USERS.0, USERS.1)
                .unwrap_or_else(|| panic!("stage {stage} on {name} never fails"))
        })
        .collect()
}

#[test]
fn at_stage_3_a_bigger_machine_serves_more_users_but_by_less_than_its_price_rises() {
    let points = measured(3);
    for (i, pair) in points.windows(2).enumerate() {
        let (small, big) = (MACHINES[i], MACHINES[i + 1]);
        let users = pair[1].users / pair[0].users;
        let price = big.1.usd_month / small.1.usd_month;
        assert!(
            users < price,
            "{} -> {}: users x{users:.2}, price x{price:.2} ({points:?})",
            small.0,
            big.0
        );
    }
    // Over the whole ladder the breaking point rises, and then stops rising: the database
    // behind the one app server becomes the wall.
    let (first, last) = (points[0].users, points[points.len() - 1].users);
    assert!(last > 5.0 * first, "{points:?}");
    assert!(
        matches!(
            points[points.len() - 1].failure,
            Failure::DatabaseCpu | Failure::DbConnectionsExhausted
        ),
        "{points:?}"
    );
    let (big, biggest) = (points[3].users, points[4].users);
    assert!(biggest < big * 1.1, "{points:?}");
}

#[test]
fn at_stage_1_no_machine_serves_half_again_the_users_the_stage_fails_at() {
    // The stage's own machine fails where its report runs out of memory.
    let default = Scenario::for_stage(1, 1_000.0);
    let own = breaking_point(&default, SEED, USERS.0, USERS.1).unwrap();
    assert_eq!(own.failure, Failure::OomCascade);
    let points = measured(1);
    for (&(name, m), p) in MACHINES.iter().zip(points) {
        // Every machine stops serving before half again as many users, at up to 97 times the
        // price: the small ones run out of memory, and on the big ones the unindexed scan
        // makes every page slow, since a query that reads the whole table takes as long on 96
        // cores as on 2.
        assert!(p.users < own.users * 1.5, "{name}: {p:?} ({own:?})");
        let expected = if m.memory_mb < 8_192.0 {
            Failure::OomCascade
        } else {
            Failure::BlindSlowdown
        };
        assert_eq!(p.failure, expected, "{name}: {p:?}");
    }
}

#[test]
fn the_companion_predicts_each_machine_where_the_simulation_measures_it() {
    for stage in [1, 3] {
        let rungs = ladder(&Scenario::for_stage(stage, 1_000.0));
        for (rung, measured) in rungs.iter().zip(measured(stage)) {
            let predicted = rung.serves_users.unwrap();
            let ratio = predicted / measured.users;
            assert!(
                (0.75..1.34).contains(&ratio),
                "stage {stage} {}: predicted {predicted:.0}, measured {:.0}",
                rung.name,
                measured.users
            );
        }
    }
}

#[test]
fn on_the_biggest_machine_a_deploy_is_still_downtime() {
    // Stage 3 well within what a c5.24xlarge serves: a deploy restarts its one app server,
    // and while it restarts nobody is served, whatever the machine cost.
    let sc = on(&Scenario::for_stage(3, 10_000.0), C5_24XLARGE);
    let mut sim = Sim::with_stats(&sc, SEED, false);
    sim.step_until(WARMUP_S);
    sim.reset_stats();
    sim.step_until(WARMUP_S + 10.0);
    let calm = sim.reading(Window::Run).error_rate;
    assert!(calm < 0.01, "before the deploy: {calm}");
    sim.reset_stats();
    sim.set_fault(Fault::RollingDeploy, true);
    sim.step_until(WARMUP_S + 10.0 + sc.app_restart_s);
    let deploying = sim.reading(Window::Run).error_rate;
    assert!(deploying > 0.9, "during the deploy: {deploying}");
}
