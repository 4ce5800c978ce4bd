use headroom_engine::scenario::Scenario;
use leptos::html::Div;
use leptos::prelude::*;

use crate::chart_width::use_chart_width;
use crate::charts::latency;

/// p95 latency against users (log scale, 10 to 10 million) for the scenario's stage and the
/// next, predicted by the engine's analytic companion, with a ring where each is predicted to
/// fail and a line at the current users. The next stage runs the same workload on its own
/// default system ([`latency::next_stage`]). Screen readers get the failure points and the
/// current p95 as the figure's label.
#[component]
pub fn LatencyChart(
    /// The system and load shown: its stage, users and parameters.
    #[prop(into)]
    scenario: Signal<Scenario>,
) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let width = use_chart_width(container);
    // The curves depend on everything but the users, so moving the slider only moves the
    // marker.
    let shape = Memo::new(move |_| {
        scenario.with(|s| Scenario {
            users: 0.0,
            ..s.clone()
        })
    });
    let curves = Memo::new(move |_| latency::curves(&shape.get()));
    let svg = move || curves.with(|c| latency::svg(c, scenario.with(|s| s.users), width.get()));
    let label = move || curves.with(|c| scenario.with(|s| latency::summary(s, c)));

    view! {
        <figure class="panel chart" data-testid="latency-chart">
            <div class="chart-canvas" node_ref=container role="img" aria-label=label inner_html=svg></div>
            <figcaption>
                "How slow the slowest 5% of requests get as users grow, for this stage and the next, "
                "from queueing theory rather than the running simulation. A ring marks where each "
                "stage fails: p95 above 500 ms, or a part of the system past its capacity."
            </figcaption>
        </figure>
    }
}
