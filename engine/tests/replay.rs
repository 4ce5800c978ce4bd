//! A replay runs a system again to the same moment with the same numbers: the history a live
//! engine keeps, written as text and read back, reproduces every figure the page shows,
//! however the first run was sliced into steps and however often it was read.

use headroom_engine::live::{Engine, LiveReading};
use headroom_engine::replay::History;
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Fault;

/// What the page shows of a reading.
fn shown(r: &LiveReading) -> String {
    let x = &r.reading;
    format!(
        "t {} p50 {} p95 {} p99 {} errors {} throughput {} arrivals {} completed {} failed {} \
         stale {} cost {} diagnosis {:?} parts {:?}",
        x.time_s,
        x.p50_ms,
        x.p95_ms,
        x.p99_ms,
        x.error_rate,
        x.throughput_rps,
        x.arrivals,
        x.completed,
        x.failed,
        x.stale_read_rate,
        r.cost.monthly_usd,
        r.diagnosis.as_ref().map(|d| d.failure),
        r.parts
            .iter()
            .map(|p| (
                p.gauge.map(|(role, busy, n, q)| (role, busy.round(), n, q)),
                p.memory,
                p.down,
                p.hot
            ))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn a_replayed_run_shows_the_same_numbers_as_the_run() {
    for (stage, users, seed, fault) in [
        (1, 900.0, 1, Fault::Spike),
        (3, 45_000.0, 2, Fault::SlowApi),
        (4, 150_000.0, 7, Fault::CrashApp(1)),
        (7, 1_500_000.0, 3, Fault::ReplicaLag),
    ] {
        let sc = Scenario::for_stage(stage, users);
        let mut more = sc.clone();
        more.users = users * 1.7;
        more.write_share = 0.2;
        let mut engine = Engine::new(&sc, seed);
        // Uneven slices, read now and then, as a browser's frames would; two changes between.
        let (mut t, mut k) = (0.0, 0_u32);
        let mut steps = [(13.37, 0), (21.9, 1), (30.05, 2)].into_iter().peekable();
        let end = 44.4;
        while t < end {
            k += 1;
            let next = (t + 0.011 * f64::from(k % 23 + 1)).min(end);
            if let Some(&(at, what)) = steps.peek() {
                if next >= at {
                    engine.step_until(at);
                    match what {
                        0 => drop(engine.apply(&more, seed)),
                        1 => engine.set_fault(fault, true),
                        _ => engine.set_fault(fault, false),
                    }
                    steps.next();
                }
            }
            engine.step_until(next);
            t = next;
            if k % 5 == 0 {
                let _ = engine.read();
            }
        }
        let first = engine.read();
        let text = first.replay.clone().expect("a history to replay");
        let (history, at) = History::parse(&text).unwrap();
        assert_eq!(at, end);
        let mut again = history.run(&more, seed, at, 0.25);
        assert_eq!(shown(&again.read()), shown(&first), "stage {stage}: {text}");
    }
}

#[test]
fn a_rebuilt_system_replays_from_its_build_with_the_faults_it_took_over() {
    let sc = Scenario::for_stage(4, 120_000.0);
    let mut engine = Engine::new(&sc, 5);
    engine.step_until(5.0);
    engine.set_fault(Fault::Spike, true);
    engine.step_until(9.0);
    let mut bigger = sc.clone();
    bigger.app_servers = 6;
    engine.apply(&bigger, 5);
    engine.step_until(25.5);
    let first = engine.read();
    let text = first.replay.clone().unwrap();
    assert!(text.starts_with("25.5~"), "{text}");
    assert!(
        text.ends_with("~0nspike"),
        "the spike came over at the build: {text}"
    );
    let (history, at) = History::parse(&text).unwrap();
    assert_eq!(
        shown(&history.run(&bigger, 5, at, 0.25).read()),
        shown(&first)
    );
}
