//! The customize panel for teachers ([`CustomizePanel`](headroom::components::CustomizePanel)),
//! loaded only when a teacher opens "Customize for a course" ([`headroom::lazy_module`]), so it
//! costs the page's first load nothing. Trunk builds it with the workers' classic-script glue
//! (`data-type="worker"` in index.html), and the page starts it on its own thread. It mounts
//! into the page's [`CUSTOMIZE_ROOT`](headroom::components::CUSTOMIZE_ROOT).

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom::components::{CustomizePanel, CUSTOMIZE_ROOT};
    use leptos::prelude::*;

    console_error_panic_hook::set_once();
    headroom::lazy_module::mount_beside_the_page(
        CUSTOMIZE_ROOT,
        include_str!("../../styles/customize.css"),
        |current| {
            view! { <CustomizePanel current=current/> }
        },
    );
}

/// Natively there is nothing to mount (the panel's logic is tested in the library).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
