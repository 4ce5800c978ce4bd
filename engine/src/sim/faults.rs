//! What a learner can break on purpose. The switches (a slow API, a traffic spike, replica lag)
//! are owned here, beside the system they change, so that moving a knob never cancels one
//! silently and a rebuilt system can take them over.

use serde::{Deserialize, Serialize};

use crate::resource::{Delay, Kind};
use crate::rng::LogNormal;

use super::Sim;

/// The slow-API fault's median and 95th percentile, ms.
pub const SLOW_API_MS: (f64, f64) = (4_000.0, 30_000.0);
/// How much the traffic spike multiplies the load.
pub const SPIKE: f64 = 10.0;
/// How far the replicas fall behind in a lag spike, ms.
pub const LAG_SPIKE_MS: f64 = 5_000.0;

/// Something going wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// App server `i` crashes and restarts (once).
    CrashApp(u16),
    /// Every app server restarts in turn, each after the previous one is back (once).
    RollingDeploy,
    /// The third-party API slows to [`SLOW_API_MS`] (a switch).
    SlowApi,
    /// [`SPIKE`] times the users' normal load (a switch).
    Spike,
    /// Every replica falls [`LAG_SPIKE_MS`] further behind (a switch).
    ReplicaLag,
}

impl Fault {
    /// Whether the fault stays on until it is switched off.
    pub fn is_switch(self) -> bool {
        matches!(self, Self::SlowApi | Self::Spike | Self::ReplicaLag)
    }
}

/// The switches that are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActiveFaults {
    /// The third-party API is slow.
    pub slow_api: bool,
    /// Traffic is [`SPIKE`] times normal.
    pub spike: bool,
    /// Replicas lag [`LAG_SPIKE_MS`] more.
    pub replica_lag: bool,
}

impl ActiveFaults {
    /// Whether switch `fault` is on (a one-off fault never is).
    pub fn is_on(self, fault: Fault) -> bool {
        match fault {
            Fault::SlowApi => self.slow_api,
            Fault::Spike => self.spike,
            Fault::ReplicaLag => self.replica_lag,
            Fault::CrashApp(_) | Fault::RollingDeploy => false,
        }
    }

    /// The switches that are on.
    pub fn switches(self) -> impl Iterator<Item = Fault> {
        [Fault::SlowApi, Fault::Spike, Fault::ReplicaLag]
            .into_iter()
            .filter(move |&f| self.is_on(f))
    }

    /// What the offered load is multiplied by.
    pub fn traffic_multiplier(self) -> f64 {
        if self.spike {
            SPIKE
        } else {
            1.0
        }
    }
}

impl Sim {
    /// Sets fault `fault` now: a switch goes `on` or off; a one-off fault happens when `on`.
    /// A fault the system has no part for (a replica lag spike without replicas) does nothing.
    pub fn set_fault(&mut self, fault: Fault, on: bool) {
        match fault {
            Fault::CrashApp(i) => {
                if let (true, Some(app)) = (on, self.apps.get(usize::from(i))) {
                    self.core.take_down(app.host);
                    self.core.drain_ready();
                }
            }
            Fault::RollingDeploy => {
                if on {
                    self.deploy_step(0);
                }
            }
            Fault::SlowApi => {
                self.faults.slow_api = on;
                self.apply_api_latency();
            }
            Fault::Spike => {
                self.faults.spike = on;
                let rate = self.scenario.network_rps() * self.faults.traffic_multiplier();
                self.set_user_rate(rate);
            }
            Fault::ReplicaLag => {
                let has_replicas = !self.core.hooks().replicas.is_empty();
                self.faults.replica_lag = on && has_replicas;
                let extra = if self.faults.replica_lag {
                    LAG_SPIKE_MS / 1e3
                } else {
                    0.0
                };
                for r in &mut self.core.hooks_mut().replicas {
                    r.lag.extra_s = extra;
                }
            }
        }
    }

    /// Sets the API's latency from the scenario, or from the slow-API fault while it is on.
    pub(super) fn apply_api_latency(&mut self) {
        let (median_ms, p95_ms) = if self.faults.slow_api {
            SLOW_API_MS
        } else {
            (
                self.scenario.third_party_median_ms,
                self.scenario.third_party_p95_ms,
            )
        };
        let ln = LogNormal::from_median_p95(median_ms / 1e3, p95_ms / 1e3);
        let res = self.core.resource_mut(self.third_party.0);
        res.spec.kind = Kind::Delay(Delay::LogNormal(ln));
    }

    /// The API's latency now: (median, p95), ms.
    pub fn api_latency_ms(&self) -> (f64, f64) {
        if self.faults.slow_api {
            SLOW_API_MS
        } else {
            (
                self.scenario.third_party_median_ms,
                self.scenario.third_party_p95_ms,
            )
        }
    }

    /// Switches on, in this system, every switch that is on in `faults` (a rebuilt system
    /// takes over the old one's faults).
    pub fn take_over(&mut self, faults: ActiveFaults) {
        for fault in faults.switches() {
            self.set_fault(fault, true);
        }
    }
}
