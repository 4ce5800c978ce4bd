use leptos::prelude::*;

use crate::charts::drawing::Drawing;
use crate::components::ChartFigure;
use crate::format;
use crate::knobs::Settings;
use headroom_engine::calibration::P95_TARGET_MS;

/// p95 latency against users (log scale, 10 to 10 million) for the settings' stage and the
/// next, predicted by the engine's analytic companion, with a ring where each is predicted to
/// fail and a line at the current users. The next stage runs the same workload on its own
/// default system. Screen readers get the failure points and the current p95 as the figure's
/// label. The chart worker works the curves out and draws them.
#[component]
pub fn LatencyChart(
    /// The system and load shown: its stage, users and knobs.
    #[prop(into)]
    settings: Signal<Settings>,
) -> impl IntoView {
    view! {
        <ChartFigure
            testid="latency-chart"
            placeholder="p95 latency against daily active users, for this stage and the next."
            drawing=Callback::new(move |width: u32| Drawing::Latency {
                settings: settings.get(),
                width,
            })
        >
            {format!(
                "How slow the slowest 5% of requests get as users grow, for this stage and the \
                 next, from queueing theory rather than the running simulation. A ring marks \
                 where each stage fails: p95 above {} ms, or a part of the system past its \
                 capacity.",
                format::grouped(P95_TARGET_MS),
            )}
        </ChartFigure>
    }
}
