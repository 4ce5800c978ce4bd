//! The page tells the truth: latency counts failed requests as the user lives them, a part's
//! measurements agree with Erlang C where Erlang C applies, and a reading that misses its
//! targets names a failure.
//!
//! Every test drives the engine as the page does: [`Engine::new`], a reading every 0.25
//! simulated seconds, and a slider moved with [`Engine::apply`] (the page's `Apply` command).

use headroom_engine::diagnosis::Failure;
use headroom_engine::live::{Applied, Engine, LiveReading};
use headroom_engine::parts::ResourceId;
use headroom_engine::reading::ResourceReading;
use headroom_engine::scenario::Scenario;

/// Seconds between readings: the page reads four times a simulated second.
const EVERY_S: f64 = 0.25;

/// The latency histograms' resolution: a value is reported within 1% of itself (34 × 64
/// log-linear buckets). The request timeout lands in a bucket whose midpoint is a little above
/// it, so a p95 of failed requests reads 10,000 or 10,027 ms depending on the slowest request
/// in the window; a "fall" smaller than this is the bucket, not the system.
const HISTOGRAM_RESOLUTION: f64 = 0.01;

/// The request timeout of `stage`'s scenario, ms: what a failed request costs its user.
fn timeout_ms(stage: u8) -> f64 {
    Scenario::for_stage(stage, 1.0).request_timeout_s * 1e3
}

/// Runs `engine` to `until`, reading every [`EVERY_S`] as the page does, and hands each
/// reading to `each`.
fn run(engine: &mut Engine, until: f64, mut each: impl FnMut(&LiveReading)) {
    let mut tick = (engine.now() / EVERY_S).round() as u64;
    loop {
        tick += 1;
        let t = tick as f64 * EVERY_S;
        if t > until + 1e-9 {
            break;
        }
        engine.step_until(t);
        let r = engine.read();
        each(&r);
    }
}

// ---------------------------------------------------------------------------------------
// 1. Latency tells the truth.
// ---------------------------------------------------------------------------------------

#[test]
fn stage_1_down_after_an_oom_kill_shows_p95_at_the_timeout() {
    // The README's link: stage 1 at 1,000 users, where the cron report runs the VM out of
    // memory.
    let timeout = timeout_ms(1);
    let mut engine = Engine::new(&Scenario::for_stage(1, 1_000.0), 1);
    let mut down = Vec::new();
    run(&mut engine, 40.0, |r| {
        let vm = &r.reading.hosts[0];
        if !vm.up && vm.down_from_oom {
            down.push((r.reading.time_s, r.reading.p95_ms, r.reading.error_rate));
        }
    });
    // The VM is killed and restarts for many readings (not a check that passes with none).
    assert!(down.len() >= 20, "{} readings while down", down.len());
    let low = down
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    eprintln!(
        "stage 1 at 1,000 users: {} readings while down from OOM, from {} s to {} s; lowest p95 {:.0} ms (at {} s, errors {:.1}%)",
        down.len(),
        down[0].0,
        down[down.len() - 1].0,
        low.1,
        low.0,
        100.0 * low.2
    );
    assert!(
        low.1 >= timeout,
        "p95 {:.0} ms at {} s while the VM is down (timeout {timeout} ms)",
        low.1,
        low.0
    );
}

#[test]
fn stage_6_at_three_million_users_shows_p95_at_the_timeout() {
    let timeout = timeout_ms(6);
    let mut engine = Engine::new(&Scenario::for_stage(6, 3_000_000.0), 1);
    let mut seen = Vec::new();
    run(&mut engine, 20.0, |r| {
        if r.reading.time_s >= 10.0 {
            seen.push((r.reading.time_s, r.reading.p95_ms, r.reading.error_rate));
        }
    });
    let low = seen
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    eprintln!(
        "stage 6 at 3,000,000 users, 10-20 s: lowest p95 {:.0} ms (at {} s, errors {:.1}%)",
        low.1,
        low.0,
        100.0 * low.2
    );
    assert!(low.1 >= timeout, "p95 {:.0} ms at {} s", low.1, low.0);
}

/// (users, error rate, p95 ms) of the live reading at 20 s, for `stage` at each of `users`.
fn sweep(stage: u8, users: &[f64]) -> Vec<(f64, f64, f64)> {
    users
        .iter()
        .map(|&u| {
            let mut engine = Engine::new(&Scenario::for_stage(stage, u), 1);
            let mut last = None;
            run(&mut engine, 20.0, |r| {
                last = Some((u, r.reading.error_rate, r.reading.p95_ms));
            });
            last.unwrap()
        })
        .collect()
}

