//! What the page's "what breaks" panel would show for a stage at a number of users: for each
//! seed, the share of readings (four a simulated second, from second 10 to 70, or `END`) that show each
//! failure. Used to check that a stage's own failure holds, and to pick the loads the README's
//! links use.
//!
//! `cargo run -p headroom-engine --profile bench --example live_diagnosis -- STAGE USERS [SEEDS]`

use std::collections::BTreeMap;

use headroom_engine::live::Engine;
use headroom_engine::scenario::Scenario;

fn main() {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("STAGE USERS [SEEDS]"))
        .collect();
    let (stage, users, seeds) = match args[..] {
        [stage, users] => (stage, users, 5.0),
        [stage, users, seeds] => (stage, users, seeds),
        _ => panic!("usage: live_diagnosis STAGE USERS [SEEDS]"),
    };
    // Readings up to this simulated second (70 by default; `END=300` looks further).
    let end: f64 = std::env::var("END").map_or(70.0, |e| e.parse().expect("END is a number"));
    let sc = Scenario::for_stage(stage as u8, users);
    for seed in 1..=seeds as u64 {
        let mut engine = Engine::new(&sc, seed);
        let mut shown = BTreeMap::<&str, u32>::new();
        let mut readings = 0;
        let mut t = 0.0;
        while t < end {
            t += 0.25;
            engine.step_until(t);
            let r = engine.read();
            if t >= 10.0 {
                readings += 1;
                let code = r.diagnosis.map_or("healthy", |d| d.failure.code());
                *shown.entry(code).or_default() += 1;
            }
        }
        let shares: Vec<String> = shown
            .iter()
            .map(|(code, n)| format!("{code} {:.0}%", 100.0 * f64::from(*n) / f64::from(readings)))
            .collect();
        println!(
            "stage {stage} at {users} users, seed {seed}: {}",
            shares.join(", ")
        );
    }
}
