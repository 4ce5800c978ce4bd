//! The page's side of the engine: it sends [`Command`]s and keeps the latest [`Event`]s in
//! signals the components read. The engine runs in a web worker (`src/bin/engine_worker.rs`),
//! so the page's own wasm carries no simulation and a heavy system never holds up a frame.
//!
//! With the `engine-in-page` feature (the component tests, which run without the built worker)
//! the same [`Runner`](headroom_engine::runner::Runner) runs in this thread instead, on the
//! animation frame.

use std::cell::RefCell;
use std::rc::Rc;

use headroom_engine::live::LiveReading;
use headroom_engine::protocol::{Command, Event, Frame, System};
use headroom_engine::reading::Motion;
use headroom_engine::scenario::Scenario;
use leptos::prelude::*;

use crate::diagram_layout::{DiagramLayout, Orientation};

/// What the page knows of the running system, as signals.
#[derive(Clone, Copy)]
pub struct EngineLink {
    /// The system drawn (`None` until the engine has built it).
    pub system: RwSignal<Option<System>>,
    /// The latest reading of it.
    pub reading: RwSignal<Option<LiveReading>>,
    /// Simulated seconds per wall second lately, and the speed asked for.
    pub pace: RwSignal<(f64, u32)>,
    /// The latest hops, for the animation.
    pub motion: RwSignal<Motion>,
    /// Wall time (ms) when `motion` arrived: the dots move on from there until the next.
    pub motion_at: RwSignal<f64>,
    /// What the engine could not do, and why.
    pub refused: RwSignal<Option<String>>,
    /// The engine could not start in this browser.
    pub failed: RwSignal<bool>,
    sender: StoredValue<Rc<dyn Fn(Command)>, LocalStorage>,
}

/// The wall clock, ms.
pub fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

impl EngineLink {
    /// Starts the engine on `scenario` with `seed`, playing or not at `speed`.
    pub fn start(scenario: &Scenario, seed: u64, playing: bool, speed: u32) -> Self {
        let link = Self {
            system: RwSignal::new(None),
            reading: RwSignal::new(None),
            pace: RwSignal::new((1.0, 1)),
            motion: RwSignal::new(Motion::default()),
            motion_at: RwSignal::new(0.0),
            refused: RwSignal::new(None),
            failed: RwSignal::new(false),
            sender: StoredValue::new_local(Rc::new(|_| {})),
        };
        let sender = backend::start(link, scenario, seed, playing, speed);
        link.sender.set_value(sender);
        link
    }

    /// The drawn system laid out `way` (empty until the engine has built it).
    pub fn layout(self, way: Signal<Orientation>) -> Memo<DiagramLayout> {
        Memo::new(move |_| {
            let way = way.get();
            self.system.with(|s| {
                s.as_ref()
                    .map(|s| DiagramLayout::oriented(s, way))
                    .unwrap_or_default()
            })
        })
    }

    /// Sends `command` to the engine.
    pub fn send(&self, command: Command) {
        if let Some(send) = self.sender.try_get_value() {
            send(command);
        }
    }

    /// Takes an event from the engine: a reading or motion of an older system than the one
    /// drawn is dropped.
    fn receive(&self, event: Event) {
        let current = self
            .system
            .try_with_untracked(|s| s.as_ref().map(|s| s.generation))
            .flatten();
        match event {
            Event::System(system) => {
                self.system.set(Some(system));
            }
            Event::Frame(frame) => {
                if current == Some(frame.generation) {
                    let Frame {
                        reading,
                        pace,
                        speed,
                        ..
                    } = *frame;
                    self.pace.set((pace, speed));
                    self.reading.set(Some(reading));
                }
            }
            Event::Refused(why) => self.refused.set(Some(why)),
            Event::Motion { generation, motion } => {
                if current == Some(generation) {
                    self.motion.set(motion);
                    self.motion_at.set(now_ms());
                }
            }
        }
    }
}

