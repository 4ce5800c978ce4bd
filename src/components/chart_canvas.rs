use leptos::html::Div;
use leptos::prelude::*;

use crate::charts::drawing::Picture;

/// A chart's drawing: the SVG the chart worker drew, named for screen readers by the
/// description the worker wrote with it. `container` is measured for the chart's width.
#[component]
pub fn ChartCanvas(container: NodeRef<Div>, picture: ReadSignal<Picture>) -> impl IntoView {
    view! {
        <div
            class="chart-canvas"
            node_ref=container
            role="img"
            aria-label=move || picture.with(|p| p.description.clone())
            inner_html=move || picture.with(|p| p.svg.clone())
        ></div>
    }
}
