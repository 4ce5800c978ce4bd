//! The M/M/c queue in closed form: Poisson arrivals, exponential service,
//! `c` identical servers and one shared queue.
//!
//! The engine's simulation of a server pool should agree with these numbers
//! when its assumptions hold, which makes them both a prediction to show and
//! a check on the simulator. Formulas follow Kleinrock, *Queueing Systems,
//! Volume 1* (1975), section 3.5, and Gross & Harris, *Fundamentals of
//! Queueing Theory*, section 2.3.

/// What queueing theory predicts for an M/M/c queue in steady state.
///
/// When the queue is unstable (arrivals at or above capacity) or the inputs
/// make no sense, `stable` is false, `prob_wait` is 1 and every mean is
/// `None`: the queue grows without bound and has no steady state. No field is
/// ever NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcPrediction {
    /// Server utilization `λ / (c μ)`, capped at 1.
    pub utilization: f64,
    /// Offered utilization `λ / (c μ)`, uncapped, so overload shows how far
    /// past capacity it is (0 for invalid inputs, `f64::MAX` on overflow).
    pub offered_utilization: f64,
    /// Whether a steady state exists: valid inputs and `λ < c μ`.
    pub stable: bool,
    /// The probability an arrival has to wait (Erlang C); 1 when unstable.
    pub prob_wait: f64,
    /// Mean time in the queue before service starts, `Wq`, in seconds.
    pub mean_wait_s: Option<f64>,
    /// Mean time from arrival to departure, `W = Wq + 1/μ`, in seconds.
    pub mean_response_s: Option<f64>,
    /// Mean number waiting in the queue, `Lq = λ Wq` (Little's law).
    pub mean_queue_len: Option<f64>,
    /// Mean number in the system, waiting or in service, `L = λ W`.
    pub mean_in_system: Option<f64>,
}

impl MmcPrediction {
    /// The prediction for a queue without a steady state.
    fn unstable(offered_utilization: f64) -> Self {
        Self {
            utilization: offered_utilization.min(1.0),
            offered_utilization,
            stable: false,
            prob_wait: 1.0,
            mean_wait_s: None,
            mean_response_s: None,
            mean_queue_len: None,
            mean_in_system: None,
        }
    }
}

/// `Some(x)` only for a finite `x`, so no infinity escapes an overflow.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The Erlang B blocking probability for offered load `a` (in Erlangs) on
/// `servers` servers, by the recursion `B(0) = 1`,
/// `B(k) = a B(k-1) / (k + a B(k-1))` (Jagerman, 1974).
///
/// Each step is a contraction, so it is stable for any number of servers,
/// unlike the textbook form with `a^c / c!`. It costs one step per server,
/// but stops early once `B` underflows to zero, where it stays.
fn erlang_b(a: f64, servers: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
        if b == 0.0 {
            break;
        }
    }
    b
}

/// Predicts an M/M/c queue with arrival rate `lambda` and service rate `mu`
/// per server (both per second) and `servers` servers.
///
/// Erlang C comes from Erlang B as `C = B / (1 - ρ (1 - B))` (Gross &
/// Harris, section 2.3), with `ρ = λ / (c μ)`; then `Wq = C / (c μ - λ)`.
/// Invalid inputs (negative or non-finite `lambda`, non-positive or
/// non-finite `mu`, no servers) give an unstable prediction with zero
/// utilization. Cost is O(`servers`).
pub fn mmc(lambda: f64, mu: f64, servers: u32) -> MmcPrediction {
    let valid = lambda.is_finite() && mu.is_finite() && lambda >= 0.0 && mu > 0.0 && servers > 0;
    if !valid {
        return MmcPrediction::unstable(0.0);
    }
    let c = f64::from(servers);
    // Offered load in Erlangs: the mean number of busy servers.
    let a = lambda / mu;
    let rho = a / c;
    if !rho.is_finite() {
        return MmcPrediction::unstable(f64::MAX);
    }
    if rho >= 1.0 {
        return MmcPrediction::unstable(rho);
    }
    let service_s = finite(1.0 / mu);
    if lambda == 0.0 {
        return MmcPrediction {
            utilization: 0.0,
            offered_utilization: 0.0,
            stable: true,
            prob_wait: 0.0,
            mean_wait_s: Some(0.0),
            mean_response_s: service_s,
            mean_queue_len: Some(0.0),
            mean_in_system: Some(0.0),
        };
    }
    let b = erlang_b(a, servers);
    // The denominator is at least 1 - ρ > 0.
    let prob_wait = (b / (1.0 - rho * (1.0 - b))).clamp(0.0, 1.0);
    // Capacity left over; the rate at which a waiting arrival's wait ends.
    let spare = c * mu - lambda;
    if spare <= 0.0 {
        // ρ rounds to just below 1 but the spare capacity rounds to nothing.
        return MmcPrediction::unstable(rho);
    }
    let wait = prob_wait / spare;
    let response = service_s.map(|s| wait + s);
    MmcPrediction {
        utilization: rho,
        offered_utilization: rho,
        stable: true,
        prob_wait,
        mean_wait_s: finite(wait),
        mean_response_s: response.and_then(finite),
        mean_queue_len: finite(lambda * wait),
        mean_in_system: response.and_then(|w| finite(lambda * w)),
    }
}

