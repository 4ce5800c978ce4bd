//! What the page reads while the simulation runs: knobs that change a running system, the live
//! diagnosis, and the marks failed requests leave.

use headroom_engine::core::Window;
use headroom_engine::live::Engine;
use headroom_engine::parts::ResourceId;
use headroom_engine::reading::{Reading, ResourceReading};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::{Fault, Sim};

fn run(stage: u8, users: f64, seconds: f64) -> Sim {
    let mut sim = Sim::new(&Scenario::for_stage(stage, users), 1);
    sim.step_until(seconds);
    sim
}

fn resource<'a>(r: &'a Reading, id: &str) -> &'a ResourceReading {
    let id: ResourceId = id.parse().unwrap();
    r.resources.iter().find(|n| n.id == id).unwrap()
}

fn live(sim: &mut Sim) -> Reading {
    sim.reading(Window::Live)
}

#[test]
fn a_lower_cache_hit_rate_sends_more_reads_to_the_database_at_once() {
    let mut sim = run(5, 100_000.0, 20.0);
    let before = resource(&live(&mut sim), "db1.connections").arrivals_per_s;
    sim.set_cache_hit(0.0);
    assert_eq!(sim.scenario().cache_hit, 0.0);
    let t = sim.now();
    sim.step_until(t + 12.0);
    let after = resource(&live(&mut sim), "db1.connections").arrivals_per_s;
    assert!(after > 1.8 * before, "{before} → {after} queries/s");
}

#[test]
fn more_writes_take_more_row_locks() {
    let mut sim = run(2, 1_000.0, 20.0);
    let before = resource(&live(&mut sim), "db1.locks").arrivals_per_s;
    sim.set_write_share(0.5);
    let t = sim.now();
    sim.step_until(t + 12.0);
    let after = resource(&live(&mut sim), "db1.locks").arrivals_per_s;
    assert!(after > 3.0 * before, "{before} → {after} writes/s");
    assert_eq!(sim.scenario().write_share, 0.5);
}

#[test]
fn a_slower_third_party_api_shows_in_its_calls() {
    // Enough users for a hundred calls in the window: a median of a handful is noise.
    let mut sim = run(4, 50_000.0, 20.0);
    sim.set_third_party_median(50.0);
    let t = sim.now();
    sim.step_until(t + 12.0);
    let fast = resource(&live(&mut sim), "api.calls").p50_ms;
    sim.set_third_party_median(2_000.0);
    // Long enough that the window holds calls that started after the change and ran their
    // whole length (right after it, only the short ones have ended).
    sim.step_until(t + 42.0);
    let slow = resource(&live(&mut sim), "api.calls").p50_ms;
    assert!(fast < 120.0 && slow > 1_000.0, "p50 {fast} → {slow} ms");
    let sc = sim.scenario();
    assert!((sc.third_party_p95_ms / sc.third_party_median_ms - 8_200.0 / 400.0).abs() < 1e-9);
}

#[test]
fn a_knob_moved_under_a_slow_api_keeps_the_fault() {
    let sc = Scenario::for_stage(4, 10_000.0);
    let mut engine = Engine::new(&sc, 1);
    engine.set_fault(Fault::SlowApi, true);
    let mut moved = sc.clone();
    moved.third_party_median_ms = 100.0;
    engine.apply(&moved, 1);
    engine.step_until(25.0);
    let r = engine.read();
    assert!(r.reading.faults.slow_api);
    assert!(resource(&r.reading, "api.calls").p50_ms > 2_000.0);
    // More app servers build a new system: the switch moves over to it.
    moved.app_servers = 5;
    engine.apply(&moved, 1);
    assert!(engine.faults().slow_api);
    engine.set_fault(Fault::SlowApi, false);
    engine.step_until(25.0);
    assert!(resource(&engine.read().reading, "api.calls").p50_ms < 300.0);
}

