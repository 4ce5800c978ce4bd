//! Each stage, at its default settings, runs into its own failure when the load crosses its
//! limit, and the next stage at that same load does not have that failure.

use headroom_engine::run::run_stage;
use headroom_engine::scenario::Scenario;

/// (stage, users it handles, users that break it, the failure it shows).
const LADDER: [(u8, f64, f64, &str); 7] = [
    (1, 300.0, 1_000.0, "oom_cascade"),
    (2, 1_000.0, 2_000.0, "blind_slowdown"),
    (3, 20_000.0, 100_000.0, "app_saturated"),
    (4, 100_000.0, 300_000.0, "db_connections_exhausted"),
    (5, 300_000.0, 700_000.0, "upstream_blocking"),
    (6, 500_000.0, 2_000_000.0, "primary_saturated"),
    (7, 1_000_000.0, 5_000_000.0, "stale_reads"),
];

const DURATION_S: f64 = 90.0;

fn failure(stage: u8, users: f64) -> Option<&'static str> {
    run_stage(&Scenario::for_stage(stage, users), 1, DURATION_S).failure
}

#[test]
fn below_its_limit_each_stage_is_healthy() {
    for (stage, ok, _, _) in LADDER {
        assert_eq!(failure(stage, ok), None, "stage {stage} at {ok} users");
    }
}

#[test]
fn above_its_limit_each_stage_shows_its_own_failure() {
    for (stage, _, broken, code) in LADDER {
        assert_eq!(
            failure(stage, broken),
            Some(code),
            "stage {stage} at {broken} users"
        );
    }
}

#[test]
fn the_next_stage_fixes_the_failure_at_the_same_load() {
    for w in LADDER.windows(2) {
        let (stage, _, broken, code) = w[0];
        let next = failure(stage + 1, broken);
        assert_ne!(next, Some(code), "stage {} at {broken} users", stage + 1);
    }
}

#[test]
fn the_limits_rise_stage_by_stage() {
    for w in LADDER.windows(2) {
        assert!(w[1].2 > w[0].2, "{:?} then {:?}", w[0], w[1]);
    }
}
