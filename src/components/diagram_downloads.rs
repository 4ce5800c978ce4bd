use leptos::prelude::*;

use crate::diagram_export::{ask, Picture, EXPORT_STATUS};

/// "Save the diagram as SVG" and "as PNG": the diagram as the page shows it now, as a file for
/// slides or a worksheet. The files are made by a module loaded on the first click.
#[component]
pub fn DiagramDownloads() -> impl IntoView {
    view! {
        <div class="diagram-downloads">
            <button
                type="button"
                class="action"
                data-testid="save-svg"
                on:click=move |_| ask(Picture::Svg)
            >
                "Save diagram as SVG"
            </button>
            <button
                type="button"
                class="action"
                data-testid="save-png"
                on:click=move |_| ask(Picture::Png)
            >
                "Save as PNG"
            </button>
            <span role="status" id=EXPORT_STATUS></span>
        </div>
    }
}
