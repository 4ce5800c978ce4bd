//! A plain M/M/c queue run on the engine's core, for checking the engine against Erlang C.

use serde::Serialize;

use crate::core::{run_until, Core, Model, Origin, Plan, Step, Window};
use crate::erlang;
use crate::events::EventKind;
use crate::parts::{PartId, ResourceId, Role, Tier};
use crate::resource::ResourceSpec;

/// What to run: arrival rate, service rate per server, servers, customers, seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcParams {
    /// Arrivals per second (Poisson).
    pub lambda: f64,
    /// Services per second per server (exponential).
    pub mu: f64,
    /// Servers.
    pub servers: u32,
    /// Customers to serve after the warm-up.
    pub customers: u64,
    /// Customers served and discarded first, so the queue starts in steady state.
    pub warmup: u64,
    /// The RNG seed.
    pub seed: u64,
}

/// Measured results beside Erlang C's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct MmcReport {
    /// Mean time waiting in the queue, seconds.
    pub mean_wait_s: f64,
    /// Mean time in the system (wait + service), seconds.
    pub mean_response_s: f64,
    /// 95th percentile of time in the system, seconds.
    pub p95_response_s: f64,
    /// Time-average fraction of servers busy.
    pub utilization: f64,
    /// Time-average number in the system.
    pub mean_in_system: f64,
    /// Measured arrival rate, per second.
    pub arrival_rate: f64,
    /// Customers served after the warm-up.
    pub completed: u64,
    /// Events handled after the warm-up.
    pub events: u64,
    /// Simulated seconds after the warm-up.
    pub simulated_s: f64,
    /// Wall-clock seconds the run took (set by the caller; 0 inside the engine).
    pub wall_s: f64,
    /// Erlang C's prediction from the same parameters.
    pub theory: MmcTheory,
}

/// Erlang C's prediction, in the report's units.
#[derive(Debug, Clone, Serialize)]
pub struct MmcTheory {
    /// Offered utilization λ / (cμ).
    pub utilization: f64,
    /// Probability an arrival waits.
    pub prob_wait: f64,
    /// Mean wait in the queue (null when unstable).
    pub mean_wait_s: Option<f64>,
    /// Mean time in the system (null when unstable).
    pub mean_response_s: Option<f64>,
}

/// A bounded run stopped early: more customers were in the system than its limit allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overflow {
    /// Customers in the system (waiting or served) when the run stopped.
    pub in_system: u32,
    /// The limit it passed.
    pub limit: u32,
    /// Simulated seconds when it stopped, counted from the start of the warm-up.
    pub at_s: f64,
    /// Customers served by then, the warm-up's included.
    pub served: u64,
}

/// Events between two checks of a bounded run's limit: the customers in the system may pass
/// the limit by at most this many before the run stops.
pub const CHECK_EVERY: u64 = 4_096;

/// A running M/M/c simulation.
#[derive(Debug, Clone)]
pub struct Mmc {
    core: Core,
    params: MmcParams,
    plan: Plan,
}

impl Mmc {
    /// Sets up the queue; nothing runs yet.
    pub fn new(params: MmcParams) -> Self {
        let mut core = Core::with_hooks(params.seed, false, ());
        let host = core.add_host(crate::core::Host::new("server", 0.0));
        // One pool of servers; the web model's names do not matter to a plain queue.
        let id = ResourceId::new(PartId::first(Tier::App), Role::Threads);
        let res = core.add_resource(ResourceSpec::pool(id, host, params.servers));
        let mut plan = Plan::new();
        plan.push(Step::Serve {
            res,
            mean: (1.0 / params.mu) as f32,
            flagged: false,
        });
        let first = core.rng().exp(1.0 / params.lambda);
        core.schedule(first, EventKind::Arrival(0));
        Self { core, params, plan }
    }

    /// Handles events until `completed` customers have been served since the start. Stops
    /// early and returns false once more than `max_in_system` customers are in the system,
    /// which is checked every [`CHECK_EVERY`] events.
    fn serve_until(&mut self, completed: u64, max_in_system: u32) -> bool {
        let stopped = run_until(self, f64::INFINITY, |core| {
            core.stats().totals.completed >= completed
                || (core.events_handled().is_multiple_of(CHECK_EVERY)
                    && core.in_flight() > max_in_system)
        });
        !stopped || self.core.stats().totals.completed >= completed
    }

    /// Runs the warm-up, resets the statistics, serves the customers and reports.
    ///
    /// Nothing bounds the customers in the system: an unstable queue (λ ≥ cμ) grows, and
    /// memory with it, until the customers are served. [`Mmc::run_bounded`] stops it.
    pub fn run(mut self) -> MmcReport {
        self.serve_until(self.params.warmup, u32::MAX);
        self.core.reset_stats();
        let base = self.core.stats().totals.completed;
        self.serve_until(base.saturating_add(self.params.customers), u32::MAX);
        self.report(base)
    }

    /// Like [`Mmc::run`] (the same report for the same parameters), but stops once more than
    /// `max_in_system` customers are in the system, which bounds the memory an unstable queue
    /// takes and the arrivals it handles (at most the customers served plus the limit plus
    /// [`CHECK_EVERY`]).
    pub fn run_bounded(mut self, max_in_system: u32) -> Result<MmcReport, Overflow> {
        if !self.serve_until(self.params.warmup, max_in_system) {
            return Err(self.overflow(max_in_system));
        }
        self.core.reset_stats();
        let base = self.core.stats().totals.completed;
        if !self.serve_until(base.saturating_add(self.params.customers), max_in_system) {
            return Err(self.overflow(max_in_system));
        }
        Ok(self.report(base))
    }

