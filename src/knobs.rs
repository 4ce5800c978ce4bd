//! The design knobs a learner turns besides the number of users, as data: what each is called,
//! its range and units, the stage it starts to matter at, and how it maps onto the engine's
//! [`Scenario`]. [`Settings`] is everything that picks a scenario; the app keeps one.

use headroom_engine::diagnosis::Lever;
use headroom_engine::scenario::{machine_named, Scenario, MACHINES};
use headroom_engine::topology::{first_stage_with, Feature};
use headroom_engine::vertical;
use headroom_engine::StageId;

use crate::format;

/// A slider besides the users slider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Knob {
    /// The app server's machine (on stage 1, the one VM), by its place on the price ladder:
    /// vertical scaling, at the stages that run one app server.
    Machine,
    /// Cache hit rate for reads, %.
    CacheHit,
    /// App servers behind the load balancer.
    AppServers,
    /// Queue workers.
    Workers,
    /// Read replicas.
    Replicas,
    /// Shards.
    Shards,
    /// Share of dynamic requests that write, %.
    Writes,
    /// The third-party API's median latency, ms.
    ApiLatency,
    /// The index on the hot query: on (1) or off (0).
    Index,
}

/// Every knob, in the order the controls show them.
pub const KNOBS: [Knob; 9] = [
    Knob::Machine,
    Knob::CacheHit,
    Knob::Replicas,
    Knob::AppServers,
    Knob::Workers,
    Knob::Shards,
    Knob::Writes,
    Knob::ApiLatency,
    Knob::Index,
];

/// A knob's slider: its range in the units it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Slider step.
    pub step: f64,
}

impl Knob {
    /// The knob that turns the diagnosis's `lever`.
    pub fn for_lever(lever: Lever) -> Self {
        match lever {
            Lever::AppServers => Self::AppServers,
            Lever::CacheHit => Self::CacheHit,
            Lever::Replicas => Self::Replicas,
            Lever::Shards => Self::Shards,
            Lever::Index => Self::Index,
            Lever::Writes => Self::Writes,
        }
    }

