//! The lessons' trial worker: runs the whole systems a lesson asks about
//! ([`headroom_engine::lessons::Trial`]), one at a time, off the page's main thread and apart
//! from the engine that animates the lesson's diagram, so the diagram keeps moving while a
//! run is made. Trunk builds it as a web worker (`data-type="worker"` in index.html); the
//! lesson starts it (`src/trials.rs`).
//!
//! Once it listens, the worker posts "ready". Each message is then a trial's bytes
//! ([`headroom_engine::protocol::encode`]); each answer is its
//! [`TrialOutcome`](headroom_engine::lessons::TrialOutcome)'s bytes.

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom_engine::lessons::Trial;
    use headroom_engine::protocol::{decode, encode};
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{js_sys, DedicatedWorkerGlobalScope, MessageEvent};

    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(bytes) = e.data().dyn_into::<js_sys::Uint8Array>() else {
            return;
        };
        let Ok(trial) = decode::<Trial>(&bytes.to_vec()) else {
            return;
        };
        let answer = js_sys::Uint8Array::from(encode(&trial.run()).as_slice());
        // The page is gone if this fails: nothing to tell.
        let _ = reply.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages that came before the handler were dropped: the page waits for this.
    let _ = scope.post_message(&"ready".into());
}

/// Natively there is nothing to serve (the lessons' tests run the trials directly).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
