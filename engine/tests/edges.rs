//! The model's edge cases: a backlog is not a failure, the smallest machine serves a few
//! users, a missing index fails the same way with or without observability, and on one VM
//! big enough not to run out of memory.

use headroom_engine::calibration::SCAN_SHARE;
use headroom_engine::diagnosis::{Failure, Lever, Metric, Remedy};
use headroom_engine::run::run_stage;
use headroom_engine::scenario::{machine, Scenario};

#[test]
fn jobs_waiting_for_a_worker_are_a_backlog_not_dead_letters() {
    // Stage 6 at 1,000,000 users with 100 workers: the queue grows far past what the workers
    // can take, and the jobs wait their turn; none is dead-lettered for waiting.
    let mut sc = Scenario::for_stage(6, 1_000_000.0);
    sc.workers = 100;
    let run = run_stage(&sc, 1, 60.0);
    let q = run.reading.queue.as_ref().expect("stage 6 has a queue");
    assert!(q.depth > 1_000, "a backlog builds: {q:?}");
    assert_eq!(q.dead_letters, 0, "{q:?}");

    // When every call to the API fails, a job that a worker tried on every attempt is
    // dead-lettered: failed processing, and only that, ends there.
    sc.workers = 1_000;
    sc.third_party_error_rate = 1.0;
    let run = run_stage(&sc, 1, 60.0);
    let q = run.reading.queue.as_ref().expect("stage 6 has a queue");
    assert!(q.dead_letters > 0 && q.retries > q.dead_letters, "{q:?}");
}

#[test]
fn stage_1_on_a_t3_micro_serves_10_users() {
    let mut sc = Scenario::for_stage(1, 10.0);
    sc.app_machine = machine("t3.micro").unwrap();
    let run = run_stage(&sc, 1, 3_600.0); // about 290 requests
    assert_eq!(run.failure, None, "{:?}", run.verdict);
    assert!(run.reading.hosts.iter().all(|h| h.oom_kills == 0));
    assert!(run.reading.completed > 200);
    assert_eq!(run.reading.error_rate, 0.0);
}

#[test]
fn stage_3_without_its_index_fails_like_stage_2_and_the_rule_reads_the_scan() {
    let mut sc = Scenario::for_stage(3, 1_600.0);
    sc.db_indexed = false;
    let blind = run_stage(&Scenario::for_stage(2, 1_600.0), 1, 120.0);
    let seen = run_stage(&sc, 1, 120.0);
    assert_eq!(
        blind.diagnosis.as_ref().map(|d| d.failure),
        Some(Failure::BlindSlowdown)
    );
    let d = seen.diagnosis.expect("a diagnosis");
    assert_eq!(d.failure, Failure::UnindexedQuery);
    assert_eq!(d.remedy, Remedy::Lever(Lever::Index));
    // The scene is the measurement the rule read: the scan's share of the database's CPU.
    let scan = d
        .scene
        .iter()
        .find_map(|s| match s.metric {
            Metric::Scan { share } => Some(share),
            _ => None,
        })
        .expect("the scan is labelled");
    assert!(scan >= SCAN_SHARE, "{scan}");
    // With the index back on, the same load is healthy.
    assert_eq!(
        run_stage(&Scenario::for_stage(3, 1_600.0), 1, 120.0).failure,
        None
    );
}

#[test]
fn stage_1_on_a_bigger_box_survives_the_oom_and_slows_down_blind() {
    // A t3.large has the memory for the cron report at 1,500 users, so no OOM kill; the
    // unindexed scan, on the one VM's CPU, still makes the site slow, and nobody can see why.
    let mut sc = Scenario::for_stage(1, 1_500.0);
    sc.app_machine = machine("t3.large").expect("in the table");
    let run = run_stage(&sc, 1, 120.0);
    let d = run.diagnosis.expect("a diagnosis");
    assert_eq!(d.failure, Failure::BlindSlowdown, "{d:?}");
    assert!(
        d.scene
            .iter()
            .any(|s| matches!(s.metric, Metric::Scan { share } if share >= SCAN_SHARE)),
        "the scan on the VM's CPU is labelled: {d:?}"
    );
}
