//! A running system's history as text, so a link can run it again to the same moment with the
//! same numbers: the live knobs it was built with, each change made to it in place and each
//! fault switched, with the simulated time of each, and the time it had reached. The same
//! scenario, seed and history give the same readings however the run was sliced into steps
//! and however often it was read (`tests/replay.rs`).
//!
//! The text is URL-safe: entries joined by `~`. The first is the time reached; the second the
//! live knobs at the start (`u` users, `h` cache hit rate, `w` write share, `a` and `p` the
//! third-party API's median and p95 in ms, `i` the index, 0 or 1); then each step, its time
//! followed by `s` and the knobs it set, or `n` (on) or `x` (off) and a fault: `crash3`,
//! `deploy`, `slowapi`, `spike`, `lag`. For example
//! `42.5~u5000h0w0.1a400p1200i1~0nspike~17.25su8000h0w0.1a400p1200i1`.

use crate::live::Engine;
use crate::scenario::Scenario;
use crate::sim::Fault;

/// The knobs a running system takes in place (see `live::same_but_live`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveKnobs {
    /// Daily active users.
    pub users: f64,
    /// Cache hit rate.
    pub cache_hit: f64,
    /// Share of dynamic requests that write.
    pub write_share: f64,
    /// The third-party API's median latency, ms.
    pub api_median_ms: f64,
    /// Its p95, ms.
    pub api_p95_ms: f64,
    /// The hot query has its index.
    pub indexed: bool,
}

impl LiveKnobs {
    /// Those of `sc`.
    pub fn of(sc: &Scenario) -> Self {
        Self {
            users: sc.users,
            cache_hit: sc.cache_hit,
            write_share: sc.write_share,
            api_median_ms: sc.third_party_median_ms,
            api_p95_ms: sc.third_party_p95_ms,
            indexed: sc.db_indexed,
        }
    }

    /// `sc` with these.
    pub fn onto(&self, sc: &Scenario) -> Scenario {
        Scenario {
            users: self.users,
            cache_hit: self.cache_hit,
            write_share: self.write_share,
            third_party_median_ms: self.api_median_ms,
            third_party_p95_ms: self.api_p95_ms,
            db_indexed: self.indexed,
            ..sc.clone()
        }
    }

    fn write(&self) -> String {
        format!(
            "u{}h{}w{}a{}p{}i{}",
            self.users,
            self.cache_hit,
            self.write_share,
            self.api_median_ms,
            self.api_p95_ms,
            u8::from(self.indexed)
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let mut values = [f64::NAN; 6];
        let mut rest = text;
        for (i, tag) in ['u', 'h', 'w', 'a', 'p', 'i'].into_iter().enumerate() {
            rest = rest.strip_prefix(tag)?;
            let end = rest
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            values[i] = number(&rest[..end])?;
            rest = &rest[end..];
        }
        let [users, cache_hit, write_share, api_median_ms, api_p95_ms, indexed] = values;
        let share = 0.0..=1.0;
        let ok = rest.is_empty()
            && share.contains(&cache_hit)
            && share.contains(&write_share)
            && api_p95_ms >= api_median_ms
            && (indexed == 0.0 || indexed == 1.0);
        ok.then_some(Self {
            users,
            cache_hit,
            write_share,
            api_median_ms,
            api_p95_ms,
            indexed: indexed == 1.0,
        })
    }
}

/// A finite number that is not negative.
fn number(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
}

/// Something done to a running system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Its live knobs set.
    Settings(LiveKnobs),
    /// A fault switched on (or happening once), or off.
    Fault(Fault, bool),
}

/// A running system's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The live knobs it was built with.
    pub start: LiveKnobs,
    /// What was done to it since, with the simulated time of each, in order.
    pub steps: Vec<(f64, Step)>,
}

/// The most steps a history keeps: past them it cannot be replayed (a link stays short).
pub const MAX_STEPS: usize = 200;

impl History {
    /// A system just built from `sc`, with `faults` switched on at once.
    pub fn new(sc: &Scenario, faults: impl IntoIterator<Item = Fault>) -> Self {
        Self {
            start: LiveKnobs::of(sc),
            steps: faults
                .into_iter()
                .map(|f| (0.0, Step::Fault(f, true)))
                .collect(),
        }
    }

    /// Notes `step` at `time_s`.
    pub fn note(&mut self, time_s: f64, step: Step) {
        if self.steps.len() <= MAX_STEPS {
            self.steps.push((time_s, step));
        }
    }

    /// The text that replays it to `at` (`None` if it has too many steps).
    pub fn write(&self, at: f64) -> Option<String> {
        if self.steps.len() > MAX_STEPS {
            return None;
        }
        let mut out = format!("{at}~{}", self.start.write());
        for (t, step) in &self.steps {
            out += &match step {
                Step::Settings(k) => format!("~{t}s{}", k.write()),
                Step::Fault(f, on) => format!("~{t}{}{}", if *on { 'n' } else { 'x' }, code(*f)),
            };
        }
        Some(out)
    }

