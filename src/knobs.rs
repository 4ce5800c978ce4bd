//! The design knobs a learner turns besides the number of users, as data: what each is called,
//! its range and units, the stage it starts to matter at, and how it maps onto the engine's
//! [`Scenario`]. [`Settings`] is everything that picks a scenario; the app keeps one.

use headroom_engine::scenario::Scenario;
use headroom_engine::StageId;

/// A slider besides the users slider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Knob {
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
}

/// Every knob, in the order the controls show them.
pub const KNOBS: [Knob; 7] = [
    Knob::CacheHit,
    Knob::Replicas,
    Knob::AppServers,
    Knob::Workers,
    Knob::Shards,
    Knob::Writes,
    Knob::ApiLatency,
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
    /// Short stable name, for element ids, tests and the URL (e.g. `hit`).
    pub fn key(self) -> &'static str {
        match self {
            Self::CacheHit => "hit",
            Self::AppServers => "apps",
            Self::Workers => "workers",
            Self::Replicas => "replicas",
            Self::Shards => "shards",
            Self::Writes => "writes",
            Self::ApiLatency => "api",
        }
    }

    /// The slider's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::CacheHit => "Cache hit rate",
            Self::AppServers => "App servers",
            Self::Workers => "Queue workers",
            Self::Replicas => "Read replicas",
            Self::Shards => "Shards",
            Self::Writes => "Writes",
            Self::ApiLatency => "Third-party API latency",
        }
    }

    /// The slider's range, in the knob's units.
    pub fn range(self) -> Range {
        let r = |min, max, step| Range { min, max, step };
        match self {
            Self::CacheHit => r(0.0, 99.0, 1.0),
            Self::AppServers => r(1.0, 64.0, 1.0),
            Self::Workers => r(100.0, 10_000.0, 100.0),
            Self::Replicas => r(0.0, 8.0, 1.0),
            Self::Shards => r(1.0, 16.0, 1.0),
            Self::Writes => r(0.0, 50.0, 1.0),
            Self::ApiLatency => r(50.0, 5_000.0, 50.0),
        }
    }

    /// The first stage whose system has the part this knob changes.
    pub fn first_stage(self) -> u8 {
        match self {
            Self::CacheHit => 5,
            Self::AppServers => 4,
            Self::Workers => 6,
            Self::Replicas | Self::Shards => 7,
            Self::Writes | Self::ApiLatency => 1,
        }
    }

    /// Why the knob does nothing at `stage`, or `None` when it does something.
    pub fn unavailable(self, stage: StageId) -> Option<&'static str> {
        if stage.number() >= self.first_stage() {
            return None;
        }
        Some(match self {
            Self::CacheHit => "No cache yet: stage 5 adds one.",
            Self::AppServers => "One app server until stage 4 adds a load balancer.",
            Self::Workers => "No queue yet: stage 6 adds workers.",
            Self::Replicas => "No replicas yet: stage 7 adds them.",
            Self::Shards => "One database until stage 7 shards it.",
            Self::Writes | Self::ApiLatency => unreachable!("available from stage 1"),
        })
    }

    /// Whether the knob describes the world the system lives in (its traffic, a vendor's
    /// speed) rather than the system's design; such knobs keep their value across stages.
    pub fn describes_the_world(self) -> bool {
        self.first_stage() == 1
    }

    /// Whether the running simulation takes a new value as it runs; otherwise the system is
    /// rebuilt with it (more machines is a new system).
    pub fn live(self) -> bool {
        matches!(self, Self::CacheHit | Self::Writes | Self::ApiLatency)
    }

    /// The knob's value in `sc`, in its units.
    pub fn value(self, sc: &Scenario) -> f64 {
        match self {
            Self::CacheHit => (sc.cache_hit * 100.0).round(),
            Self::AppServers => f64::from(sc.app_servers),
            Self::Workers => f64::from(sc.workers),
            Self::Replicas => f64::from(sc.replicas),
            Self::Shards => f64::from(sc.shards),
            Self::Writes => (sc.write_share * 100.0).round(),
            Self::ApiLatency => sc.third_party_median_ms,
        }
    }

    /// Sets the knob in `sc` to `value` (in its units, clamped to its range and step).
    pub fn apply(self, sc: &mut Scenario, value: f64) {
        let v = self.clamp(value);
        let count = v as u32;
        match self {
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
        }
    }

    /// `value` moved into the knob's range and onto its step (`min` for NaN).
    pub fn clamp(self, value: f64) -> f64 {
        let r = self.range();
        if value.is_nan() {
            return r.min;
        }
        let steps = ((value.clamp(r.min, r.max) - r.min) / r.step).round();
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
            Self::CacheHit => format!("{value:.0}% of reads"),
            Self::AppServers => plural("server", "servers"),
            Self::Workers => plural("worker", "workers"),
            Self::Replicas => plural("replica", "replicas"),
            Self::Shards => plural("shard", "shards"),
            Self::Writes => format!("{value:.0}% of dynamic requests"),
            Self::ApiLatency => format!("{n} ms median"),
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

    /// Moves to `stage`. Knobs that size the system (servers, workers, replicas, shards, the
    /// cache) go back to the new stage's defaults, since each stage is designed around its
    /// own; the users, the writes and the API's latency describe the world and stay.
    pub fn set_stage(&mut self, stage: StageId) {
        self.stage = stage;
        self.knobs.retain(|(k, _)| k.describes_the_world());
    }
}

