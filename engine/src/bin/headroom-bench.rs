//! `headroom-bench`: how fast the engine runs, in events per wall-clock second.
//!
//! Run it optimized: `cargo run -p headroom-engine --profile bench --bin headroom-bench`.
//! Each measurement prints one line, `name: E events in T s = R M events/s`.

use std::time::Instant;

use headroom_engine::mmc::{Mmc, MmcParams};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Sim;

/// Prints one measurement's line.
fn report(name: &str, events: u64, wall_s: f64) {
    let rate = events as f64 / wall_s.max(1e-9);
    println!(
        "{name}: {events} events in {wall_s:.2} s = {:.1} M events/s",
        rate / 1e6
    );
}

/// M/M/c at 90% load on 10 servers, 5M customers after a 100k warm-up.
fn mmc() {
    let params = MmcParams {
        lambda: 9.0,
        mu: 1.0,
        servers: 10,
        customers: 5_000_000,
        warmup: 100_000,
        seed: 1,
    };
    let start = Instant::now();
    let r = Mmc::new(params).run();
    report("mmc", r.events, start.elapsed().as_secs_f64());
}

/// Stage 7 with its defaults at 10,000,000 users: 60 simulated seconds after a 10 s warm-up,
/// and how much faster than real time that is. `from_slider` starts it the way the app does,
/// at 1,000 users moved to 10,000,000 after a second; started at 10,000,000 the system
/// overloads its replicas at once and turns away about a third of the requests with 503s,
/// which is less work to simulate.
fn stage7(from_slider: bool) {
    let name = if from_slider {
        "stage7-10M-users-from-slider"
    } else {
        "stage7-10M-users"
    };
    let mut sim = if from_slider {
        let mut sim = Sim::new(&Scenario::for_stage(7, 1_000.0), 1);
        sim.step_until(1.0);
        sim.set_users(10_000_000.0);
        sim
    } else {
        Sim::new(&Scenario::for_stage(7, 10_000_000.0), 1)
    };
    sim.step_until(10.0);
    let before = sim.events_handled();
    let start = Instant::now();
    sim.step_until(70.0);
    let wall = start.elapsed().as_secs_f64();
    report(name, sim.events_handled() - before, wall);
    println!(
        "{name}: 60 simulated s in {wall:.2} s = {:.1}x real time",
        60.0 / wall
    );
}

fn main() {
    mmc();
    stage7(false);
    stage7(true);
}
