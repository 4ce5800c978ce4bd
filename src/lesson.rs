//! A stage's lesson as the learner goes through it ([`LessonRun`]): a guess at where the
//! system breaks, the ramp of users that finds out, and the changes tried where it broke. Every
//! outcome is a run the lessons' trial worker made ([`Trial`]); this only keeps them in
//! order and says which run comes next. Which lessons a learner finished is kept in the
//! browser ([`Progress`]).

use headroom_engine::lessons::{close, Change, Lesson, Outcome, Ramp, Trial};
use headroom_engine::scenario::{machine_named, Scenario};
use headroom_engine::stages::STAGES;
use headroom_engine::StageId;

use crate::knobs::{Knob, Settings};

/// A trial's tag: the run it belongs to in the high bits, the step or change in the low ones.
const TAG_BITS: u32 = 8;
/// The low tag bits of the changes start here (below: the ramp's steps).
const CHANGE_TAGS: u32 = 64;

/// One learner's pass through a stage's lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonRun {
    /// Its lesson.
    pub lesson: &'static Lesson,
    /// The system the page's settings describe at the lesson's stage (its users are the ramp's).
    pub base: Scenario,
    /// The seed of every run.
    pub seed: u64,
    /// Told apart from earlier runs by the outcomes' tags.
    pub id: u32,
    /// The learner's guess at the users where it breaks (`None`: still to guess).
    pub guess: Option<f64>,
    /// The ramp so far.
    pub ramp: Ramp,
    /// Each change offered, with its outcome once tried.
    pub changes: Vec<(Change, Option<Outcome>)>,
    /// The change being tried.
    pub trying: Option<usize>,
}

impl LessonRun {
    /// The lesson of `settings`' stage, with its knobs (a changed model changes every outcome).
    pub fn new(settings: &Settings, id: u32) -> Self {
        let lesson = Lesson::of(settings.stage);
        Self {
            lesson,
            base: settings.scenario(),
            seed: settings.seed,
            id,
            guess: None,
            ramp: Ramp::to(lesson.load),
            changes: lesson.changes().map(|c| (c, None)).collect(),
            trying: None,
        }
    }

    fn tag(&self, low: u32) -> u32 {
        (self.id << TAG_BITS) | low
    }

    fn at(&self, users: f64) -> Scenario {
        Scenario {
            users,
            ..self.base.clone()
        }
    }

    /// The system the ramp runs next, at its users (`None` before the guess, or once done).
    pub fn next_step(&self) -> Option<Scenario> {
        self.guess?;
        self.ramp.next_load().map(|users| self.at(users))
    }

    /// The run to ask the engine for now, if any: the ramp's next step, or the change being
    /// tried.
    pub fn trial(&self) -> Option<Trial> {
        let (tag, scenario) = match self.trying {
            Some(i) => (self.tag(CHANGE_TAGS + i as u32), self.changed(i)?),
            None => (self.tag(self.ramp.steps.len() as u32), self.next_step()?),
        };
        Some(Trial {
            scenario,
            seed: self.seed,
            tag,
        })
    }

    /// Takes an outcome from the engine; `false` if it is not one this run asked for now.
    pub fn take(&mut self, tag: u32, outcome: Outcome) -> bool {
        if self.trial().map(|t| t.tag) != Some(tag) {
            return false;
        }
        match self.trying.take() {
            Some(i) => self.changes[i].1 = Some(outcome),
            None => self.ramp.record(outcome),
        }
        true
    }

    /// The system where the ramp holds: where it broke (`None` until the ramp is done).
    pub fn held(&self) -> Option<Scenario> {
        self.ramp
            .done()
            .then(|| self.ramp.held())
            .flatten()
            .map(|users| self.at(users))
    }

    /// The held system with change `i` made.
    pub fn changed(&self, i: usize) -> Option<Scenario> {
        self.changes.get(i)?.0.apply(&self.held()?)
    }

    /// Tries change `i` next (once the ramp is done, and no other change is being tried).
    pub fn try_change(&mut self, i: usize) -> bool {
        let ready = self.trying.is_none() && i < self.changes.len() && self.held().is_some();
        if ready {
            self.trying = Some(i);
        }
        ready
    }

