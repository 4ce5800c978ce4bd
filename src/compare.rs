//! Two designs side by side, on the same load and the same seed: the stage in the link and the
//! next one (`compare=1`), or the same stage with one knob set otherwise (`compare=machine.4`). Each runs in an engine worker of its own; the page shows both
//! systems and the differences between the two readings it shows.

use headroom_engine::diagnosis::{duration_ms, percent};
use headroom_engine::live::LiveReading;

use crate::format;
use crate::knobs::{Knob, KnobValues, Settings};

/// The design set beside `settings`: the same stage with knob `with` set, or else the next stage
/// at the same users and seed, with the learner's knobs that it has (the rest at its own
/// design). `None` beside the last stage.
pub fn beside(settings: &Settings, with: Option<(Knob, u32)>) -> Option<Settings> {
    if let Some((knob, value)) = with {
        let mut same = settings.clone();
        same.set(knob, f64::from(value));
        return Some(same);
    }
    let next = settings.stage.next()?;
    Some(Settings {
        stage: next,
        users: settings.users,
        knobs: KnobValues::from(settings).at(next),
        seed: settings.seed,
    })
}

/// A side's name: its stage, and the knob set on it, if that is what the comparison is about
/// ("Stage 3 with Machine size: c5.24xlarge: 96 vCPU, 192 GB, $2,940 a month").
pub fn side_name(settings: &Settings, with: Option<(Knob, u32)>) -> String {
    let stage = format!("Stage {}", settings.stage.number());
    match with {
        Some((knob, value)) => format!(
            "{stage} with {}: {}",
            knob.label(),
            knob.value_text(f64::from(value))
        ),
        None => stage,
    }
}

/// A headline figure both sides show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// The 95th percentile response time, ms.
    P95,
    /// The share of requests that fail.
    Errors,
    /// What the system costs a month, USD.
    Cost,
}

/// The figures, in the order the comparison lists them.
pub const FIGURES: [Figure; 3] = [Figure::P95, Figure::Errors, Figure::Cost];

impl Figure {
    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Self::P95 => "p95 latency",
            Self::Errors => "Errors",
            Self::Cost => "Monthly cost",
        }
    }

    /// Short stable name, for test ids.
    pub fn key(self) -> &'static str {
        match self {
            Self::P95 => "p95",
            Self::Errors => "errors",
            Self::Cost => "cost",
        }
    }

    /// Its value in `r`: ms, a fraction, USD a month.
    pub fn of(self, r: &LiveReading) -> f64 {
        match self {
            Self::P95 => r.reading.p95_ms,
            Self::Errors => r.reading.error_rate,
            Self::Cost => r.cost.monthly_usd,
        }
    }

    /// What `r` shows for it, if there is a reading yet.
    pub fn shown(self, r: Option<&LiveReading>) -> Option<String> {
        r.map(|r| self.text(self.of(r)))
    }

    /// A value for people: "820 ms", "4.2%", "$1,349".
    pub fn text(self, v: f64) -> String {
        match self {
            Self::P95 => duration_ms(v),
            Self::Errors => percent(v),
            Self::Cost => format::usd(v),
        }
    }

    /// The difference `b - a` for people, signed: "−7.9 s", "+0.3 points", "+$612".
    pub fn difference(self, a: f64, b: f64) -> String {
        let d = b - a;
        let sign = if d < 0.0 { "−" } else { "+" };
        let size = d.abs();
        let text = match self {
            Self::P95 => duration_ms(size),
            // (Rounded as the shares themselves are shown.)
            Self::Errors => format!("{} points", percent(size).trim_end_matches('%')),
            Self::Cost => format::usd(size),
        };
        format!("{sign}{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_engine::StageId;

    #[test]
    fn the_next_stage_keeps_the_load_the_seed_and_the_knobs_it_has() {
        let mut s = Settings {
            stage: StageId::Observe,
            users: 50_000.0,
            seed: 7,
            ..Settings::default()
        };
        s.set(Knob::Machine, 3.0);
        s.set(Knob::Writes, 20.0);
        let b = beside(&s, None).unwrap();
        assert_eq!(
            (b.stage, b.users, b.seed),
            (StageId::LoadBalance, 50_000.0, 7)
        );
        // The machine size is for stages with one app server; the writes describe the world.
        assert_eq!(b.knobs, vec![(Knob::Writes, 20.0)]);
        let last = Settings {
            stage: StageId::ReplicasShards,
            ..Settings::default()
        };
        assert_eq!(beside(&last, None), None);
    }

    #[test]
    fn one_knob_set_keeps_the_stage_the_load_the_seed_and_the_other_knobs() {
        let mut s = Settings {
            stage: StageId::Observe,
            users: 50_000.0,
            seed: 7,
            ..Settings::default()
        };
        s.set(Knob::Writes, 20.0);
        let b = beside(&s, Some((Knob::Machine, 4))).unwrap();
        assert_eq!((b.stage, b.users, b.seed), (s.stage, s.users, s.seed));
        assert_eq!(b.scenario().app_machine.vcpus, 96);
        assert_eq!(b.scenario().write_share, 0.2);
        assert_eq!(
            side_name(&b, Some((Knob::Machine, 4))),
            "Stage 3 with Machine size: c5.24xlarge: 96 vCPU, 192 GB, $2,940 a month"
        );
        assert_eq!(side_name(&s, None), "Stage 3");
    }

    #[test]
    fn differences_are_signed_in_the_figures_units() {
        assert_eq!(Figure::P95.difference(10_000.0, 2_100.0), "−7.9 s");
        assert_eq!(Figure::Errors.difference(0.113, 0.0), "−11 points");
        assert_eq!(Figure::Errors.difference(0.0, 0.004), "+0.4 points");
        assert_eq!(Figure::Cost.difference(924.0, 1_536.0), "+$612");
        assert_eq!(Figure::P95.difference(100.0, 100.0), "+0 ms");
        assert_eq!(Figure::Errors.text(0.113), "11%");
    }
}
