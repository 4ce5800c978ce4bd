use headroom_engine::StageId;
use leptos::prelude::*;

use crate::components::{
    CostBreakdown, Header, OfferedLoad, StageStepper, StageStory, UsersSlider,
};

/// Users the app opens with.
const INITIAL_USERS: f64 = 1_000.0;

/// The whole app: a header, the stage stepper, the users slider with the load it offers, the
/// current stage's story and what it costs.
#[component]
pub fn App() -> impl IntoView {
    let stage = RwSignal::new(StageId::OneVm);
    let users = RwSignal::new(INITIAL_USERS);

    view! {
        <Header/>
        <main class="layout">
            <StageStepper stage=stage/>
            <section class="controls" aria-label="Load">
                <UsersSlider users=users/>
                <OfferedLoad users=users/>
            </section>
            <div class="columns">
                <StageStory stage=stage/>
                <CostBreakdown stage=stage users=users/>
            </div>
        </main>
    }
}
