//! `headroom-sim` against hostile input: every accepted command line either succeeds with
//! JSON whose numbers are all finite, or exits 2 with exactly one line on stderr, and every
//! run ends within its bounds. Never a panic, an abort, or a run without end.
//!
//! The known crash cases go through the real binary (an abort only shows in a real process);
//! the property test goes through [`cli::run`] in this process, with small caps so that each
//! of its cases is fast.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use headroom_engine::cli;
use headroom_engine::scenario::Scenario;
use proptest::prelude::*;

/// The longest any case here may take: a bound, generous on purpose, not a benchmark.
const BOUND: Duration = Duration::from_secs(5);

/// A path in the temporary directory, unique to this test process and call, removed (file
/// or directory) when dropped.
struct Temp(PathBuf);

impl std::ops::Deref for Temp {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0).or_else(|_| std::fs::remove_dir_all(&self.0));
    }
}

/// A fresh [`Temp`] path ending in `name`; nothing is created.
fn temp_path(name: &str) -> Temp {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    Temp(std::env::temp_dir().join(format!(
        "headroom-hostile-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )))
}

/// A scenario file holding `text`, removed when dropped.
fn scenario_file(text: &str) -> Temp {
    let path = temp_path("scenario.json");
    std::fs::write(&*path, text).unwrap();
    path
}

/// Runs the real `headroom-sim` and asserts it exits 2 within [`BOUND`] with nothing on
/// stdout and exactly one line on stderr, which it returns.
fn refused(args: &[&str]) -> String {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_headroom-sim"))
        .args(args)
        .output()
        .expect("headroom-sim runs");
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(took < BOUND, "{args:?} took {took:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: ") && err.ends_with('\n'), "{err}");
    err
}

#[test]
fn an_unstable_queue_is_refused_or_stopped() {
    let base = [
        "mmc",
        "--lambda",
        "2",
        "--mu",
        "1",
        "--servers",
        "1",
        "--customers",
        "100000000",
        "--seed",
        "1",
    ];
    // Before: exit 134 (memory allocation failed) after growing to gigabytes.
    let err = refused(&base);
    assert_eq!(
        err,
        "error: mmc would serve 110,000,000 customers (100,000,000 plus a warm-up of \
         10,000,000), over the cap of 100,000,000; --max-customers N raises the cap\n"
    );
    // Allowed that many customers, it grows until the cap on customers in the system.
    let mut raised = base.to_vec();
    raised.extend(["--max-customers", "2000000000", "--max-in-flight", "100000"]);
    let err = refused(&raised);
    assert!(
        err.starts_with("error: the queue grew past 100,000 customers in the system after "),
        "{err}"
    );
    assert!(
        err.ends_with(
            "(lambda 2 is at least servers x mu = 1: the queue is unstable); --max-in-flight \
             N raises the cap\n"
        ),
        "{err}"
    );
}

#[test]
fn the_fastest_arrivals_and_slowest_service_are_refused_or_stopped() {
    let base = [
        "mmc",
        "--lambda",
        "1e9",
        "--mu",
        "1e-6",
        "--servers",
        "1",
        "--customers",
        "1000000000",
        "--seed",
        "1",
    ];
    let err = refused(&base);
    assert!(err.contains("1,100,000,000 customers"), "{err}");
    assert!(err.contains("--max-customers N raises the cap"), "{err}");
    let mut raised = base.to_vec();
    raised.extend(["--max-customers", "2000000000"]);
    let err = refused(&raised);
    assert!(
        err.starts_with("error: the queue grew past 2,000,000 customers in the system"),
        "{err}"
    );
    // Ten customers, but each takes a million seconds while a billion arrive each second.
    let err = refused(&[
        "mmc",
        "--lambda",
        "1e9",
        "--mu",
        "1e-6",
        "--servers",
        "100000",
        "--customers",
        "10",
        "--seed",
        "1",
        "--max-in-flight",
        "100000",
    ]);
    assert!(err.contains("--max-in-flight N raises the cap"), "{err}");
}

#[test]
fn billions_of_requests_a_second_are_refused_before_the_run() {
    // Each field is in range; together they offer 2.8 billion requests a second.
    let file = scenario_file(
        r#"{"users": 1e8, "requests_per_user_per_day": 1e5, "peak_hour_factor": 24}"#,
    );
    let err = refused(&["stage", "--scenario", file.to_str().unwrap()]);
    assert_eq!(
        err,
        "error: the run would simulate about 916,666,732,667 requests (2,777,777,978 a second \
         at the peak, analytics included, for 330 s with the 30 s warm-up), over the cap of \
         20,000,000; --max-requests N raises the cap\n"
    );
    // Even with the cap raised as far as it goes.
    let err = refused(&[
        "stage",
        "--scenario",
        file.to_str().unwrap(),
        "--max-requests",
        "1000000000000",
        "--duration",
        "86400",
    ]);
    assert!(err.contains("over the cap of 1,000,000,000,000"), "{err}");
}

#[test]
fn a_day_of_the_biggest_stage_is_refused_before_the_run() {
    // Before: about 18 hours, with memory growing all the while.
    let err = refused(&[
        "stage",
        "--stage",
        "7",
        "--users",
        "100000000",
        "--duration",
        "86400",
    ]);
    assert_eq!(
        err,
        "error: the run would simulate about 90,048,536,000 requests (1,041,867 a second at \
         the peak, analytics included, for 86,430 s with the 30 s warm-up), over the cap of \
         20,000,000; --max-requests N raises the cap\n"
    );
}

#[test]
fn a_queue_that_keeps_growing_stops_at_the_cap() {
    // One app server whose queue holds a million requests for up to ten minutes, offered
    // far more than it serves.
    let file = scenario_file(
        r#"{"stage": 3, "users": 2000000, "app_queue": 1000000, "request_timeout_s": 600}"#,
    );
    let err = refused(&[
        "stage",
        "--scenario",
        file.to_str().unwrap(),
        "--duration",
        "60",
        "--max-in-flight",
        "20000",
    ]);
    assert!(
        err.starts_with("error: the system grew past 20,000 requests in flight after "),
        "{err}"
    );
    assert!(
        err.ends_with("(an unstable system?); --max-in-flight N raises the cap\n"),
        "{err}"
    );
}

#[test]
fn jobs_that_retry_without_end_stop_at_the_event_cap() {
    // Every request is a job whose every attempt fails at once and is retried at once, 20
    // times: about 70 events per request, where runs at the defaults take 3 to 6.
    let file = scenario_file(
        r#"{"stage": 6, "users": 100000, "static_share": 0, "write_share": 0,
            "third_party_share": 1, "deferred_share": 0, "third_party_error_rate": 1,
            "third_party_median_ms": 0.01, "third_party_p95_ms": 0.01, "workers": 10000,
            "job_backoff_s": 0, "job_max_attempts": 20}"#,
    );
    let err = refused(&[
        "stage",
        "--scenario",
        file.to_str().unwrap(),
        "--duration",
        "60",
        "--max-requests",
        "150000",
    ]);
    assert!(
        err.starts_with("error: the run handled more than 4,802,880 events after "),
        "{err}"
    );
    assert!(err.ends_with("--max-requests N raises the cap\n"), "{err}");
}

#[test]
fn a_scenario_file_that_is_not_a_small_regular_file_is_refused_at_once() {
    // Before: /dev/zero was read until memory ran out.
    assert_eq!(
        refused(&["stage", "--scenario", "/dev/zero"]),
        "error: the scenario file /dev/zero is not a regular file (--scenario reads a JSON \
         file of at most 1 MiB)\n"
    );
    let dir = temp_path("dir");
    std::fs::create_dir_all(&*dir).unwrap();
    assert!(refused(&["stage", "--scenario", dir.to_str().unwrap()]).contains("not a regular file"));
    // A file of 10 GB (sparse: nothing is written) is not read.
    let huge = temp_path("huge.json");
    std::fs::File::create(&*huge)
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    assert!(refused(&["stage", "--scenario", huge.to_str().unwrap()])
        .contains("is larger than 1 MiB (1048576 bytes)"));
    let missing = temp_path("missing.json");
    assert!(refused(&["stage", "--scenario", missing.to_str().unwrap()])
        .starts_with("error: cannot read the scenario file"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let fifo = temp_path("fifo.json");
    let made = Command::new("mkfifo")
        .arg(&*fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    assert!(
        refused(&["stage", "--scenario", fifo.to_str().unwrap()]).contains("not a regular file")
    );
}

/// A machine's JSON with `field` set to `value` (raw JSON text).
fn machine_with(field: &str, value: &str) -> String {
    let mut m = serde_json::json!({"vcpus": 2, "memory_mb": 4096, "app_rps": 200, "usd_month": 30});
    m[field] = serde_json::Value::Null;
    m.to_string().replace("null", value)
}

#[test]
fn bad_prices_sizes_and_rates_in_a_scenario_file_are_refused() {
    for machine in ["app_machine", "db_machine"] {
        for field in ["usd_month", "app_rps", "memory_mb"] {
            // Negative, zero and too large are refused by name; NaN and infinity are not JSON.
            for value in ["-30", "0", "1e300", "-1e-300"] {
                let text = format!(
                    r#"{{"stage": 2, "users": 1000, "{machine}": {}}}"#,
                    machine_with(field, value)
                );
                let err = refused(&[
                    "stage",
                    "--scenario",
                    scenario_file(&text).to_str().unwrap(),
                ]);
                assert!(
                    err.contains(&format!(
                        "scenario: {machine}.{field} must be a number above 0"
                    )),
                    "{text}: {err}"
                );
            }
            for value in ["NaN", "Infinity", "-Infinity", "1e999", "null", "\"30\""] {
                let text = format!(
                    r#"{{"stage": 2, "users": 1000, "{machine}": {}}}"#,
                    machine_with(field, value)
                );
                let err = refused(&[
                    "stage",
                    "--scenario",
                    scenario_file(&text).to_str().unwrap(),
                ]);
                assert!(err.starts_with("error: scenario file "), "{text}: {err}");
            }
        }
        let text = format!(
            r#"{{"stage": 2, "users": 1000, "{machine}": {}}}"#,
            machine_with("vcpus", "0")
        );
        let err = refused(&[
            "stage",
            "--scenario",
            scenario_file(&text).to_str().unwrap(),
        ]);
        assert!(err.contains(&format!("{machine}.vcpus must be an integer from 1 to 512")));
    }
    for (field, value) in [
        ("peak_hour_factor", "0"),
        ("peak_hour_factor", "25"),
        ("requests_per_user_per_day", "-1"),
        ("users", "1e9"),
        ("cache_hit", "1.5"),
        ("third_party_error_rate", "-0.1"),
        ("request_timeout_s", "0"),
        ("analytics_per_s_per_100k_users", "1e5"),
    ] {
        let text = format!(r#"{{"stage": 7, "users": 1000, "{field}": {value}}}"#);
        let err = refused(&[
            "stage",
            "--scenario",
            scenario_file(&text).to_str().unwrap(),
        ]);
        assert!(
            err.starts_with(&format!("error: scenario: {field} must be ")),
            "{text}: {err}"
        );
    }
}

#[test]
fn knobs_for_parts_a_stage_lacks_are_refused() {
    assert_eq!(
        refused(&[
            "stage",
            "--stage",
            "2",
            "--users",
            "1000",
            "--app-servers",
            "3"
        ]),
        "error: --app-servers does not apply at stage 2: stages 1 to 3 run one app server \
         (stage 4 adds a load balancer)\n"
    );
    assert_eq!(
        refused(&["stage", "--stage", "6", "--users", "1000", "--workers", "0"]),
        "error: --workers must be an integer from 1 to 10000 (got \"0\")\n"
    );
    assert_eq!(
        refused(&[
            "stage",
            "--stage",
            "3",
            "--users",
            "1000",
            "--instance",
            "m5.huge"
        ]),
        "error: --instance must be one of t3.micro, t3.medium, t3.large, c5.4xlarge, \
         c5.24xlarge (got \"m5.huge\")\n"
    );
    // A file's stage decides too, and a file cannot set a stage 6 queue without workers.
    let file = scenario_file(r#"{"stage": 5, "users": 1000}"#);
    assert!(refused(&[
        "stage",
        "--scenario",
        file.to_str().unwrap(),
        "--workers",
        "5"
    ])
    .starts_with("error: --workers does not apply at stage 5: stages 1 to 5 have no job queue"));
    let file = scenario_file(r#"{"stage": 6, "users": 1000, "workers": 0}"#);
    assert!(
        refused(&["stage", "--scenario", file.to_str().unwrap()]).starts_with(
            "error: scenario: workers must be an integer from 1 to 10000 from stage 6 on"
        )
    );
}

// ---------------------------------------------------------------------------------------
// The property test, in this process through `cli::run`.
// ---------------------------------------------------------------------------------------

/// Whether a null at `path` (".failure", ".resources[3].theory", ...) means "none" rather than
/// a number serde could not write (NaN or infinity).
fn null_allowed(path: &str) -> bool {
    path == ".failure"
        || path == ".queue"
        || path == ".diagnosis"
        || path == ".diagnosis.bottleneck"
        || (path.starts_with(".resources[") && path.ends_with("].theory"))
        || [
            ".theory.mean_wait_ms",
            ".theory.mean_wait_s",
            ".theory.mean_response_s",
        ]
        .iter()
        .any(|end| path.ends_with(end))
}

/// Every number in `v` is finite and every null is one that means "none".
fn check_numbers(path: &str, v: &serde_json::Value) -> Result<(), String> {
    match v {
        serde_json::Value::Null if !null_allowed(path) => Err(format!("null at {path}")),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(()),
            _ => Err(format!("{n} at {path}")),
        },
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_numbers(&format!("{path}[{i}]"), x)),
        serde_json::Value::Object(o) => o
            .iter()
            .try_for_each(|(k, x)| check_numbers(&format!("{path}.{k}"), x)),
        _ => Ok(()),
    }
}

/// What one command line did.
#[derive(Debug)]
enum Outcome {
    /// Exit 0 and this JSON.
    Json(serde_json::Value),
    /// Exit 2 and this one line.
    Refused(String),
}

/// Runs `args` through [`cli::run`] and checks the outcome is one of the two allowed, in time.
fn outcome(args: &[String]) -> Result<Outcome, String> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let code = cli::run(args, &mut out, &mut err);
    let took = start.elapsed();
    if took > BOUND {
        return Err(format!("took {took:?}"));
    }
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    match code {
        0 if err.is_empty() => {
            let v: serde_json::Value =
                serde_json::from_str(&out).map_err(|e| format!("{e} in {out}"))?;
            if !v.is_object() {
                return Err(format!("not one JSON object: {out}"));
            }
            check_numbers("", &v)?;
            Ok(Outcome::Json(v))
        }
        2 if out.is_empty() && err.lines().count() == 1 && err.starts_with("error: ") => {
            Ok(Outcome::Refused(err))
        }
        _ => Err(format!("exit {code}, stdout {out:?}, stderr {err:?}")),
    }
}

/// A flag's value: usually in range, sometimes at or past its ends, sometimes not a number.
fn value(min: f64, max: f64, int: bool) -> impl Strategy<Value = String> {
    let show = move |x: f64| {
        if int {
            format!("{}", x.round().max(0.0) as u64)
        } else {
            format!("{x}")
        }
    };
    let lo = min.max(1e-6).log10();
    let hi = max.max(1e-6).log10();
    prop_oneof![
        12 => (lo..=hi).prop_map(move |e| show(10f64.powf(e).clamp(min, max))),
        2 => prop::sample::select(vec![min, max]).prop_map(show),
        1 => prop::sample::select(vec!["-1", "0", "1e400", "NaN", "inf", "", "x", "1.5", "99999999999999999999999"])
            .prop_map(str::to_owned),
    ]
}

/// Optional `--flag value` pairs, each present with some probability.
fn optional(
    flags: Vec<(&'static str, f64, BoxedStrategy<String>)>,
) -> impl Strategy<Value = Vec<String>> {
    flags
        .into_iter()
        .map(|(name, p, v)| {
            prop::option::weighted(p, v)
                .prop_map(move |v| v.map(|v| vec![name.to_owned(), v]).unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .prop_map(|pairs| pairs.concat())
}

/// Small caps: every case stays fast.
fn small_caps(requests_flag: &'static str) -> impl Strategy<Value = Vec<String>> {
    // From 1 to 10,000 requests, and 1 to about 3,000 in flight, evenly in magnitude.
    (0.0f64..=4.0, 0.0f64..3.5).prop_map(move |(n, f)| {
        vec![
            requests_flag.to_owned(),
            (10f64.powf(n) as u64).to_string(),
            "--max-in-flight".to_owned(),
            (10f64.powf(f) as u64).to_string(),
        ]
    })
}

fn mmc_args() -> impl Strategy<Value = Vec<String>> {
    let required = (
        value(1e-6, 1e9, false),
        value(1e-6, 1e9, false),
        value(1.0, 100_000.0, true),
        value(1.0, 1e9, true),
        any::<u64>().prop_map(|s| s.to_string()),
    )
        .prop_map(|(l, m, c, n, s)| {
            [
                "--lambda",
                &l,
                "--mu",
                &m,
                "--servers",
                &c,
                "--customers",
                &n,
                "--seed",
                &s,
            ]
            .map(str::to_owned)
            .to_vec()
        });
    let warmup = optional(vec![("--warmup", 0.35, value(0.0, 1e9, true).boxed())]);
    (required, warmup, small_caps("--max-customers")).prop_map(|(r, w, caps)| {
        let mut v = vec!["mmc".to_owned()];
        v.extend(r);
        v.extend(w);
        v.extend(caps);
        v
    })
}

/// Anything at all for a scenario field.
fn json_junk() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop::sample::select(vec![
        json!(0),
        json!(-1),
        json!(-0.5),
        json!(1e300),
        json!(-1e300),
        json!(1e-300),
        json!(u64::MAX),
        json!(1.5),
        json!(true),
        json!(null),
        json!("hash"),
        json!("range"),
        json!("directory"),
        json!("round_robin"),
        json!("least_connections"),
        json!("x"),
        json!([1, 2]),
        json!({}),
        json!({"vcpus": 2}),
    ])
}

/// A value near a field's default `v` (a number scaled by up to 100 either way, a machine
/// with its numbers so scaled, another choice of an enum), or now and then anything.
fn near(v: serde_json::Value) -> BoxedStrategy<serde_json::Value> {
    use serde_json::{json, Value};
    let scaled = |x: &Value| -> BoxedStrategy<Value> {
        let (int, x) = (x.is_u64(), x.as_f64().unwrap_or(1.0));
        let x = if x == 0.0 { 0.5 } else { x };
        // Now and then negative or zero: most fields refuse those.
        let sign = prop_oneof![12 => Just(1.0), 1 => Just(-1.0), 1 => Just(0.0)];
        // Integers are counts: scaled down less, so that they seldom round to 0.
        let e = if int { -0.25f64..=2.0 } else { -2.0f64..=2.0 };
        (e, sign)
            .prop_map(move |(e, sign)| {
                let y = sign * x * 10f64.powf(e);
                match (int, y >= 0.0) {
                    (true, true) => json!(y.round() as u64),
                    (true, false) => json!(y.round() as i64),
                    (false, _) => json!(y),
                }
            })
            .boxed()
    };
    let plausible = match &v {
        Value::Number(_) => scaled(&v),
        Value::Object(m) => {
            let parts: Vec<(String, BoxedStrategy<Value>)> = m
                .iter()
                .map(|(k, x)| {
                    let junk = prop::sample::select(vec![
                        json!(0),
                        json!(-1),
                        json!(-0.5),
                        json!(1e300),
                        json!(1e-300),
                    ]);
                    (k.clone(), prop_oneof![8 => scaled(x), 1 => junk].boxed())
                })
                .collect();
            let (keys, values): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
            values
                .prop_map(move |vs| Value::Object(keys.iter().cloned().zip(vs).collect()))
                .boxed()
        }
        Value::Bool(_) => any::<bool>().prop_map(Value::Bool).boxed(),
        Value::String(_) => prop::sample::select(vec![
            "hash",
            "range",
            "directory",
            "round_robin",
            "least_connections",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
        _ => Just(v.clone()).boxed(),
    };
    prop_oneof![10 => plausible, 1 => json_junk()].boxed()
}

/// A scenario file's text: some of `Scenario`'s fields near their defaults (now and then
/// anything, or an unknown field), or now and then not a JSON object at all.
fn scenario_text() -> impl Strategy<Value = String> {
    let mut fields: Vec<(String, serde_json::Value)> =
        serde_json::to_value(Scenario::for_stage(7, 1_000.0))
            .unwrap()
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "stage" && *k != "users")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    // Machines (size, speed, price) five times as often as other fields.
    let machines: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k.ends_with("_machine"))
        .cloned()
        .collect();
    for _ in 0..4 {
        fields.extend(machines.iter().cloned());
    }
    fields.push(("no_such_field".to_owned(), serde_json::json!(1)));
    let field = prop::sample::select(fields).prop_flat_map(|(k, v)| (Just(k), near(v)));
    let stage =
        prop::option::weighted(0.8, prop_oneof![20 => 1u64..=7, 1 => Just(0), 1 => Just(8)]);
    // Mostly few users, so that most runs fit the small caps.
    let users = prop::option::weighted(0.8, prop_oneof![4 => 0.0f64..=5.0, 1 => 0.0f64..=8.0]);
    prop_oneof![
        20 => (stage, users, prop::collection::vec(field, 0..6)).prop_map(|(stage, users, fields)| {
            let mut m = serde_json::Map::new();
            if let Some(s) = stage {
                m.insert("stage".into(), s.into());
            }
            if let Some(u) = users {
                m.insert("users".into(), serde_json::json!(10f64.powf(u).round()));
            }
            m.extend(fields);
            serde_json::Value::Object(m).to_string()
        }),
        1 => prop::sample::select(vec!["", "[]", "{", "null", "{\"stage\": 3,}", "\u{feff}{}"])
            .prop_map(str::to_owned),
    ]
}

/// Optional stage flags: `--stage` and `--users` with probability `p`, the others less often.
fn stage_flags(p: f64) -> impl Strategy<Value = Vec<String>> {
    optional(vec![
        ("--stage", p, value(1.0, 7.0, true).boxed()),
        ("--users", p, value(0.0, 1e8, true).boxed()),
        ("--cache-hit", 0.1, value(0.0, 1.0, false).boxed()),
        ("--replicas", 0.1, value(0.0, 8.0, true).boxed()),
        ("--shards", 0.1, value(1.0, 16.0, true).boxed()),
        ("--app-servers", 0.1, value(1.0, 64.0, true).boxed()),
        ("--workers", 0.1, value(1.0, 10_000.0, true).boxed()),
        (
            "--seed",
            0.3,
            any::<u64>().prop_map(|s| s.to_string()).boxed(),
        ),
        (
            "--instance",
            p / 4.0,
            prop::sample::select(vec![
                "t3.micro",
                "t3.medium",
                "t3.large",
                "c5.4xlarge",
                "c5.24xlarge",
                "m5.huge",
            ])
            .prop_map(str::to_owned)
            .boxed(),
        ),
    ])
}

/// A `stage` or `defaults` command line, and the text of its scenario file if it has one:
/// half of them flags alone, half a file with a few flags on top.
fn stage_args() -> impl Strategy<Value = (Vec<String>, Option<String>)> {
    let with_flags = stage_flags(0.85).prop_map(|f| (f, None));
    let with_file = (stage_flags(0.1), scenario_text()).prop_map(|(f, text)| (f, Some(text)));
    // Mostly short runs; now and then a whole day, which the caps must refuse or keep short.
    let duration = prop_oneof![
        30 => value(1.0, 120.0, false),
        1 => Just("86400".to_owned()),
    ];
    let sub = prop::sample::select(vec!["stage", "stage", "stage", "defaults"]);
    (
        sub,
        prop_oneof![with_flags, with_file],
        duration,
        small_caps("--max-requests"),
    )
        .prop_map(|(sub, (flags, file), duration, caps)| {
            let mut v = vec![sub.to_owned()];
            v.extend(flags);
            v.extend(["--duration".to_owned(), duration]);
            v.extend(caps);
            (v, file)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn any_mmc_command_line_gives_finite_json_or_one_line(args in mmc_args()) {
        let outcome = outcome(&args).map_err(|e| TestCaseError::fail(format!("{args:?}: {e}")))?;
        if let Outcome::Json(v) = outcome {
            prop_assert!(v["completed"].as_u64().is_some(), "{}", v);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8_000, ..ProptestConfig::default() })]

    #[test]
    fn any_stage_command_line_or_scenario_file_gives_finite_json_or_one_line(
        (mut args, file) in stage_args()
    ) {
        let path = file.as_ref().map(|text| {
            let p = scenario_file(text);
            args.extend(["--scenario".to_owned(), p.to_str().unwrap().to_owned()]);
            p
        });
        let result = outcome(&args);
        drop(path);
        let outcome = result.map_err(|e| TestCaseError::fail(format!("{args:?} {file:?}: {e}")))?;
        if let Outcome::Json(v) = outcome {
            // A stage run lists its warnings; `defaults` prints a scenario.
            if args[0] == "stage" {
                prop_assert!(v["warnings"].as_array().is_some_and(|w| w.iter().all(|s| s.is_string())), "{}", v);
                prop_assert!(v["cost_monthly_usd"].as_f64().is_some_and(|c| c > 0.0), "{}", v);
                // Each component of the bill, whatever the prices in the file.
                for line in v["cost"]["lines"].as_array().unwrap() {
                    prop_assert!(line[1].as_f64().is_some_and(|c| c >= 0.0), "{}", line);
                }
            } else {
                prop_assert!(serde_json::from_value::<Scenario>(v).is_ok());
            }
        }
    }
}

/// Runs `n` cases of `strategy` and returns the successes and the refusals.
fn sample<S: Strategy<Value = (Vec<String>, Option<String>)>>(
    strategy: S,
    n: usize,
) -> (usize, Vec<String>) {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut refusals) = (0, Vec::new());
    for _ in 0..n {
        let (mut args, file) = strategy.new_tree(&mut runner).unwrap().current();
        let path = file.as_deref().map(scenario_file);
        if let Some(p) = &path {
            args.extend(["--scenario".to_owned(), p.to_str().unwrap().to_owned()]);
        }
        match outcome(&args).unwrap() {
            Outcome::Json(_) => ok += 1,
            Outcome::Refused(e) => refusals.push(e),
        }
    }
    (ok, refusals)
}

/// The property tests' cases reach both outcomes, and every kind of refusal.
#[test]
fn the_generators_reach_successes_and_each_refusal() {
    let (ok, refusals) = sample(stage_args(), 400);
    assert!(ok > 60, "{ok} successes of 400");
    for kind in [
        "the run would simulate about",
        "requests in flight",
        "does not apply at stage",
        "error: scenario: ",
        "error: scenario file ",
        "must be",
    ] {
        assert!(
            refusals.iter().any(|e| e.contains(kind)),
            "no refusal with {kind:?}"
        );
    }
    let (ok, refusals) = sample(mmc_args().prop_map(|a| (a, None)), 400);
    assert!(ok > 40, "{ok} successes of 400");
    for kind in ["mmc would serve", "customers in the system", "must be"] {
        assert!(
            refusals.iter().any(|e| e.contains(kind)),
            "no refusal with {kind:?}"
        );
    }
}
