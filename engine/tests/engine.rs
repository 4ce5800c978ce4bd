//! The stage simulation against the laws any queueing system obeys, and its determinism.

use headroom_engine::core::Window;
use headroom_engine::parts::Tier;
use headroom_engine::run::{fingerprint, run_stage};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::{class, Sim};

/// Little's law, L = λW, per resource and end to end, on a busy stage with every kind of
/// resource (pools, delays, a queue, replicas, shards).
#[test]
fn littles_law_holds_per_node_and_end_to_end() {
    // Long enough that requests straddling the start and end of the window (the only
    // departure from L = λW on a sample path) are negligible, even for rare long analytics.
    for (stage, users, seconds) in [(4, 60_000.0, 300.0), (7, 400_000.0, 1_200.0)] {
        let mut sim = Sim::new(&Scenario::for_stage(stage, users), 11);
        sim.step_until(30.0);
        sim.reset_stats();
        sim.step_until(30.0 + seconds);
        let r = sim.reading(Window::Run);
        let lambda = r.arrivals as f64 / r.window_s;
        let l = r.mean_in_flight;
        let w = r.mean_in_system_ms / 1e3;
        assert!(
            (l - lambda * w).abs() / l < 0.02,
            "stage {stage}: L = {l}, λW = {}",
            lambda * w
        );
        let mut checked = 0;
        for n in &r.resources {
            if n.arrivals < 20_000 || n.mean_present < 0.05 {
                continue;
            }
            let lw = n.arrivals_per_s * n.mean_ms / 1e3;
            let err = (n.mean_present - lw).abs() / n.mean_present;
            assert!(
                err < 0.02,
                "stage {stage} {}: L = {}, λW = {lw}",
                n.id,
                n.mean_present
            );
            checked += 1;
        }
        assert!(
            checked >= 5,
            "stage {stage}: only {checked} nodes were busy enough to check"
        );
    }
}

/// Every request that arrived at a resource has left it (served or failed) or is still
/// there, exactly; the same end to end. Includes OOM kills, timeouts and full queues.
#[test]
fn requests_are_conserved_exactly() {
    for (stage, users) in [
        (1, 2_000.0),
        (2, 3_000.0),
        (3, 200_000.0),
        (5, 800_000.0),
        (7, 300_000.0),
    ] {
        let mut sim = Sim::new(&Scenario::for_stage(stage, users), 5);
        sim.step_until(150.0);
        let r = sim.reading(Window::Run);
        assert!(
            r.failed > 0 || stage == 7,
            "stage {stage} at {users} should be failing"
        );
        assert_eq!(
            r.arrivals,
            r.completed + r.failed + r.in_flight,
            "stage {stage} end to end"
        );
        for n in &r.resources {
            assert_eq!(
                n.arrivals,
                n.completed + n.failed + u64::from(n.busy + n.queue_len),
                "stage {stage} node {}",
                n.id
            );
        }
    }
}

/// Erlang C beside the measurement: with the measured arrival rate and mean service time,
/// the predicted utilization matches the measured one.
#[test]
fn erlang_prediction_matches_measured_utilization() {
    let mut sim = Sim::new(&Scenario::for_stage(4, 100_000.0), 2);
    sim.step_until(30.0);
    sim.reset_stats();
    sim.step_until(330.0);
    let r = sim.reading(Window::Run);
    let cpu = r
        .resources
        .iter()
        .find(|n| n.id.to_string() == "db1.cpu")
        .unwrap();
    let theory = cpu.theory.as_ref().unwrap();
    assert!(cpu.utilization > 0.3, "{}", cpu.utilization);
    assert!((theory.utilization - cpu.utilization).abs() < 0.02 * cpu.utilization.max(0.1));
    assert!(theory.mean_wait_ms.is_some());
}

#[test]
fn same_seed_same_bytes_other_seed_other_numbers() {
    let json = |seed| {
        let mut run = run_stage(&Scenario::for_stage(7, 50_000.0), seed, 20.0);
        run.wall_s = 0.0;
        serde_json::to_string(&run).unwrap()
    };
    assert_eq!(json(9), json(9));
    assert_ne!(json(9), json(10));
}