#[test]
fn p95_never_falls_while_errors_climb_past_half() {
    // Four points a decade, past each stage's limit.
    let decade = |from: f64, n: i32| -> Vec<f64> {
        (0..n)
            .map(|k| (from * 10f64.powf(f64::from(k) / 4.0)).round())
            .collect()
    };
    let mut pairs = 0;
    for (stage, from, n) in [(1, 300.0, 6), (3, 30_000.0, 9), (6, 1_000_000.0, 5)] {
        let timeout = timeout_ms(stage);
        let points = sweep(stage, &decade(from, n));
        eprintln!("stage {stage} sweep (users, error rate, p95 ms): {points:.3?}");
        for w in points.windows(2) {
            let ((u0, e0, p0), (u1, e1, p1)) = (w[0], w[1]);
            if e0 > 0.5 && e1 > e0 {
                pairs += 1;
                assert!(
                    p1 >= p0 * (1.0 - HISTOGRAM_RESOLUTION),
                    "stage {stage}: errors {e0:.3} → {e1:.3} ({u0} → {u1} users) but p95 {p0:.0} → {p1:.0} ms"
                );
            }
            for (u, e, p) in [w[0], w[1]] {
                // Past half the requests failing, the 95th percentile is a failed request.
                if e > 0.5 {
                    assert!(
                        p >= timeout,
                        "stage {stage} at {u}: errors {e:.3}, p95 {p:.0} ms"
                    );
                }
            }
        }
    }
    // The sweeps do climb past half (the rule above is not checked on nothing).
    assert!(pairs >= 4, "{pairs} steps with errors over half and rising");
}

// ---------------------------------------------------------------------------------------
// 2. Inside a part agrees with Erlang C.
// ---------------------------------------------------------------------------------------

/// Erlang C's tolerance for a part at ρ ≤ 0.8: within 10%.
const ERLANG_TOLERANCE: f64 = 0.1;

fn resource<'a>(r: &'a LiveReading, id: &str) -> &'a ResourceReading {
    let id: ResourceId = id.parse().unwrap();
    r.reading.resources.iter().find(|x| x.id == id).unwrap()
}

/// A stage-3 course in which the app server's CPU is an M/M/2 queue, Erlang C's own
/// assumptions: every request is a page read (two exponential CPU visits of one mean, Poisson
/// arrivals, no load balancer to shape them). With the stages' default mix the CPU also serves
/// static files (0.5 ms) beside pages (several ms each), and Erlang C, which assumes one
/// exponential service, underestimates that mixture's wait (by 5-14% of the time inside at
/// ρ ≈ 0.55, more above).
fn m_m_2_course(users: f64) -> Scenario {
    let mut sc = Scenario::for_stage(3, users);
    sc.static_share = 0.0;
    sc.write_share = 0.0;
    sc.third_party_share = 0.0;
    sc.deferred_share = 0.0;
    sc
}

/// When the slider moves: late in a second, so that a live window cut at whole seconds would
/// hold 0.9 s of the system before the move.
const MOVED_AT_S: f64 = 20.9;

/// Moves the users slider from `from` to `to` at [`MOVED_AT_S`] (the page's `Apply`
/// command), reads 10 simulated seconds later, and returns the window's span and the app
/// server's CPU then.
fn cpu_after_move(from: f64, to: f64) -> (f64, ResourceReading) {
    let mut engine = Engine::new(&m_m_2_course(from), 1);
    run(&mut engine, MOVED_AT_S, |_| {});
    engine.step_until(MOVED_AT_S);
    assert_eq!(engine.apply(&m_m_2_course(to), 1), Applied::InPlace);
    run(&mut engine, MOVED_AT_S + 10.0, |_| {});
    engine.step_until(MOVED_AT_S + 10.0);
    let r = engine.read();
    (r.reading.window_s, resource(&r, "app1.cpu").clone())
}

fn check_erlang(label: &str, (window_s, x): (f64, ResourceReading)) {
    let theory = x.theory.expect("a pool with traffic has a prediction");
    let predicted_wait = theory.mean_wait_ms.expect("a stable queue has a mean wait");
    let measured = x.mean_wait_ms + x.mean_service_ms;
    let predicted = predicted_wait + x.mean_service_ms;
    eprintln!(
        "{label}: window {window_s:.3} s, {} servers, utilization {:.3} (Erlang C {:.3}), wait {:.3} ms (Erlang C {:.3}), service {:.3} ms, time inside {:.3} ms (Erlang C {:.3}, {:+.1}%)",
        x.servers,
        x.utilization,
        theory.utilization,
        x.mean_wait_ms,
        predicted_wait,
        x.mean_service_ms,
        measured,
        predicted,
        100.0 * (measured / predicted - 1.0)
    );
    // The window holds the ten seconds since the move and nothing before it.
    assert!(
        (window_s - 10.0).abs() < 1e-9,
        "{label}: the live window spans {window_s} s"
    );
    assert!(x.servers > 1, "{label}: a multi-server part");
    assert!(
        (0.5..=0.8).contains(&theory.utilization),
        "{label}: ρ {:.3}",
        theory.utilization
    );
    assert!(
        (x.utilization / theory.utilization - 1.0).abs() <= ERLANG_TOLERANCE,
        "{label}: utilization {:.3} vs Erlang C {:.3}",
        x.utilization,
        theory.utilization
    );
    assert!(
        (measured / predicted - 1.0).abs() <= ERLANG_TOLERANCE,
        "{label}: time inside {measured:.3} ms vs Erlang C {predicted:.3} ms"
    );
}

