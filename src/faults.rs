//! The faults a learner can inject, as buttons: what each says, when it applies, and the
//! engine fault it becomes. Which switches are on is the engine's to say (its reading carries
//! them), so a button never shows a fault the system no longer has.

use headroom_engine::sim::faults::{LAG_SPIKE_MS, SLOW_API_MS, SPIKE};
use headroom_engine::sim::{ActiveFaults, Fault};
use headroom_engine::topology::{first_stage_with, Feature};
use headroom_engine::StageId;

use crate::format;

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

    /// The engine's fault.
    pub fn fault(self) -> Fault {
        match self {
            Self::Crash => Fault::CrashApp(0),
            Self::Deploy => Fault::RollingDeploy,
            Self::SlowApi => Fault::SlowApi,
            Self::Spike => Fault::Spike,
            Self::ReplicaLag => Fault::ReplicaLag,
        }
    }

    /// Whether the button switches something on and off rather than acting once.
    pub fn is_switch(self) -> bool {
        self.fault().is_switch()
    }

    /// Whether it is on in `faults` (a one-off fault never is).
    pub fn is_on(self, faults: ActiveFaults) -> bool {
        faults.is_on(self.fault())
    }

    /// The button's text (a switch shows whether it is on with `aria-pressed`).
    pub fn label(self) -> String {
        match self {
            Self::Crash => "Crash an app server".into(),
            Self::Deploy => "Deploy a new version".into(),
            Self::SlowApi => "Slow third-party API".into(),
            Self::Spike => format!("{}× traffic spike", format::grouped(SPIKE)),
            Self::ReplicaLag => "Replica lag spike".into(),
        }
    }

    /// What it does, in a sentence (its numbers from the engine's constants).
    pub fn hint(self) -> String {
        match self {
            Self::Crash => {
                "The first app server dies and takes its restart time to come back.".into()
            }
            Self::Deploy => {
                "Restarts every app server in turn, draining each first when it can.".into()
            }
            Self::SlowApi => format!(
                "Payments and sign-in calls take {} s at the median, {} s at p95.",
                format::grouped(SLOW_API_MS.0 / 1e3),
                format::grouped(SLOW_API_MS.1 / 1e3)
            ),
            Self::Spike => format!(
                "{} times the users' normal load, as after a launch or a mention.",
                format::grouped(SPIKE)
            ),
            Self::ReplicaLag => format!(
                "Every replica falls {} s behind its primary.",
                format::grouped(LAG_SPIKE_MS / 1e3)
            ),
        }
    }

    /// Why it does nothing at `stage`, if it does nothing there.
    pub fn unavailable(self, stage: StageId) -> Option<String> {
        (self == Self::ReplicaLag && !stage.design().has(Feature::Replicas)).then(|| {
            format!(
                "No replicas before stage {}.",
                first_stage_with(Feature::Replicas).number()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_the_engines_and_their_state_comes_from_it() {
        let mut on = ActiveFaults::default();
        assert!(!FaultKind::Spike.is_on(on));
        on.spike = true;
        assert!(FaultKind::Spike.is_on(on) && !FaultKind::SlowApi.is_on(on));
        assert!(!FaultKind::Deploy.is_switch() && FaultKind::ReplicaLag.is_switch());
    }

    #[test]
    fn texts_state_the_engines_numbers() {
        assert_eq!(FaultKind::Spike.label(), "10× traffic spike");
        assert!(FaultKind::SlowApi
            .hint()
            .contains("4 s at the median, 30 s at p95"));
        assert!(FaultKind::ReplicaLag.hint().contains("5 s behind"));
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
