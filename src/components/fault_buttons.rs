use headroom_engine::sim::ActiveFaults;
use headroom_engine::StageId;
use leptos::prelude::*;

use crate::faults::{FaultKind, FAULTS};
use crate::query::Control;

/// Buttons that break something on purpose: crash, deploy, a slow API, a traffic spike, replica
/// lag. The last three are switches that show whether they are on: the engine says which are.
#[component]
pub fn FaultButtons(
    /// The stage being shown.
    stage: Signal<StageId>,
    /// Which switches are on, from the engine's reading.
    faults: Signal<ActiveFaults>,
    /// Called when a button is pressed.
    on_press: Callback<FaultKind>,
) -> impl IntoView {
    view! {
        <section class="panel faults" aria-labelledby="faults-title">
            <h2 id="faults-title">{Control::Faults.label()}</h2>
            <ul class="fault-list">
                {FAULTS
                    .iter()
                    .map(|&kind| {
                        let on = move || kind.is_on(faults.get());
                        let unavailable = move || kind.unavailable(stage.get());
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="action"
                                    class:on=on
                                    data-testid=format!("fault-{}", kind.key())
                                    aria-pressed=move || kind.is_switch().then(|| on().to_string())
                                    disabled=move || unavailable().is_some()
                                    title=kind.hint()
                                    on:click=move |_| on_press.run(kind)
                                >
                                    {kind.label()}
                                    <span class="switch-state" aria-hidden="true">
                                        {move || {
                                            if kind.is_switch() {
                                                if on() { " · on" } else { " · off" }
                                            } else {
                                                ""
                                            }
                                        }}
                                    </span>
                                </button>
                                <span class="hint">
                                    {move || unavailable().unwrap_or_else(|| kind.hint())}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