    /// Short stable name, for element ids, tests and the URL (e.g. `hit`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Machine => "machine",
            Self::CacheHit => "hit",
            Self::AppServers => "apps",
            Self::Workers => "workers",
            Self::Replicas => "replicas",
            Self::Shards => "shards",
            Self::Writes => "writes",
            Self::ApiLatency => "api",
            Self::Index => "index",
        }
    }

    /// The slider's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Machine => "Machine size",
            Self::CacheHit => "Cache hit rate",
            Self::AppServers => "App servers",
            Self::Workers => "Queue workers",
            Self::Replicas => "Read replicas",
            Self::Shards => "Shards",
            Self::Writes => "Writes",
            Self::ApiLatency => "Third-party API latency",
            Self::Index => "Index on the hot query",
        }
    }

    /// Whether it is a switch (a checkbox) rather than a slider.
    pub fn is_switch(self) -> bool {
        self == Self::Index
    }

    /// The slider's range, in the knob's units.
    pub fn range(self) -> Range {
        let r = |min, max, step| Range { min, max, step };
        match self {
            Self::Machine => r(0.0, (MACHINES.len() - 1) as f64, 1.0),
            Self::CacheHit => r(0.0, 99.0, 1.0),
            Self::AppServers => r(1.0, 64.0, 1.0),
            Self::Workers => r(100.0, 10_000.0, 100.0),
            Self::Replicas => r(0.0, 8.0, 1.0),
            Self::Shards => r(1.0, 16.0, 1.0),
            Self::Writes => r(0.0, 50.0, 1.0),
            Self::ApiLatency => r(50.0, 5_000.0, 50.0),
            Self::Index => r(0.0, 1.0, 1.0),
        }
    }

    /// The feature of a stage's design this knob changes (`None`: it describes the world, and
    /// every stage has it).
    pub fn feature(self) -> Option<Feature> {
        match self {
            Self::CacheHit => Some(Feature::Cache),
            Self::AppServers => Some(Feature::LoadBalancer),
            Self::Workers => Some(Feature::Queue),
            Self::Replicas => Some(Feature::Replicas),
            Self::Shards => Some(Feature::Shards),
            Self::Index => Some(Feature::Index),
            Self::Machine | Self::Writes | Self::ApiLatency => None,
        }
    }

    /// The first stage whose system has the part this knob changes.
    pub fn first_stage(self) -> StageId {
        self.feature().map_or(StageId::OneVm, first_stage_with)
    }

    /// Why the knob does nothing at `stage`, or `None` when it does something.
    pub fn unavailable(self, stage: StageId) -> Option<String> {
        if self == Self::Machine {
            return (!vertical::scales_up(stage)).then(|| {
                format!(
                    "From stage {}, a load balancer spreads the load over app servers on {} \
                     machines: set their number instead.",
                    first_stage_with(Feature::LoadBalancer).number(),
                    machine_name(&Scenario::for_stage(stage.number(), 0.0)).unwrap_or("their")
                )
            });
        }
        let feature = self.feature()?;
        if stage.design().has(feature) {
            return None;
        }
        let first = self.first_stage().number();
        let (before, adds) = match self {
            Self::CacheHit => ("No cache yet", "adds one"),
            Self::AppServers => ("One app server", "adds a load balancer"),
            Self::Workers => ("No queue yet", "adds workers"),
            Self::Replicas => ("No replicas yet", "adds them"),
            Self::Shards => ("One database", "shards it"),
            Self::Index => (
                "Nobody has found the slow query yet",
                "adds the metrics that show it",
            ),
            Self::Machine | Self::Writes | Self::ApiLatency => return None,
        };
        Some(format!("{before}: stage {first} {adds}."))
    }

    /// Whether the knob describes the world the system lives in (its traffic, a vendor's
    /// speed) rather than the system's design; such knobs keep their value across stages.
    pub fn describes_the_world(self) -> bool {
        self.feature().is_none() && self != Self::Machine
    }

    /// Whether the running simulation takes a new value as it runs; otherwise the system is
    /// rebuilt with it (more machines is a new system).
    pub fn live(self) -> bool {
        matches!(
            self,
            Self::CacheHit | Self::Writes | Self::ApiLatency | Self::Index
        )
    }

    /// The knob's value in `sc`, in its units.
    pub fn value(self, sc: &Scenario) -> f64 {
        match self {
            Self::Machine => machine_named(&sc.app_machine).map_or(0, |(i, _)| i) as f64,
            Self::CacheHit => (sc.cache_hit * 100.0).round(),
            Self::AppServers => f64::from(sc.app_servers),
            Self::Workers => f64::from(sc.workers),
            Self::Replicas => f64::from(sc.replicas),
            Self::Shards => f64::from(sc.shards),
            Self::Writes => (sc.write_share * 100.0).round(),
            Self::ApiLatency => sc.third_party_median_ms,
            Self::Index => f64::from(u8::from(sc.db_indexed)),
        }
    }

    /// Sets the knob in `sc` to `value` (in its units, clamped to its range and step).
    pub fn apply(self, sc: &mut Scenario, value: f64) {
        let v = self.clamp(value);
        let count = v as u32;
        match self {
            Self::Machine => sc.app_machine = MACHINES[count as usize].1,
            Self::CacheHit => sc.cache_hit = v / 100.0,
            Self::AppServers => sc.app_servers = count,
            Self::Workers => sc.workers = count,
            Self::Replicas => sc.replicas = count,
            Self::Shards => sc.shards = count,
            Self::Writes => sc.write_share = v / 100.0,
            Self::ApiLatency => {
                let ratio = sc.third_party_p95_ms / sc.third_party_median_ms.max(1e-9);
                sc.third_party_median_ms = v;
                sc.third_party_p95_ms = v * ratio.max(1.0);
            }
            Self::Index => sc.db_indexed = v >= 0.5,
        }
    }

    /// `value` moved into the knob's range and onto its step (`min` for NaN).
    pub fn clamp(self, value: f64) -> f64 {
        let r = self.range();
        if value.is_nan() {
            return r.min;
        }
        // (`max` and `min`, not `clamp`: its check for a bad range prints floats, which would
        // bring the standard library's float printing into the page; see `format`.)
        let steps = ((value.max(r.min).min(r.max) - r.min) / r.step).round();
        (r.min + steps * r.step).min(r.max)
    }

    /// What the value reads, for the slider's output and `aria-valuetext`.
    pub fn value_text(self, value: f64) -> String {
        let n = crate::format::grouped(value);
        let plural = |one: &str, many: &str| {
            if value == 1.0 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match self {
            Self::Machine => {
                let (name, m) = MACHINES[self.clamp(value) as usize];
                format!(
                    "{name}: {} vCPU, {} GB, {} a month",
                    m.vcpus,
                    format::grouped(m.memory_mb / 1024.0),
                    format::usd(m.usd_month)
                )
            }
            Self::CacheHit => format!("{}% of reads", format::fixed(value, 0)),
            Self::AppServers => plural("server", "servers"),
            Self::Workers => plural("worker", "workers"),
            Self::Replicas => plural("replica", "replicas"),
            Self::Shards => plural("shard", "shards"),
            Self::Writes => format!("{}% of dynamic requests", format::fixed(value, 0)),
            Self::ApiLatency => format!("{n} ms median"),
            Self::Index => if value >= 0.5 { "on" } else { "off" }.to_owned(),
        }
    }
}

