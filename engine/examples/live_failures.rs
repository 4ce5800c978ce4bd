//! Which failures the live rules would show for a stage at a number of users, second by
//! second, the way the app's "what breaks" panel sees them (a rule must hold for a second).
//! Used to pick the loads the end-to-end tests drive.
//!
//! `cargo run -p headroom-engine --profile bench --example live_failures -- STAGE USERS SECONDS`

use headroom_engine::failure::{detect_live, over_budget, Measured};
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Sim;

fn main() {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("STAGE USERS SECONDS"))
        .collect();
    let [stage, users, seconds] = args[..] else {
        panic!("usage: live_failures STAGE USERS SECONDS");
    };
    let mut sim = Sim::new(&Scenario::for_stage(stage as u8, users), 1);
    let mut shown = std::collections::BTreeMap::<&str, f64>::new();
    let (mut t, mut holding_since) = (0.0, None);
    while t < seconds {
        t += 0.25;
        sim.step_until(t);
        let s = sim.snapshot(0);
        let detected = detect_live(sim.scenario(), &s)
            .or_else(|| over_budget(&Measured::from(&s)).then_some("unexplained"));
        match detected {
            Some(code) if t >= 2.0 => {
                if t - *holding_since.get_or_insert(t) >= 1.0 {
                    *shown.entry(code).or_default() += 0.25;
                }
            }
            _ => holding_since = None,
        }
    }
    println!("stage {stage} at {users} users for {seconds} s: seconds shown per failure {shown:?}");
}
