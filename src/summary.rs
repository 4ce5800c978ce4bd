//! The running system in one sentence, for a screen reader's live region: the most
//! constrained part and how much of it is in use, how many requests fail, any part that is
//! down, and what breaks, all from the engine's one reading. "Postgres connections: 100 of
//! 100 in use. 12% of requests failing. What breaks: Out of database connections."
//!
//! Readings come twice a second and their numbers always wobble; a screen reader that spoke
//! each would never stop. [`Summary::differs_in_meaning`] says whether a new summary says
//! something the last one spoken did not: another failure, another part down, the busiest part
//! changing by a tenth of its capacity, or the error rate moving by a clear margin.

use headroom_engine::diagnosis::Failure;
use headroom_engine::live::LiveReading;
use headroom_engine::parts::Role;

use crate::diagram_layout::{DiagramLayout, NodeState};
use crate::format;

/// How far the busiest part's use must move (a fraction of its capacity) to be worth saying.
pub const USE_STEP: f64 = 0.1;
/// How far the error rate must move, at least, to be worth saying (a fraction of requests).
pub const ERROR_STEP: f64 = 0.02;
/// ... or this share of the error rate last said, when that is larger.
pub const ERROR_SHARE: f64 = 0.25;

/// The most constrained kind of servers in one drawn part, summed over its members.
#[derive(Debug, Clone, PartialEq)]
pub struct Busiest {
    /// The drawn part: "Postgres", "App pool ×64".
    pub part: String,
    /// What its servers are.
    pub role: Role,
    /// Servers busy on average lately.
    pub busy: f64,
    /// Servers.
    pub servers: u32,
}

impl Busiest {
    /// Busy servers over servers, 0 to 1.
    pub fn utilization(&self) -> f64 {
        if self.servers == 0 {
            0.0
        } else {
            (self.busy / f64::from(self.servers)).clamp(0.0, 1.0)
        }
    }

    fn phrase(&self) -> String {
        let percent = (self.utilization() * 100.0).round();
        match self.role {
            Role::Cores => format!("{} CPU: {}% busy", self.part, format::fixed(percent, 0)),
            Role::Disk => format!("{} disk: {}% busy", self.part, format::fixed(percent, 0)),
            role => format!(
                "{} {}: {} of {} in use",
                self.part,
                role.word(),
                format::grouped((self.utilization() * f64::from(self.servers)).round()),
                format::grouped(f64::from(self.servers)),
            ),
        }
    }
}

/// What the sentence says, from one reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The most constrained part, if any part has servers.
    pub busiest: Option<Busiest>,
    /// Failed requests over all requests finished in the live window.
    pub error_rate: f64,
    /// Drawn parts whose machine is down.
    pub down: Vec<String>,
    /// What breaks, as the engine's diagnosis names it.
    pub failure: Option<Failure>,
}

/// Which role to name when two are equally busy: the database's connections, then cores.
fn tie_rank(role: Role) -> u8 {
    match role {
        Role::Connections => 2,
        Role::Cores => 1,
        _ => 0,
    }
}

/// The summary of `reading`, read over the drawn parts of `layout`.
pub fn summarize(layout: &DiagramLayout, reading: &LiveReading) -> Summary {
    let mut busiest: Option<Busiest> = None;
    let mut down = Vec::new();
    for (i, node) in layout.nodes.iter().enumerate() {
        let state = NodeState::of(layout, i, &reading.parts);
        if state.down {
            down.push(node.label.clone());
        }
        let Some((role, busy, servers, _)) = state.gauge else {
            continue;
        };
        let candidate = Busiest {
            part: node.label.clone(),
            role,
            busy,
            servers,
        };
        let key = |b: &Busiest| ((b.utilization() * 100.0).round() as u32, tie_rank(b.role));
        if busiest.as_ref().is_none_or(|b| key(&candidate) > key(b)) {
            busiest = Some(candidate);
        }
    }
    Summary {
        busiest,
        error_rate: reading.reading.error_rate.clamp(0.0, 1.0),
        down,
        failure: reading.diagnosis.as_ref().map(|d| d.failure),
    }
}

