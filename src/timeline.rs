//! The live timeline's memory: one sample per simulated second of throughput, p95 and
//! errors, the last minute kept.

use std::collections::VecDeque;

use headroom_engine::live::{Changed, LiveReading};
use headroom_engine::sim::Fault;

/// Simulated seconds the timeline shows.
pub const WINDOW_S: f64 = 60.0;

/// What the system did at one simulated second (over the engine's live window).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Good responses per second.
    pub throughput_rps: f64,
    /// 95th percentile response time, ms.
    pub p95_ms: f64,
    /// Failed requests, percent of those finished.
    pub error_pct: f64,
    /// Stale reads, percent of the pages read from replicas; `None` for a system without
    /// replicas.
    pub stale_pct: Option<f64>,
}

impl Sample {
    /// The reading's numbers.
    pub fn of(live: &LiveReading) -> Self {
        let s = &live.reading;
        Self {
            time_s: s.time_s,
            throughput_rps: s.throughput_rps,
            p95_ms: s.p95_ms,
            error_pct: s.error_rate * 100.0,
            // (A system with replicas reports each one's lag.)
            stale_pct: (!s.replica_lag_ms.is_empty()).then_some(s.stale_read_rate * 100.0),
        }
    }
}

/// Something the learner did, marked on the timeline at its simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// What was done.
    pub what: Changed,
}

impl Mark {
    /// A word or two for the chart: "settings", "spike on", "crash".
    pub fn label(&self) -> &'static str {
        match self.what {
            Changed::Settings => "settings",
            Changed::Fault { fault, on } => match (fault, on) {
                (Fault::CrashApp(_), _) => "crash",
                (Fault::RollingDeploy, _) => "deploy",
                (Fault::SlowApi, true) => "slow API on",
                (Fault::SlowApi, false) => "slow API off",
                (Fault::Spike, true) => "spike on",
                (Fault::Spike, false) => "spike off",
                (Fault::ReplicaLag, true) => "lag on",
                (Fault::ReplicaLag, false) => "lag off",
            },
        }
    }
}

