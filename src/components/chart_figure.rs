use leptos::html::{Div, Figure};
use leptos::prelude::*;

use crate::chart_painter::use_chart_picture;
use crate::chart_width::use_chart_width;
use crate::charts::drawing::Drawing;
use crate::components::ChartCanvas;

/// A chart the chart worker draws, as a figure with its caption: measured for its width, drawn
/// once it nears the view and again whenever what `drawing` reads changes.
#[component]
pub fn ChartFigure(
    /// Its test id.
    testid: &'static str,
    /// Its classes besides `panel chart`.
    #[prop(default = "")]
    class: &'static str,
    /// What screen readers hear until the worker's own words arrive.
    placeholder: &'static str,
    /// The chart to draw at a width (pixels).
    drawing: Callback<u32, Drawing>,
    /// The caption.
    children: Children,
) -> impl IntoView {
    let figure = NodeRef::<Figure>::new();
    let container = NodeRef::<Div>::new();
    let width = use_chart_width(container);
    let picture = use_chart_picture(figure, placeholder, move || drawing.run(width.get()));
    view! {
        <figure class=format!("panel chart {class}") data-testid=testid node_ref=figure>
            <ChartCanvas container=container picture=picture/>
            <figcaption>{children()}</figcaption>
        </figure>
    }
}
