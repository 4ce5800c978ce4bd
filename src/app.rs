use headroom_engine::protocol::Command;
use headroom_engine::{vertical, StageId};
use leptos::html::Figure;
use leptos::prelude::*;

use crate::animation::use_motion_clock;
use crate::components::{
    CostBreakdown, CostChart, CustomizeLauncher, DesignControls, DiagramDownloads, DotLegend,
    FaultButtons, Header, KeyboardHelp, LatencyChart, LessonSwitch, LinkNotices, LiveMetrics,
    MachineChart, NodeDetails, OfferedLoad, PlaybackControls, ShareLinks, StageLead, StageStepper,
    SystemSummary, TimelineChart, TrafficDiagram, UsersSlider, WhatBreaks, COMPARE_ROOT,
    LESSON_ROOT, STEP_S,
};
use crate::diagram_layout::DiagramLayout;
use crate::faults::FaultKind;
use crate::knobs::{stage_change_note, Knob, KnobValues, Settings};
use crate::link::EngineLink;
use crate::orientation::use_orientation;
use crate::page_link::{self, link_to, use_address_writer};
use crate::parent_commands::{reply, set, use_parent_commands, ParentCommand};
use crate::parent_events::{notify_parent, state_message, use_resize_events, ParentEvent};
use crate::query::{self, PageQuery};
use crate::shortcuts::use_shortcuts;
use crate::visibility::{use_in_view, use_page_visible};

