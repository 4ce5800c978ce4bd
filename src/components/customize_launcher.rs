use leptos::prelude::*;

use crate::lazy_module;

/// The id of the element the customize panel mounts into.
pub const CUSTOMIZE_ROOT: &str = "customize-root";
/// The id of the element the comparison mounts into.
pub const COMPARE_ROOT: &str = "compare-root";

/// "Customize for a course", closed until a teacher opens it; opening it the first time
/// loads the panel (`src/bin/customize.rs`), which costs the page's first load nothing.
#[component]
pub fn CustomizeLauncher() -> impl IntoView {
    let requested = StoredValue::new(false);
    let failed = RwSignal::new(false);
    // A load that fails is tried again the next time the panel is opened.
    let give_up = move || {
        requested.set_value(false);
        failed.set(true);
    };
    let on_toggle = move |_| {
        if !requested.get_value() {
            requested.set_value(true);
            failed.set(false);
            if lazy_module::load("customize", give_up).is_err() {
                give_up();
            }
        }
    };
    view! {
        <details class="panel customize" data-testid="customize" on:toggle=on_toggle>
            <summary>
                <h2>"Customize for a course"</h2>
            </summary>
            <div id=CUSTOMIZE_ROOT>
                <p class="hint" role="status">
                    {move || {
                        if failed.get() {
                            "The panel could not be loaded: check the connection and open it again."
                        } else {
                            "Loading the panel…"
                        }
                    }}
                </p>
            </div>
        </details>
    }
}
