//! Whether something is seen: an element on screen (from an `IntersectionObserver`), and the
//! page itself (a hidden tab). The simulation pauses while the diagram is scrolled away or the
//! tab is hidden; a chart is drawn only once it comes near the view. Each hook disconnects
//! what it set up when its owner goes.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html::Figure;
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{
    js_sys, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
};
use send_wrapper::SendWrapper;

use crate::listen::listen;
use crate::live_hooks::{Hook, Live};

/// A signal that is true while any part of `target` is in the viewport, or within `margin` of
/// it (a CSS length such as "50%", "" for none). It holds `initially` until the observer first
/// reports, and is true wherever observers are missing.
pub fn use_in_view(
    target: NodeRef<Figure>,
    initially: bool,
    margin: &'static str,
) -> ReadSignal<bool> {
    let (visible, set_visible) = signal(initially);
    type Observing = (
        IntersectionObserver,
        Closure<dyn FnMut(js_sys::Array)>,
        Live,
    );
    let observing: Rc<RefCell<Option<Observing>>> = Rc::new(RefCell::new(None));
    {
        let observing = Rc::clone(&observing);
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = target.get() else {
                return false;
            };
            let callback =
                Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    if let Some(entry) = entries
                        .iter()
                        .last()
                        .and_then(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
                    {
                        let _ = set_visible.try_set(entry.is_intersecting());
                    }
                });
            let options = IntersectionObserverInit::new();
            options.set_root_margin(margin);
            match IntersectionObserver::new_with_options(
                callback.as_ref().unchecked_ref(),
                &options,
            ) {
                Ok(observer) => {
                    observer.observe(&el);
                    *observing.borrow_mut() = Some((observer, callback, Live::new(Hook::Observer)));
                }
                Err(_) => set_visible.set(true),
            }
            true
        });
    }
    let observing = SendWrapper::new(observing);
    on_cleanup(move || {
        if let Some((observer, _callback, _live)) = observing.borrow_mut().take() {
            observer.disconnect();
        }
    });
    visible
}

/// A signal that is true while the page's tab is visible.
pub fn use_page_visible() -> ReadSignal<bool> {
    let (visible, set_visible) = signal(!document().hidden());
    let on_change = move |_| {
        let _ = set_visible.try_set(!document().hidden());
    };
    listen(document().into(), "visibilitychange", Box::new(on_change));
    visible
}
