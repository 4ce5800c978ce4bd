//! Messages to the page that embeds Headroom in an iframe, so a course page can react: one when
//! the app is ready, one when the stage changes and one when a failure fires. Each is a plain
//! object `{ source: "headroom", type, stage, users, failure }`; the README documents them.

use headroom_engine::StageId;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsValue;

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
    let Ok(Some(parent)) = window().parent() else {
        return;
    };
    if parent == window() {
        return; // not embedded
    }
    let message = js_sys::Object::new();
    let failure = match event {
        ParentEvent::Failure(code) => JsValue::from_str(code),
        _ => JsValue::NULL,
    };
    for (key, value) in [
        ("source", JsValue::from_str("headroom")),
        ("type", JsValue::from_str(event.name())),
        ("stage", JsValue::from(stage.number())),
        ("users", JsValue::from(users)),
        ("failure", failure),
    ] {
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str(key), &value);
    }
    // The events say nothing private, and the embedding page's origin is not known here.
    let _ = parent.post_message(&message, "*");
}