/// Everything that picks the scenario: the stage, the users, the knobs the learner moved
/// (the rest stay at the stage's defaults) and the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The stage.
    pub stage: StageId,
    /// Daily active users.
    pub users: f64,
    /// Values set by the learner, by knob; `None` keeps the stage's default.
    pub knobs: Vec<(Knob, f64)>,
    /// The simulation's seed.
    pub seed: u64,
}

/// The users the app opens with.
pub const INITIAL_USERS: f64 = 300.0;
/// The seed the app opens with.
pub const INITIAL_SEED: u64 = 1;

impl Default for Settings {
    fn default() -> Self {
        Self {
            stage: StageId::OneVm,
            users: INITIAL_USERS,
            knobs: Vec::new(),
            seed: INITIAL_SEED,
        }
    }
}

impl Settings {
    /// The scenario these settings describe.
    pub fn scenario(&self) -> Scenario {
        let mut sc = Scenario::for_stage(self.stage.number(), self.users);
        for &(knob, value) in &self.knobs {
            knob.apply(&mut sc, value);
        }
        sc
    }

    /// Sets a knob (clamped to its range).
    pub fn set(&mut self, knob: Knob, value: f64) {
        set_knob(&mut self.knobs, knob, value);
    }

    /// Moves to `stage`: the knobs the learner set stay (those the new stage has apply);
    /// the rest take the new stage's design.
    pub fn set_stage(&mut self, stage: StageId) {
        self.stage = stage;
    }
}

/// What else changes, besides what stage `to` adds, when a learner goes from stage `from` to
/// it with `knobs` set: the design defaults of knobs they did not set, and the machines. `None`
/// when nothing else changes. ("Stage 7 also starts 64 app servers (6 before).")
pub fn stage_change_note(from: StageId, to: StageId, knobs: &[(Knob, f64)]) -> Option<String> {
    let before = Scenario::for_stage(from.number(), 0.0);
    let after = Scenario::for_stage(to.number(), 0.0);
    let mut changes = Vec::new();
    for knob in KNOBS {
        let kept = knobs.iter().any(|(k, _)| *k == knob);
        let both = knob.unavailable(from).is_none() && knob.unavailable(to).is_none();
        if kept || !both || knob.is_switch() {
            continue;
        }
        let (was, now) = (knob.value(&before), knob.value(&after));
        if was != now {
            changes.push(format!(
                "{} ({} before)",
                knob.value_text(now),
                format::grouped(was)
            ));
        }
    }
    let machine = machine_name;
    let shared = |id: StageId| !id.design().has(Feature::SeparateDatabase);
    if machine(&before) != machine(&after) && !shared(from) && !shared(to) {
        if let Some(name) = machine(&after) {
            changes.push(format!("app servers on {name} machines"));
        }
    }
    (!changes.is_empty()).then(|| format!("Stage {} also starts {}.", to.number(), join(&changes)))
}

