//! Whether an element is on screen, from an `IntersectionObserver`: the animation pauses while
//! the diagram is scrolled out of view, and a chart is drawn only once it comes near the view.

use leptos::html::Figure;
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{
    js_sys, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
};

/// A signal that is true while any part of `target` is in the viewport, or within `margin` of
/// it (a CSS length such as "50%", "" for none). It holds `initially` until the observer first
/// reports, and is true wherever observers are missing.
pub fn use_in_view(
    target: NodeRef<Figure>,
    initially: bool,
    margin: &'static str,
) -> ReadSignal<bool> {
    let (visible, set_visible) = signal(initially);
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = target.get() else {
            return false;
        };
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(entry) = entries
                .iter()
                .last()
                .and_then(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
            {
                set_visible.set(entry.is_intersecting());
            }
        });
        let options = IntersectionObserverInit::new();
        options.set_root_margin(margin);
        match IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options) {
            Ok(observer) => {
                observer.observe(&el);
                // The observer and its callback live as long as the page: the diagram and the
                // charts are never removed, and setting a disposed signal is a no-op.
                callback.forget();
                std::mem::forget(observer);
            }
            Err(_) => set_visible.set(true),
        }
        true
    });
    visible
}
