use headroom_engine::StageId;
use leptos::prelude::*;

use crate::charts::drawing::Drawing;
use crate::components::ChartFigure;

/// Monthly cost (USD, log scale) against users (log scale) for all seven stages at their
/// defaults, from the engine's cost model: the current stage thick and solid, the others thin
/// and dashed, each numbered on its line, and a dot with the current stage's cost at the
/// current users. Screen readers get every stage's cost at the current users. The chart worker
/// draws it.
#[component]
pub fn CostChart(
    /// The stage being shown.
    #[prop(into)]
    stage: Signal<StageId>,
    /// Daily active users.
    #[prop(into)]
    users: Signal<f64>,
) -> impl IntoView {
    view! {
        <ChartFigure
            testid="cost-chart"
            placeholder="Monthly cost against daily active users for the seven stages."
            drawing=Callback::new(move |width: u32| Drawing::Cost {
                stage: stage.get().number(),
                users: users.get(),
                width,
            })
        >
            "What each stage costs a month as users grow. Every step adds machines and "
            "services, so a later stage costs more for few users and about the same for many. "
            "A line ends with a cross where queueing theory says its stage stops serving."
        </ChartFigure>
    }
}
