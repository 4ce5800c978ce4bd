//! The lesson's side of its trial worker (`src/bin/trial_worker.rs`): [`use_trials`] starts
//! it, sends it [`Trial`]s (holding them until it says it is ready) and keeps the latest
//! outcome in a signal. The worker ends with the view that started it.
//!
//! A worker can go silent without the page hearing an error: one whose files failed to load
//! never says "ready", and one that stalls never answers. While a trial waits, a worker silent
//! for [`SILENCE_MS`] is ended and a new one is asked the same trial (the same system and seed
//! give the same outcome). Each restart waits twice as long as the one before, so a slow
//! machine's long runs are not cut short for ever; after [`RESTARTS`] the lesson says it
//! cannot run.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use headroom_engine::lessons::{Trial, TrialOutcome};
use headroom_engine::protocol::{decode, encode};
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use leptos::web_sys::{js_sys, MessageEvent, Worker};
use send_wrapper::SendWrapper;

use crate::chart_painter::build_query;
use crate::live_hooks::{Hook, Live};
use crate::started_worker::StartedWorker;

/// The worker's loader (trunk names it after the worker's binary, `data-loader-shim`).
const WORKER_URL: &str = "./trial_worker_loader.js";

/// How long a worker may stay silent while a trial waits, at first, ms: a stage 7 run takes
/// a second or two on a laptop.
pub const SILENCE_MS: u64 = 30_000;

/// How many times a silent worker is started again before the lesson gives up.
pub const RESTARTS: u32 = 3;

/// How a view runs trials.
#[derive(Clone, Copy)]
pub struct Trials {
    /// The latest outcome.
    pub outcome: RwSignal<Option<TrialOutcome>>,
    /// The worker could not start, or went silent every time it was started.
    pub failed: RwSignal<bool>,
    /// How many times the worker went silent and was started again.
    pub restarts: RwSignal<u32>,
    state: StoredValue<Rc<RefCell<State>>, LocalStorage>,
}

impl Trials {
    /// Asks for `trial`; its outcome comes in [`Trials::outcome`].
    pub fn run(&self, trial: &Trial) {
        if let Some(state) = self.state.try_get_value() {
            State::ask(&state, trial.tag, encode(trial));
        }
    }
}

/// One worker and what it was asked.
struct State {
    outcome: RwSignal<Option<TrialOutcome>>,
    failed: RwSignal<bool>,
    restarts: RwSignal<u32>,
    /// The running worker, with its handlers (`None` once given up, or the view is gone).
    worker: Option<StartedWorker>,
    /// Whether that worker said it is ready.
    ready: bool,
    /// The trial waiting for its outcome: its tag and bytes.
    waiting: Option<(u32, Vec<u8>)>,
    /// The watch on the worker's silence, while a trial waits: its timer's id.
    watch: Option<(i32, Live)>,
    /// What the watch calls when it fires (made once, for every watch).
    on_silence: Option<Closure<dyn FnMut()>>,
}

impl State {
    /// Starts a worker in `state`, in place of any before it.
    fn start(state: &Rc<RefCell<Self>>) {
        let worker = Worker::new(&format!("{WORKER_URL}{}", build_query()));
        let mut s = state.borrow_mut();
        s.ready = false;
        s.worker = None;
        let Ok(worker) = worker else {
            s.unwatch();
            s.failed.set(true);
            return;
        };
        let weak = Rc::downgrade(state);
        let on_message = move |e: MessageEvent| {
            if let Some(state) = weak.upgrade() {
                Self::heard(&state, e.data());
            }
        };
        let weak = Rc::downgrade(state);
        // An error in the worker (a panic) means it will say nothing more: the watch fires at
        // once, after this handler (whose worker it ends), and once however many errors come.
        let on_error = move |_| {
            if let Some(state) = weak.upgrade() {
                Self::watch(&state, 0);
            }
        };
        s.worker = Some(StartedWorker::listen(worker, on_message, on_error));
    }

