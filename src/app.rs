use headroom_engine::scenario::Scenario;
use headroom_engine::sim::{Fault, Sim};
use headroom_engine::snapshot::Snapshot;
use headroom_engine::StageId;
use leptos::prelude::*;

use crate::animation::use_animation_frame;
use crate::components::{
    CostBreakdown, DeployButton, Header, OfferedLoad, StageStepper, StageStory, TrafficDiagram,
    UsersSlider,
};
use crate::diagram_layout::DiagramLayout;

/// The simulation's seed.
const SEED: u64 = 1;
/// Requests on the wire drawn at most.
const MAX_DOTS: usize = 80;

fn layout_of(sim: &Sim) -> DiagramLayout {
    DiagramLayout::new(
        sim.nodes(),
        sim.edges(),
        sim.resource_nodes(),
        sim.scenario().observability,
    )
}

/// Users the app opens with.
const INITIAL_USERS: f64 = 1_000.0;

/// The whole app: a header, the stage stepper, the users slider with the load it offers, the
/// running system as a diagram, the current stage's story and what it costs.
#[component]
pub fn App() -> impl IntoView {
    let stage = RwSignal::new(StageId::OneVm);
    let users = RwSignal::new(INITIAL_USERS);
    let first = Sim::new(&Scenario::for_stage(1, INITIAL_USERS), SEED);
    let layout = RwSignal::new(layout_of(&first));
    let sim = StoredValue::new_local(first);
    let snapshot = RwSignal::new(None::<Snapshot>);

    // A new stage is a new system; more or fewer users change the running one.
    Effect::new(move |previous: Option<StageId>| {
        let current = stage.get();
        if previous.is_some_and(|p| p != current) {
            let fresh = Sim::new(
                &Scenario::for_stage(current.number(), users.get_untracked()),
                SEED,
            );
            layout.set(layout_of(&fresh));
            sim.set_value(fresh);
            snapshot.set(None);
        }
        current
    });
    Effect::new(move |_| {
        let u = users.get();
        sim.update_value(|s| s.set_users(u));
    });
    use_animation_frame(move |dt| {
        sim.update_value(|s| {
            let until = s.core.now + dt;
            s.step_until(until);
            // Refill last frame's snapshot in place: no allocation per frame.
            snapshot.update(|snap| match snap {
                Some(snap) => s.snapshot_into(snap, MAX_DOTS),
                None => *snap = Some(s.snapshot(MAX_DOTS)),
            });
        });
    });

    view! {
        <Header/>
        <main class="layout">
            <StageStepper stage=stage/>
            <section class="controls" aria-label="Load">
                <UsersSlider users=users/>
                <OfferedLoad users=users/>
            </section>
            <TrafficDiagram layout=layout.into() snapshot=snapshot.into()/>
            <DeployButton on_deploy=Callback::new(move |()| {
                sim.update_value(|s| s.inject(Fault::RollingDeploy))
            })/>
            <div class="columns">
                <StageStory stage=stage/>
                <CostBreakdown stage=stage users=users/>
            </div>
        </main>
    }
}