#[test]
fn the_spike_shows_in_the_offered_load() {
    let sc = Scenario::for_stage(4, 10_000.0);
    let mut engine = Engine::new(&sc, 1);
    engine.step_until(2.0);
    let normal = engine.read().reading.offered_rps;
    engine.set_fault(Fault::Spike, true);
    let spiked = engine.read().reading.offered_rps;
    assert!((spiked / normal - 10.0).abs() < 1e-9, "{normal} → {spiked}");
    let mut more = sc.clone();
    more.users = 20_000.0;
    engine.apply(&more, 1);
    assert!((engine.read().reading.offered_rps / normal - 20.0).abs() < 1e-9);
}

#[test]
fn each_stage_is_healthy_live_below_its_limit() {
    for (stage, users) in [(1, 300.0), (3, 10_000.0), (4, 50_000.0), (7, 500_000.0)] {
        let mut engine = Engine::new(&Scenario::for_stage(stage, users), 1);
        let mut t = 0.0;
        while t < 20.0 {
            t += 0.5;
            engine.step_until(t);
            let r = engine.read();
            if t >= 12.0 {
                assert!(
                    r.diagnosis.is_none(),
                    "stage {stage} at {t}: {:?}",
                    r.diagnosis
                );
                assert!(r.verdict.healthy(), "stage {stage} at {t}: {:?}", r.verdict);
            }
        }
    }
}

#[test]
fn a_replica_lag_spike_shows_as_stale_reads_live() {
    let sc = Scenario::for_stage(7, 500_000.0);
    let mut engine = Engine::new(&sc, 1);
    engine.step_until(15.0);
    engine.set_fault(Fault::ReplicaLag, true);
    let mut t = 15.0;
    let mut last = None;
    while t < 30.0 {
        t += 0.5;
        engine.step_until(t);
        last = engine.read().diagnosis.map(|d| d.failure.code());
    }
    assert_eq!(last, Some("stale_reads"));
    let r = engine.read();
    assert!(
        r.reading.stale_read_rate > 0.005,
        "{}",
        r.reading.stale_read_rate
    );
    assert!(r.reading.replica_lag_ms.iter().all(|&l| l > 5_000.0));
}

#[test]
fn failed_requests_leave_recent_marks_where_they_failed() {
    let mut sim = run(3, 400_000.0, 30.0);
    let r = live(&mut sim);
    let m = sim.motion();
    assert!(!m.failures.is_empty());
    assert!(r.error_rate > 0.1);
    assert_eq!(r.errors.total(), r.failed);
    for &(res, age) in &m.failures {
        assert!((0.0..=1.0).contains(&age), "age {age}");
        let id = r.resources[usize::from(res)].id;
        assert_eq!(id.part.tier, headroom_engine::parts::Tier::App, "{id}");
    }
}

/// The share of readings, four a second from `from` to `to`, whose diagnosis is `code`.
fn share_showing(engine: &mut Engine, from: f64, to: f64, code: &str) -> f64 {
    let (mut shown, mut readings) = (0, 0);
    let mut t = from;
    while t < to {
        t += 0.25;
        engine.step_until(t);
        readings += 1;
        if engine
            .read()
            .diagnosis
            .is_some_and(|d| d.failure.code() == code)
        {
            shown += 1;
        }
    }
    f64::from(shown) / f64::from(readings)
}

#[test]
fn the_users_slider_moved_live_gives_the_system_a_link_gives() {
    // Stage 6 opened at 300 users, then the slider moved to 1.6 million: the analysts' scans
    // arrive at the new rate at once, and the primary saturates as it does when the page
    // opens at 1.6 million.
    let mut engine = Engine::new(&Scenario::for_stage(6, 300.0), 1);
    engine.step_until(5.0);
    engine.apply(&Scenario::for_stage(6, 1_600_000.0), 1);
    let moved = share_showing(&mut engine, 15.0, 75.0, "primary_saturated");
    let mut linked = Engine::new(&Scenario::for_stage(6, 1_600_000.0), 1);
    linked.step_until(10.0);
    let opened = share_showing(&mut linked, 10.0, 70.0, "primary_saturated");
    assert!(
        moved >= 0.9 && opened >= 0.9,
        "moved {moved}, opened {opened}"
    );
}
