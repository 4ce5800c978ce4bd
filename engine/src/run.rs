//! A whole stage run for the command line and the tests: a warm-up, then a measured stretch,
//! read as one window and diagnosed by the same rules as the page.

use serde::Serialize;

use crate::core::Window;
use crate::cost::{self, Cost};
use crate::diagnosis::{diagnose, Diagnoser, Diagnosis, Failure, Verdict};
use crate::reading::Reading;
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::topology::Topology;

/// Simulated seconds run and discarded before measuring, so queues start near steady state.
pub const WARMUP_S: f64 = 30.0;

/// A whole stage run: what was measured, which failure that shows, and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct StageRun {
    /// The RNG seed.
    pub seed: u64,
    /// Simulated seconds measured (after the warm-up).
    pub duration_s: f64,
    /// Simulated seconds discarded first.
    pub warmup_s: f64,
    /// The failure's code the measurements show, or null.
    pub failure: Option<&'static str>,
    /// The diagnosis: the failure, the resource that gives out, the parts that show it and
    /// what fixes it.
    pub diagnosis: Option<Diagnosis>,
    /// The targets' verdict.
    pub verdict: Verdict,
    /// Monthly cost of the simulated system, USD.
    pub cost_monthly_usd: f64,
    /// Cost per line and per unit of use.
    pub cost: Cost,
    /// The system that ran.
    pub topology: Topology,
    /// Wall-clock seconds the run took (0 unless the caller measures it).
    pub wall_s: f64,
    /// The measurements.
    #[serde(flatten)]
    pub reading: Reading,
}

impl StageRun {
    /// Reads and diagnoses `sim`'s whole run so far.
    ///
    /// A run can miss its targets in an episode (a burst of analytics scans, say) that its
    /// averages over the whole run show as no rule. Then the same run (same scenario, same
    /// seed, so the same events) is read again as the page reads it, and the failure the page
    /// would have named most often is the run's.
    pub fn of(sim: &mut Sim, seed: u64, duration_s: f64, warmup_s: f64) -> Self {
        let reading = sim.reading(Window::Run);
        let topology = *sim.topology();
        let mut diagnosis = diagnose(&topology, &reading);
        if diagnosis
            .as_ref()
            .is_some_and(|d| d.failure == Failure::Unexplained)
        {
            if let Some(d) = named_live(sim.scenario(), seed, duration_s, warmup_s) {
                diagnosis = Some(d);
            }
        }
        let cost = cost::monthly(&topology, sim.scenario(), &reading);
        Self {
            seed,
            duration_s,
            warmup_s,
            failure: diagnosis.as_ref().map(|d| d.failure.code()),
            diagnosis,
            verdict: Verdict::of(&reading),
            cost_monthly_usd: cost.monthly_usd,
            cost,
            topology,
            wall_s: 0.0,
            reading,
        }
    }
}

/// Runs `sc` with `seed`: a warm-up of [`WARMUP_S`], then `duration_s` measured.
pub fn run_stage(sc: &Scenario, seed: u64, duration_s: f64) -> StageRun {
    let mut sim = Sim::with_stats(sc, seed, false);
    sim.step_until(WARMUP_S);
    sim.reset_stats();
    sim.step_until(WARMUP_S + duration_s);
    StageRun::of(&mut sim, seed, duration_s, WARMUP_S)
}

/// Simulated seconds between the readings the page takes (four a second).
const READING_S: f64 = 0.25;

/// The named failure the page's panel would show most often over the measured stretch of the
/// same run (the same seed gives the same events), with the last diagnosis it showed for it.
fn named_live(sc: &Scenario, seed: u64, duration_s: f64, warmup_s: f64) -> Option<Diagnosis> {
    let mut sim = Sim::with_stats(sc, seed, true);
    let topology = *sim.topology();
    let mut diagnoser = Diagnoser::default();
    let mut shown: Vec<(u32, Diagnosis)> = Vec::new();
    let mut t = 0.0;
    while t < warmup_s + duration_s {
        t += READING_S;
        sim.step_until(t);
        let reading = sim.reading(Window::Live);
        let Some(d) = diagnoser.observe(&topology, &reading) else {
            continue;
        };
        if t <= warmup_s || d.failure == Failure::Unexplained {
            continue;
        }
        match shown.iter_mut().find(|(_, s)| s.failure == d.failure) {
            Some(entry) => *entry = (entry.0 + 1, d.clone()),
            None => shown.push((1, d.clone())),
        }
    }
    shown.into_iter().max_by_key(|(n, _)| *n).map(|(_, d)| d)
}

/// A 64-bit FNV-1a hash of a run's JSON (with `wall_s` zeroed): equal on every platform for
/// the same scenario and seed, which the native and browser tests both check.
pub fn fingerprint(run: &StageRun) -> u64 {
    let mut run = run.clone();
    run.wall_s = 0.0;
    let json = serde_json::to_string(&run).unwrap_or_default();
    crate::sim::fnv1a(json.as_bytes())
}
