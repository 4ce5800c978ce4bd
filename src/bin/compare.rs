//! Two designs side by side ([`CompareView`](headroom::components::CompareView)), loaded only
//! for a link with `compare=1` ([`headroom::lazy_module`]), so it costs the page's first load
//! nothing. Trunk builds it with the workers' classic-script glue (`data-type="worker"` in
//! index.html), and the page starts it on its own thread. It mounts into the page's
//! [`COMPARE_ROOT`](headroom::components::COMPARE_ROOT).

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom::components::{CompareView, COMPARE_ROOT};
    use leptos::prelude::*;

    console_error_panic_hook::set_once();
    headroom::lazy_module::mount_beside_the_page(
        COMPARE_ROOT,
        include_str!("../../styles/compare.css"),
        |current| {
            view! { <CompareView current=current/> }
        },
    );
}

/// Natively there is nothing to mount (the comparison's logic is tested in the library).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
