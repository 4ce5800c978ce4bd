//! The faults a learner can inject, as data: what each button says, when it applies, and the
//! engine fault it becomes. Three of them are switches (on until switched off).

use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Fault;
use headroom_engine::StageId;

/// A fault button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// One app server crashes and restarts.
    Crash,
    /// Every app server restarts in turn.
    Deploy,
    /// The third-party API slows to a crawl (a switch).
    SlowApi,
    /// Ten times the traffic (a switch).
    Spike,
    /// The replicas fall seconds behind (a switch).
    ReplicaLag,
}

/// Every fault, in the order the buttons show them.
pub const FAULTS: [FaultKind; 5] = [
    FaultKind::Crash,
    FaultKind::Deploy,
    FaultKind::SlowApi,
    FaultKind::Spike,
    FaultKind::ReplicaLag,
];

/// The slow API's median and 95th percentile, ms.
pub const SLOW_API_MS: (f64, f64) = (4_000.0, 30_000.0);
/// How much the traffic spike multiplies the load.
pub const SPIKE: f64 = 10.0;
/// How far the replicas fall behind, ms.
pub const LAG_SPIKE_MS: f64 = 5_000.0;

/// Which switches are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Switches {
    /// The API is slow.
    pub slow_api: bool,
    /// Traffic is ten times normal.
    pub spike: bool,
    /// Replicas lag.
    pub replica_lag: bool,
}

impl Switches {
    /// Whether `kind` is a switch that is on.
    pub fn is_on(self, kind: FaultKind) -> bool {
        match kind {
            FaultKind::SlowApi => self.slow_api,
            FaultKind::Spike => self.spike,
            FaultKind::ReplicaLag => self.replica_lag,
            FaultKind::Crash | FaultKind::Deploy => false,
        }
    }

    /// Flips `kind` if it is a switch.
    pub fn toggle(&mut self, kind: FaultKind) {
        match kind {
            FaultKind::SlowApi => self.slow_api = !self.slow_api,
            FaultKind::Spike => self.spike = !self.spike,
            FaultKind::ReplicaLag => self.replica_lag = !self.replica_lag,
            FaultKind::Crash | FaultKind::Deploy => {}
        }
    }
}

impl FaultKind {
    /// Stable name for tests.
    pub fn key(self) -> &'static str {
        match self {
            Self::Crash => "crash",
            Self::Deploy => "deploy",
            Self::SlowApi => "slow-api",
            Self::Spike => "spike",
            Self::ReplicaLag => "replica-lag",
        }
    }

    /// Whether the button switches something on and off rather than acting once.
    pub fn is_switch(self) -> bool {
        matches!(self, Self::SlowApi | Self::Spike | Self::ReplicaLag)
    }

    /// The button's text (a switch shows whether it is on with `aria-pressed`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Crash => "Crash an app server",
            Self::Deploy => "Deploy a new version",
            Self::SlowApi => "Slow third-party API",
            Self::Spike => "10× traffic spike",
            Self::ReplicaLag => "Replica lag spike",
        }
    }

    /// What it does, in a sentence.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Crash => "The first app server dies and takes its restart time to come back.",
            Self::Deploy => "Restarts every app server in turn, draining each first when it can.",
            Self::SlowApi => "Payments and sign-in calls take 4 s at the median, 30 s at p95.",
            Self::Spike => "Ten times the users' normal load, as after a launch or a mention.",
            Self::ReplicaLag => "Every replica falls 5 s behind the primary.",
        }
    }

    /// Why it does nothing at `stage`, if it does nothing there.
    pub fn unavailable(self, stage: StageId) -> Option<&'static str> {
        (self == Self::ReplicaLag && stage < StageId::ReplicasShards)
            .then_some("No replicas before stage 7.")
    }

    /// The engine fault for pressing the button with the switches at `before` (so a switch
    /// that was on is switched off), for a system running `sc`.
    pub fn fault(self, before: Switches, sc: &Scenario) -> Fault {
        let on = !before.is_on(self);
        match self {
            Self::Crash => Fault::CrashApp(0),
            Self::Deploy => Fault::RollingDeploy,
            Self::SlowApi if on => Fault::SlowThirdParty {
                median_ms: SLOW_API_MS.0,
                p95_ms: SLOW_API_MS.1,
            },
            Self::SlowApi => Fault::SlowThirdParty {
                median_ms: sc.third_party_median_ms,
                p95_ms: sc.third_party_p95_ms,
            },
            Self::Spike => Fault::TrafficMultiplier(if on { SPIKE } else { 1.0 }),
            Self::ReplicaLag => Fault::ReplicaLag {
                extra_ms: if on { LAG_SPIKE_MS } else { 0.0 },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_turns_its_fault_on_then_back_to_the_scenario() {
        let sc = Scenario::for_stage(5, 1_000.0);
        let mut s = Switches::default();
        assert_eq!(
            FaultKind::Spike.fault(s, &sc),
            Fault::TrafficMultiplier(SPIKE)
        );
        s.toggle(FaultKind::Spike);
        assert!(s.is_on(FaultKind::Spike));
        assert_eq!(
            FaultKind::Spike.fault(s, &sc),
            Fault::TrafficMultiplier(1.0)
        );
        s.toggle(FaultKind::SlowApi);
        assert_eq!(
            FaultKind::SlowApi.fault(s, &sc),
            Fault::SlowThirdParty {
                median_ms: sc.third_party_median_ms,
                p95_ms: sc.third_party_p95_ms
            }
        );
    }

    #[test]
    fn one_shot_faults_are_not_switches() {
        let mut s = Switches::default();
        s.toggle(FaultKind::Crash);
        assert_eq!(s, Switches::default());
        assert!(!FaultKind::Deploy.is_switch() && FaultKind::ReplicaLag.is_switch());
    }

    #[test]
    fn the_replica_lag_spike_needs_replicas() {
        assert!(FaultKind::ReplicaLag.unavailable(StageId::Async).is_some());
        assert!(FaultKind::ReplicaLag
            .unavailable(StageId::ReplicasShards)
            .is_none());
        assert!(FaultKind::Crash.unavailable(StageId::OneVm).is_none());
    }
}