/// Memory stays bounded however long a run lasts: the request slab and the event list stop
/// growing once the system is in steady state.
#[test]
fn long_runs_do_not_grow() {
    let mut sim = Sim::new(&Scenario::for_stage(5, 100_000.0), 3);
    sim.step_until(60.0);
    let (events_at_1min, flight_at_1min) = (sim.pending_events(), sim.in_flight());
    sim.step_until(600.0);
    let (events_at_10min, flight_at_10min) = (sim.pending_events(), sim.in_flight());
    assert!(
        events_at_10min < events_at_1min * 2 + 100,
        "{events_at_1min} -> {events_at_10min}"
    );
    assert!(flight_at_10min < flight_at_1min * 2 + 100);
}

/// The fingerprint of a reference run, shared with the browser test (`tests/web.rs` at the
/// root), so native and wasm32 must produce the same bytes.
#[test]
fn reference_run_has_the_recorded_fingerprint() {
    let golden = include_str!("golden-fingerprint.txt").trim();
    let sc = Scenario::for_stage(7, 30_000.0);
    let print = fingerprint(&run_stage(&sc, 42, 10.0));
    assert_eq!(
        format!("{print:016x}"),
        golden,
        "update golden-fingerprint.txt if the model changed on purpose"
    );
}

/// Thinning the CDN's hits (one simulated in k and counted k times, the rest dropped; see
/// `Scenario::cdn_hits_simulated_per_s`) measures what simulating every hit measures. A hit
/// draws no random number once it is a hit and touches nothing another request uses, so every
/// other request meets exactly the same system, and the hits' counts are short by less than k.
#[test]
fn thinned_cdn_hits_measure_what_simulating_every_hit_does() {
    let thinned = Scenario::for_stage(7, 2_000_000.0);
    let mut every = thinned.clone();
    every.cdn_hits_simulated_per_s = 0.0;
    let hits_per_s = thinned.network_rps() * thinned.network_static_share() * thinned.cdn_hit;
    let stride = (hits_per_s / thinned.cdn_hits_simulated_per_s).floor() as u64;
    assert!(stride >= 4, "the run must thin: one hit in {stride}");
    let run = |sc: &Scenario| {
        let mut sim = Sim::new(sc, 5);
        sim.step_until(10.0);
        sim.reset_stats();
        sim.step_until(40.0);
        sim.reading(Window::Run)
    };
    let (t, e) = (run(&thinned), run(&every));
    assert!(
        t.events * 20 < e.events * 19,
        "{} events thinned, {} not",
        t.events,
        e.events
    );
    let near = |a: u64, b: u64, by: u64, what: &str| {
        assert!(a.abs_diff(b) <= by, "{what}: {a} thinned, {b} not");
    };
    // A hit kept just after the window opened stands for some from before it; those dropped
    // since the last one kept are not counted yet.
    near(t.arrivals, e.arrivals, stride, "arrivals");
    near(t.completed, e.completed, 2 * stride, "completed");
    assert_eq!(t.failed, e.failed, "failures");
    let edge = &t.finished_by_class;
    let hits = class::STATIC_EDGE as usize;
    assert!((edge[hits] - e.finished_by_class[hits]).abs() * 30.0 <= 2.0 * stride as f64);
    for (a, b) in t.resources.iter().zip(&e.resources) {
        if a.id.part.tier == Tier::Cdn {
            near(a.arrivals, b.arrivals, stride, "the edge's arrivals");
            near(
                a.completed,
                b.completed,
                2 * stride,
                "the edge's completions",
            );
        } else {
            assert_eq!(
                (a.arrivals, a.completed, a.failed, a.busy, a.queue_len),
                (b.arrivals, b.completed, b.failed, b.busy, b.queue_len),
                "{:?}: every other part meets the same requests",
                a.id
            );
            assert_eq!(a.mean_ms.to_bits(), b.mean_ms.to_bits(), "{:?}", a.id);
        }
    }
    // Every hit takes the same time, so the response times keep their distribution.
    for (a, b, what) in [
        (t.p50_ms, e.p50_ms, "p50"),
        (t.p95_ms, e.p95_ms, "p95"),
        (t.p99_ms, e.p99_ms, "p99"),
        (t.mean_ms, e.mean_ms, "mean"),
        (t.mean_in_flight, e.mean_in_flight, "mean in flight"),
    ] {
        assert!((a - b).abs() <= 1e-3 * b, "{what}: {a} thinned, {b} not");
    }
}
