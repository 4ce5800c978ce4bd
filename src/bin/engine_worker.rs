//! The engine's worker: runs the simulation off the page's main thread. Trunk builds it as a
//! web worker (`data-type="worker"` in index.html); the page starts it at once
//! (`src/link.rs`).
//!
//! Once it listens, the worker posts "ready". Each message from the page is a command's bytes
//! ([`headroom_engine::protocol`]); each message back is an event's bytes, its buffer handed
//! over rather than copied. Between messages it advances the simulation by the wall time that
//! passed, times the speed, in slices of at most [`BUDGET_MS`] of work, so a command never
//! waits long.
//!
//! A slice that used its whole budget is behind: the next one is queued at once, as a message
//! to itself on a `MessageChannel`, behind any command already waiting (a timer that keeps
//! setting itself again is stretched to at least 4 ms, a quarter of the worker's time spent
//! idle). A slice that finished within its budget waits [`PAUSE_MS`] on a timer instead of
//! spinning.

/// Milliseconds of simulation work per slice.
const BUDGET_MS: f64 = 12.0;
/// Milliseconds a slice that caught up waits before the next.
const PAUSE_MS: i32 = 4;

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::cell::{OnceCell, RefCell};
    use std::rc::Rc;

    use headroom_engine::protocol::{decode, encode, Command, Event};
    use headroom_engine::runner::Runner;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{js_sys, DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let clock = scope.performance();
    let now = move || clock.as_ref().map_or(0.0, |p| p.now());
    let runner: Rc<RefCell<Option<Runner>>> = Rc::new(RefCell::new(None));
    let send = {
        let scope = scope.clone();
        move |events: Vec<Event>| {
            for e in events {
                let bytes = js_sys::Uint8Array::from(encode(&e).as_slice());
                let transfer = js_sys::Array::of1(&bytes.buffer());
                // The page is gone if this fails: nothing to tell.
                let _ = scope.post_message_with_transfer(&bytes, &transfer);
            }
        }
    };

    let on_message = {
        let runner = Rc::clone(&runner);
        let send = send.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Ok(bytes) = e.data().dyn_into::<js_sys::Uint8Array>() else {
                return;
            };
            let Ok(command) = decode::<Command>(&bytes.to_vec()) else {
                return;
            };
            let mut runner = runner.borrow_mut();
            let events = match (runner.as_mut(), command) {
                (Some(r), command) => r.command(command),
                // The first command builds the system; until then there is nothing to run.
                (None, Command::Reset { scenario, seed } | Command::Apply { scenario, seed }) => {
                    let (r, events) = Runner::new(&scenario, seed, false, 1);
                    *runner = Some(r);
                    events
                }
                (None, _) => Vec::new(),
            };
            drop(runner);
            send(events);
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    // The loop: advance by the wall time since the last slice, send what is due, then go again
    // at once when behind, or after a pause when caught up.
    let Ok(channel) = MessageChannel::new() else {
        return;
    };
    let (inbox, outbox) = (channel.port1(), channel.port2());
    let first = outbox.clone();
    let mut last = now();
    // The slice's own function, for its timer: set once the closure exists.
    let itself: Rc<OnceCell<js_sys::Function>> = Rc::default();
    let slice = Closure::<dyn FnMut()>::new({
        let itself = Rc::clone(&itself);
        let scope = scope.clone();
        move || {
            let start = now();
            let dt = start - std::mem::replace(&mut last, start);
            let events = runner
                .borrow_mut()
                .as_mut()
                .map(|r| r.tick(dt, &mut || now() - start, BUDGET_MS))
                .unwrap_or_default();
            send(events);
            // Failing either, the worker is being closed: nothing to do.
            if now() - start >= BUDGET_MS {
                let _ = outbox.post_message(&JsValue::UNDEFINED);
            } else if let Some(f) = itself.get() {
                let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(f, PAUSE_MS);
            }
        }
    });
    let _ = itself.set(slice.as_ref().unchecked_ref::<js_sys::Function>().clone());
    inbox.set_onmessage(Some(slice.as_ref().unchecked_ref()));
    slice.forget();
    let _ = first.post_message(&JsValue::UNDEFINED);
    // Messages that came before the handler were dropped: the page waits for this.
    let _ = scope.post_message(&"ready".into());
}

/// Natively there is nothing to serve (the runner's tests drive it directly).
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let _ = (BUDGET_MS, PAUSE_MS);
}
