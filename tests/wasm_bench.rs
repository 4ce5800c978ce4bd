//! The engine's speed in the browser: events per second for an M/M/c run and for stage 7 at
//! 10,000,000 users. Run through `scripts/bench`, which builds it optimized and prints the
//! figures; it is not part of the test command (figures, not pass/fail).
#![cfg(target_arch = "wasm32")]

use headroom_engine::mmc::{Mmc, MmcParams};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Sim;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
fn engine_speed_in_the_browser() {
    let start = now_ms();
    let r = Mmc::new(MmcParams {
        lambda: 9.0,
        mu: 1.0,
        servers: 10,
        customers: 2_000_000,
        warmup: 100_000,
        seed: 1,
    })
    .run();
    let wall = (now_ms() - start) / 1e3;
    console_log!(
        "wasm mmc: {} events in {wall:.2} s = {:.1} M events/s",
        r.events,
        r.events as f64 / wall / 1e6
    );

    let mut sim = Sim::new(&Scenario::for_stage(7, 10_000_000.0), 1);
    sim.step_until(10.0);
    let before = sim.events_handled();
    let start = now_ms();
    sim.step_until(30.0);
    let wall = (now_ms() - start) / 1e3;
    let events = sim.events_handled() - before;
    console_log!(
        "wasm stage7-10M-users: {events} events in {wall:.2} s = {:.1} M events/s, {:.1}x real time",
        events as f64 / wall / 1e6,
        20.0 / wall
    );
    assert!(events > 0);

    // As the app gets there: 1,000 users moved to 10,000,000 (a busier system than one
    // started at 10,000,000, which turns away a third of its requests).
    let mut sim = Sim::new(&Scenario::for_stage(7, 1_000.0), 1);
    sim.step_until(1.0);
    sim.set_users(10_000_000.0);
    sim.step_until(10.0);
    let before = sim.events_handled();
    let start = now_ms();
    sim.step_until(30.0);
    let wall = (now_ms() - start) / 1e3;
    let events = sim.events_handled() - before;
    console_log!(
        "wasm stage7-10M-users-from-slider: {events} events in {wall:.2} s = {:.1} M events/s, {:.1}x real time",
        events as f64 / wall / 1e6,
        20.0 / wall
    );

    // What the engine's worker does a few times a second: a reading of the live window.
    let mut engine = headroom_engine::live::Engine::new(&Scenario::for_stage(7, 1_000.0), 1);
    engine.step_until(1.0);
    let mut big = Scenario::for_stage(7, 10_000_000.0);
    big.users = 10_000_000.0;
    engine.apply(&big, 1);
    engine.step_until(5.0);
    let mut read_ms = Vec::new();
    for _ in 0..40 {
        let until = engine.now() + 0.25;
        engine.step_until(until);
        let t0 = now_ms();
        std::hint::black_box(engine.read());
        read_ms.push(now_ms() - t0);
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]
    };
    console_log!(
        "wasm stage7-10M-users reading: p50 {:.2} ms p95 {:.2} ms",
        pct(&mut read_ms, 0.5),
        pct(&mut read_ms, 0.95),
    );
}