    /// Whether the guess was within [`close`] of where it broke (`None` until both are known).
    pub fn guessed_right(&self) -> Option<bool> {
        let (users, _) = self.ramp.broke()?;
        Some(close(self.guess?, users))
    }

    /// Whether the learner has finished: the ramp ran and, if it broke, every change was
    /// tried (a system that held out to the ramp's top has nothing to fix).
    pub fn finished(&self) -> bool {
        self.ramp.done()
            && (self.ramp.broke().is_none() || self.changes.iter().all(|(_, o)| o.is_some()))
    }
}

/// What a change is, in words made from its knob and the price table.
pub fn change_label(change: Change, stage: StageId) -> String {
    let knob = |knob: Knob, value: f64| format!("{}: {}", knob.label(), knob.value_text(value));
    match change {
        Change::NextStage => match stage.next() {
            Some(next) => format!("Move to stage {}: {}", next.number(), next.stage().title),
            None => "No next stage".to_owned(),
        },
        Change::Machine(m) => machine_named(&m).map_or_else(
            || format!("A machine of {} vCPU", m.vcpus),
            |(i, _)| knob(Knob::Machine, i as f64),
        ),
        Change::AppServers(n) => knob(Knob::AppServers, f64::from(n)),
        Change::CacheHit(h) => knob(Knob::CacheHit, (h * 100.0).round()),
        Change::Workers(n) => knob(Knob::Workers, f64::from(n)),
        Change::Replicas(n) => knob(Knob::Replicas, f64::from(n)),
        Change::Shards(n) => knob(Knob::Shards, f64::from(n)),
    }
}

/// The lessons a learner finished, kept in the browser's storage as "1,3,4".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress(u8);

/// Where [`Progress`] is kept (`localStorage`).
pub const PROGRESS_KEY: &str = "headroom-lessons-done";

impl Progress {
    /// Reads what was kept; anything else in it is ignored.
    pub fn parse(kept: &str) -> Self {
        let mut p = Self::default();
        for stage in kept.split(',').filter_map(|s| s.trim().parse::<u8>().ok()) {
            if let Some(stage) = StageId::from_number(stage) {
                p.finish(stage);
            }
        }
        p
    }

    /// Marks `stage`'s lesson finished.
    pub fn finish(&mut self, stage: StageId) {
        self.0 |= 1 << (stage.number() - 1);
    }

    /// Whether `stage`'s lesson is finished.
    pub fn finished(self, stage: StageId) -> bool {
        self.0 & (1 << (stage.number() - 1)) != 0
    }

    /// The finished stages, in order.
    pub fn stages(self) -> impl Iterator<Item = StageId> {
        STAGES
            .iter()
            .map(|s| s.id)
            .filter(move |&s| self.finished(s))
    }

