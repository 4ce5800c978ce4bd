use headroom_engine::scenario::Scenario;
use headroom_engine::StageId;
use leptos::prelude::*;

use super::KnobSlider;
use crate::knobs::{Knob, KNOBS};
use crate::query::{Control, ControlSet};

/// The design knobs that do something at the current stage, and a line naming the ones later
/// stages add (a knob with nothing to change is hidden, not shown dead).
#[component]
pub fn DesignControls(
    /// The stage being shown.
    stage: Signal<StageId>,
    /// The controls the page shows (a course page may show only some).
    shown: Signal<ControlSet>,
    /// The running scenario, which holds every knob's value.
    scenario: Signal<Scenario>,
    /// Called when the learner moves a knob.
    on_change: Callback<(Knob, f64)>,
) -> impl IntoView {
    let later = move || {
        let stage = stage.get();
        let names: Vec<String> = KNOBS
            .iter()
            .filter(|&&k| {
                shown.get().shows(Control::Knob(k))
                    // (A part this stage's design lacks comes with a later stage; the
                    // machine size, which the later stages scale out instead, does not.)
                    && k.feature().is_some_and(|f| !stage.design().has(f))
            })
            .map(|k| {
                format!(
                    "{} (stage {})",
                    k.label().to_ascii_lowercase(),
                    k.first_stage().number()
                )
            })
            .collect();
        (!names.is_empty()).then(|| format!("Later stages add: {}.", names.join(", ")))
    };

    view! {
        <div class="knobs">
            {move || KNOBS
                .iter()
                .filter(|&&knob| shown.get().shows(Control::Knob(knob)))
                .map(|&knob| {
                    let value = Signal::derive(move || scenario.with(|sc| knob.value(sc)));
                    view! {
                        <Show when=move || knob.unavailable(stage.get()).is_none()>
                            <KnobSlider
                                knob=knob
                                value=value
                                on_change=Callback::new(move |v: f64| on_change.run((knob, v)))
                            />
                        </Show>
                    }
                })
                .collect_view()}
        </div>
        <p class="hint" data-testid="later-knobs">{later}</p>
    }
}
