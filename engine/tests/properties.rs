//! Property tests over the whole parameter space, extremes included.

use headroom_engine::core::Window;
use headroom_engine::cost;
use headroom_engine::diagnosis::diagnose;
use headroom_engine::live::Engine;
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Sim;
use proptest::prelude::*;

/// Every number in the JSON is finite (serde writes NaN and infinity as null), and nulls
/// appear only where "none" is meaningful.
fn check_numbers(path: &str, v: &serde_json::Value) {
    match v {
        serde_json::Value::Null => {
            let last = path.rsplit('.').next().unwrap_or("");
            assert!(
                [
                    "failure",
                    "queue",
                    "theory",
                    "mean_wait_ms",
                    "diagnosis",
                    "bottleneck",
                    "gauge",
                    "memory"
                ]
                .contains(&last),
                "null at {path}"
            );
        }
        serde_json::Value::Number(n) => assert!(n.as_f64().unwrap().is_finite(), "{path}"),
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_numbers(&format!("{path}[{i}]"), x);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                check_numbers(&format!("{path}.{k}"), x);
            }
        }
        _ => {}
    }
}

fn check(sc: &Scenario, seed: u64) {
    sc.validate().unwrap();
    // Short runs: the properties hold at every instant, and 10M users are many events.
    let mut sim = Sim::new(sc, seed);
    sim.step_until(1.0);
    sim.reset_stats();
    sim.step_until(2.5);
    let r = &sim.reading(Window::Run);
    let d = diagnose(sim.topology(), r);
    if let Some(d) = &d {
        check_numbers("", &serde_json::to_value(d).unwrap());
    }
    check_numbers("", &serde_json::to_value(r).unwrap());
    let cost = cost::monthly(sim.topology(), sc, r);
    check_numbers("", &serde_json::to_value(&cost).unwrap());
    // The live reading, as the page gets it.
    let mut engine = Engine::new(sc, seed);
    engine.step_until(2.5);
    check_numbers("", &serde_json::to_value(engine.read()).unwrap());
    assert!(r.p50_ms <= r.p95_ms && r.p95_ms <= r.p99_ms);
    assert!((0.0..=1.0).contains(&r.error_rate));
    assert!((0.0..=1.0).contains(&r.stale_read_rate));
    for n in &r.resources {
        assert!(
            (0.0..=1.0).contains(&n.utilization),
            "{} {}",
            n.id,
            n.utilization
        );
        assert!(n.p50_ms <= n.p95_ms && n.p95_ms <= n.p99_ms, "{}", n.id);
        if let Some(t) = &n.theory {
            assert!((0.0..=1.0).contains(&t.utilization) && (0.0..=1.0).contains(&t.prob_wait));
        }
    }
    assert!(cost.monthly_usd.is_finite() && cost.monthly_usd > 0.0);
    if let Some(d) = d {
        let _ = d.sentence(&sim.topology().names());
    }
}

#[test]
fn extremes_run_cleanly() {
    for stage in 1..=7 {
        for users in [0.0, 10.0, 10_000_000.0] {
            let mut sc = Scenario::for_stage(stage, users);
            check(&sc, 1);
            sc.cache_hit = 0.0;
            sc.replicas = 0;
            check(&sc, 2);
            sc.cache_hit = 1.0;
            sc.cdn_hit = 1.0;
            sc.replicas = 8;
            sc.shards = 16;
            check(&sc, 3);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_scenario_runs_cleanly(
        stage in 1u8..=7,
        log_users in 0.0f64..7.0,
        cache_hit in 0.0f64..=1.0,
        replicas in 0u32..=8,
        shards in 1u32..=16,
        app_servers in 1u32..=64,
        workers in 1u32..=10_000,
        write_share in 0.0f64..=0.9,
        zipf_s in 0.0f64..=2.0,
        seed in any::<u64>(),
    ) {
        let mut sc = Scenario::for_stage(stage, 10f64.powf(log_users).round());
        sc.cache_hit = cache_hit;
        sc.replicas = replicas;
        sc.shards = shards;
        sc.app_servers = app_servers;
        sc.workers = workers;
        sc.write_share = write_share;
        sc.third_party_share = sc.third_party_share.min(1.0 - write_share);
        sc.deferred_share = sc.deferred_share.min(1.0 - write_share - sc.third_party_share);
        sc.zipf_s = zipf_s;
        check(&sc, seed);
    }
}