/// The name of `sc`'s app machine in the price table, if it has one.
pub fn machine_name(sc: &Scenario) -> Option<&'static str> {
    machine_named(&sc.app_machine).map(|(_, name)| name)
}

/// "a", "a and b", "a, b and c".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn set_knob(knobs: &mut Vec<(Knob, f64)>, knob: Knob, value: f64) {
    let value = knob.clamp(value);
    match knobs.iter_mut().find(|(k, _)| *k == knob) {
        Some(entry) => entry.1 = value,
        None => knobs.push((knob, value)),
    }
}

/// The knob values a learner set. They hold across stages: each stage uses those of its knobs
/// the learner set, and its own design for the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KnobValues {
    values: Vec<(Knob, f64)>,
}

impl KnobValues {
    /// Sets `knob`.
    pub fn set(&mut self, knob: Knob, value: f64) {
        set_knob(&mut self.values, knob, value);
    }

    /// The values that apply at `stage`: the knobs it has.
    pub fn at(&self, stage: StageId) -> Vec<(Knob, f64)> {
        self.values
            .iter()
            .copied()
            .filter(|(k, _)| k.unavailable(stage).is_none())
            .collect()
    }

    /// Every value the learner set.
    pub fn all(&self) -> &[(Knob, f64)] {
        &self.values
    }
}

