use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Sim;
fn main() {
    let secs: f64 = std::env::args().nth(1).map_or(30.0, |s| s.parse().unwrap());
    let warm: f64 = std::env::args().nth(2).map_or(10.0, |s| s.parse().unwrap());
    let sc = Scenario::for_stage(7, 10_000_000.0);
    let mut sim = Sim::new(&sc, 1);
    sim.step_until(warm);
    let t = std::time::Instant::now();
    sim.step_until(warm + secs);
    let w = t.elapsed().as_secs_f64();
    if std::env::var("SNAP").is_ok() {
        snap_bench(&mut sim);
    }
    println!(
        "{} events, {:.2}x real time, in flight {}",
        sim.core.events_handled,
        secs / w,
        sim.core.in_flight()
    );
}
#[allow(dead_code)]
fn snap_bench(sim: &mut Sim) {
    let t = std::time::Instant::now();
    let mut n = 0;
    let mut s = sim.snapshot(80);
    for _ in 0..1000 {
        sim.snapshot_into(&mut s, 80);
        n += s.nodes.len();
    }
    println!(
        "snapshot: {:.1} us each ({n})",
        t.elapsed().as_secs_f64() * 1e3
    );
}
#[allow(dead_code)]
fn q_bench(sim: &mut Sim) {
    let now = sim.core.now;
    for r in &mut sim.core.resources {
        r.sojourn_live.advance(now);
    }
    let t = std::time::Instant::now();
    let mut acc = 0.0;
    for _ in 0..1000 {
        for r in &sim.core.resources {
            let [a, b, c] = r.sojourn_live.quantiles([0.5, 0.95, 0.99]);
            acc += a + b + c;
        }
    }
    println!(
        "quantiles: {:.1} us per snapshot ({acc})",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        for r in &sim.core.resources {
            acc += r.sojourn_live.quantile(0.5)
                + r.sojourn_live.quantile(0.95)
                + r.sojourn_live.quantile(0.99);
        }
    }
    println!(
        "quantile x3: {:.1} us per snapshot ({acc})",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = std::time::Instant::now();
    let mut v = Vec::new();
    for _ in 0..1000 {
        sim.in_flight(80, &mut v);
    }
    println!("in_flight: {:.1} us", t.elapsed().as_secs_f64() * 1e3);
}
