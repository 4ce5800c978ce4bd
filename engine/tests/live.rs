//! What the UI reads while the simulation runs: knobs that change a running system, the live
//! failure rules, and the marks failed requests leave.

use headroom_engine::failure::{detect_live, over_budget, Measured};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::{Fault, Sim};
use headroom_engine::snapshot::Snapshot;

fn run(stage: u8, users: f64, seconds: f64) -> Sim {
    let mut sim = Sim::new(&Scenario::for_stage(stage, users), 1);
    sim.step_until(seconds);
    sim
}

fn node<'a>(s: &'a Snapshot, id: &str) -> &'a headroom_engine::snapshot::NodeSnapshot {
    s.nodes.iter().find(|n| n.id == id).unwrap()
}

#[test]
fn a_lower_cache_hit_rate_sends_more_reads_to_the_database_at_once() {
    let mut sim = run(5, 100_000.0, 20.0);
    let before = node(&sim.snapshot(0), "db.connections").arrivals_per_s;
    sim.set_cache_hit(0.0);
    assert_eq!(sim.scenario().cache_hit, 0.0);
    let t = sim.core.now;
    sim.step_until(t + 12.0);
    let after = node(&sim.snapshot(0), "db.connections").arrivals_per_s;
    assert!(after > 1.8 * before, "{before} → {after} queries/s");
}

#[test]
fn more_writes_take_more_row_locks() {
    let mut sim = run(2, 1_000.0, 20.0);
    let before = node(&sim.snapshot(0), "db.locks").arrivals_per_s;
    sim.set_write_share(0.5);
    let t = sim.core.now;
    sim.step_until(t + 12.0);
    let after = node(&sim.snapshot(0), "db.locks").arrivals_per_s;
    assert!(after > 3.0 * before, "{before} → {after} writes/s");
    assert_eq!(sim.scenario().write_share, 0.5);
}

#[test]
fn a_slower_third_party_api_shows_in_its_calls() {
    let mut sim = run(4, 10_000.0, 20.0);
    sim.set_third_party_median(50.0);
    let t = sim.core.now;
    sim.step_until(t + 12.0);
    let fast = node(&sim.snapshot(0), "api.calls").p50_ms;
    sim.set_third_party_median(2_000.0);
    sim.step_until(t + 24.0);
    let slow = node(&sim.snapshot(0), "api.calls").p50_ms;
    assert!(fast < 120.0 && slow > 1_000.0, "p50 {fast} → {slow} ms");
    let sc = sim.scenario();
    assert!((sc.third_party_p95_ms / sc.third_party_median_ms - 8_200.0 / 400.0).abs() < 1e-9);
}

#[test]
fn each_stage_is_healthy_live_below_its_limit() {
    for (stage, users) in [(1, 300.0), (3, 10_000.0), (4, 50_000.0), (7, 500_000.0)] {
        let mut sim = run(stage, users, 20.0);
        let s = sim.snapshot(0);
        assert_eq!(detect_live(sim.scenario(), &s), None, "stage {stage}");
        // A healthy system still fails now and then (the third-party API's own errors), but
        // not enough to miss its targets.
        assert!(
            !over_budget(&Measured::from(&s)),
            "stage {stage}: errors {}, p95 {} ms",
            s.error_rate,
            s.p95_ms
        );
    }
}

#[test]
fn the_live_rules_name_each_stage_failure_above_its_limit() {
    for (stage, users, code) in [
        (1, 5_000.0, "oom_cascade"),
        (3, 200_000.0, "app_saturated"),
        (4, 600_000.0, "db_connections_exhausted"),
    ] {
        let mut sim = run(stage, users, 40.0);
        let s = sim.snapshot(0);
        assert_eq!(detect_live(sim.scenario(), &s), Some(code), "stage {stage}");
    }
}

#[test]
fn a_replica_lag_spike_shows_as_stale_reads_live() {
    let mut sim = run(7, 500_000.0, 15.0);
    sim.inject(Fault::ReplicaLag { extra_ms: 5_000.0 });
    sim.step_until(30.0);
    let s = sim.snapshot(0);
    assert!(s.stale_read_rate > 0.005, "{}", s.stale_read_rate);
    assert_eq!(detect_live(sim.scenario(), &s), Some("stale_reads"));
}

#[test]
fn failed_requests_leave_recent_marks_where_they_failed() {
    let mut sim = run(3, 400_000.0, 30.0);
    let s = sim.snapshot(0);
    let m = sim.motion();
    assert!(!m.failures.is_empty());
    let by_cause: f64 = s.error_rate_by_cause.iter().sum();
    assert!(
        s.error_rate > 0.1 && (by_cause - s.error_rate).abs() < 1e-9 * s.error_rate.max(1.0),
        "{by_cause} vs {}",
        s.error_rate
    );
    for &(res, age) in &m.failures {
        assert!((0.0..=1.0).contains(&age), "age {age}");
        assert_eq!(s.nodes[usize::from(res)].node, "app", "{res}");
    }
}
