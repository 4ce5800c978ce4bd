//! Two designs side by side ([`CompareView`](headroom::components::CompareView)), loaded only
//! for a link with `compare=1` (`src/lazy_module.rs`), so it costs the page's first load
//! nothing. Trunk builds it with the workers' classic-script glue (`data-type="worker"` in
//! index.html), and the page starts it on its own thread.
//!
//! It mounts into the page's [`COMPARE_ROOT`](headroom::components::COMPARE_ROOT) and reads the
//! page's state from its address, again each time the page writes it.

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom::components::{CompareView, COMPARE_ROOT};
    use headroom::page_link::ADDRESS_CHANGED;
    use headroom::query;
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};

    console_error_panic_hook::set_once();
    let Some(root) = document().get_element_by_id(COMPARE_ROOT) else {
        return;
    };
    let read = || query::parse(&window().location().search().unwrap_or_default()).0;
    let current = RwSignal::new(read());
    let on_address = Closure::<dyn FnMut()>::new(move || current.set(read()));
    let _ = window()
        .add_event_listener_with_callback(ADDRESS_CHANGED, on_address.as_ref().unchecked_ref());
    // The comparison lives as long as the page.
    on_address.forget();
    root.set_inner_html("");
    let root: web_sys::HtmlElement = root.unchecked_into();
    leptos::mount::mount_to(
        root,
        move || view! { <CompareView current=current.into()/> },
    )
    .forget();
}

/// Natively there is nothing to mount (the comparison's logic is tested in the library).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