/// A ring buffer of [`Sample`]s, one per simulated second, covering the last [`WINDOW_S`]
/// seconds, and the learner's changes over the same seconds. Simulated time going backwards
/// means a new simulation: the buffer starts over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    samples: VecDeque<Sample>,
    marks: Vec<Mark>,
    last_time_s: Option<f64>,
}

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the reading's numbers as a sample if it is the first of a new simulated second,
    /// and its changes as marks. Returns whether the timeline changed (a sample or a mark
    /// added, or a reset).
    pub fn push_reading(&mut self, live: &LiveReading) -> bool {
        let sampled = self.push(Sample::of(live));
        let mut marked = false;
        for c in &live.changes {
            marked |= self.mark(Mark {
                time_s: c.time_s,
                what: c.what,
            });
        }
        sampled || marked
    }

    /// Adds `mark` unless it is already there or older than the window. Returns whether it
    /// was added.
    pub fn mark(&mut self, mark: Mark) -> bool {
        let now = self.last_time_s.unwrap_or(mark.time_s).max(mark.time_s);
        if !mark.time_s.is_finite() || mark.time_s < now - WINDOW_S || self.marks.contains(&mark) {
            return false;
        }
        // Kept oldest first: in after the marks no later than it.
        let at = self.marks.partition_point(|m| m.time_s <= mark.time_s);
        self.marks.insert(at, mark);
        self.marks.retain(|m| m.time_s >= now - WINDOW_S);
        true
    }

    /// The marks, oldest first.
    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// Adds `sample` if it falls in a later simulated second than the last one kept; starts
    /// over if time went backwards. Returns whether the timeline changed.
    pub fn push(&mut self, sample: Sample) -> bool {
        let t = sample.time_s;
        if !t.is_finite() {
            return false;
        }
        let mut changed = false;
        if self.last_time_s.is_some_and(|last| t < last) {
            self.samples.clear();
            self.marks.clear();
            changed = true;
        }
        self.last_time_s = Some(t);
        let second = t.floor();
        if self
            .samples
            .back()
            .is_some_and(|s| s.time_s.floor() >= second)
        {
            return changed;
        }
        let clean = |x: f64| if x.is_finite() { x.max(0.0) } else { 0.0 };
        self.samples.push_back(Sample {
            time_s: t,
            throughput_rps: clean(sample.throughput_rps),
            p95_ms: clean(sample.p95_ms),
            error_pct: clean(sample.error_pct).min(100.0),
            stale_pct: sample.stale_pct.map(|x| clean(x).min(100.0)),
        });
        while self
            .samples
            .front()
            .is_some_and(|s| s.time_s < t - WINDOW_S)
        {
            self.samples.pop_front();
        }
        self.marks.retain(|m| m.time_s >= t - WINDOW_S);
        true
    }

    /// Ends the timeline with `now`: in place of the newest sample if it is of the same
    /// simulated second, else after it. One older than the newest sample is left out.
    pub fn end_with(&mut self, now: Sample) {
        if self
            .samples
            .back()
            .is_some_and(|last| last.time_s.floor() == now.time_s.floor())
        {
            self.samples.pop_back();
        }
        self.last_time_s = self.samples.back().map(|s| s.time_s);
        if self.last_time_s.is_none_or(|last| now.time_s >= last) {
            self.push(now);
        }
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = &Sample> + Clone {
        self.samples.iter()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// Whether the system has replicas, whose stale reads it shows.
    pub fn has_stale_reads(&self) -> bool {
        self.samples.iter().any(|s| s.stale_pct.is_some())
    }

    /// No samples yet.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: f64) -> Sample {
        Sample {
            time_s: t,
            throughput_rps: t * 10.0,
            p95_ms: 100.0,
            error_pct: 0.5,
            stale_pct: None,
        }
    }

    #[test]
    fn keeps_one_sample_per_simulated_second() {
        let mut tl = Timeline::new();
        assert!(tl.push(at(0.2)));
        assert!(!tl.push(at(0.5)), "same second");
        assert!(!tl.push(at(0.99)));
        assert!(tl.push(at(1.01)));
        assert!(tl.push(at(3.4)), "a skipped second is just missing");
        let times: Vec<f64> = tl.samples().map(|s| s.time_s).collect();
        assert_eq!(times, vec![0.2, 1.01, 3.4]);
    }

    #[test]
    fn keeps_only_the_last_minute() {
        let mut tl = Timeline::new();
        for i in 0..200 {
            tl.push(at(f64::from(i) + 0.5));
        }
        assert_eq!(tl.samples().len(), 61);
        assert_eq!(tl.samples().next().unwrap().time_s, 139.5);
        assert_eq!(tl.latest().unwrap().time_s, 199.5);
    }

    #[test]
    fn time_going_backwards_starts_over() {
        let mut tl = Timeline::new();
        for i in 0..30 {
            tl.push(at(f64::from(i)));
        }
        assert!(tl.push(at(0.1)), "a new simulation");
        assert_eq!(tl.samples().len(), 1);
        assert_eq!(tl.latest().unwrap().time_s, 0.1);
    }

    #[test]
    fn marks_are_kept_once_for_the_last_minute_and_go_with_a_new_simulation() {
        let mut tl = Timeline::new();
        let spike = |t: f64| Mark {
            time_s: t,
            what: Changed::Fault {
                fault: Fault::Spike,
                on: true,
            },
        };
        tl.push(at(10.0));
        assert!(tl.mark(spike(10.0)));
        assert!(
            !tl.mark(spike(10.0)),
            "a reading repeats the changes it carries"
        );
        assert_eq!(tl.marks()[0].label(), "spike on");
        for i in 11..=70 {
            tl.push(at(f64::from(i)));
        }
        assert_eq!(tl.marks().len(), 1, "still in the minute");
        tl.push(at(71.0));
        assert!(tl.marks().is_empty(), "gone with its minute");
        assert!(tl.mark(spike(70.5)));
        // A mark that arrives late goes in its place: oldest first.
        assert!(tl.mark(Mark {
            time_s: 70.2,
            what: Changed::Fault {
                fault: Fault::Spike,
                on: false,
            },
        }));
        let times: Vec<f64> = tl.marks().iter().map(|m| m.time_s).collect();
        assert_eq!(times, [70.2, 70.5]);
        tl.push(at(1.0));
        assert!(tl.marks().is_empty(), "a new simulation");
    }

    #[test]
    fn nonsense_is_cleaned() {
        let mut tl = Timeline::new();
        assert!(!tl.push(at(f64::NAN)));
        assert!(tl.is_empty());
        tl.push(Sample {
            time_s: 1.0,
            throughput_rps: f64::NAN,
            p95_ms: f64::INFINITY,
            error_pct: 250.0,
            stale_pct: Some(f64::NAN),
        });
        let s = tl.latest().unwrap();
        assert_eq!((s.throughput_rps, s.p95_ms, s.error_pct), (0.0, 0.0, 100.0));
        assert_eq!(s.stale_pct, Some(0.0));
    }
}
