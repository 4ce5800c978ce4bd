//! Messages to the page that embeds Headroom in an iframe, so a course page can react: one when
//! the app is ready, one when the stage changes, one when a failure fires, one when the page's
//! height changes, and the state it asked for. Each is a plain object
//! `{ source: "headroom", version: 1, type, ... }`; the README documents them.

use std::cell::Cell;

use headroom_engine::live::LiveReading;
use headroom_engine::StageId;
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
use leptos::web_sys;
use send_wrapper::SendWrapper;

use crate::live_hooks::{Hook, Live};
use crate::parent_commands::API_VERSION;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentEvent {
    /// The app is running.
    Ready,
    /// The learner moved to another stage.
    StageChange,
    /// A failure fired: its code, as in the engine's failure rules.
    Failure(&'static str),
}

impl ParentEvent {
    /// The message's `type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::StageChange => "stagechange",
            Self::Failure(_) => "failure",
        }
    }
}

/// Posts `event` to the parent page, if there is one, with the current stage and users.
pub fn notify_parent(event: ParentEvent, stage: StageId, users: f64) {
    let failure = match event {
        ParentEvent::Failure(code) => JsValue::from_str(code),
        _ => JsValue::NULL,
    };
    post(&message(
        event.name(),
        [
            ("stage", JsValue::from(stage.number())),
            ("users", JsValue::from(users)),
            ("failure", failure),
        ],
    ));
}

/// A message from Headroom: `{ source: "headroom", version, type: kind, ...fields }`.
pub fn message<const N: usize>(kind: &str, fields: [(&str, JsValue); N]) -> JsValue {
    let message = js_sys::Object::new();
    let head = [
        ("source", JsValue::from_str("headroom")),
        ("version", JsValue::from(API_VERSION)),
        ("type", JsValue::from_str(kind)),
    ];
    for (key, value) in head.into_iter().chain(fields) {
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str(key), &value);
    }
    message.into()
}

/// The page's state, in reply to `getState`: its query (as a string and as parameters) and the
/// latest reading's headline figures, each named with its unit.
pub fn state_message(query: &str, reading: Option<&LiveReading>) -> JsValue {
    let params = js_sys::Object::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let _ = js_sys::Reflect::set(&params, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    let reading = reading.map_or(JsValue::NULL, |r| {
        let figures = js_sys::Object::new();
        let m = &r.reading;
        for (key, value) in [
            ("time_s", JsValue::from(m.time_s)),
            ("users", JsValue::from(m.users)),
            ("offered_rps", JsValue::from(m.offered_rps)),
            ("throughput_rps", JsValue::from(m.throughput_rps)),
            ("p95_ms", JsValue::from(m.p95_ms)),
            ("error_rate", JsValue::from(m.error_rate)),
            ("cost_usd_per_month", JsValue::from(r.cost.monthly_usd)),
            (
                "failure",
                r.diagnosis
                    .as_ref()
                    .map_or(JsValue::NULL, |d| JsValue::from_str(d.failure.code())),
            ),
        ] {
            let _ = js_sys::Reflect::set(&figures, &JsValue::from_str(key), &value);
        }
        figures.into()
    });
    message(
        "state",
        [
            ("query", JsValue::from_str(query)),
            ("params", params.into()),
            ("reading", reading),
        ],
    )
}

/// Posts `message` to the parent page, if there is one.
fn post(message: &JsValue) {
    let Some(parent) = embedding_page() else {
        return;
    };
    // The events say nothing private, and the embedding page's origin is not known here.
    let _ = parent.post_message(message, "*");
}

/// The page this one is embedded in, if it is.
pub(crate) fn embedding_page() -> Option<web_sys::Window> {
    let parent = window().parent().ok().flatten()?;
    (parent != window()).then_some(parent)
}

/// While the current owner lives, tells the embedding page the height of this page's content
/// whenever it changes (`{ type: "resize", height }`, CSS pixels), so it can fit its iframe.
pub fn use_resize_events() {
    if embedding_page().is_none() {
        return;
    }
    let Some(root) = document().document_element() else {
        return;
    };
    let last = Cell::new(-1_i32);
    let measured = root.clone();
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let height = measured.scroll_height();
        if height != last.replace(height) {
            post(&message("resize", [("height", JsValue::from(height))]));
        }
    });
    let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
        return;
    };
    // The root's box, and the body's, whose content is what grows.
    observer.observe(&root);
    if let Some(body) = document().body() {
        observer.observe(&body);
    }
    let held = SendWrapper::new((observer, on_resize, Live::new(Hook::Observer)));
    on_cleanup(move || held.0.disconnect());
}
