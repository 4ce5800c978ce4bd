//! A chart to draw, as plain numbers: the page sends it to the chart worker, which draws it.
//!
//! The page says what each chart shows (the settings, the timeline's samples); working out the
//! curves, drawing them to SVG and writing the chart's text alternative happen in a web worker
//! built from `src/bin/chart_worker.rs`, so plotters and the curves' code stay out of the
//! page's first load and off its main thread. A drawing crosses to the worker as a list of
//! `f64` (a `Float64Array`): [`Drawing::encode`] and [`Drawing::decode`].

use headroom_engine::live::Changed;
use headroom_engine::scenario::Scenario;
use headroom_engine::sim::Fault;
use headroom_engine::StageId;

use super::cost::{self, CostCurves};
use super::latency::{self, LatencyCurves};
use super::machines::{self, Ladder};
use super::timeline;
use super::MIN_WIDTH;
use crate::export::{self, FileFormat};
use crate::knobs::{Settings, KNOBS};
use crate::timeline::{Mark, Sample, Timeline};

/// The widest chart drawn, in pixels (a decoded width is clamped to it).
pub const MAX_WIDTH: u32 = 4_000;

/// A chart and everything it shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawing {
    /// p95 against users for the settings' stage and the next, with a marker at their users.
    /// (The seed plays no part.)
    Latency { settings: Settings, width: u32 },
    /// Users served per dollar of machines for each machine of the price ladder in the
    /// settings' stage (1 to 3), their machine highlighted, beside the next stage.
    Machines { settings: Settings, width: u32 },
    /// Every stage's monthly cost, `stage` highlighted, with its cost at `users`.
    Cost { stage: u8, users: f64, width: u32 },
    /// The last minute of the running system.
    Timeline { timeline: Timeline, width: u32 },
    /// Not a chart but a file: the timeline's numbers in `format`, with the page's link query
    /// `settings`. Written by the worker too, so the export's code stays out of the first load.
    Export {
        timeline: Timeline,
        /// The reading shown now: the last row.
        now: Option<Sample>,
        format: FileFormat,
        settings: String,
    },
}

/// The first number of an encoded drawing: which chart it is.
const LATENCY: f64 = 1.0;
const COST: f64 = 2.0;
const TIMELINE: f64 = 3.0;
const EXPORT: f64 = 4.0;
const MACHINES: f64 = 5.0;
/// A sample's stale-read share, encoded, for a system without replicas.
const NO_REPLICAS: f64 = -1.0;

impl Drawing {
    /// The drawing as numbers: its kind, its width, then what it shows.
    pub fn encode(&self) -> Vec<f64> {
        let mut out = Vec::new();
        match self {
            Drawing::Latency { settings, width } | Drawing::Machines { settings, width } => {
                let kind = if matches!(self, Drawing::Latency { .. }) {
                    LATENCY
                } else {
                    MACHINES
                };
                out.extend([
                    kind,
                    f64::from(*width),
                    f64::from(settings.stage.number()),
                    settings.users,
                ]);
                for &(knob, value) in &settings.knobs {
                    // (Every knob is in KNOBS.)
                    if let Some(index) = KNOBS.iter().position(|&k| k == knob) {
                        out.extend([index as f64, value]);
                    }
                }
            }
            Drawing::Cost {
                stage,
                users,
                width,
            } => out.extend([COST, f64::from(*width), f64::from(*stage), *users]),
            Drawing::Timeline { timeline, width } => {
                out.extend([TIMELINE, f64::from(*width)]);
                encode_timeline(timeline, &mut out);
            }
            Drawing::Export {
                timeline,
                now,
                format,
                settings,
            } => {
                // (A file has no width: 0 keeps every drawing's second number a width.)
                out.extend([EXPORT, 0.0, format.code()]);
                match now {
                    Some(now) => {
                        out.push(1.0);
                        out.extend(sample_numbers(now));
                    }
                    None => out.push(0.0),
                }
                let text: Vec<f64> = settings.encode_utf16().map(f64::from).collect();
                out.push(text.len() as f64);
                out.extend(text);
                encode_timeline(timeline, &mut out);
            }
        }
        out
    }

