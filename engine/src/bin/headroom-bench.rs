//! `headroom-bench`: how fast the engine runs, in events per wall-clock second.
//!
//! Run it optimized: `cargo run -p headroom-engine --profile bench --bin headroom-bench`.
//! Each measurement prints one line, `name: E events in T s = R M events/s`.

use std::time::Instant;

use headroom_engine::mmc::{Mmc, MmcParams};

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

fn main() {
    mmc();

    // -----------------------------------------------------------------------------------
    // Stage 7 at 10M users: add the measurement here (build the stage simulation, time a
    // fixed simulated span, then `report("stage7-10M", events, wall_s)`).
    // -----------------------------------------------------------------------------------
}
