use leptos::prelude::*;

use crate::diagram_export::{save, Picture};
use crate::diagram_layout::DiagramLayout;

/// "Save the diagram as SVG" and "as PNG": the diagram as the page shows it now, as a file for
/// slides or a worksheet.
#[component]
pub fn DiagramDownloads(
    /// The diagram's layout, for its size.
    layout: Signal<DiagramLayout>,
) -> impl IntoView {
    let failed = RwSignal::new(false);
    let save_as = move |picture: Picture| {
        let (_, _, w, h) = layout.with(DiagramLayout::view_box);
        failed.set(false);
        if save(picture, w, h, move || failed.set(true)).is_err() {
            failed.set(true);
        }
    };
    view! {
        <div class="diagram-downloads">
            <button
                type="button"
                class="action"
                data-testid="save-svg"
                on:click=move |_| save_as(Picture::Svg)
            >
                "Save diagram as SVG"
            </button>
            <button
                type="button"
                class="action"
                data-testid="save-png"
                on:click=move |_| save_as(Picture::Png)
            >
                "Save as PNG"
            </button>
            <span role="status">
                {move || failed.get().then_some("The browser could not make the file.")}
            </span>
        </div>
    }
}