    /// What is kept.
    pub fn write(self) -> String {
        self.stages()
            .map(|s| s.number().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_engine::diagnosis::Failure;

    fn settings(stage: u8) -> Settings {
        Settings {
            stage: StageId::from_number(stage).unwrap(),
            ..Settings::default()
        }
    }

    fn ran(failing: bool, usd: f64) -> Outcome {
        Outcome {
            failure: failing.then_some(Failure::OomCascade),
            within_targets: !failing,
            usd_month: usd,
            p95_ms: 100.0,
            error_rate: 0.0,
        }
    }

    fn tag_of(trial: Option<Trial>) -> u32 {
        trial.expect("a trial").tag
    }

    #[test]
    fn nothing_runs_before_the_guess_then_the_ramp_runs_step_by_step() {
        let mut run = LessonRun::new(&settings(1), 3);
        assert_eq!(run.trial(), None);
        run.guess = Some(900.0);
        let Trial { scenario, seed, .. } = run.trial().expect("the first step");
        assert_eq!((scenario.users, seed), (125.0, Settings::default().seed));
        // An outcome of another run, or of another step, is not taken.
        assert!(!run.take(tag_of(run.trial()) + 1, ran(false, 1.0)));
        assert!(!run.take(tag_of(run.trial()) ^ (1 << TAG_BITS), ran(false, 1.0)));
        for failing in [false, false, false, false, false, false, true] {
            assert!(run.take(tag_of(run.trial()), ran(failing, 30.0)));
        }
        assert_eq!(run.trial(), None);
        assert_eq!(run.held().map(|s| s.users), Some(1_000.0));
        assert_eq!(run.guessed_right(), Some(true));
        run.guess = Some(100.0);
        assert_eq!(run.guessed_right(), Some(false));
    }

    #[test]
    fn each_change_is_tried_on_the_held_system_and_then_the_lesson_is_finished() {
        let mut run = LessonRun::new(&settings(3), 1);
        assert!(!run.try_change(0), "nothing to change before the ramp");
        run.guess = Some(10_000.0);
        while let Some(c) = run.trial() {
            let failing = run.ramp.steps.len() == 6;
            assert!(run.take(tag_of(Some(c)), ran(failing, 50.0)));
        }
        assert_eq!(run.changes.len(), 3, "the next stage and two machines");
        for i in 0..run.changes.len() {
            assert!(!run.finished());
            assert!(run.try_change(i));
            assert!(!run.try_change(i), "one at a time");
            let scenario = run.trial().expect("a change's trial").scenario;
            assert_eq!(scenario.users, 50_000.0, "at the load where it broke");
            assert_eq!(Some(scenario), run.changed(i));
            assert!(run.take(tag_of(run.trial()), ran(false, 900.0)));
        }
        assert!(run.finished());
        assert_eq!(run.changed(0).map(|s| s.stage), Some(4));
    }

    #[test]
    fn a_system_that_never_breaks_is_finished_when_the_ramp_is_done() {
        let mut run = LessonRun::new(&settings(2), 4);
        run.guess = Some(500.0);
        let mut steps = 0;
        while let Some(t) = run.trial() {
            assert!(!run.finished());
            assert!(run.take(t.tag, ran(false, 1.0)));
            steps += 1;
        }
        assert_eq!(steps, run.ramp.loads().len());
        assert_eq!(
            run.held().map(|s| s.users),
            run.ramp.loads().last().copied()
        );
        assert_eq!(run.guessed_right(), None, "nothing broke to guess");
        assert!(run.finished());
        // An outcome with an earlier run's tag is not taken.
        let old = LessonRun::new(&settings(2), 3);
        let mut old = LessonRun {
            guess: Some(1.0),
            ..old
        };
        assert!(!old.take(run.tag(0), ran(true, 1.0)));
        assert!(old.take(old.tag(0), ran(true, 1.0)));
    }

    #[test]
    fn a_changed_model_is_the_lesson_s_model() {
        let mut s = settings(3);
        s.set(Knob::ApiLatency, 2_000.0);
        let run = LessonRun::new(&s, 1);
        assert_eq!(run.base.third_party_median_ms, 2_000.0);
    }

    #[test]
    fn changes_are_named_from_their_knobs_and_the_price_table() {
        let stage = StageId::from_number(3).unwrap();
        assert_eq!(
            change_label(Change::NextStage, stage),
            "Move to stage 4: A load balancer and stateless app servers"
        );
        let big = headroom_engine::scenario::C5_24XLARGE;
        assert_eq!(
            change_label(Change::Machine(big), stage),
            "Machine size: c5.24xlarge: 96 vCPU, 192 GB, $2,940 a month"
        );
        assert_eq!(
            change_label(Change::CacheHit(0.99), stage),
            "Cache hit rate: 99% of reads"
        );
        assert_eq!(
            change_label(Change::AppServers(64), stage),
            "App servers: 64 servers"
        );
    }

    #[test]
    fn progress_keeps_the_finished_stages_and_ignores_the_rest() {
        let mut p = Progress::parse("3, 1,x,9,,1");
        assert_eq!(p.write(), "1,3");
        p.finish(StageId::from_number(7).unwrap());
        assert_eq!(Progress::parse(&p.write()), p);
        assert!(p.finished(StageId::from_number(7).unwrap()));
        assert!(!p.finished(StageId::from_number(2).unwrap()));
        assert_eq!(Progress::parse("").write(), "");
    }
}
