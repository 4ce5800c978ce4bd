use std::collections::HashMap;

use headroom_engine::lessons::{Outcome, Trial, TrialOutcome};
use headroom_engine::live::LiveReading;
use headroom_engine::protocol::Command;
use headroom_engine::scenario::Scenario;
use leptos::html::H3;
use leptos::prelude::*;

use super::{LessonAnswer, LessonChanges, LessonGuess, LessonProgress, LessonRamp, TrafficDiagram};
use crate::animation::use_motion_clock;
use crate::format;
use crate::knobs::Settings;
use crate::lesson::{change_label, LessonRun, Progress, PROGRESS_KEY};
use crate::link::EngineLink;
use crate::orientation::use_orientation;
use crate::page_link::{base, link_from};
use crate::query::PageQuery;
use crate::trials::{self, use_trials};

/// The least speed the lesson's live system runs at, simulated seconds per second.
const LIVE_SPEED: u32 = 10;

/// The stage's lesson (`lesson=1`): the learner guesses where the system breaks, the engine
/// grows the users until it does and holds there, the answer stands beside the guess, and
/// each change on offer is run on that load and seed. The system shown runs live in an engine
/// of its own; a second worker makes the runs the lesson reports. Loaded only for such a link
/// (`src/bin/lessons.rs`).
#[component]
pub fn LessonView(
    /// The page as its address has it.
    current: Signal<PageQuery>,
) -> impl IntoView {
    // (The ramp sets the users: the link's do not matter here.)
    let settings = Memo::new(move |_| {
        current.with(|p| Settings {
            users: 0.0,
            ..p.settings.clone()
        })
    });
    let on = Memo::new(move |_| current.with(|p| p.view.lesson));
    // Ten times the page's speed at least: each change's system starts afresh, and the
    // learner should see it reach what its run measured within seconds.
    let speed = Memo::new(move |_| current.with(|p| p.speed.max(LIVE_SPEED)));
    let run = RwSignal::new(LessonRun::new(&settings.get_untracked(), 1));
    // The change the diagram shows (`None`: the lesson's own system).
    let showing = RwSignal::new(None::<usize>);
    let progress = RwSignal::new(Progress::parse(&kept().unwrap_or_default()));

    // The system shown: a change tried, else where the ramp holds, else the step it runs,
    // else where it starts.
    let shown = Memo::new(move |_| {
        let showing = showing.get();
        run.with(|r| {
            showing
                .and_then(|i| r.changed(i))
                .or_else(|| r.held())
                .or_else(|| r.next_step())
                .unwrap_or_else(|| Scenario {
                    users: r.ramp.loads()[0],
                    ..r.base.clone()
                })
        })
    });
    let link = EngineLink::start(
        &shown.get_untracked(),
        run.with_untracked(|r| r.seed),
        false,
        speed.get_untracked(),
    );

    // A new stage, model or seed in the address: the lesson starts again. (The system it
    // describes, not how the address spells it: the page writes its knobs out soon after it
    // opens, and a guess sent meanwhile must not be lost.)
    let system = Memo::new(move |_| settings.with(|s| (s.scenario(), s.seed)));
    Effect::new(move |before: Option<(Scenario, u64)>| {
        let now = system.get();
        if before.is_some_and(|b| b != now) {
            showing.set(None);
            let s = settings.get_untracked();
            run.update(|r| *r = LessonRun::new(&s, r.id + 1));
        }
        now
    });
    // Each system shown starts afresh, as its run did.
    Effect::new(move |before: Option<(Scenario, u64)>| {
        let now = (shown.get(), run.with(|r| r.seed));
        if before.is_some_and(|b| b != now) {
            link.send(Command::Reset {
                scenario: now.0.clone(),
                seed: now.1,
            });
        }
        now
    });
    // It runs while the lesson is on.
    Effect::new(move |_| {
        link.send(Command::Play {
            playing: on.get(),
            speed: speed.get(),
        })
    });

    // The run the lesson needs next goes to the trial worker, unless it was run before (the
    // same system and seed give the same outcome).
    let trials = use_trials();
    let ran = StoredValue::new(HashMap::<String, Outcome>::new());
    let key = |t: &Trial| format!("{:?}/{}", t.scenario, t.seed);
    Effect::new(move |sent: Option<Option<u32>>| {
        let trial = run.with(LessonRun::trial).filter(|_| on.get())?;
        match ran.with_value(|r| r.get(&key(&trial)).copied()) {
            Some(outcome) => {
                run.update(|r| {
                    r.take(trial.tag, outcome);
                });
            }
            None if sent.flatten() != Some(trial.tag) => trials.run(&trial),
            None => {}
        }
        Some(trial.tag)
    });
    Effect::new(move |_| {
        let Some(TrialOutcome { tag, outcome }) = trials.outcome.get() else {
            return;
        };
        if let Some(asked) = run
            .with_untracked(LessonRun::trial)
            .filter(|t| t.tag == tag)
        {
            ran.update_value(|r| {
                r.insert(key(&asked), outcome);
            });
        }
        if run.with_untracked(|r| r.trial().is_some_and(|t| t.tag == tag)) {
            run.update(|r| {
                r.take(tag, outcome);
            });
        }
    });
    // A finished lesson is kept in this browser.
    Effect::new(move |_| {
        if run.with(LessonRun::finished) {
            let stage = run.with_untracked(|r| r.lesson.stage);
            progress.update(|p| p.finish(stage));
            keep(&progress.get_untracked().write());
        }
    });

    let reading: Signal<Option<LiveReading>> = link.reading.into();
    // The diagram runs across, or down on a phone held upright.
    let layout = link.layout(use_orientation().into());
    let since = use_motion_clock(link, move || on.get_untracked(), speed.into());
    let run_signal: Signal<LessonRun> = run.into();
    let ramp = Signal::derive(move || run.with(|r| r.ramp.clone()));
    let guess = Signal::derive(move || run.with(|r| r.guess));
    let from_users = Signal::derive(move || run.with(|r| r.ramp.loads()[0]));
    let running = Signal::derive(move || {
        run.with(|r| {
            r.trying
                .is_none()
                .then(|| r.next_step())
                .flatten()
                .map(|s| s.users)
        })
    });
    let ramp_started = move || run.with(|r| r.guess.is_some());
    // A button that hides or disables itself hands the focus on to where the lesson goes next.
    let (guess_heading, run_heading) = (NodeRef::<H3>::new(), NodeRef::<H3>::new());
    let ramp_done = move || run.with(|r| r.held().is_some());
    let broke = move || run.with(|r| r.ramp.broke().is_some());
    let stage = move || run.with(|r| r.lesson.stage);
    let lesson_link = Callback::new(move |n: u8| {
        current.with_untracked(|p| {
            let mut p = p.clone();
            if let Some(stage) = headroom_engine::StageId::from_number(n) {
                p.settings.set_stage(stage);
            }
            p.view.lesson = true;
            link_from(&base(), &p)
        })
    });
    let live_code = move || {
        reading.with(|r| {
            r.as_ref()
                .and_then(|r| r.diagnosis.as_ref())
                .map(|d| d.failure.code())
        })
    };
    let caption = move || {
        let what = run.with(|r| match showing.get().and_then(|i| r.changes.get(i)) {
            Some((c, _)) => change_label(*c, r.lesson.stage),
            None => format!("Stage {} as it is", r.lesson.stage.number()),
        });
        let state = reading.with(|r| match r {
            None => "starting…".to_owned(),
            Some(r) => {
                let state = match &r.diagnosis {
                    Some(d) => format!("✗ failing: {}", d.failure.title()),
                    None if r.verdict.healthy() => "✓ within every target so far".to_owned(),
                    None => "missing a target…".to_owned(),
                };
                format!("{} s in, {state}", format::fixed(r.reading.time_s, 0))
            }
        });
        let users = shown.with(|s| format::grouped(s.users));
        format!("Live, from the start: {what}, {users} daily users. {state}")
    };

    view! {
        <section class="panel lesson" data-testid="lesson" data-stage=move || stage().number()>
            <h2>
                {move || format!("Lesson, stage {}: {}", stage().number(), stage().stage().title)}
            </h2>
            <LessonProgress
                progress=progress.into()
                current=Signal::derive(stage)
                lesson_link=lesson_link
            />
            <Show when=move || trials.failed.get() || link.failed.get()>
                <p class="note" role="alert" data-testid="lesson-failed">
                    "The lesson could not run here: its runs need a web worker, and none \
                     answered."
                </p>
            </Show>
            <Show when=move || { trials.restarts.get() > 0 && !trials.failed.get() }>
                <p class="hint" role="status" data-testid="lesson-restarted">
                    {move || {
                        format!(
                            "The runs stopped answering and were started again ({} of at most \
                             {} restarts).",
                            trials.restarts.get(),
                            trials::RESTARTS,
                        )
                    }}
                </p>
            </Show>
            <div class="lesson-body">
                <ol class="lesson-steps">
                    <li>
                        <h3 tabindex="-1" node_ref=guess_heading>"Guess"</h3>
                        <LessonGuess
                            from_users=from_users
                            sent=guess
                            on_run=Callback::new(move |g| {
                                run.update(|r| r.guess = Some(g));
                                focus_soon(run_heading);
                            })
                        />
                    </li>
                    <li hidden=move || !ramp_started()>
                        <h3 tabindex="-1" node_ref=run_heading>"Run"</h3>
                        <LessonRamp ramp=ramp running=running/>
                    </li>
                    <li hidden=move || !ramp_done()>
                        <h3>"The answer"</h3>
                        <LessonAnswer
                            run=run_signal
                            on_again=Callback::new(move |()| {
                                showing.set(None);
                                let s = settings.get_untracked();
                                run.update(|r| *r = LessonRun::new(&s, r.id + 1));
                                focus_soon(guess_heading);
                            })
                        />
                    </li>
                    <li hidden=move || !(ramp_done() && broke())>
                        <h3>"Fix it"</h3>
                        <p>
                            "Each change is run on the same load and seed. The diagram shows the \
                             one you tried."
                        </p>
                        <LessonChanges
                            run=run_signal
                            on_try=Callback::new(move |i| {
                                let mut tried = false;
                                run.update(|r| tried = r.try_change(i));
                                if tried {
                                    showing.set(Some(i));
                                }
                            })
                        />
                        <button
                            type="button"
                            class="action"
                            data-testid="lesson-show-failing"
                            prop:disabled=move || showing.with(Option::is_none)
                            on:click=move |_| showing.set(None)
                        >
                            "Show the failing system again"
                        </button>
                        <p data-testid="lesson-finished" hidden=move || !run.with(LessonRun::finished)>
                            {move || {
                                match stage().next() {
                                    Some(next) => view! {
                                        "Every change tried: this lesson is finished. "
                                        <a href=move || lesson_link.run(next.number()) data-testid="lesson-next">
                                            {format!("Next: stage {}'s lesson", next.number())}
                                        </a>
                                    }.into_any(),
                                    None => "Every change tried: that was the last lesson.".into_any(),
                                }
                            }}
                        </p>
                    </li>
                </ol>
                <figure class="lesson-diagram">
                    <TrafficDiagram
                        layout=layout.into()
                        reading=reading
                        motion=link.motion.into()
                        motion_since_s=since
                        selected=RwSignal::new(None)
                        name="lesson-diagram"
                        hint="Its state is written on it."
                    />
                    <figcaption data-testid="lesson-live" data-code=live_code>{caption}</figcaption>
                </figure>
            </div>
        </section>
    }
}

/// Moves the focus to `heading` once the step it heads is shown (after this update).
fn focus_soon(heading: NodeRef<H3>) {
    request_animation_frame(move || {
        if let Some(h) = heading.get_untracked() {
            let _ = h.focus();
        }
    });
}

/// What this browser kept of the lessons finished (`None`: no storage here).
fn kept() -> Option<String> {
    window()
        .local_storage()
        .ok()??
        .get_item(PROGRESS_KEY)
        .ok()?
}

/// Keeps `progress` in this browser, if it may.
fn keep(progress: &str) {
    if let Ok(Some(storage)) = window().local_storage() {
        // A browser that refuses (private mode, full) just forgets.
        let _ = storage.set_item(PROGRESS_KEY, progress);
    }
}