    /// Reads a history and the time it reached; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<(Self, f64), String> {
        let mut entries = text.split('~');
        let at = entries
            .next()
            .and_then(number)
            .ok_or("it does not start with the time to replay to")?;
        let start = entries
            .next()
            .and_then(LiveKnobs::parse)
            .ok_or("its starting knobs cannot be read")?;
        let mut steps = Vec::new();
        let mut last = 0.0;
        for (i, entry) in entries.enumerate() {
            let bad = || format!("step {} ({entry:.24}) cannot be read", i + 1);
            let split = entry
                .find(|c: char| c.is_ascii_alphabetic())
                .ok_or_else(bad)?;
            let (time, what) = entry.split_at(split);
            let t = number(time)
                .filter(|t| *t >= last && *t <= at)
                .ok_or_else(bad)?;
            let step = match what.split_at(1) {
                ("s", knobs) => Step::Settings(LiveKnobs::parse(knobs).ok_or_else(bad)?),
                ("n", f) => Step::Fault(fault(f).ok_or_else(bad)?, true),
                ("x", f) => Step::Fault(fault(f).ok_or_else(bad)?, false),
                _ => return Err(bad()),
            };
            last = t;
            steps.push((t, step));
        }
        if steps.len() > MAX_STEPS {
            return Err(format!("it has more than {MAX_STEPS} steps"));
        }
        Ok((Self { start, steps }, at))
    }

    /// `sc` (its live knobs as this history started) run with `seed` through every step to
    /// `at`, read every `read_every_s` simulated seconds as the page reads a running system.
    pub fn run(&self, sc: &Scenario, seed: u64, at: f64, read_every_s: f64) -> Engine {
        let base = self.start.onto(sc);
        let mut engine = Engine::new(&base, seed);
        let mut current = base;
        let every = read_every_s.max(0.01);
        let mut next_read = every;
        let mut advance = |engine: &mut Engine, to: f64| {
            while next_read <= to {
                engine.step_until(next_read);
                let _ = engine.read();
                next_read += every;
            }
            engine.step_until(to);
        };
        for &(t, step) in &self.steps {
            advance(&mut engine, t);
            match step {
                Step::Settings(knobs) => {
                    current = knobs.onto(&current);
                    engine.apply(&current, seed);
                }
                Step::Fault(f, on) => engine.set_fault(f, on),
            }
        }
        advance(&mut engine, at);
        engine
    }
}

/// A fault's name in the text.
fn code(f: Fault) -> String {
    match f {
        Fault::CrashApp(i) => format!("crash{i}"),
        Fault::RollingDeploy => "deploy".to_owned(),
        Fault::SlowApi => "slowapi".to_owned(),
        Fault::Spike => "spike".to_owned(),
        Fault::ReplicaLag => "lag".to_owned(),
    }
}

/// The fault named `text`.
fn fault(text: &str) -> Option<Fault> {
    Some(match text {
        "deploy" => Fault::RollingDeploy,
        "slowapi" => Fault::SlowApi,
        "spike" => Fault::Spike,
        "lag" => Fault::ReplicaLag,
        _ => Fault::CrashApp(text.strip_prefix("crash")?.parse().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let sc = Scenario::for_stage(4, 150_000.0);
        let mut h = History::new(&sc, [Fault::Spike]);
        let mut more = LiveKnobs::of(&sc);
        more.users = 240_000.0;
        more.indexed = false;
        h.note(12.25, Step::Settings(more));
        h.note(20.0, Step::Fault(Fault::CrashApp(2), true));
        h.note(30.125, Step::Fault(Fault::Spike, false));
        h
    }

    #[test]
    fn a_history_survives_its_text() {
        let h = history();
        let text = h.write(42.5).unwrap();
        assert!(text.starts_with("42.5~u150000h"), "{text}");
        assert!(text.contains("~0nspike~12.25su240000h"), "{text}");
        assert!(text.ends_with("~20ncrash2~30.125xspike"), "{text}");
        assert!(text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "~.-_".contains(c)));
        assert_eq!(History::parse(&text), Ok((h, 42.5)));
    }

    #[test]
    fn bad_text_says_what_is_wrong() {
        let good = history().write(42.5).unwrap();
        for (bad, says) in [
            ("", "time to replay to"),
            ("x~u1h0w0a1p1i1", "time to replay to"),
            ("5~u1h2w0a1p1i1", "starting knobs"),
            ("5~u1h0w0a1p1", "starting knobs"),
            ("5~u1h0w0a1p1i1~6nspike", "step 1"),
            ("5~u1h0w0a1p1i1~2nspike~1xspike", "step 2"),
            ("5~u1h0w0a1p1i1~1nfire", "step 1"),
            ("5~u1h0w0a1p1i1~1q", "step 1"),
        ] {
            let err = History::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        assert!(History::parse(&good).is_ok());
    }

    #[test]
    fn a_history_too_long_for_a_link_is_not_written() {
        let mut h = history();
        for i in 0..MAX_STEPS {
            h.note(40.0 + i as f64, Step::Fault(Fault::Spike, i % 2 == 0));
        }
        assert_eq!(h.write(500.0), None);
    }
}
