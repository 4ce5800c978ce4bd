//! The engine against queueing theory: simulated M/M/c queues must agree with Erlang C,
//! Little's law and the offered utilization.
//!
//! Every run uses a fixed seed and discards a warm-up, so the tests are deterministic. Where
//! a fixed seed lands a case too far from theory, the fix is more customers, never a looser
//! bound.

use headroom_engine::mmc::{Mmc, MmcParams, MmcReport};

/// Batches for the batch-means confidence interval.
const BATCHES: usize = 30;

/// The 0.995 quantile of Student's t with `BATCHES - 1 = 29` degrees of freedom, for a
/// two-sided 99% confidence interval.
const T_29_995: f64 = 2.756_385_9;

/// Customers served and discarded before measuring.
const WARMUP: u64 = 100_000;

/// The seed of every theory run.
const SEED: u64 = 1;

/// Runs M/M/c with `mu = 1` and `lambda = rho * c`, returning the report and batch means.
fn simulate(servers: u32, rho: f64, customers: u64, seed: u64) -> (MmcReport, Vec<f64>) {
    Mmc::new(MmcParams {
        lambda: rho * f64::from(servers),
        mu: 1.0,
        servers,
        customers,
        warmup: WARMUP,
        seed,
    })
    .run_batches(BATCHES)
}

/// The mean and the half-width of the 99% confidence interval of batch means.
fn confidence_interval(batches: &[f64]) -> (f64, f64) {
    assert_eq!(batches.len(), BATCHES);
    let n = batches.len() as f64;
    let mean = batches.iter().sum::<f64>() / n;
    let var = batches.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, T_29_995 * (var / n).sqrt())
}

/// Checks one M/M/c case against Erlang C, Little's law and the offered utilization.
fn check(servers: u32, rho: f64, customers: u64) {
    let case = format!("M/M/{servers} at rho = {rho} with {customers} customers");
    let (r, batches) = simulate(servers, rho, customers, SEED);
    assert_eq!(r.completed, customers, "{case}: served");
    let theory = r
        .theory
        .mean_wait_s
        .expect("a stable queue has a mean wait");

    // Erlang C lies inside the 99% batch-means confidence interval of the mean wait.
    let (mean, half) = confidence_interval(&batches);
    assert!(
        (mean - theory).abs() <= half,
        "{case}: Erlang C's mean wait {theory:.5} s is outside the 99% interval \
         {mean:.5} ± {half:.5} s"
    );

    // The point estimate is within 3% of Erlang C.
    let err = r.mean_wait_s / theory - 1.0;
    assert!(
        err.abs() <= 0.03,
        "{case}: mean wait {:.5} s is {:+.2}% from Erlang C's {theory:.5} s",
        r.mean_wait_s,
        100.0 * err
    );

    // Little's law: L = lambda W, within 2%.
    let lw = r.arrival_rate * r.mean_response_s;
    let err = r.mean_in_system / lw - 1.0;
    assert!(
        err.abs() <= 0.02,
        "{case}: L = {:.4} but lambda W = {lw:.4} ({:+.2}%)",
        r.mean_in_system,
        100.0 * err
    );

    // Utilization is the offered load, within 1%.
    let err = r.utilization / rho - 1.0;
    assert!(
        err.abs() <= 0.01,
        "{case}: utilization {:.4} is {:+.2}% from rho",
        r.utilization,
        100.0 * err
    );
    assert!(
        (r.theory.utilization - rho).abs() < 1e-12,
        "{case}: offered utilization"
    );
}

#[test]
fn mm1_rho_0_5() {
    check(1, 0.5, 1_000_000);
}

#[test]
fn mm1_rho_0_8() {
    check(1, 0.8, 2_000_000);
}

#[test]
fn mm1_rho_0_9() {
    check(1, 0.9, 4_000_000);
}

#[test]
fn mm4_rho_0_5() {
    check(4, 0.5, 1_000_000);
}

#[test]
fn mm4_rho_0_8() {
    check(4, 0.8, 2_000_000);
}

// With seed 1 the first few million customers of this case run long below Erlang C (at
// 4M and 8M customers the 99% interval just misses it; 12 other seeds at 4M average
// -0.01%), so it serves more customers.
#[test]
fn mm4_rho_0_9() {
    check(4, 0.9, 16_000_000);
}

#[test]
fn mm10_rho_0_5() {
    check(10, 0.5, 2_000_000);
}

#[test]
fn mm10_rho_0_8() {
    check(10, 0.8, 2_000_000);
}

#[test]
fn mm10_rho_0_9() {
    check(10, 0.9, 4_000_000);
}

/// The report as JSON, with the wall-clock time (the one nondeterministic field) zeroed.
fn json(mut r: MmcReport) -> String {
    r.wall_s = 0.0;
    serde_json::to_string(&r).expect("a report serializes")
}

#[test]
fn same_seed_gives_identical_reports() {
    let a = json(simulate(4, 0.8, 50_000, 7).0);
    let b = json(simulate(4, 0.8, 50_000, 7).0);
    assert_eq!(a, b);
}

#[test]
fn different_seeds_give_different_reports() {
    let a = json(simulate(4, 0.8, 50_000, 7).0);
    let b = json(simulate(4, 0.8, 50_000, 8).0);
    assert_ne!(a, b);
}

#[test]
fn run_batches_reports_what_run_reports() {
    let params = MmcParams {
        lambda: 3.2,
        mu: 1.0,
        servers: 4,
        customers: 60_000,
        warmup: 5_000,
        seed: 11,
    };
    let (batched, means) = Mmc::new(params).run_batches(BATCHES);
    assert_eq!(json(Mmc::new(params).run()), json(batched.clone()));
    assert_eq!(means.len(), BATCHES);
    assert!(means.iter().all(|m| m.is_finite() && *m >= 0.0));
    // Equal batches: their mean is (nearly) the overall mean wait.
    let mean = means.iter().sum::<f64>() / BATCHES as f64;
    assert!(
        (mean / batched.mean_wait_s - 1.0).abs() < 0.01,
        "{mean} vs {}",
        batched.mean_wait_s
    );
}

#[test]
fn run_batches_handles_degenerate_batch_counts() {
    let params = MmcParams {
        lambda: 0.5,
        mu: 1.0,
        servers: 1,
        customers: 3,
        warmup: 0,
        seed: 3,
    };
    let (r, none) = Mmc::new(params).run_batches(0);
    assert!(none.is_empty());
    assert_eq!(r.completed, 3);
    let (r, many) = Mmc::new(params).run_batches(10);
    assert_eq!(many.len(), 10);
    assert!(many.iter().all(|m| m.is_finite()));
    assert_eq!(r.completed, 3);
}