/// Applies what arrives to `link`, after the current update (an event may come while a
/// signal is being written).
fn deliver(link: EngineLink, events: Vec<Event>) {
    for e in events {
        link.receive(e);
    }
}

#[cfg(not(feature = "engine-in-page"))]
mod backend {
    //! The engine in a web worker.

    use super::*;
    use headroom_engine::protocol::{decode, encode};
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{js_sys, MessageEvent, Worker};
    use send_wrapper::SendWrapper;

    use crate::started_worker::StartedWorker;

    /// The worker's loader (trunk names it after the worker's binary, `data-loader-shim`).
    const WORKER_URL: &str = "./engine_worker_loader.js";

    /// Starts the worker and returns how to send it commands. Commands sent before it says it
    /// is ready wait, in order.
    pub fn start(
        link: EngineLink,
        scenario: &Scenario,
        seed: u64,
        playing: bool,
        speed: u32,
    ) -> Rc<dyn Fn(Command)> {
        let queue = Rc::new(RefCell::new(Some(vec![
            Command::Reset {
                scenario: scenario.clone(),
                seed,
            },
            Command::Play { playing, speed },
        ])));
        let url = format!("{WORKER_URL}{}", crate::chart_painter::build_query());
        let Ok(worker) = Worker::new(&url) else {
            link.failed.set(true);
            return Rc::new(|_| {});
        };
        let post = |worker: &Worker, command: &Command| {
            let bytes = js_sys::Uint8Array::from(encode(command).as_slice());
            let transfer = js_sys::Array::of1(&bytes.buffer());
            let _ = worker.post_message_with_transfer(&bytes, &transfer);
        };
        let on_message = {
            let queue = Rc::clone(&queue);
            let worker = worker.clone();
            move |e: MessageEvent| {
                let data = e.data();
                if data.as_string().as_deref() == Some("ready") {
                    for command in queue.borrow_mut().take().unwrap_or_default() {
                        post(&worker, &command);
                    }
                    return;
                }
                let Ok(bytes) = data.dyn_into::<js_sys::Uint8Array>() else {
                    return;
                };
                match decode::<Event>(&bytes.to_vec()) {
                    Ok(event) => deliver(link, vec![event]),
                    Err(e) => leptos::logging::warn!("headroom: the engine sent {e}"),
                }
            }
        };
        let on_error = move |_| {
            let _ = link.failed.try_set(true);
        };
        // The worker goes with the page that started it.
        let started = SendWrapper::new(StartedWorker::listen(worker.clone(), on_message, on_error));
        on_cleanup(move || drop(started));
        Rc::new(move |command: Command| {
            let mut queue = queue.borrow_mut();
            match queue.as_mut() {
                Some(waiting) => waiting.push(command),
                None => post(&worker, &command),
            }
        })
    }
}

#[cfg(feature = "engine-in-page")]
mod backend {
    //! The engine in this thread, for the component tests.

    use super::*;
    use headroom_engine::runner::Runner;

    /// Milliseconds of engine work allowed per frame.
    const BUDGET_MS: f64 = 4.0;

    /// Starts the runner and returns how to send it commands.
    pub fn start(
        link: EngineLink,
        scenario: &Scenario,
        seed: u64,
        playing: bool,
        speed: u32,
    ) -> Rc<dyn Fn(Command)> {
        let (runner, events) = Runner::new(scenario, seed, playing, speed);
        deliver(link, events);
        let runner = Rc::new(RefCell::new(runner));
        {
            let runner = Rc::clone(&runner);
            crate::animation::use_animation_frame(move |dt| {
                let start = now_ms();
                let events =
                    runner
                        .borrow_mut()
                        .tick(dt * 1e3, &mut || now_ms() - start, BUDGET_MS);
                deliver(link, events);
            });
        }
        Rc::new(move |command: Command| {
            let events = runner.borrow_mut().command(command);
            deliver(link, events);
        })
    }
}
