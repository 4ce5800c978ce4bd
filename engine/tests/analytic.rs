//! The analytic companion against the simulation it summarizes: the same latency at moderate
//! load, the same busiest resources, and failure points in the same neighbourhood.

use headroom_engine::analytic::{self, Measure, Prediction};
use headroom_engine::parts::{Role, Tier};
use headroom_engine::run::{run_stage, StageRun};
use headroom_engine::scenario::Scenario;

const SEED: u64 = 1;

/// The first user count (of a grid) at which each stage's default fails in the simulation,
/// measured over 120 s with seed 1 (`failure::detect`, which also counts stale reads).
const SIMULATED_FAILURE: [f64; 7] = [
    1_000.0,
    1_500.0,
    50_000.0,
    200_000.0,
    500_000.0,
    1_500_000.0,
    3_000_000.0,
];

fn predict(stage: u8, users: f64) -> Prediction {
    analytic::predict(&Scenario::for_stage(stage, users))
}

/// A run long enough for about 30,000 requests (60 s to 20 min of simulated time), so a
/// quiet stage's p95 is not a handful of samples.
fn simulate(stage: u8, users: f64) -> StageRun {
    simulate_scenario(Scenario::for_stage(stage, users))
}

fn simulate_scenario(mut sc: Scenario) -> StageRun {
    let seconds = (30_000.0 / sc.peak_rps()).clamp(60.0, 1_200.0);
    // The theory has no cron report: its scans run after the window.
    sc.cron_first_s = seconds + 1.0;
    run_stage(&sc, SEED, seconds)
}

/// The simulation fails the way the companion can see: the targets' verdict on latency and
/// errors.
fn sim_failing(run: &StageRun) -> bool {
    run.verdict.over_target()
}

fn utilization(run: &StageRun, tier: Tier, role: Role) -> f64 {
    let nodes: Vec<f64> = run
        .reading
        .resources
        .iter()
        .filter(|n| n.id.part.tier == tier && n.id.role == role)
        .map(|n| n.utilization)
        .collect();
    assert!(!nodes.is_empty(), "no {tier:?} {role:?}");
    nodes.iter().sum::<f64>() / nodes.len() as f64
}

fn load(p: &Prediction, id: Measure) -> f64 {
    p.loads
        .iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no load {id:?} in {:?}", p.loads))
        .utilization
}

#[test]
fn latency_agrees_with_the_simulation_at_moderate_load() {
    // (stage, users): each stage well below its limit, where queues are short.
    let cases = [
        (1, 300.0),
        (2, 1_000.0),
        (3, 20_000.0),
        (4, 100_000.0),
        (5, 200_000.0),
        (6, 300_000.0),
        (7, 1_000_000.0),
    ];
    for (stage, users) in cases {
        let p = predict(stage, users);
        let run = simulate(stage, users);
        let (p50, p95) = (p.p50_ms.unwrap(), p.p95_ms.unwrap());
        let (s50, s95) = (run.reading.p50_ms, run.reading.p95_ms);
        eprintln!("stage {stage} at {users}: p50 {p50:.1}/{s50:.1} p95 {p95:.1}/{s95:.1} ms");
        assert!(
            (p50 / s50 - 1.0).abs() < 0.05,
            "stage {stage} at {users}: p50 {p50} vs simulated {s50}"
        );
        assert!(
            (p95 / s95 - 1.0).abs() < 0.15,
            "stage {stage} at {users}: p95 {p95} vs simulated {s95}"
        );
        assert!(!p.failing && !sim_failing(&run), "stage {stage} at {users}");
    }
}

#[test]
fn the_latency_rises_with_the_load_as_simulated() {
    // Near its limit: stage 2's unindexed scans, stage 4's database CPU.
    // The theory counts the analysts' queries as mean load on a Poisson queue; near the knee
    // their long scans make bursts it does not see (the simulation's own Erlang C comparison
    // shows it). Without them, the two must agree.
    for (stage, users) in [(2, 1_200.0), (4, 150_000.0)] {
        let mut sc = Scenario::for_stage(stage, users);
        sc.analytics_per_s_per_100k_users = 0.0;
        let p = analytic::predict(&sc).p95_ms.unwrap();
        let s = simulate_scenario(sc).reading.p95_ms;
        eprintln!("stage {stage} at {users}: p95 {p:.1}/{s:.1} ms");
        assert!(
            (p / s - 1.0).abs() < 0.35,
            "stage {stage} at {users}: {p} vs {s}"
        );
    }
}

