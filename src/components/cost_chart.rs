use headroom_engine::StageId;
use leptos::html::Div;
use leptos::prelude::*;

use crate::chart_width::use_chart_width;
use crate::charts::cost::{self, CostCurves};

/// Monthly cost (USD, log scale) against users (log scale) for all seven stages at their
/// defaults, from the engine's cost model: the current stage thick and solid, the others thin
/// and dashed, each numbered on its line, and a dot with the current stage's cost at the
/// current users. Screen readers get every stage's cost at the current users.
#[component]
pub fn CostChart(
    /// The stage being shown.
    #[prop(into)]
    stage: Signal<StageId>,
    /// Daily active users.
    #[prop(into)]
    users: Signal<f64>,
) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let width = use_chart_width(container);
    let curves = StoredValue::new(CostCurves::new());
    let svg = move || {
        let (s, u, w) = (stage.get().number(), users.get(), width.get());
        curves.with_value(|c| cost::svg(c, s, u, w))
    };
    let label = move || cost::summary(stage.get().number(), users.get());

    view! {
        <figure class="panel chart" data-testid="cost-chart">
            <div class="chart-canvas" node_ref=container role="img" aria-label=label inner_html=svg></div>
            <figcaption>
                "What each stage costs a month as users grow. Every step adds machines and "
                "services, so a later stage costs more for few users and about the same for many."
            </figcaption>
        </figure>
    }
}