    /// The drawing `encode` made, or `None` for numbers it could not have made. Values out of
    /// a knob's range are clamped, as the page does.
    pub fn decode(numbers: &[f64]) -> Option<Drawing> {
        let (&kind, rest) = numbers.split_first()?;
        let (&width, rest) = rest.split_first()?;
        if !(width.is_finite() && width >= 0.0) {
            return None;
        }
        let width = (width as u32).clamp(MIN_WIDTH, MAX_WIDTH);
        if kind == LATENCY || kind == MACHINES {
            let [stage, users, ref knobs @ ..] = *rest else {
                return None;
            };
            if knobs.len() % 2 != 0 || !users.is_finite() {
                return None;
            }
            let mut settings = Settings {
                stage: StageId::from_number(stage_number(stage)?)?,
                users,
                ..Settings::default()
            };
            for pair in knobs.chunks_exact(2) {
                let knob = *KNOBS.get(whole(pair[0])?)?;
                settings.set(knob, pair[1]);
            }
            Some(if kind == LATENCY {
                Drawing::Latency { settings, width }
            } else {
                Drawing::Machines { settings, width }
            })
        } else if kind == COST {
            match *rest {
                [stage, users] => Some(Drawing::Cost {
                    stage: stage_number(stage)?,
                    users,
                    width,
                }),
                _ => None,
            }
        } else if kind == TIMELINE {
            Some(Drawing::Timeline {
                timeline: decode_timeline(rest)?,
                width,
            })
        } else if kind == EXPORT {
            let [format, has_now, ref rest @ ..] = *rest else {
                return None;
            };
            let (now, rest) = match whole(has_now)? {
                0 => (None, rest),
                1 if rest.len() >= SAMPLE_NUMBERS => (
                    Some(sample_of_numbers(&rest[..SAMPLE_NUMBERS])),
                    &rest[SAMPLE_NUMBERS..],
                ),
                _ => return None,
            };
            let (&length, rest) = rest.split_first()?;
            let length = whole(length)?;
            if length > rest.len() {
                return None;
            }
            let (text, rest) = rest.split_at(length);
            let units = text
                .iter()
                .map(|&u| u16::try_from(whole(u)?).ok())
                .collect::<Option<Vec<u16>>>()?;
            Some(Drawing::Export {
                timeline: decode_timeline(rest)?,
                now,
                format: FileFormat::from_code(format)?,
                settings: String::from_utf16(&units).ok()?,
            })
        } else {
            None
        }
    }
}

/// Numbers per sample.
const SAMPLE_NUMBERS: usize = 5;

/// A sample as numbers.
fn sample_numbers(s: &Sample) -> [f64; SAMPLE_NUMBERS] {
    [
        s.time_s,
        s.throughput_rps,
        s.p95_ms,
        s.error_pct,
        s.stale_pct.unwrap_or(NO_REPLICAS),
    ]
}

/// The sample [`sample_numbers`] wrote (`numbers` holds [`SAMPLE_NUMBERS`]).
fn sample_of_numbers(numbers: &[f64]) -> Sample {
    Sample {
        time_s: numbers[0],
        throughput_rps: numbers[1],
        p95_ms: numbers[2],
        error_pct: numbers[3],
        stale_pct: (numbers[4] != NO_REPLICAS).then_some(numbers[4]),
    }
}

/// Appends `timeline` as numbers: how many samples, each sample's numbers, then each mark's
/// four.
fn encode_timeline(timeline: &Timeline, out: &mut Vec<f64>) {
    out.push(timeline.samples().len() as f64);
    for s in timeline.samples() {
        out.extend(sample_numbers(s));
    }
    for m in timeline.marks() {
        let (kind, index, on) = encode_change(m.what);
        out.extend([m.time_s, kind, index, on]);
    }
}

/// The timeline [`encode_timeline`] wrote, or `None`.
fn decode_timeline(numbers: &[f64]) -> Option<Timeline> {
    let (&count, rest) = numbers.split_first()?;
    let samples = whole(count)?.checked_mul(SAMPLE_NUMBERS)?;
    if samples > rest.len() || (rest.len() - samples) % 4 != 0 {
        return None;
    }
    let (samples, marks) = rest.split_at(samples);
    let mut timeline = Timeline::new();
    for s in samples.chunks_exact(SAMPLE_NUMBERS) {
        timeline.push(sample_of_numbers(s));
    }
    for m in marks.chunks_exact(4) {
        timeline.mark(Mark {
            time_s: m[0],
            what: decode_change(m[1], m[2], m[3])?,
        });
    }
    Some(timeline)
}