impl From<&Settings> for KnobValues {
    /// The knob values of `settings`.
    fn from(settings: &Settings) -> Self {
        let mut values = Self::default();
        for &(knob, value) in &settings.knobs {
            values.set(knob, value);
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_reads_back_what_it_sets_at_its_range_ends() {
        for knob in KNOBS {
            let r = knob.range();
            for v in [r.min, r.max] {
                let mut sc = Scenario::for_stage(7, 1_000.0);
                knob.apply(&mut sc, v);
                assert_eq!(knob.value(&sc), v, "{knob:?}");
                assert!(sc.validate().is_ok(), "{knob:?} = {v}");
            }
        }
    }

    #[test]
    fn values_are_clamped_onto_the_range_and_step() {
        assert_eq!(Knob::Replicas.clamp(12.0), 8.0);
        assert_eq!(Knob::Replicas.clamp(-3.0), 0.0);
        assert_eq!(Knob::Workers.clamp(1_234.0), 1_200.0);
        assert_eq!(Knob::CacheHit.clamp(f64::NAN), 0.0);
        assert_eq!(Knob::ApiLatency.clamp(f64::INFINITY), 5_000.0);
    }

    #[test]
    fn a_knob_is_unavailable_before_its_stage_with_a_reason() {
        assert!(Knob::CacheHit.unavailable(StageId::LoadBalance).is_some());
        assert!(Knob::CacheHit.unavailable(StageId::CacheCdn).is_none());
        assert!(Knob::Replicas.unavailable(StageId::Async).is_some());
        assert!(Knob::Writes.unavailable(StageId::OneVm).is_none());
        assert_eq!(
            Knob::CacheHit.unavailable(StageId::LoadBalance).as_deref(),
            Some("No cache yet: stage 5 adds one.")
        );
        for knob in KNOBS {
            for n in 1..=7 {
                let stage = StageId::from_number(n).unwrap();
                // The machine is for the stages with one app server; every other knob is for
                // its part's stage and those after.
                let does_something = if knob == Knob::Machine {
                    n <= 3
                } else {
                    stage >= knob.first_stage()
                };
                assert_eq!(
                    knob.unavailable(stage).is_none(),
                    does_something,
                    "{knob:?} at {n}"
                );
            }
        }
        assert_eq!(
            Knob::Machine.unavailable(StageId::LoadBalance).as_deref(),
            Some(
                "From stage 4, a load balancer spreads the load over app servers on t3.large \
                 machines: set their number instead."
            )
        );
    }

    #[test]
    fn value_texts_carry_units() {
        assert_eq!(Knob::Replicas.value_text(1.0), "1 replica");
        assert_eq!(Knob::Workers.value_text(8_000.0), "8,000 workers");
        assert_eq!(Knob::CacheHit.value_text(90.0), "90% of reads");
        assert_eq!(Knob::ApiLatency.value_text(400.0), "400 ms median");
        assert_eq!(
            Knob::Machine.value_text(0.0),
            "t3.micro: 2 vCPU, 1 GB, $8.50 a month"
        );
        assert_eq!(
            Knob::Machine.value_text(4.0),
            "c5.24xlarge: 96 vCPU, 192 GB, $2,940 a month"
        );
    }

    #[test]
    fn the_defaults_are_the_stage_defaults_and_a_knob_overrides_them() {
        let mut s = Settings {
            stage: StageId::ReplicasShards,
            ..Settings::default()
        };
        assert_eq!(s.scenario(), Scenario::for_stage(7, INITIAL_USERS));
        s.set(Knob::Replicas, 2.0);
        assert_eq!(s.scenario().replicas, 2);
    }

    #[test]
    fn a_new_stage_keeps_the_learners_knobs_and_names_what_else_changes() {
        let mut k = KnobValues::default();
        k.set(Knob::AppServers, 10.0);
        k.set(Knob::Writes, 30.0);
        // Stage 5 keeps both; stage 3 has no load balancer, so only the writes apply there.
        assert_eq!(k.at(StageId::CacheCdn).len(), 2);
        assert_eq!(k.at(StageId::Observe), vec![(Knob::Writes, 30.0)]);
        let s = Settings {
            stage: StageId::CacheCdn,
            users: 50_000.0,
            knobs: k.at(StageId::CacheCdn),
            seed: 1,
        };
        assert_eq!(s.scenario().app_servers, 10);
        assert_eq!(s.scenario().write_share, 0.3);
        // What else a stage change brings is named, unless the learner set it.
        assert_eq!(
            stage_change_note(StageId::Async, StageId::ReplicasShards, &[]).as_deref(),
            Some("Stage 7 also starts 64 servers (6 before) and 8,000 workers (1,000 before).")
        );
        assert_eq!(
            stage_change_note(
                StageId::Async,
                StageId::ReplicasShards,
                &[(Knob::AppServers, 6.0), (Knob::Workers, 1_000.0)]
            ),
            None
        );
        assert_eq!(
            stage_change_note(StageId::Observe, StageId::LoadBalance, &[]).as_deref(),
            Some("Stage 4 also starts app servers on t3.large machines.")
        );
        assert_eq!(
            stage_change_note(StageId::OneVm, StageId::SplitDb, &[]),
            None
        );
    }

    #[test]
    fn knob_values_from_settings_apply_at_their_stage() {
        let mut s = Settings {
            stage: StageId::ReplicasShards,
            ..Settings::default()
        };
        s.set(Knob::Replicas, 3.0);
        s.set(Knob::Writes, 25.0);
        let k = KnobValues::from(&s);
        assert_eq!(k.at(StageId::ReplicasShards), s.knobs);
        assert_eq!(k.at(StageId::OneVm), vec![(Knob::Writes, 25.0)]);
        assert_eq!(k.all().len(), 2);
    }
}
