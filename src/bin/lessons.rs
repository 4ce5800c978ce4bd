//! The stage's lesson ([`LessonView`](headroom::components::LessonView)), loaded only when
//! a link has `lesson=1` or the lesson switch is turned on ([`headroom::lazy_module`]), so it
//! costs the page's first load nothing. Trunk builds it with the workers' classic-script glue (`data-type="worker"` in
//! index.html), and the page starts it on its own thread. It mounts into the page's
//! [`LESSON_ROOT`](headroom::components::LESSON_ROOT).

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom::components::{LessonView, LESSON_ROOT};
    use leptos::prelude::*;

    console_error_panic_hook::set_once();
    headroom::lazy_module::mount_beside_the_page(
        LESSON_ROOT,
        include_str!("../../styles/lesson.css"),
        |current| {
            view! { <LessonView current=current/> }
        },
    );
}

/// Natively there is nothing to mount (the lesson's logic is tested in the library).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