impl Summary {
    /// The sentence a screen reader speaks.
    pub fn sentence(&self) -> String {
        let mut out = String::new();
        if let Some(b) = &self.busiest {
            out.push_str(&b.phrase());
            out.push_str(". ");
        }
        for part in &self.down {
            out.push_str(part);
            out.push_str(" is down. ");
        }
        let percent = self.error_rate * 100.0;
        if self.error_rate <= 0.0 {
            out.push_str("No requests failing.");
        } else if percent < 0.5 {
            out.push_str("Under 1% of requests failing.");
        } else {
            out.push_str(&format!(
                "{}% of requests failing.",
                format::fixed(percent, 0)
            ));
        }
        if let Some(failure) = self.failure {
            out.push_str(" What breaks: ");
            out.push_str(failure.title());
            out.push('.');
        }
        out
    }

    /// Whether this summary says something that `said`, the last one spoken, did not.
    pub fn differs_in_meaning(&self, said: &Summary) -> bool {
        if self.failure != said.failure || self.down != said.down {
            return true;
        }
        let errors_moved = (self.error_rate - said.error_rate).abs()
            >= ERROR_STEP.max(ERROR_SHARE * said.error_rate);
        let use_moved = match (&self.busiest, &said.busiest) {
            (Some(now), Some(then)) => {
                let moved = (now.utilization() - then.utilization()).abs() >= USE_STEP;
                // Another part is the busiest: worth saying once it is clearly busier.
                let other = now.part != then.part || now.role != then.role;
                moved || (other && now.utilization() - then.utilization() >= USE_STEP / 2.0)
            }
            (None, None) => false,
            _ => true,
        };
        errors_moved || use_moved
    }
}

/// Keeps the summary last spoken and says whether a new one should be.
#[derive(Debug, Clone, Default)]
pub struct Announcer {
    said: Option<Summary>,
}

impl Announcer {
    /// The sentence to speak for `now`, if it says something new.
    pub fn hear(&mut self, now: Summary) -> Option<String> {
        if self
            .said
            .as_ref()
            .is_some_and(|said| !now.differs_in_meaning(said))
        {
            return None;
        }
        let sentence = now.sentence();
        self.said = Some(now);
        Some(sentence)
    }