fn set_knob(knobs: &mut Vec<(Knob, f64)>, knob: Knob, value: f64) {
    let value = knob.clamp(value);
    match knobs.iter_mut().find(|(k, _)| *k == knob) {
        Some(entry) => entry.1 = value,
        None => knobs.push((knob, value)),
    }
}

/// The knob values a learner set, and the stage the design knobs were set at: on another
/// stage only the knobs that describe the world apply (see [`Settings::set_stage`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KnobValues {
    stage: Option<StageId>,
    values: Vec<(Knob, f64)>,
}

impl KnobValues {
    /// Sets `knob` while `stage` is shown.
    pub fn set(&mut self, stage: StageId, knob: Knob, value: f64) {
        if self.stage != Some(stage) {
            self.values.retain(|(k, _)| k.describes_the_world());
            self.stage = Some(stage);
        }
        set_knob(&mut self.values, knob, value);
    }

    /// The values that apply at `stage`.
    pub fn at(&self, stage: StageId) -> Vec<(Knob, f64)> {
        self.values
            .iter()
            .copied()
            .filter(|(k, _)| k.describes_the_world() || self.stage == Some(stage))
            .collect()
    }
}

impl From<&Settings> for KnobValues {
    /// The knob values of `settings`, as set at its stage.
    fn from(settings: &Settings) -> Self {
        let mut values = Self::default();
        for &(knob, value) in &settings.knobs {
            values.set(settings.stage, knob, value);
        }
        values
    }
}

/// Whether going from the running scenario `current` to `wanted` needs a new system, rather
/// than changing the running one in place (users and the live knobs).
pub fn needs_rebuild(current: &Scenario, wanted: &Scenario) -> bool {
    let mut same = wanted.clone();
    same.users = current.users;
    same.cache_hit = current.cache_hit;
    same.write_share = current.write_share;
    same.third_party_median_ms = current.third_party_median_ms;
    same.third_party_p95_ms = current.third_party_p95_ms;
    same != *current
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
        for knob in KNOBS {
            for n in 1..=7 {
                let stage = StageId::from_number(n).unwrap();
                assert_eq!(knob.unavailable(stage).is_none(), n >= knob.first_stage());
            }
        }
    }

    #[test]
    fn value_texts_carry_units() {
        assert_eq!(Knob::Replicas.value_text(1.0), "1 replica");
        assert_eq!(Knob::Workers.value_text(8_000.0), "8,000 workers");
        assert_eq!(Knob::CacheHit.value_text(90.0), "90% of reads");
        assert_eq!(Knob::ApiLatency.value_text(400.0), "400 ms median");
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
    fn a_new_stage_keeps_the_world_and_resets_the_design() {
        let mut s = Settings::default();
        s.set(Knob::Writes, 30.0);
        s.set(Knob::AppServers, 10.0);
        s.users = 50_000.0;
        s.set_stage(StageId::CacheCdn);
        let sc = s.scenario();
        assert_eq!(sc.write_share, 0.3);
        assert_eq!(sc.app_servers, Scenario::for_stage(5, 0.0).app_servers);
        assert_eq!(sc.users, 50_000.0);
    }

    #[test]
    fn design_knobs_apply_only_at_the_stage_they_were_set_at() {
        let mut k = KnobValues::default();
        k.set(StageId::ReplicasShards, Knob::Replicas, 2.0);
        k.set(StageId::ReplicasShards, Knob::Writes, 20.0);
        assert_eq!(k.at(StageId::ReplicasShards).len(), 2);
        assert_eq!(k.at(StageId::Async), vec![(Knob::Writes, 20.0)]);
        // Setting a knob at another stage forgets the old stage's design.
        k.set(StageId::Async, Knob::Workers, 500.0);
        assert_eq!(k.at(StageId::ReplicasShards), vec![(Knob::Writes, 20.0)]);
        assert_eq!(k.at(StageId::Async).len(), 2);
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
    }

    #[test]
    fn only_sizing_knobs_rebuild_the_system() {
        let base = Scenario::for_stage(7, 1_000.0);
        for knob in KNOBS {
            let mut wanted = base.clone();
            let r = knob.range();
            let other = if knob.value(&base) == r.max {
                r.min
            } else {
                r.max
            };
            knob.apply(&mut wanted, other);
            assert_ne!(wanted, base, "{knob:?}");
            assert_eq!(needs_rebuild(&base, &wanted), !knob.live(), "{knob:?}");
        }
        let mut more_users = base.clone();
        more_users.users = 1e6;
        assert!(!needs_rebuild(&base, &more_users));
        assert!(needs_rebuild(&base, &Scenario::for_stage(6, 1_000.0)));
    }
}
