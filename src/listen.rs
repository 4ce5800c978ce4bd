//! One way to listen to a browser event for as long as the current owner lives: the listener
//! is removed when the owner goes. Not generic, so every hook that uses it shares its code.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{Event, EventTarget};
use send_wrapper::SendWrapper;

use crate::live_hooks::{Hook, Live};

/// Calls `on_event` at each `event` on `target` until the current owner is cleaned up.
pub fn listen(target: EventTarget, event: &'static str, on_event: Box<dyn FnMut(Event)>) {
    let callback = Closure::<dyn FnMut(Event)>::new(on_event);
    let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    let live = Live::new(Hook::Listener);
    let held = SendWrapper::new(RefCell::new(Some((target, callback, live))));
    on_cleanup(move || {
        if let Some((target, callback, _live)) = held.borrow_mut().take() {
            let _ = target
                .remove_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        }
    });
}
