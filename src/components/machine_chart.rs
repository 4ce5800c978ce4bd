use headroom_engine::vertical::PRICES_AS_OF;
use leptos::prelude::*;

use crate::charts::drawing::Drawing;
use crate::components::ChartFigure;
use crate::knobs::Settings;

/// Vertical scaling's diminishing returns: for each machine of the price ladder in the app
/// server's place, the users the stage serves per dollar of machines a month, the machine in
/// use filled and labelled, beside the next stage at its defaults. From the engine's ladder
/// (the analytic companion); the chart worker draws it. Only the stages with one app server
/// show it.
#[component]
pub fn MachineChart(
    /// The system shown: its stage, users and knobs (the machine among them).
    #[prop(into)]
    settings: Signal<Settings>,
) -> impl IntoView {
    view! {
        <ChartFigure
            testid="machine-chart"
            class="machines"
            placeholder="Users served per dollar of machines, for each machine size."
            drawing=Callback::new(move |width: u32| Drawing::Machines {
                settings: settings.get(),
                width,
            })
        >
            "Why not just buy a bigger server? Each bar puts one machine in the app server's \
             place and asks queueing theory how many users the stage then serves, per dollar \
             its machines cost a month. Bigger machines cost far more for each user they \
             add, until something a bigger machine cannot fix stops them; the last bar \
             spreads the load over several machines instead. "
            {format!("Prices: on-demand, as the source texts quote them ({PRICES_AS_OF}).")}
        </ChartFigure>
    }
}
