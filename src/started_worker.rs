//! A web worker the page started, held with the handlers it calls: the engine's
//! ([`crate::link`]), the charts' ([`crate::chart_painter`]) and the lessons' trials
//! ([`crate::trials`]). It counts as a live worker ([`crate::live_hooks`]) while held, and
//! dropping it ends the worker, its handlers detached first so nothing it sent after reaches
//! them.

use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
use leptos::web_sys::{MessageEvent, Worker};

use crate::live_hooks::{Hook, Live};

/// A started worker and its handlers.
pub(crate) struct StartedWorker {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
    _live: Live,
}

impl StartedWorker {
    /// Gives `worker` its handlers: `on_message` for each message, `on_error` for an error in it.
    pub(crate) fn listen(
        worker: Worker,
        on_message: impl FnMut(MessageEvent) + 'static,
        on_error: impl FnMut(JsValue) + 'static,
    ) -> Self {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(on_error);
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Self {
            worker,
            _on_message: on_message,
            _on_error: on_error,
            _live: Live::new(Hook::Worker),
        }
    }

    /// The worker, to post to.
    pub(crate) fn worker(&self) -> &Worker {
        &self.worker
    }
}

impl Drop for StartedWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
