use headroom_engine::vertical::PRICES_AS_OF;
use leptos::html::{Div, Figure};
use leptos::prelude::*;

use crate::chart_painter::use_chart_picture;
use crate::chart_width::use_chart_width;
use crate::charts::drawing::Drawing;
use crate::components::ChartCanvas;
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
    let figure = NodeRef::<Figure>::new();
    let container = NodeRef::<Div>::new();
    let width = use_chart_width(container);
    let picture = use_chart_picture(
        figure,
        "Users served per dollar of machines, for each machine size.",
        move || Drawing::Machines {
            settings: settings.get(),
            width: width.get(),
        },
    );

    view! {
        <figure class="panel chart machines" data-testid="machine-chart" node_ref=figure>
            <ChartCanvas container=container picture=picture/>
            <figcaption>
                "Why not just buy a bigger server? Each bar puts one machine in the app server's \
                 place and asks queueing theory how many users the stage then serves, per dollar \
                 its machines cost a month. Bigger machines cost far more for each user they \
                 add, until something a bigger machine cannot fix stops them; the last bar \
                 spreads the load over several machines instead. "
                {format!("Prices: on-demand, as the source texts quote them ({PRICES_AS_OF}).")}
            </figcaption>
        </figure>
    }
}