/// A drawn chart: its SVG and, for screen readers, what it shows in words. For an
/// [`Drawing::Export`], the file's text and its name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picture {
    pub svg: String,
    pub description: String,
}

/// Draws [`Drawing`]s, keeping what does not change from one to the next: every stage's cost
/// curves, and the latency curves while only the users move.
#[derive(Default)]
pub struct Painter {
    costs: Option<CostCurves>,
    /// The scenario the latency curves are for (users left out) and the curves.
    latency: Option<(Scenario, LatencyCurves)>,
    /// The scenario the machines' ladder is for (users left out) and the ladder.
    ladder: Option<(Scenario, Ladder)>,
}

impl Painter {
    pub fn new() -> Self {
        Self::default()
    }

    /// `drawing`'s chart.
    pub fn paint(&mut self, drawing: &Drawing) -> Picture {
        match drawing {
            Drawing::Latency { settings, width } => {
                let sc = settings.scenario();
                let shape = Scenario {
                    users: 0.0,
                    ..sc.clone()
                };
                let curves = match &self.latency {
                    Some((s, c)) if *s == shape => c,
                    _ => &self.latency.insert((shape, latency::curves(&sc))).1,
                };
                Picture {
                    svg: latency::svg(curves, sc.users, *width),
                    description: latency::summary(&sc, curves),
                }
            }
            Drawing::Machines { settings, width } => {
                let sc = settings.scenario();
                let shape = Scenario { users: 0.0, ..sc };
                let ladder = match &self.ladder {
                    Some((s, l)) if *s == shape => l,
                    _ => &self.ladder.insert((shape.clone(), Ladder::of(&shape))).1,
                };
                Picture {
                    svg: machines::svg(ladder, *width),
                    description: machines::summary(ladder),
                }
            }
            Drawing::Cost {
                stage,
                users,
                width,
            } => {
                let curves = self.costs.get_or_insert_with(CostCurves::new);
                Picture {
                    svg: cost::svg(curves, *stage, *users, *width),
                    description: cost::summary(curves, *stage, *users),
                }
            }
            Drawing::Timeline { timeline, width } => Picture {
                svg: timeline::svg(timeline, *width),
                description: timeline::summary(timeline),
            },
            Drawing::Export {
                timeline,
                now,
                format,
                settings,
            } => Picture {
                svg: export::write(*format, settings, timeline, *now),
                description: format.file_name().to_owned(),
            },
        }
    }
}

/// A change as (kind, app index, on) numbers.
fn encode_change(what: Changed) -> (f64, f64, f64) {
    let Changed::Fault { fault, on } = what else {
        return (0.0, 0.0, 0.0);
    };
    let (kind, index) = match fault {
        Fault::CrashApp(i) => (1.0, f64::from(i)),
        Fault::RollingDeploy => (2.0, 0.0),
        Fault::SlowApi => (3.0, 0.0),
        Fault::Spike => (4.0, 0.0),
        Fault::ReplicaLag => (5.0, 0.0),
    };
    (kind, index, f64::from(u8::from(on)))
}

/// The change [`encode_change`] made, or `None`.
fn decode_change(kind: f64, index: f64, on: f64) -> Option<Changed> {
    let on = match whole(on)? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let fault = match whole(kind)? {
        0 => return Some(Changed::Settings),
        1 => Fault::CrashApp(u16::try_from(whole(index)?).ok()?),
        2 => Fault::RollingDeploy,
        3 => Fault::SlowApi,
        4 => Fault::Spike,
        5 => Fault::ReplicaLag,
        _ => return None,
    };
    Some(Changed::Fault { fault, on })
}

/// A whole number `x` as an index.
fn whole(x: f64) -> Option<usize> {
    (x >= 0.0 && x.fract() == 0.0 && x < 1e6).then_some(x as usize)
}