/// The whole app: the stage stepper, the load and design controls, the running system as a
/// diagram with its live numbers, what breaks, and what it costs. The page holds the settings
/// and sends them to the engine; everything it shows comes back in the engine's reading.
#[component]
pub fn App() -> impl IntoView {
    // The page opens where its link says, and "Reset all" comes back there.
    let (opened, opened_notices) = page_link::opened();
    let view_options = RwSignal::new(opened.view);
    page_link::show_as(&opened.view);
    Effect::new(move |_| page_link::show_as(&view_options.get()));
    let stage = RwSignal::new(opened.settings.stage);
    let users = RwSignal::new(opened.settings.users);
    let knobs = RwSignal::new(KnobValues::from(&opened.settings));
    let seed = RwSignal::new(opened.settings.seed);
    let playing = RwSignal::new(opened.view.autoplay);
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
    // (`None` once the app is gone.)
    let page = move || {
        Some(PageQuery {
            settings: settings.try_get_untracked()?,
            speed: speed.try_get_untracked()?,
            view: view_options.try_get_untracked()?,
        })
    };
    let write_address_soon = use_address_writer(page);

    let first = settings.get_untracked();
    let link = EngineLink::start(
        &first.scenario(),
        first.seed,
        playing.get_untracked(),
        speed.get_untracked(),
    );
    // A replay link runs the system it recorded to the moment it was copied, and pauses there.
    if let Some(history) = query::replay(&window().location().search().unwrap_or_default()) {
        link.send(Command::Replay {
            scenario: first.scenario(),
            seed: first.seed,
            history,
        });
    }
    let reading: Signal<Option<headroom_engine::live::LiveReading>> = link.reading.into();
    // The diagram runs across, or down on a phone held upright.
    let orientation = use_orientation();
    let layout = Memo::new(move |_| {
        let way = orientation.get();
        link.system.with(|s| {
            s.as_ref()
                .map(|s| DiagramLayout::oriented(s, way))
                .unwrap_or_default()
        })
    });
    let scenario = Memo::new(move |_| settings.with(Settings::scenario));
    let selected = RwSignal::new(None::<usize>);
    // What else a stage change brought besides what the stage adds, in one line.
    let stage_note = RwSignal::new(None::<String>);
    // The engine says so when it cannot read a replay link.
    Effect::new(move |_| {
        if let Some(why) = link.refused.get() {
            stage_note.set(Some(why));
        }
    });

    // Settings go to the engine: a change in place or a new system, Reset all a fresh one.
    // What was last sent is kept, so a change made before this first runs still goes out.
    let sent = StoredValue::new((first.clone(), 0_u32));
    Effect::new(move |previous: Option<StageId>| {
        let s = settings.get();
        let reset = generation.get();
        let (last, last_reset) = sent.get_value();
        if reset != last_reset {
            link.send(Command::Reset {
                scenario: s.scenario(),
                seed: s.seed,
            });
        } else if last != s {
            link.send(Command::Apply {
                scenario: s.scenario(),
                seed: s.seed,
            });
        }
        sent.set_value((s.clone(), reset));
        match previous {
            None => notify_parent(ParentEvent::Ready, s.stage, s.users),
            Some(before) if before != s.stage => {
                notify_parent(ParentEvent::StageChange, s.stage, s.users);
                selected.set(None);
                stage_note
                    .set(knobs.with_untracked(|k| stage_change_note(before, s.stage, k.all())));
            }
            Some(_) => {}
        }
        write_address_soon();
        s.stage
    });
    // Two designs side by side, and the lesson: each module loads the first time it is asked for.
    type Asks = fn(&query::ViewOptions) -> bool;
    let wanted: [(&'static str, Asks); 2] = [("compare", |v| v.compare), ("lessons", |v| v.lesson)];
    for (name, asks) in wanted {
        Effect::new(move |loaded: Option<bool>| {
            let wanted = view_options.with(asks);
            let loaded = loaded.unwrap_or(false);
            if wanted && !loaded {
                let _ = crate::lazy_module::load(name, || {});
            }
            loaded || wanted
        });
    }
    // A course page may change how the page is shown: the address follows.
    Effect::new(move |_| {
        view_options.track();
        write_address_soon();
    });
    // Play, pause and the speed go to the engine; a new speed also updates the address.
    Effect::new(move |_| {
        link.send(Command::Play {
            playing: playing.get(),
            speed: speed.get(),
        });
        write_address_soon();
    });

    // The simulation runs while someone can see it: the tab visible, the diagram on screen.
    let diagram_box = NodeRef::<Figure>::new();
    let in_view = use_in_view(diagram_box, true, "");
    let page_visible = use_page_visible();
    Effect::new(move |_| link.send(Command::Visible(in_view.get() && page_visible.get())));

    // A course page hears when a failure is diagnosed.
    Effect::new(move |shown: Option<Option<&'static str>>| {
        let code = reading.with(|r| {
            r.as_ref()
                .and_then(|r| r.diagnosis.as_ref().map(|d| d.failure.code()))
        });
        if let (Some(code), true) = (code, shown.flatten() != code) {
            notify_parent(
                ParentEvent::Failure(code),
                stage.get_untracked(),
                users.get_untracked(),
            );
        }
        code
    });

    let faults = Signal::derive(move || {
        reading.with(|r| r.as_ref().map(|r| r.reading.faults).unwrap_or_default())
    });
    let on_fault = Callback::new(move |kind: FaultKind| {
        let on = !kind.is_switch() || !kind.is_on(faults.get_untracked());
        link.send(Command::Fault {
            fault: kind.fault(),
            on,
        });
    });
    // Shows what a link asks for (the one the page opened, or one a course page set).
    let show_page = move |p: &PageQuery| {
        let s = &p.settings;
        stage.set(s.stage);
        users.set(s.users);
        knobs.set(KnobValues::from(s));
        seed.set(s.seed);
        speed.set(p.speed);
        view_options.set(p.view);
    };
    let current_query = move || page().map(|p| query::write(&p)).unwrap_or_default();
    let on_reset = Callback::new(move |()| {
        show_page(&opened);
        playing.set(opened.view.autoplay);
        stage_note.set(None);
        generation.update(|g| *g += 1);
    });
    let help_open = RwSignal::new(false);
    let locked = Signal::derive(move || view_options.with(|v| v.lock));
    use_shortcuts(stage, locked, playing, on_reset, help_open);

    // A course page that embeds this one may set any URL parameter, reset it, and ask for its
    // state; it hears when the page's height changes.
    use_parent_commands(move |command, event| match command {
        ParentCommand::Set(params) => {
            let (asked, warnings) = set(&current_query(), &params);
            for warning in warnings {
                leptos::web_sys::console::warn_1(&format!("Headroom: {warning}").into());
            }
            if asked.view.autoplay != view_options.with_untracked(|v| v.autoplay) {
                playing.set(asked.view.autoplay);
            }
            show_page(&asked);
        }
        ParentCommand::Reset => on_reset.run(()),
        ParentCommand::GetState => {
            let query = current_query();
            reading.with_untracked(|r| reply(event, &state_message(&query, r.as_ref())));
        }
    });
    use_resize_events();
    let stage_signal: Signal<StageId> = stage.into();
    let sim_time =
        Signal::derive(move || reading.with(|r| r.as_ref().map_or(0.0, |r| r.reading.time_s)));
    let pace = Signal::derive(move || link.pace.get().0);
    let cost = Signal::derive(move || reading.with(|r| r.as_ref().map(|r| r.cost.clone())));
    // Between motion updates the dots move on, by the wall time since the last one times the
    // speed, every frame while the simulation runs.
    let motion_since_s = use_motion_clock(
        link,
        move || playing.get_untracked() && in_view.get_untracked() && page_visible.get_untracked(),
        speed.into(),
    );

    let full_page = move || {
        settings.track();
        speed.track();
        view_options.track();
        let mut p = page().unwrap_or_default();
        p.view.embed = false;
        link_to(&p)
    };

    // What a link hides (embedded, locked, some controls) the page's style hides: one view
    // for every page keeps the app small.
    view! {
        <Header>
            <ShareLinks
                page=page
                replay=Signal::derive(move || reading.with(|r| r.as_ref().and_then(|r| r.replay.clone())))
            />
            <KeyboardHelp open=help_open/>
        </Header>
        <main class="layout">
            <LinkNotices notices=opened_notices/>
            <StageStepper stage=stage/>
            <LessonSwitch view_options=view_options/>
            <p class="stage-note" data-testid="stage-note" aria-live="polite">
                {move || stage_note.get()}
            </p>
            <Show when=move || link.failed.get()>
                <p class="note" role="alert" data-testid="engine-failed">
                    "The simulation could not start in this browser: it needs web workers."
                </p>
            </Show>
            <div id=COMPARE_ROOT class="compare-root" data-testid="compare">
                <p class="hint">"Loading the comparison…"</p>
            </div>
            <div id=LESSON_ROOT class="lesson-root">
                <p class="hint">"Loading the lesson…"</p>
            </div>
            <div class="workbench">
                <StageLead stage=stage/>
                // Which system the views below draw: a new one comes a moment after a stage
                // change, once the engine has built it.
                <div
                    class="stage-view"
                    data-testid="stage-view"
                    data-generation=move || {
                        link.system.with(|s| s.as_ref().map_or(0, |s| s.generation))
                    }
                >
                    <figure class="panel diagram" node_ref=diagram_box>
                        <TrafficDiagram
                            layout=layout.into()
                            reading=reading
                            motion=link.motion.into()
                            motion_since_s=motion_since_s
                            selected=selected
                        />
                    </figure>
                    <WhatBreaks reading=reading layout=layout.into() stage=stage/>
                    <SystemSummary layout=layout.into() reading=reading/>
                    <PlaybackControls
                        playing=playing
                        speed=speed
                        on_step=Callback::new(move |()| {
                            link.send(Command::Step { seconds: STEP_S })
                        })
                        on_reset=on_reset
                        seed=seed.into()
                        on_seed=Callback::new(move |s: u64| seed.set(s))
                        sim_time=sim_time
                        pace=pace
                    />
                    <DotLegend/>
                    <DiagramDownloads/>
                </div>
                <div class="sidebar">
                    <section class="controls" aria-label="Load and design">
                        <UsersSlider users=users/>
                        <OfferedLoad reading=reading scenario=scenario.into()/>
                        <DesignControls
                            stage=stage_signal
                            shown=Signal::derive(move || view_options.with(|v| v.controls))
                            scenario=scenario.into()
                            on_change=Callback::new(move |(knob, v): (Knob, f64)| {
                                knobs.update(|k| k.set(knob, v))
                            })
                        />
                    </section>
                    <FaultButtons stage=stage_signal faults=faults on_press=on_fault/>
                    <LiveMetrics
                        reading=reading
                        observed=Signal::derive(move || layout.with(|l| l.observed))
                    />
                </div>
            </div>
            <NodeDetails layout=layout.into() reading=reading selected=selected.into()/>
            <p class="open-full">
                <a href=full_page target="_blank" rel="noopener" data-testid="open-full">
                    "Open this in the full Headroom (new tab)"
                </a>
            </p>
            <TimelineChart reading=reading settings=Signal::derive(current_query)/>
            <Show when=move || vertical::scales_up(stage.get())>
                <MachineChart settings=settings/>
            </Show>
            <div class="columns">
                <LatencyChart settings=settings/>
                <CostChart stage=stage users=users/>
            </div>
            <CostBreakdown cost=cost/>
            <CustomizeLauncher/>
        </main>
    }
}
