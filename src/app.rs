use headroom_engine::cost::{self, Cost};
use headroom_engine::failure::{detect_live, over_budget, Measured};
use headroom_engine::sim::Sim;
use headroom_engine::snapshot::{Motion, Snapshot};
use headroom_engine::stages::stage_of_failure;
use headroom_engine::StageId;
use leptos::html::Figure;
use leptos::prelude::*;

use crate::animation::use_animation_frame;
use crate::components::{
    CostBreakdown, CostChart, DesignControls, DotLegend, FaultButtons, Header, KeyboardHelp,
    LatencyChart, LinkNotices, LiveMetrics, NodeDetails, OfferedLoad, PlaybackControls, ShareLinks,
    StageStepper, StageStory, SystemSummary, TimelineChart, TrafficDiagram, UsersSlider,
    WhatBreaks,
};
use crate::diagram_layout::DiagramLayout;
use crate::failure_watch::{FailureWatch, UNEXPLAINED};
use crate::faults::{FaultKind, Switches};
use crate::knobs::{needs_rebuild, Knob, KnobValues, Settings};
use crate::page_link::{self, link_to, write_address_soon};
use crate::parent_events::{notify_parent, ParentEvent};
use crate::query::PageQuery;
use crate::shortcuts::use_shortcuts;
use crate::visibility::use_in_view;

/// Requests on the wire sampled per frame (the diagram draws the trail of hops instead; the
/// snapshot's sample stays small).
const MAX_IN_FLIGHT: usize = 0;
/// Wall-clock seconds a dot takes to cross its edge, whatever the speed.
const DOT_CROSSING_S: f64 = 0.6;
/// Simulated seconds one press of "Step" advances.
const STEP_S: f64 = 0.1;
/// Simulated seconds the engine advances between checks of the frame budget.
const SLICE_S: f64 = 1.0 / 3840.0;
/// Milliseconds of engine work allowed per frame: past it the simulation runs slower than
/// asked (and says so) rather than dropping frames.
const FRAME_BUDGET_MS: f64 = 1.1;
/// The engine's budget in a frame that also takes a reading and redraws the panels (after a
/// change, a step or a pause).
const READING_FRAME_BUDGET_MS: f64 = 0.5;
/// The engine's budget a frame at 10× and 100×: the learner asked for speed, and gets more of
/// it at the cost of a less even frame rate.
const FAST_FORWARD_BUDGET_MS: f64 = 8.0;
/// Milliseconds between readings for the panels and the parts' states while nothing changes:
/// numbers that change sixty times a second cannot be read, and redrawing them would cost the
/// frame. Any change of a setting or a fault takes a reading at the next frame.
const READING_MS: f64 = 500.0;