#[test]
fn a_part_agrees_with_erlang_c_ten_seconds_after_the_slider_moves_up() {
    // From ρ ≈ 0.1 to ρ ≈ 0.55.
    check_erlang("moved up", cpu_after_move(2_000.0, 10_500.0));
}

#[test]
fn a_part_agrees_with_erlang_c_ten_seconds_after_the_slider_moves_down() {
    // From ρ ≈ 0.8 to ρ ≈ 0.55.
    check_erlang("moved down", cpu_after_move(15_000.0, 10_500.0));
}

// ---------------------------------------------------------------------------------------
// 3. No unexplained misses.
// ---------------------------------------------------------------------------------------

/// Share of a point's over-target readings that must show a named failure.
const NAMED_SHARE: f64 = 0.9;

/// (readings over target, of those showing a named failure, the failures shown) for `stage`
/// at `users` with `seed`, read from second 10 to `end` as the page reads.
fn named(stage: u8, users: f64, seed: u64, end: f64) -> (u32, u32, Vec<&'static str>) {
    let mut engine = Engine::new(&Scenario::for_stage(stage, users), seed);
    let (mut over, mut named, mut shown) = (0, 0, Vec::new());
    run(&mut engine, end, |r| {
        if r.reading.time_s < 10.0 || !r.verdict.over_target() {
            return;
        }
        over += 1;
        let code = r.diagnosis.as_ref().map_or("none", |d| d.failure.code());
        if r.diagnosis
            .as_ref()
            .is_some_and(|d| d.failure != Failure::Unexplained)
        {
            named += 1;
        }
        if !shown.contains(&code) {
            shown.push(code);
        }
    });
    (over, named, shown)
}

/// The cheap form of `examples/sweep.rs`: one seed, two points a decade from 100 to 10
/// million users, readings from second 10 to 30.
#[test]
fn readings_over_target_name_their_failure() {
    let mut points_over = 0;
    let mut failing = Vec::new();
    for stage in 1..=7u8 {
        for k in 0..=10 {
            let users = (100.0 * 10f64.powf(f64::from(k) / 2.0)).round();
            let (over, named, shown) = named(stage, users, 1, 30.0);
            if over == 0 {
                continue;
            }
            points_over += 1;
            let share = f64::from(named) / f64::from(over);
            if share < NAMED_SHARE {
                failing.push(format!(
                    "stage {stage} at {users}: {named} of {over} named ({shown:?})"
                ));
            }
        }
    }
    eprintln!("{points_over} points with readings over target; under {NAMED_SHARE}: {failing:?}");
    // Every stage breaks inside the sweep (so the rule is checked on many points).
    assert!(points_over >= 20, "{points_over} points over target");
    assert!(failing.is_empty(), "{failing:#?}");
}

/// The points of the full sweep (`examples/sweep.rs`: 4 a decade, 5 seeds, 10 to 70 s) that
/// once missed their targets unexplained: a slow third-party tail at low load, app threads
/// near their limit, the first second of an episode. Each is named now, on every seed.
#[test]
fn the_sweeps_once_unexplained_points_are_named() {
    let points = [
        (2, 1_000.0),
        (3, 1_780.0),
        (3, 31_600.0),
        (4, 1_780.0),
        (5, 1_780.0),
        (5, 3_160.0),
        (5, 316_000.0),
        (6, 316_000.0),
        (6, 562_000.0),
    ];
    let mut failing = Vec::new();
    let mut over_seen = 0;
    for (stage, users) in points {
        for seed in 1..=5 {
            let (over, named, shown) = named(stage, users, seed, 70.0);
            over_seen += over;
            if over > 0 && f64::from(named) < NAMED_SHARE * f64::from(over) {
                failing.push(format!(
                    "stage {stage} at {users}, seed {seed}: {named} of {over} named ({shown:?})"
                ));
            }
        }
    }
    // These points do miss their targets at times (else the test checks nothing).
    assert!(over_seen >= 100, "{over_seen} readings over target");
    assert!(failing.is_empty(), "{failing:#?}");
}