    /// Forgets what was spoken: the next summary is spoken whatever it says.
    pub fn reset(&mut self) {
        self.said = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_engine::live::Engine;
    use headroom_engine::scenario::Scenario;

    fn run(stage: u8, users: f64, seconds: f64) -> (DiagramLayout, LiveReading) {
        let mut engine = Engine::new(&Scenario::for_stage(stage, users), 1);
        let mut reading = engine.read();
        let mut t = 0.0;
        while t < seconds {
            t += 0.5;
            engine.step_until(t);
            reading = engine.read();
        }
        (DiagramLayout::new(&engine.system(1)), reading)
    }

    fn busiest(part: &str, role: Role, busy: f64, servers: u32) -> Option<Busiest> {
        Some(Busiest {
            part: part.to_owned(),
            role,
            busy,
            servers,
        })
    }

    #[test]
    fn the_sentence_names_the_part_its_use_the_errors_and_what_breaks() {
        let s = Summary {
            busiest: busiest("Postgres", Role::Connections, 99.7, 100),
            error_rate: 0.123,
            down: vec![],
            failure: Some(Failure::DbConnectionsExhausted),
        };
        assert_eq!(
            s.sentence(),
            "Postgres connections: 100 of 100 in use. 12% of requests failing. What breaks: \
             Out of database connections."
        );
        let cpu = Summary {
            busiest: busiest("App server 1", Role::Cores, 1.7, 2),
            error_rate: 0.0,
            down: vec!["App server 2".to_owned()],
            failure: None,
        };
        assert_eq!(
            cpu.sentence(),
            "App server 1 CPU: 85% busy. App server 2 is down. No requests failing."
        );
        let few = Summary {
            error_rate: 0.002,
            ..cpu
        };
        assert!(few.sentence().ends_with("Under 1% of requests failing."));
    }

    #[test]
    fn a_saturated_stage_is_summed_up_from_the_engines_reading() {
        // Stage 3's one app server runs out at 50,000 users: it is the busiest part, requests
        // fail, and the sentence names the engine's diagnosis.
        let (layout, reading) = run(3, 50_000.0, 20.0);
        let s = summarize(&layout, &reading);
        let b = s.busiest.as_ref().expect("a part with servers");
        assert!(b.part.starts_with("App"), "{b:?}");
        assert!(b.utilization() > 0.9, "{b:?}");
        assert_eq!(s.error_rate, reading.reading.error_rate);
        assert_eq!(s.failure, reading.diagnosis.as_ref().map(|d| d.failure));
        let sentence = s.sentence();
        assert!(sentence.contains("of requests failing"), "{sentence}");
        assert!(
            sentence.contains(Failure::AppSaturated.title()),
            "{sentence}"
        );

        // A light load: nothing near full, nothing failing, nothing breaking.
        let (layout, reading) = run(3, 1_000.0, 20.0);
        let calm = summarize(&layout, &reading);
        assert!(calm.busiest.as_ref().unwrap().utilization() < 0.5);
        assert_eq!(calm.failure, None);
        assert!(calm.sentence().contains("No requests failing"), "{calm:?}");
        assert!(s.differs_in_meaning(&calm) && calm.differs_in_meaning(&s));
    }

    #[test]
    fn a_pool_is_summed_over_its_members() {
        let (layout, reading) = run(7, 3_000_000.0, 5.0);
        let s = summarize(&layout, &reading);
        let b = s.busiest.unwrap();
        let node = layout.nodes.iter().position(|n| n.label == b.part).unwrap();
        let state = NodeState::of(&layout, node, &reading.parts);
        assert_eq!(state.gauge.map(|g| g.2), Some(b.servers));
    }

    #[test]
    fn wobbling_readings_are_not_spoken_again() {
        let base = Summary {
            busiest: busiest("Postgres", Role::Connections, 60.0, 100),
            error_rate: 0.10,
            down: vec![],
            failure: None,
        };
        let mut a = Announcer::default();
        assert!(a.hear(base.clone()).is_some(), "the first is spoken");
        // Small moves in use and errors: silence.
        for (busy, errors) in [(62.0, 0.11), (55.0, 0.09), (68.0, 0.12), (51.0, 0.08)] {
            let now = Summary {
                busiest: busiest("Postgres", Role::Connections, busy, 100),
                error_rate: errors,
                ..base.clone()
            };
            assert_eq!(a.hear(now), None, "{busy} {errors}");
        }
        // A tenth of the pool more: spoken, and the next comparison starts from there.
        let up = Summary {
            busiest: busiest("Postgres", Role::Connections, 71.0, 100),
            ..base.clone()
        };
        assert!(a.hear(up.clone()).unwrap().contains("71 of 100"));
        let back = Summary {
            busiest: busiest("Postgres", Role::Connections, 64.0, 100),
            ..base.clone()
        };
        assert_eq!(a.hear(back), None, "64 is within a tenth of 71");
        // The error rate moving by a quarter of itself.
        let worse = Summary {
            error_rate: 0.14,
            ..up.clone()
        };
        assert!(a.hear(worse).unwrap().contains("14% of requests failing"));
        // A failure, or a part going down, is always news.
        let failing = Summary {
            failure: Some(Failure::DbConnectionsExhausted),
            error_rate: 0.14,
            ..up.clone()
        };
        assert!(a.hear(failing).is_some());
        let down = Summary {
            down: vec!["App server 1".to_owned()],
            failure: Some(Failure::DbConnectionsExhausted),
            error_rate: 0.14,
            ..up.clone()
        };
        assert!(a.hear(down).is_some());
        a.reset();
        assert!(a.hear(base).is_some(), "after a reset anything is spoken");
    }

    #[test]
    fn another_part_taking_the_lead_is_spoken_once_clearly_busier() {
        let db = Summary {
            busiest: busiest("Postgres", Role::Connections, 80.0, 100),
            error_rate: 0.0,
            down: vec![],
            failure: None,
        };
        let close = Summary {
            busiest: busiest("App server 1", Role::Cores, 1.62, 2),
            ..db.clone()
        };
        assert!(!close.differs_in_meaning(&db), "81% against 80%");
        let clear = Summary {
            busiest: busiest("App server 1", Role::Cores, 1.8, 2),
            ..db.clone()
        };
        assert!(clear.differs_in_meaning(&db), "90% against 80%");
    }
}