    /// Where a bounded run stopped.
    fn overflow(&self, limit: u32) -> Overflow {
        Overflow {
            in_system: self.core.in_flight(),
            limit,
            at_s: self.core.now(),
            served: self.core.stats().totals.completed,
        }
    }

    /// Like [`Mmc::run`], and also splits the customers served after the warm-up into
    /// `batches` consecutive batches of (nearly) equal size and returns each batch's mean
    /// wait in the queue, in seconds, for a batch-means confidence interval.
    ///
    /// The report is the same as `run` gives for the same parameters. A batch in which
    /// nobody left the queue (possible only when `batches` exceeds the customers) has a
    /// mean of 0; with `batches` 0 no batch means are returned.
    pub fn run_batches(mut self, batches: usize) -> (MmcReport, Vec<f64>) {
        self.serve_until(self.params.warmup, u32::MAX);
        self.core.reset_stats();
        let base = self.core.stats().totals.completed;
        let total = self.params.customers;
        let mut means = Vec::with_capacity(batches);
        let start = self.core.resources()[0].tally;
        let (mut sum, mut n) = (start.wait_sum, start.waits);
        for i in 1..=batches as u64 {
            // i * total / batches without overflow: total <= u64::MAX, batches is small.
            let target = (u128::from(total) * u128::from(i) / batches as u128) as u64;
            self.serve_until(base + target, u32::MAX);
            let c = &self.core.resources()[0].tally;
            let (dsum, dn) = (c.wait_sum - sum, c.waits - n);
            means.push(if dn > 0 { dsum / dn as f64 } else { 0.0 });
            (sum, n) = (c.wait_sum, c.waits);
        }
        self.serve_until(base + total, u32::MAX);
        (self.report(base), means)
    }

    /// The report on everything measured since the warm-up ended.
    fn report(&mut self, base: u64) -> MmcReport {
        let now = self.core.now();
        let counted = self.core.window(Window::Run);
        let span = (now - counted.start).max(1e-12);
        let c = counted.resources[0];
        let theory = erlang::mmc(self.params.lambda, self.params.mu, self.params.servers);
        let sojourn = &self.core.stats().groups[0].run;
        MmcReport {
            mean_wait_s: if c.waits > 0 {
                c.wait_sum / c.waits as f64
            } else {
                0.0
            },
            mean_response_s: sojourn.mean(),
            p95_response_s: sojourn.quantile(0.95),
            utilization: c.busy_area / span / f64::from(self.params.servers.max(1)),
            mean_in_system: c.present_area / span,
            arrival_rate: c.arrivals as f64 / span,
            completed: self.core.stats().totals.completed - base,
            events: self.core.events_handled(),
            simulated_s: span,
            wall_s: 0.0,
            theory: MmcTheory {
                utilization: theory.offered_utilization,
                prob_wait: theory.prob_wait,
                mean_wait_s: theory.mean_wait_s,
                mean_response_s: theory.mean_response_s,
            },
        }
    }
}

/// Poisson arrivals, each a customer of the one pool.
impl Model for Mmc {
    type Hooks = ();

    #[inline]
    fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    #[inline]
    fn handle(&mut self, kind: EventKind) {
        if let EventKind::Arrival(_) = kind {
            let now = self.core.now();
            let next = now + self.core.rng().exp(1.0 / self.params.lambda);
            self.core.schedule(next, EventKind::Arrival(0));
            self.core
                .start(0, &[], &self.plan, f64::INFINITY, Origin::User);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(lambda: f64, mu: f64, servers: u32, customers: u64) -> MmcParams {
        MmcParams {
            lambda,
            mu,
            servers,
            customers,
            warmup: customers / 10,
            seed: 1,
        }
    }

    #[test]
    fn a_bounded_run_under_its_limit_reports_what_a_plain_run_does() {
        let p = params(9.0, 1.0, 10, 20_000);
        let plain = serde_json::to_string(&Mmc::new(p).run()).unwrap();
        let bounded = serde_json::to_string(&Mmc::new(p).run_bounded(1_000).unwrap()).unwrap();
        assert_eq!(plain, bounded);
    }

    #[test]
    fn an_unstable_queue_stops_just_past_its_limit() {
        for p in [
            params(2.0, 1.0, 1, 100_000_000),
            params(1e9, 1e-6, 1, 1_000_000_000),
            params(1e9, 1e-6, 100_000, 10),
        ] {
            let o = Mmc::new(p).run_bounded(50_000).unwrap_err();
            assert_eq!(o.limit, 50_000);
            assert!(
                o.in_system > 50_000 && u64::from(o.in_system) <= 50_000 + CHECK_EVERY,
                "{o:?}"
            );
            assert!(o.served < p.customers + p.warmup, "{o:?}");
            assert!(o.at_s.is_finite() && o.at_s > 0.0, "{o:?}");
        }
    }

    #[test]
    fn the_limit_counts_customers_waiting_and_in_service() {
        // 10 servers at 90% load: a few dozen in the system at most, never 1,000.
        assert!(Mmc::new(params(9.0, 1.0, 10, 50_000))
            .run_bounded(1_000)
            .is_ok());
        // The same queue with a limit below its usual population stops.
        assert!(Mmc::new(params(9.0, 1.0, 10, 50_000))
            .run_bounded(2)
            .is_err());
    }
}
