//! The `headroom-sim` binary end to end: exit codes, stdout and stderr.

use std::process::{Command, Output};

/// Runs the built `headroom-sim` with `args`.
fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_headroom-sim"))
        .args(args)
        .output()
        .expect("headroom-sim runs")
}

#[test]
fn mmc_prints_one_json_report() {
    let out = sim(&[
        "mmc",
        "--lambda",
        "3",
        "--mu",
        "1",
        "--servers",
        "4",
        "--customers",
        "20000",
        "--seed",
        "5",
        "--warmup",
        "1000",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    for key in [
        "mean_wait_s",
        "mean_response_s",
        "p95_response_s",
        "utilization",
        "mean_in_system",
        "arrival_rate",
        "completed",
        "events",
        "simulated_s",
        "wall_s",
    ] {
        assert!(v[key].is_number(), "{key} in {stdout}");
    }
    for key in ["utilization", "prob_wait", "mean_wait_s", "mean_response_s"] {
        assert!(v["theory"][key].is_number(), "theory.{key} in {stdout}");
    }
    assert_eq!(v["completed"], 20_000);
    assert!(v["wall_s"].as_f64().unwrap() > 0.0);
    assert!((v["theory"]["utilization"].as_f64().unwrap() - 0.75).abs() < 1e-12);
}

#[test]
fn bad_argument_exits_2_with_one_line() {
    let out = sim(&[
        "mmc",
        "--lambda",
        "3",
        "--mu",
        "1",
        "--servers",
        "0",
        "--customers",
        "10",
        "--seed",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --servers must be an integer from 1 to 100000 (got \"0\")\n"
    );
}

#[test]
fn no_arguments_exit_2() {
    let out = sim(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn help_exits_0() {
    let out = sim(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
    assert!(out.stderr.is_empty());
}

#[test]
fn stage_prints_one_json_object_with_its_metrics() {
    let out = sim(&[
        "stage",
        "--stage",
        "7",
        "--users",
        "20000",
        "--duration",
        "20",
        "--seed",
        "3",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "throughput_rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "error_rate",
        "stale_read_rate",
        "cost_monthly_usd",
        "failure",
        "diagnosis",
        "resources",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(v["resources"].as_array().unwrap().len() > 10);
    assert!(v["throughput_rps"].as_f64().unwrap() > 100.0);
}

#[test]
fn stage_rejects_a_bad_value_in_one_line() {
    let out = sim(&[
        "stage",
        "--stage",
        "7",
        "--users",
        "1000",
        "--replicas",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--replicas"), "{err}");
}