#[test]
fn utilizations_agree_with_the_simulation() {
    // (stage, users, tier and role).
    let (app, db, replica) = (Tier::App, Tier::Database, Tier::Replica);
    let cases = [
        (1, 700.0, app, Role::Cores),
        (2, 1_000.0, db, Role::Cores),
        (3, 30_000.0, app, Role::Cores),
        (4, 150_000.0, db, Role::Cores),
        (4, 150_000.0, app, Role::Cores),
        (5, 300_000.0, db, Role::Cores),
        (6, 300_000.0, db, Role::Cores),
        (7, 1_000_000.0, replica, Role::Cores),
    ];
    for (stage, users, tier, role) in cases {
        let id = Measure::Resource(tier, role);
        let p = load(&predict(stage, users), id);
        let s = utilization(&simulate(stage, users), tier, role);
        eprintln!("stage {stage} at {users}: {id:?} {p:.3}/{s:.3}");
        assert!(
            (p - s).abs() < 0.03 + 0.1 * s,
            "stage {stage} at {users}: {id:?} {p} vs simulated {s}"
        );
    }
}

#[test]
fn failure_points_are_near_the_simulated_ones_and_rise_stage_by_stage() {
    let mut last = 0.0;
    for stage in 1..=7u8 {
        let f = analytic::failure_users(|u| Scenario::for_stage(stage, u), 10.0, 1e8)
            .unwrap_or_else(|| panic!("stage {stage} never fails"));
        let sim = SIMULATED_FAILURE[usize::from(stage - 1)];
        eprintln!(
            "stage {stage}: companion fails at {f:.0} users ({}), simulation at {sim}",
            predict(stage, f * 1.01).bottleneck.words()
        );
        assert!(
            (sim / 3.0..=sim * 3.0).contains(&f),
            "stage {stage}: {f} vs simulated {sim}"
        );
        assert!(
            f > last,
            "stage {stage} fails at {f}, before stage {}",
            stage - 1
        );
        last = f;
    }
}

#[test]
fn the_simulation_holds_at_half_the_predicted_limit_and_fails_at_twice_it() {
    for stage in 1..=7u8 {
        let f = analytic::failure_users(|u| Scenario::for_stage(stage, u), 10.0, 1e8).unwrap();
        let half = simulate(stage, f / 2.0);
        assert!(
            !sim_failing(&half),
            "stage {stage} at {:.0}: p95 {} errors {}",
            f / 2.0,
            half.reading.p95_ms,
            half.reading.error_rate
        );
        // Stage 7 at twice its limit is ten million users: too slow for a test.
        if stage < 7 {
            let twice = simulate(stage, f * 2.0);
            assert!(
                sim_failing(&twice),
                "stage {stage} at {:.0}: p95 {} errors {}",
                f * 2.0,
                twice.reading.p95_ms,
                twice.reading.error_rate
            );
        }
    }
}

#[test]
fn latency_and_failure_are_monotone_in_users() {
    let users: Vec<f64> = (0..=120)
        .map(|i| 10f64.powf(1.0 + f64::from(i) / 20.0))
        .collect();
    for stage in 1..=7 {
        let curve = analytic::curve(&Scenario::for_stage(stage, 1.0), &users);
        let mut failed = false;
        let mut last = 0.0;
        for (u, p) in users.iter().zip(&curve) {
            assert!(!failed || p.failing, "stage {stage} recovers at {u}");
            failed |= p.failing;
            if let Some(p95) = p.p95_ms {
                assert!(
                    p95 >= last * (1.0 - 1e-3),
                    "stage {stage} at {u}: {p95} < {last}"
                );
                last = p95;
            } else {
                assert!(
                    p.over_capacity,
                    "stage {stage} at {u}: no p95 below capacity"
                );
                last = f64::INFINITY;
            }
        }
        assert!(failed, "stage {stage} never fails up to 10M users");
    }
}

#[test]
fn a_curve_is_the_same_as_point_predictions() {
    let sc = Scenario::for_stage(5, 1.0);
    let users = [100.0, 50_000.0, 400_000.0];
    for (u, p) in users.iter().zip(analytic::curve(&sc, &users)) {
        assert_eq!(p, predict(5, *u));
    }
    let of = analytic::failure_users_of(&sc, 10.0, 1e8);
    let by_fn = analytic::failure_users(|u| Scenario::for_stage(5, u), 10.0, 1e8);
    assert_eq!(of, by_fn);
}

#[test]
fn what_is_under_the_bottleneck_is_what_fixes_it() {
    // Stage 1 runs out of memory; an index (stage 3's fix) shrinks the report.
    let p = predict(1, 1_000.0);
    assert_eq!(
        (p.bottleneck, p.over_capacity),
        (Measure::Memory(Tier::App), true)
    );
    let mut indexed = Scenario::for_stage(1, 1_000.0);
    indexed.db_indexed = true;
    assert!(!analytic::predict(&indexed).failing);
    // Stage 3's one app box runs out of CPU; stage 4 spreads it over three.
    assert_eq!(
        predict(3, 60_000.0).bottleneck,
        Measure::Resource(Tier::App, Role::Cores)
    );
    assert!(!predict(4, 60_000.0).failing);
    // Stage 5's threads wait on the third party; stage 6's queue frees them.
    let threads = Measure::Resource(Tier::App, Role::Threads);
    assert_eq!(predict(5, 400_000.0).bottleneck, threads);
    assert!(load(&predict(6, 400_000.0), threads) < 0.1);
}
