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
    let before = sim.core.events_handled;
    let start = now_ms();
    sim.step_until(30.0);
    let wall = (now_ms() - start) / 1e3;
    let events = sim.core.events_handled - before;
    console_log!(
        "wasm stage7-10M-users: {events} events in {wall:.2} s = {:.1} M events/s, {:.1}x real time",
        events as f64 / wall / 1e6,
        20.0 / wall
    );
    assert!(events > 0);
}