    /// What the worker said: "ready", or an outcome.
    fn heard(state: &Rc<RefCell<Self>>, data: leptos::wasm_bindgen::JsValue) {
        let mut s = state.borrow_mut();
        if data.as_string().as_deref() == Some("ready") {
            s.ready = true;
            if let Some((_, bytes)) = &s.waiting {
                s.post(bytes);
            }
            return;
        }
        let Ok(bytes) = data.dyn_into::<js_sys::Uint8Array>() else {
            return;
        };
        let answer = match decode::<TrialOutcome>(&bytes.to_vec()) {
            Ok(answer) => answer,
            Err(e) => {
                leptos::logging::warn!("Headroom: a trial's outcome is {e}");
                return;
            }
        };
        if s.waiting
            .as_ref()
            .is_some_and(|(tag, _)| *tag == answer.tag)
        {
            s.waiting = None;
            s.unwatch();
        }
        let (outcome, waiting) = (s.outcome, s.waiting.is_some());
        drop(s);
        // Still waiting after an answer to an earlier trial: the worker is busy, not silent.
        if waiting {
            Self::watch_silence(state);
        }
        outcome.set(Some(answer));
    }

    /// Sends the trial tagged `tag` (after any waiting before it, which the worker answers
    /// first), and watches for the worker's silence.
    fn ask(state: &Rc<RefCell<Self>>, tag: u32, bytes: Vec<u8>) {
        let mut s = state.borrow_mut();
        if s.worker.is_none() {
            return;
        }
        if s.ready {
            s.post(&bytes);
        }
        s.waiting = Some((tag, bytes));
        drop(s);
        Self::watch_silence(state);
    }

    /// (Re)starts the watch for as long as this restart allows the worker to be silent.
    fn watch_silence(state: &Rc<RefCell<Self>>) {
        let restarts = state.borrow().restarts.get_untracked();
        Self::watch(state, SILENCE_MS << restarts.min(8));
    }

    /// (Re)starts the watch: the worker is started again in `ms` unless it answers first.
    fn watch(state: &Rc<RefCell<Self>>, ms: u64) {
        let mut s = state.borrow_mut();
        s.unwatch();
        let Some(on_silence) = &s.on_silence else {
            return;
        };
        let id = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            on_silence.as_ref().unchecked_ref(),
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
        s.watch = id.ok().map(|id| (id, Live::new(Hook::Timeout)));
    }

    fn unwatch(&mut self) {
        if let Some((id, _live)) = self.watch.take() {
            window().clear_timeout_with_handle(id);
        }
    }

    /// The watch fired: ends the silent worker and asks a new one the trial that waits, or
    /// gives up.
    fn restart(state: &Rc<RefCell<Self>>) {
        let (restarts, failed) = {
            let mut s = state.borrow_mut();
            s.watch = None;
            (s.restarts, s.failed)
        };
        if restarts.get_untracked() >= RESTARTS {
            state.borrow_mut().worker = None;
            failed.set(true);
            return;
        }
        leptos::logging::warn!(
            "Headroom: the lesson's runs stopped answering; starting them again"
        );
        restarts.update(|n| *n += 1);
        Self::start(state);
        let s = state.borrow();
        if s.worker.is_some() && s.waiting.is_some() {
            drop(s);
            Self::watch_silence(state);
        }
    }

    fn post(&self, bytes: &[u8]) {
        if let Some(started) = &self.worker {
            let _ = started
                .worker()
                .post_message(&js_sys::Uint8Array::from(bytes));
        }
    }
}

/// Starts the trial worker for the current view.
pub fn use_trials() -> Trials {
    let (outcome, failed, restarts) = (RwSignal::new(None), RwSignal::new(false), RwSignal::new(0));
    let state = Rc::new(RefCell::new(State {
        outcome,
        failed,
        restarts,
        worker: None,
        ready: false,
        waiting: None,
        watch: None,
        on_silence: None,
    }));
    let weak: Weak<RefCell<State>> = Rc::downgrade(&state);
    state.borrow_mut().on_silence = Some(Closure::new(move || {
        if let Some(state) = weak.upgrade() {
            State::restart(&state);
        }
    }));
    State::start(&state);
    let held = SendWrapper::new(Rc::clone(&state));
    on_cleanup(move || {
        let mut s = held.borrow_mut();
        s.unwatch();
        s.worker = None;
        s.on_silence = None;
    });
    Trials {
        outcome,
        failed,
        restarts,
        state: StoredValue::new_local(state),
    }
}
