use headroom_engine::StageId;
use leptos::prelude::*;

use crate::components::{Header, OfferedLoad, StageStepper, UsersSlider};

/// Users the app opens with.
const INITIAL_USERS: f64 = 1_000.0;

/// The whole app: a header, the stage stepper, and the users slider with the load it offers.
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
        </main>
    }
}