/// The `q`-quantile of the waiting time (before service) in a stable M/M/c
/// queue, in seconds; `None` if the queue is unstable or the quantile is
/// infinite (`q` = 1 with some waiting). `q` is clamped to [0, 1].
///
/// The wait is 0 with probability `1 - C` and otherwise exponential with
/// rate `c μ - λ`: `P(Wq > t) = C exp(-(c μ - λ) t)` (Gross & Harris,
/// section 2.3), so the quantile is `ln(C / (1 - q)) / (c μ - λ)` once
/// `1 - q < C`, and 0 before. The rate is recovered as `C / Wq`.
pub fn wait_quantile(pred: &MmcPrediction, q: f64) -> Option<f64> {
    if !pred.stable || q.is_nan() {
        return None;
    }
    let wait = pred.mean_wait_s?;
    let c = pred.prob_wait;
    let tail = 1.0 - q.clamp(0.0, 1.0);
    if c <= 0.0 || wait <= 0.0 || tail >= c {
        return Some(0.0);
    }
    if tail <= 0.0 {
        return None;
    }
    let rate = c / wait;
    finite(libm::log(c / tail) / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    /// Erlang C by direct summation of `a^k / k!` (Gross & Harris, section 2.3),
    /// for checking the recursion on small `c`.
    fn erlang_c_direct(a: f64, c: u32) -> f64 {
        let mut term = 1.0; // a^k / k!
        let mut sum = 0.0;
        for k in 0..c {
            sum += term;
            term *= a / f64::from(k + 1);
        }
        let rho = a / f64::from(c);
        let top = term / (1.0 - rho);
        top / (sum + top)
    }

    /// The same in log space (log-sum-exp), for checking large `c`.
    fn erlang_c_log(a: f64, c: u32) -> f64 {
        let mut log_terms = Vec::with_capacity(c as usize + 1);
        let mut log_term = 0.0;
        for k in 0..=c {
            if k > 0 {
                log_term += a.ln() - f64::from(k).ln();
            }
            log_terms.push(log_term);
        }
        let rho = a / f64::from(c);
        let log_top = log_terms[c as usize] - (1.0 - rho).ln();
        let peak = log_terms.iter().copied().fold(log_top, f64::max);
        let below: f64 = log_terms[..c as usize]
            .iter()
            .map(|&x| (x - peak).exp())
            .sum();
        let top = (log_top - peak).exp();
        top / (below + top)
    }

    fn assert_all_finite(p: &MmcPrediction) {
        for x in [p.utilization, p.offered_utilization, p.prob_wait] {
            assert!(x.is_finite(), "{p:?}");
        }
        for x in [
            p.mean_wait_s,
            p.mean_response_s,
            p.mean_queue_len,
            p.mean_in_system,
        ]
        .into_iter()
        .flatten()
        {
            assert!(x.is_finite() && x >= 0.0, "{p:?}");
        }
    }

    #[test]
    fn mm1_matches_its_closed_forms() {
        for (lambda, mu) in [(0.5, 1.0), (9.0, 10.0), (99.0, 100.0), (1.0, 1000.0)] {
            let p = mmc(lambda, mu, 1);
            let rho: f64 = lambda / mu;
            assert!(p.stable);
            assert!(close(p.utilization, rho, 1e-12));
            // M/M/1: P(wait) = ρ, Wq = ρ / (μ - λ), W = 1 / (μ - λ),
            // L = ρ / (1 - ρ), Lq = ρ² / (1 - ρ).
            assert!(close(p.prob_wait, rho, 1e-12));
            assert!(close(p.mean_wait_s.unwrap(), rho / (mu - lambda), 1e-10));
            assert!(close(
                p.mean_response_s.unwrap(),
                1.0 / (mu - lambda),
                1e-10
            ));
            assert!(close(p.mean_in_system.unwrap(), rho / (1.0 - rho), 1e-10));
            assert!(close(
                p.mean_queue_len.unwrap(),
                rho * rho / (1.0 - rho),
                1e-10
            ));
        }
    }

    #[test]
    fn textbook_mmc_values() {
        // λ = 2, μ = 1, c = 3: B = 4/19, C = 4/9, Wq = C / (3 - 2) = 4/9.
        let p = mmc(2.0, 1.0, 3);
        assert!(close(p.prob_wait, 4.0 / 9.0, 1e-12));
        assert!(close(p.mean_wait_s.unwrap(), 4.0 / 9.0, 1e-12));
        assert!(close(p.mean_response_s.unwrap(), 13.0 / 9.0, 1e-12));
        assert!(close(p.mean_queue_len.unwrap(), 8.0 / 9.0, 1e-12));
        assert!(close(p.mean_in_system.unwrap(), 26.0 / 9.0, 1e-12));
        assert!(close(p.utilization, 2.0 / 3.0, 1e-12));
        // λ = 1, μ = 1, c = 2: C = 1/3, Wq = 1/3.
        let p = mmc(1.0, 1.0, 2);
        assert!(close(p.prob_wait, 1.0 / 3.0, 1e-12));
        assert!(close(p.mean_wait_s.unwrap(), 1.0 / 3.0, 1e-12));
        assert!(close(erlang_b(2.0, 3), 4.0 / 19.0, 1e-12));
    }

    #[test]
    fn recursion_agrees_with_direct_summation() {
        for c in 1..=40u32 {
            for rho in [0.01, 0.3, 0.5, 0.8, 0.95, 0.999] {
                let mu = 2.5;
                let lambda = rho * f64::from(c) * mu;
                let p = mmc(lambda, mu, c);
                let want = erlang_c_direct(lambda / mu, c);
                assert!(close(p.prob_wait, want, 1e-10), "c={c} ρ={rho}");
                let wq = want / (f64::from(c) * mu - lambda);
                assert!(close(p.mean_wait_s.unwrap(), wq, 1e-8), "c={c} ρ={rho}");
            }
        }
    }

    #[test]
    fn large_pools_are_finite_and_match_log_space() {
        for (c, rho) in [
            (10_000u32, 0.95),
            (10_000, 0.99),
            (100_000, 0.999),
            (100_000, 0.5),
        ] {
            let a = rho * f64::from(c);
            let p = mmc(a, 1.0, c);
            assert!(p.stable);
            assert_all_finite(&p);
            let want = erlang_c_log(a, c);
            assert!(
                close(p.prob_wait, want, 1e-8),
                "c={c}: {} vs {want}",
                p.prob_wait
            );
        }
        // Halfin–Whitt: with (1 - ρ)√c held at β, P(wait) tends to
        // 1 / (1 + β Φ(β) / φ(β)); β = 1 gives 0.2234 (Halfin & Whitt, 1981).
        let p = mmc(9_900.0, 1.0, 10_000);
        assert!(close(p.prob_wait, 0.2234, 0.01), "{}", p.prob_wait);
        // Big pools at light load almost never queue.
        let p = mmc(100.0, 1.0, 100_000);
        assert_eq!(p.prob_wait, 0.0);
        assert_eq!(p.mean_wait_s, Some(0.0));
        assert!(close(p.mean_response_s.unwrap(), 1.0, 1e-12));
    }

    #[test]
    fn overload_is_unstable() {
        for (lambda, mu, c) in [(3.0, 1.0, 3), (10.0, 1.0, 3), (1e300, 1e-300, 7)] {
            let p = mmc(lambda, mu, c);
            assert!(!p.stable);
            assert_eq!(p.utilization, 1.0);
            assert!(p.offered_utilization >= 1.0);
            assert_eq!(p.prob_wait, 1.0);
            assert_eq!(p.mean_wait_s, None);
            assert_eq!(p.mean_response_s, None);
            assert_eq!(p.mean_queue_len, None);
            assert_eq!(p.mean_in_system, None);
            assert_all_finite(&p);
            assert_eq!(wait_quantile(&p, 0.5), None);
        }
        assert!(close(mmc(10.0, 1.0, 4).offered_utilization, 2.5, 1e-12));
    }

    #[test]
    fn invalid_inputs_are_unstable_and_finite() {
        let bad = [
            (-1.0, 1.0, 1),
            (1.0, 0.0, 1),
            (1.0, -1.0, 1),
            (1.0, 1.0, 0),
            (f64::NAN, 1.0, 1),
            (1.0, f64::NAN, 1),
            (f64::INFINITY, 1.0, 1),
            (1.0, f64::INFINITY, 1),
        ];
        for (lambda, mu, c) in bad {
            let p = mmc(lambda, mu, c);
            assert!(!p.stable, "{lambda} {mu} {c}");
            assert_eq!(p.utilization, 0.0);
            assert_eq!(p.mean_wait_s, None);
            assert_all_finite(&p);
        }
    }

    #[test]
    fn no_arrivals_means_no_waiting() {
        let p = mmc(0.0, 4.0, 2);
        assert!(p.stable);
        assert_eq!(p.prob_wait, 0.0);
        assert_eq!(p.utilization, 0.0);
        assert_eq!(p.mean_wait_s, Some(0.0));
        assert_eq!(p.mean_response_s, Some(0.25));
        assert_eq!(p.mean_queue_len, Some(0.0));
        assert_eq!(p.mean_in_system, Some(0.0));
        assert_eq!(wait_quantile(&p, 0.99), Some(0.0));
        // A service rate too small to invert still yields no infinity.
        let p = mmc(0.0, 1e-320, 1);
        assert_all_finite(&p);
        assert_eq!(p.mean_response_s, None);
    }

    #[test]
    fn wait_quantiles_invert_the_tail() {
        // M/M/1 with λ = 0.5, μ = 1: C = 0.5, P(Wq > t) = 0.5 e^{-t/2}.
        let p = mmc(0.5, 1.0, 1);
        assert_eq!(wait_quantile(&p, 0.0), Some(0.0));
        assert_eq!(wait_quantile(&p, 0.5), Some(0.0));
        assert!(close(
            wait_quantile(&p, 0.9).unwrap(),
            2.0 * 5f64.ln(),
            1e-12
        ));
        assert_eq!(wait_quantile(&p, 1.0), None);
        assert_eq!(wait_quantile(&p, f64::NAN), None);
        // On an M/M/c queue each quantile reproduces its tail probability.
        let (lambda, mu, c) = (2.0, 1.0, 3);
        let p = mmc(lambda, mu, c);
        for q in [0.6, 0.9, 0.99, 0.999] {
            let t = wait_quantile(&p, q).unwrap();
            let tail = p.prob_wait * (-(f64::from(c) * mu - lambda) * t).exp();
            assert!(close(tail, 1.0 - q, 1e-12), "q={q}");
        }
        // The quantile function integrates to the mean wait.
        let n = 200_000;
        let integral: f64 = (0..n)
            .map(|i| wait_quantile(&p, (f64::from(i) + 0.5) / f64::from(n)).unwrap())
            .sum::<f64>()
            / f64::from(n);
        assert!(close(integral, p.mean_wait_s.unwrap(), 1e-3), "{integral}");
    }
}