/// A stage number from 1 to 7.
fn stage_number(x: f64) -> Option<u8> {
    (1..=7u8).find(|&s| f64::from(s) == x)
}

#[cfg(test)]
mod tests {
    use crate::knobs::Knob;

    use super::*;

    fn timeline() -> Timeline {
        let mut t = Timeline::new();
        for i in 0..70 {
            let x = f64::from(i);
            t.push(Sample {
                time_s: x + 0.25,
                throughput_rps: 100.0 + x,
                p95_ms: 80.0 + 3.0 * x,
                error_pct: x / 10.0,
                stale_pct: (i % 2 == 0).then_some(x / 20.0),
            });
        }
        for (time_s, what) in [
            (20.0, Changed::Settings),
            (
                31.5,
                Changed::Fault {
                    fault: Fault::CrashApp(2),
                    on: true,
                },
            ),
            (
                40.0,
                Changed::Fault {
                    fault: Fault::Spike,
                    on: false,
                },
            ),
        ] {
            t.mark(Mark { time_s, what });
        }
        assert_eq!(t.marks().len(), 3);
        t
    }

    fn settings(stage: StageId, users: f64, knobs: &[(Knob, f64)]) -> Settings {
        let mut s = Settings {
            stage,
            users,
            ..Settings::default()
        };
        for &(k, v) in knobs {
            s.set(k, v);
        }
        s
    }

    fn drawings() -> Vec<Drawing> {
        vec![
            Drawing::Latency {
                settings: settings(StageId::SplitDb, 3_000.0, &[(Knob::Writes, 30.0)]),
                width: 640,
            },
            Drawing::Latency {
                settings: settings(
                    StageId::ReplicasShards,
                    50_000.0,
                    &[
                        (Knob::Replicas, 4.0),
                        (Knob::Shards, 2.0),
                        (Knob::CacheHit, 90.0),
                    ],
                ),
                width: 320,
            },
            Drawing::Cost {
                stage: 5,
                users: 200_000.0,
                width: 900,
            },
            Drawing::Machines {
                settings: settings(StageId::Observe, 50_000.0, &[(Knob::Machine, 3.0)]),
                width: 640,
            },
            Drawing::Timeline {
                timeline: timeline(),
                width: 500,
            },
            Drawing::Timeline {
                timeline: Timeline::new(),
                width: 500,
            },
        ]
    }

    #[test]
    fn a_drawing_comes_back_from_its_numbers() {
        for d in drawings() {
            assert_eq!(Drawing::decode(&d.encode()), Some(d));
        }
    }

    fn exports() -> Vec<Drawing> {
        vec![
            Drawing::Export {
                timeline: timeline(),
                now: Some(Sample {
                    time_s: 70.2,
                    throughput_rps: 812.5,
                    p95_ms: 43.25,
                    error_pct: 0.5,
                    stale_pct: None,
                }),
                format: FileFormat::Csv,
                settings: "stage=3&users=50000&controls=users,apps".to_owned(),
            },
            Drawing::Export {
                timeline: Timeline::new(),
                now: None,
                format: FileFormat::Json,
                settings: "théâtre ✓".to_owned(),
            },
        ]
    }

