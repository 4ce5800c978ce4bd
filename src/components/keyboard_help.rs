use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::HtmlElement;

use crate::shortcuts::SHORTCUTS;

/// A "Keyboard shortcuts" button and the dialog it opens: a native modal `<dialog>` listing
/// the page's shortcuts, with a heading and a close button. Escape closes it too, and the
/// focus goes back to where it was.
#[component]
pub fn KeyboardHelp(
    /// The dialog is open (the `?` shortcut sets it too).
    open: RwSignal<bool>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    // What had the focus when the dialog opened, to give it back.
    let opener = StoredValue::new_local(None::<HtmlElement>);
    Effect::new(move |_| {
        let wanted = open.get();
        let Some(d) = dialog.get() else { return };
        if wanted && !d.open() {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok()),
            );
            let _ = d.show_modal();
        } else if !wanted && d.open() {
            d.close();
        }
    });
    // However it closed (the button, Escape), the signal and the focus follow.
    let on_close = move |_| {
        open.set(false);
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    };

    view! {
        <div class="keyboard-help">
            <button
                type="button"
                class="action"
                aria-haspopup="dialog"
                data-testid="keyboard-help-open"
                on:click=move |_| open.set(true)
            >
                "Keyboard shortcuts"
            </button>
            <dialog
                node_ref=dialog
                class="panel keyboard-help-dialog"
                aria-labelledby="keyboard-help-title"
                data-testid="keyboard-help"
                on:close=on_close
            >
                <h2 id="keyboard-help-title">"Keyboard shortcuts"</h2>
                <table class="shortcut-table">
                    <thead>
                        <tr>
                            <th scope="col">"Key"</th>
                            <th scope="col">"What it does"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {SHORTCUTS
                            .iter()
                            .map(|&(key, what)| {
                                view! {
                                    <tr data-key=key>
                                        <td>
                                            <kbd>{key}</kbd>
                                        </td>
                                        <td>{what}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <p class="hint">
                    "The shortcuts rest while you type in a field or move a slider, and on a "
                    "stage button the arrow keys move between the stages. Tab moves between the "
                    "controls; a part of the diagram shows its details when it has the focus."
                </p>
                <button
                    type="button"
                    class="action"
                    data-testid="keyboard-help-close"
                    on:click=move |_| open.set(false)
                >
                    "Close"
                </button>
            </dialog>
        </div>
    }
}