fn layout_of(sim: &Sim) -> DiagramLayout {
    DiagramLayout::new(
        sim.nodes(),
        sim.edges(),
        sim.resource_nodes(),
        sim.scenario().observability,
    )
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// A new simulation of `settings`, its trail set for `speed`.
fn new_sim(settings: &Settings, speed: u32) -> Sim {
    let mut sim = Sim::new(&settings.scenario(), settings.seed);
    sim.core.trail.set_window(DOT_CROSSING_S * f64::from(speed));
    sim
}

/// Changes the running `sim` to `settings` in place where it can (users and the live knobs).
fn apply_live(sim: &mut Sim, settings: &Settings) {
    let wanted = settings.scenario();
    let current = sim.scenario();
    let (users, hit, writes, api) = (
        current.users != wanted.users,
        current.cache_hit != wanted.cache_hit,
        current.write_share != wanted.write_share,
        current.third_party_median_ms != wanted.third_party_median_ms,
    );
    if users {
        sim.set_users(wanted.users);
    }
    if hit {
        sim.set_cache_hit(wanted.cache_hit);
    }
    if writes {
        sim.set_write_share(wanted.write_share);
    }
    if api {
        sim.set_third_party_median(wanted.third_party_median_ms);
    }
}

/// The whole app: the stage stepper, the load and design controls, the running system as a
/// diagram with its live numbers, what breaks, and what it costs.
#[component]
pub fn App() -> impl IntoView {
    // The page opens where its link says, and "Reset all" comes back there.
    let (opened, opened_notices) = page_link::opened();
    let view_options = opened.view;
    page_link::show_as(&view_options);
    let stage = RwSignal::new(opened.settings.stage);
    let users = RwSignal::new(opened.settings.users);
    let knobs = RwSignal::new(KnobValues::from(&opened.settings));
    let seed = RwSignal::new(opened.settings.seed);
    let playing = RwSignal::new(view_options.autoplay);
    let speed = RwSignal::new(opened.speed);

    // Bumped by "Reset all": a new system even when every setting is already the default.
    let generation = RwSignal::new(0_u32);
    let settings = Memo::new(move |_| Settings {
        stage: stage.get(),
        users: users.get(),
        knobs: knobs.with(|k| k.at(stage.get())),
        seed: seed.get(),
    });

    // The page as a link, for the address bar and for sharing.
    // (`None` once the app is gone: a write of the address may come after it.)
    let page = move || {
        Some(PageQuery {
            settings: settings.try_get_untracked()?,
            speed: speed.try_get_untracked()?,
            view: view_options,
        })
    };
    let address_pending = StoredValue::new(false);

    let first = new_sim(&settings.get_untracked(), speed.get_untracked());
    let layout = RwSignal::new(layout_of(&first));
    let scenario = RwSignal::new(first.scenario().clone());
    let sim = StoredValue::new_local(first);
    let snapshot = RwSignal::new(None::<Snapshot>);
    let motion = RwSignal::new(Motion::default());
    // Wall time of the last reading (negative infinity: take one at the next frame).
    let last_reading = StoredValue::new(f64::NEG_INFINITY);
    let failure = RwSignal::new(None::<&'static str>);
    let watch = StoredValue::new(FailureWatch::default());
    let switches = RwSignal::new(Switches::default());
    let selected = RwSignal::new(None::<usize>);
    let sim_time = RwSignal::new(0.0);
    let pace = RwSignal::new(1.0);
    let pace_smoothed = StoredValue::new(1.0);
    let step_requested = StoredValue::new(false);
    let cost = Memo::new(move |_| scenario.with(cost::monthly));

    // Settings change the running system in place when they can, or start a new one.
    Effect::new(move |previous: Option<(u64, u32, StageId)>| {
        let s = settings.get();
        let key = (s.seed, generation.get(), s.stage);
        sim.update_value(|running| {
            let fresh = previous.is_some_and(|p| (p.0, p.1) != (key.0, key.1))
                || needs_rebuild(running.scenario(), &s.scenario());
            if fresh {
                *running = new_sim(&s, speed.get_untracked());
                layout.set(layout_of(running));
                snapshot.set(None);
                switches.set(Switches::default());
                selected.set(None);
            } else {
                apply_live(running, &s);
            }
            // The numbers answer the change at the next frame.
            last_reading.set_value(f64::NEG_INFINITY);
            scenario.set(running.scenario().clone());
        });
        // A page that embeds this one hears when it is ready and when the stage changes.
        match previous {
            None => notify_parent(ParentEvent::Ready, s.stage, s.users),
            Some(p) if p.2 != s.stage => notify_parent(ParentEvent::StageChange, s.stage, s.users),
            Some(_) => {}
        }
        write_address_soon(address_pending, page);
        key
    });
    // A new speed stretches the dots' trail so they cross an edge in the same wall time.
    Effect::new(move |_| {
        let window = DOT_CROSSING_S * f64::from(speed.get());
        sim.update_value(|s| s.core.trail.set_window(window));
        write_address_soon(address_pending, page);
    });

    // Pausing or resuming shows where the simulation is at once.
    Effect::new(move |_| {
        playing.track();
        last_reading.set_value(f64::NEG_INFINITY);
    });

    let diagram_box = NodeRef::<Figure>::new();
    let in_view = use_in_view(diagram_box, true, "");
    // A reading for the panels and the parts' states: the snapshot, the failure rules, the
    // clock and the pace.
    let take_reading = move || {
        // (A reading scheduled after the frame may find the app gone.)
        sim.try_update_value(|s| {
            // Refill the last reading in place: no allocation once it has been taken.
            let Some((time, detected)) = snapshot.try_update(|snap| {
                let snap = match snap {
                    Some(snap) => {
                        s.snapshot_into(snap, MAX_IN_FLIGHT);
                        snap
                    }
                    None => snap.insert(s.snapshot(MAX_IN_FLIGHT)),
                };
                let detected = detect_live(s.scenario(), snap)
                    .or_else(|| over_budget(&Measured::from(&*snap)).then_some(UNEXPLAINED));
                (snap.time_s, detected)
            }) else {
                return; // the app is gone
            };
            let shown = watch
                .try_update_value(|w| w.observe(time, detected))
                .flatten();
            if failure.get_untracked() != shown {
                failure.set(shown);
                if let Some(code) = shown {
                    let (stage, users) = (stage.get_untracked(), users.get_untracked());
                    notify_parent(ParentEvent::Failure(code), stage, users);
                }
            }
            sim_time.set(time);
            pace.set(pace_smoothed.get_value());
        });
    };
    use_animation_frame(move |dt| {
        let step = step_requested.get_value();
        let running = playing.get_untracked() && in_view.get_untracked();
        let forced = last_reading.get_value() == f64::NEG_INFINITY;
        if !running && !step && !forced {
            return;
        }
        step_requested.set_value(false);
        let asked = match (running, step) {
            (true, _) => dt * f64::from(speed.get_untracked()),
            (false, true) => STEP_S,
            (false, false) => 0.0, // paused: only a fresh reading
        };
        let start = now_ms();
        // After a change, a step or a pause the numbers answer in this frame; otherwise the
        // periodic reading runs as its own task after the frame, so the animation frame only
        // advances the engine and moves the dots.
        let answer_now = step || forced;
        let reading_due = answer_now || start - last_reading.get_value() >= READING_MS;
        // A step is a learner's deliberate action: it always runs its whole 0.1 s, so the
        // same link and seed step through the same numbers.
        let budget = if step {
            f64::INFINITY
        } else if answer_now {
            READING_FRAME_BUDGET_MS
        } else if running && speed.get_untracked() > 1 {
            FAST_FORWARD_BUDGET_MS
        } else {
            FRAME_BUDGET_MS
        };
        sim.update_value(|s| {
            let (from, target) = (s.core.now, s.core.now + asked);
            while s.core.now < target {
                s.step_until((s.core.now + SLICE_S).min(target));
                if now_ms() - start > budget {
                    break;
                }
            }
            if running && dt > 0.0 {
                // Smoothed simulated seconds per wall second.
                let got = (s.core.now - from) / dt;
                pace_smoothed.update_value(|p| *p = 0.9 * *p + 0.1 * got);
            }
            motion.update(|m| s.motion_into(m));
        });
        if reading_due {
            last_reading.set_value(start);
            if answer_now {
                take_reading();
            } else {
                set_timeout(take_reading, std::time::Duration::ZERO);
            }
        }
    });

    let on_fault = Callback::new(move |kind: FaultKind| {
        let before = switches.get_untracked();
        sim.update_value(|s| {
            let fault = kind.fault(before, s.scenario());
            s.inject(fault);
        });
        last_reading.set_value(f64::NEG_INFINITY);
        switches.update(|sw| sw.toggle(kind));
    });
    let on_reset = Callback::new(move |()| {
        let o = &opened.settings;
        stage.set(o.stage);
        users.set(o.users);
        knobs.set(KnobValues::from(o));
        seed.set(o.seed);
        speed.set(opened.speed);
        playing.set(view_options.autoplay);
        generation.update(|g| *g += 1);
    });
    let help_open = RwSignal::new(false);
    use_shortcuts(stage, view_options.lock, playing, on_reset, help_open);
    let stage_signal: Signal<StageId> = stage.into();
    // A failure's scene describes its own stage's system: an earlier stage's failure met
    // again later (say app_saturated at stage 4) is explained, but its scene is not drawn
    // over parts it does not describe.
    let scene_failure = Signal::derive(move || {
        failure
            .get()
            .filter(|&code| stage_of_failure(code).is_some_and(|s| s.id == stage.get()))
    });
    let cost_signal: Signal<Cost> = cost.into();

    let full_page = move || {
        settings.track();
        speed.track();
        let mut p = page().unwrap_or_default();
        p.view.embed = false;
        link_to(&p)
    };

    // What a link hides (embedded, locked, some controls) the page's style hides: one view
    // for every page keeps the app small.
    view! {
        <Header/>
        <main class="layout">
            <LinkNotices notices=opened_notices/>
            <div class="toolbar">
                <ShareLinks page=page/>
                <KeyboardHelp open=help_open/>
            </div>
            <p class="locked-stage" data-testid="locked-stage">
                {move || {
                    let s = stage.get();
                    format!("Stage {}: {}", s.number(), s.stage().title)
                }}
            </p>
            <StageStepper stage=stage/>
            <div class="workbench">
                <div class="stage-view">
                    <figure class="panel diagram" node_ref=diagram_box>
                        // On a narrow screen the diagram keeps a readable size and scrolls
                        // sideways.
                        <div class="diagram-scroll">
                            <TrafficDiagram
                                layout=layout.into()
                                snapshot=snapshot.into()
                                motion=motion.into()
                                failure=scene_failure
                                selected=selected
                            />
                        </div>
                        <figcaption>
                            <DotLegend/>
                        </figcaption>
                    </figure>
                    <SystemSummary
                        layout=layout.into()
                        snapshot=snapshot.into()
                        failure=failure.into()
                    />
                    <PlaybackControls
                        playing=playing
                        speed=speed
                        on_step=Callback::new(move |()| step_requested.set_value(true))
                        on_reset=on_reset
                        seed=seed.into()
                        on_seed=Callback::new(move |s: u64| seed.set(s))
                        sim_time=sim_time.into()
                        pace=pace.into()
                    />
                    <WhatBreaks failure=failure.into() stage=stage/>
                </div>
                <div class="sidebar">
                    <section class="controls" aria-label="Load and design">
                        <UsersSlider users=users/>
                        <OfferedLoad users=users/>
                        <DesignControls
                            stage=stage_signal
                            shown=view_options.controls
                            scenario=scenario.into()
                            on_change=Callback::new(move |(knob, v): (Knob, f64)| {
                                knobs.update(|k| k.set(stage.get_untracked(), knob, v))
                            })
                        />
                    </section>
                    <FaultButtons stage=stage_signal switches=switches.into() on_press=on_fault/>
                    <LiveMetrics
                        snapshot=snapshot.into()
                        cost=cost_signal
                        observed=Signal::derive(move || layout.with(|l| l.observed))
                    />
                </div>
            </div>
            <NodeDetails layout=layout.into() snapshot=snapshot.into() selected=selected.into()/>
            <p class="open-full">
                <a href=full_page target="_blank" rel="noopener" data-testid="open-full">
                    "Open this in the full Headroom (new tab)"
                </a>
            </p>
            <TimelineChart snapshot=snapshot/>
            <div class="columns">
                <LatencyChart settings=settings/>
                <CostChart stage=stage users=users/>
            </div>
            <div class="columns">
                <StageStory stage=stage/>
                <CostBreakdown cost=cost_signal/>
            </div>
        </main>
    }
}