    #[test]
    fn an_export_comes_back_from_its_numbers_and_is_written_as_a_file() {
        for d in exports() {
            assert_eq!(Drawing::decode(&d.encode()), Some(d));
        }
        let all = exports();
        let csv = Painter::new().paint(&all[0]);
        assert_eq!(csv.description, "headroom-timeline.csv");
        let rows: Vec<&str> = csv.svg.lines().collect();
        let Drawing::Export { timeline, now, .. } = &all[0] else {
            unreachable!("an export")
        };
        let samples = export::ending_with(timeline, *now).samples().len();
        assert_eq!(rows.len(), samples + 1, "a header, then a row a sample");
        assert_eq!(rows.last(), Some(&"70.2,812.5,43.25,0.5,,"));
        let json = Painter::new().paint(&all[1]);
        assert_eq!(json.description, "headroom-timeline.json");
        let v: serde_json::Value = serde_json::from_str(&json.svg).expect("JSON");
        assert_eq!(v["settings"], "théâtre ✓");
        assert_eq!(v["rows"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn the_painter_draws_each_chart_and_says_what_it_shows() {
        let mut painter = Painter::new();
        for d in drawings() {
            let picture = painter.paint(&d);
            assert!(picture.svg.starts_with("<svg"), "{d:?} drew nothing");
            // Painting again (from what the painter kept) gives the same picture.
            assert_eq!(painter.paint(&d), picture);
            assert_eq!(Painter::new().paint(&d), picture);
        }
        let words = |d: &Drawing| Painter::new().paint(d).description;
        let all = drawings();
        assert!(words(&all[0]).contains("Stage 2 is predicted to fail at about"));
        assert!(words(&all[1]).contains("At 50,000 users"));
        assert!(words(&all[2]).contains("stage 5 costs $"));
        assert!(words(&all[3]).contains("In use now: c5.4xlarge."));
        assert!(words(&all[4]).contains("At 69 s:"));
        assert!(words(&all[5]).contains("no data yet"));
    }

    #[test]
    fn the_latency_curves_are_worked_out_again_only_when_more_than_the_users_change() {
        let mut painter = Painter::new();
        let at = |users: f64, writes: f64| Drawing::Latency {
            settings: settings(StageId::Observe, users, &[(Knob::Writes, writes)]),
            width: 640,
        };
        painter.paint(&at(1_000.0, 10.0));
        let kept = painter.latency.clone().unwrap().1;
        painter.paint(&at(20_000.0, 10.0));
        assert_eq!(painter.latency.as_ref().unwrap().1, kept);
        let moved = painter.paint(&at(20_000.0, 40.0));
        assert_ne!(painter.latency.as_ref().unwrap().1, kept);
        assert_eq!(moved, Painter::new().paint(&at(20_000.0, 40.0)));
    }

    #[test]
    fn numbers_it_could_not_have_made_decode_to_nothing() {
        for bad in [
            vec![],
            vec![LATENCY],
            vec![9.0, 640.0],
            vec![LATENCY, 640.0, 2.0],
            vec![LATENCY, 640.0, 0.0, 1_000.0],
            vec![LATENCY, 640.0, 2.0, f64::NAN],
            vec![LATENCY, 640.0, 2.0, 1_000.0, 1.0],
            vec![LATENCY, 640.0, 2.0, 1_000.0, KNOBS.len() as f64, 1.0],
            vec![LATENCY, 640.0, 2.0, 1_000.0, 0.5, 1.0],
            vec![COST, 640.0, 8.0, 1_000.0],
            vec![COST, 640.0, 2.5, 1_000.0],
            vec![COST, 640.0, 2.0],
            vec![COST, f64::NAN, 2.0, 1_000.0],
            vec![TIMELINE, 640.0, 1.0, 2.0, 3.0],
            vec![EXPORT, 0.0, 5.0, 0.0, 0.0, 0.0],
            vec![EXPORT, 0.0, 0.0, 2.0, 0.0, 0.0],
            vec![EXPORT, 0.0, 0.0, 1.0, 1.0, 2.0],
            vec![EXPORT, 0.0, 0.0, 0.0, 3.0, 65.0, 0.0],
            vec![EXPORT, 0.0, 0.0, 0.0, 1.0, 70_000.0, 0.0],
        ] {
            assert_eq!(Drawing::decode(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn decoded_values_are_kept_in_range() {
        let width = |w: f64| match Drawing::decode(&[COST, w, 1.0, 10.0]) {
            Some(Drawing::Cost { width, .. }) => width,
            other => panic!("{other:?}"),
        };
        assert_eq!(width(0.0), MIN_WIDTH);
        assert_eq!(width(700.0), 700);
        assert_eq!(width(1e300), MAX_WIDTH);
        let replicas = KNOBS.iter().position(|&k| k == Knob::Replicas).unwrap();
        let Some(Drawing::Latency { settings, .. }) =
            Drawing::decode(&[LATENCY, 640.0, 7.0, 1e5, replicas as f64, 99.0])
        else {
            panic!("decodes")
        };
        assert_eq!(settings.knobs, vec![(Knob::Replicas, 8.0)]);
    }
}
