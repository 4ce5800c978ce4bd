//! The lesson's side of its trial worker (`src/bin/trial_worker.rs`): [`use_trials`] starts
//! it, sends it [`Trial`]s (holding them until it says it is ready) and keeps the latest
//! outcome in a signal. The worker ends with the view that started it.

use std::cell::RefCell;
use std::rc::Rc;

use headroom_engine::lessons::{Trial, TrialOutcome};
use headroom_engine::protocol::{decode, encode};
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{js_sys, MessageEvent, Worker};
use send_wrapper::SendWrapper;

use crate::chart_painter::build_query;
use crate::live_hooks::{Hook, Live};

/// The worker's loader (trunk names it after the worker's binary, `data-loader-shim`).
const WORKER_URL: &str = "./trial_worker_loader.js";

/// What sends a trial to the worker.
type Sender = Rc<dyn Fn(&Trial)>;

/// How a view runs trials.
#[derive(Clone, Copy)]
pub struct Trials {
    /// The latest outcome.
    pub outcome: RwSignal<Option<TrialOutcome>>,
    /// The worker could not start, or failed.
    pub failed: RwSignal<bool>,
    send: StoredValue<Sender, LocalStorage>,
}

impl Trials {
    /// Asks for `trial`; its outcome comes in [`Trials::outcome`].
    pub fn run(&self, trial: &Trial) {
        if let Some(send) = self.send.try_get_value() {
            send(trial);
        }
    }
}

/// Starts the trial worker for the current view.
pub fn use_trials() -> Trials {
    let outcome = RwSignal::new(None);
    let failed = RwSignal::new(false);
    let nothing: Sender = Rc::new(|_| {});
    let Ok(worker) = Worker::new(&format!("{WORKER_URL}{}", build_query())) else {
        failed.set(true);
        return Trials {
            outcome,
            failed,
            send: StoredValue::new_local(nothing),
        };
    };
    // What waits for "ready"; `None` once the worker listens.
    let waiting = Rc::new(RefCell::new(Some(Vec::<Vec<u8>>::new())));
    let post = |worker: &Worker, bytes: &[u8]| {
        let _ = worker.post_message(&js_sys::Uint8Array::from(bytes));
    };
    let on_message = {
        let (worker, waiting) = (worker.clone(), Rc::clone(&waiting));
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if data.as_string().as_deref() == Some("ready") {
                for bytes in waiting.borrow_mut().take().unwrap_or_default() {
                    post(&worker, &bytes);
                }
            } else if let Ok(bytes) = data.dyn_into::<js_sys::Uint8Array>() {
                match decode::<TrialOutcome>(&bytes.to_vec()) {
                    Ok(answer) => outcome.set(Some(answer)),
                    Err(e) => leptos::logging::warn!("Headroom: a trial's outcome is {e}"),
                }
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut()>::new(move || failed.set(true));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let send: Sender = {
        let worker = worker.clone();
        Rc::new(move |trial: &Trial| {
            let bytes = encode(trial);
            match waiting.borrow_mut().as_mut() {
                Some(queue) => queue.push(bytes),
                None => post(&worker, &bytes),
            }
        })
    };
    let held = SendWrapper::new((worker, on_message, on_error, Live::new(Hook::Worker)));
    on_cleanup(move || held.0.terminate());
    Trials {
        outcome,
        failed,
        send: StoredValue::new_local(send),
    }
}
