//! Messages from the page that embeds Headroom in an iframe (API version [`API_VERSION`]): a
//! course page can set any URL parameter, reset the page, and ask for its state. Each is a
//! plain object `{ target: "headroom", version: 1, type, params }`; the README documents them.
//! A message for someone else is ignored; one for Headroom that cannot be used is ignored with
//! a console warning that says why, never an error.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys::{self, Event, MessageEvent};

use crate::listen::listen;
use crate::parent_events::embedding_page;
use crate::query;

/// The version of the messages Headroom reads and posts.
pub const API_VERSION: u32 = 1;

/// What the embedding page asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentCommand {
    /// Set these URL parameters (name, value), as if the page had been opened with them on
    /// top of its current address.
    Set(Vec<(String, String)>),
    /// What "Reset all" does: back to the link the page was opened with.
    Reset,
    /// Reply with the page's state and its current reading.
    GetState,
}

/// A message's fields, as read from the browser.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// `target`: "headroom" for a message to Headroom.
    pub target: Option<String>,
    /// `version`, a number, as JavaScript writes it.
    pub version: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `params`: its (name, value) pairs, or what is wrong with it; `None` when absent.
    pub params: Option<Result<Vec<(String, String)>, String>>,
}

/// What `message` asks for: `Ok(None)` when it is not for Headroom, `Err` with the reason when
/// it is but cannot be used.
pub fn read(message: &Message) -> Result<Option<ParentCommand>, String> {
    if message.target.as_deref() != Some("headroom") {
        return Ok(None);
    }
    if message.version != Some(API_VERSION.to_string()) {
        return Err(format!(
            "a message needs version: {API_VERSION} (this one has {}); ignored.",
            message.version.as_deref().unwrap_or("none")
        ));
    }
    let command = match message.kind.as_deref() {
        Some("set") => match &message.params {
            Some(Ok(params)) if !params.is_empty() => {
                let unknown: Vec<&str> = params
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .filter(|name| !query::is_parameter(name))
                    .collect();
                if !unknown.is_empty() {
                    return Err(format!(
                        "set: {} {} not a URL parameter; the message is ignored.",
                        unknown.join(", "),
                        if unknown.len() == 1 { "is" } else { "are" }
                    ));
                }
                ParentCommand::Set(params.clone())
            }
            Some(Ok(_)) | None => {
                return Err("set needs params, an object of URL parameters; ignored.".to_owned())
            }
            Some(Err(why)) => return Err(format!("set: {why}; ignored.")),
        },
        Some("reset") => ParentCommand::Reset,
        Some("getState") => ParentCommand::GetState,
        Some(other) => {
            return Err(format!(
                "\"{other}\" is not a message type (they are \"set\", \"reset\" and \"getState\"); ignored."
            ))
        }
        None => return Err("a message needs a type; ignored.".to_owned()),
    };
    Ok(Some(command))
}

/// The query string `current` with `params` set on top of it (a later value wins). A new
/// stage starts from its own defaults for the knobs `params` does not set, as a link to it
/// would.
pub fn with_params(current: &str, params: &[(String, String)]) -> String {
    let new_stage = params.iter().any(|(name, _)| name == "stage");
    let mut out: String = current
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !(new_stage && query::is_knob(pair.split('=').next().unwrap_or_default())))
        .collect::<Vec<_>>()
        .join("&");
    for (name, value) in params {
        out += &format!("&{}={}", encode(name), encode(value));
    }
    out
}

/// The page `set` asks for: `params` on top of the page's `current` query. A value the page
/// cannot use as given is not applied (that parameter keeps its value), and is named in a
/// warning, one per parameter.
pub fn set(current: &str, params: &[(String, String)]) -> (query::PageQuery, Vec<String>) {
    let (asked, notices) = query::parse(&with_params(current, params));
    if notices.is_empty() {
        return (asked, Vec::new());
    }
    let kept: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| !notices.iter().any(|n| &n.param == name))
        .cloned()
        .collect();
    let warnings = notices
        .iter()
        .map(|n| {
            let what = n.message.split(';').next().unwrap_or_default();
            format!("set {}: {what}; it keeps its value.", n.param)
        })
        .collect();
    (query::parse(&with_params(current, &kept)).0, warnings)
}

/// Percent-encodes everything but letters, digits and `-_.~,`.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Calls `on_command` with each message the page embedding this one sends Headroom, and the
/// event it came in (to reply to), until the current owner is cleaned up. A message from any
/// other window, or for someone else, is ignored; one for Headroom that cannot be used is
/// ignored with a console warning.
pub fn use_parent_commands(on_command: impl Fn(ParentCommand, &MessageEvent) + 'static) {
    let Some(parent) = embedding_page() else {
        return;
    };
    let on_message = move |event: Event| {
        let Some(event) = event.dyn_ref::<MessageEvent>() else {
            return;
        };
        // Only the embedding page commands it.
        let from_parent = event
            .source()
            .is_some_and(|source| JsValue::from(source) == JsValue::from(&parent));
        if !from_parent {
            return;
        }
        match read(&fields(&event.data())) {
            Ok(Some(command)) => on_command(command, event),
            Ok(None) => {}
            Err(why) => web_sys::console::warn_1(&format!("Headroom: {why}").into()),
        }
    };
    listen(window().into(), "message", Box::new(on_message));
}

/// Replies to `event`'s sender with `message`.
pub fn reply(event: &MessageEvent, message: &JsValue) {
    if let Some(source) = event.source() {
        let window: web_sys::Window = source.unchecked_into();
        let _ = window.post_message(message, &event.origin());
    }
}

/// The fields of a message's `data`.
fn fields(data: &JsValue) -> Message {
    if !data.is_object() {
        return Message::default();
    }
    let get = |key: &str| {
        js_sys::Reflect::get(data, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    Message {
        target: get("target").and_then(|v| v.as_string()),
        version: get("version").and_then(|v| number_text(&v)),
        kind: get("type").and_then(|v| v.as_string()),
        params: get("params").map(|p| params(&p)),
    }
}

/// `value`, if it is a number, as JavaScript writes it (`1`, `0.85`, `1e+21`): exactly what
/// the course page sent, and no float printing in the page's wasm.
fn number_text(value: &JsValue) -> Option<String> {
    value.as_f64()?;
    let number: &js_sys::Number = value.unchecked_ref();
    number.to_string_with_radix(10).ok().map(String::from)
}

/// An object's (name, value) pairs: a value is a string, a number or a boolean (1 or 0).
fn params(object: &JsValue) -> Result<Vec<(String, String)>, String> {
    if !object.is_object() || js_sys::Array::is_array(object) {
        return Err("params must be an object of URL parameters".to_owned());
    }
    js_sys::Object::entries(object.unchecked_ref())
        .iter()
        .map(|entry| {
            let entry: js_sys::Array = entry.unchecked_into();
            let name = entry.get(0).as_string().unwrap_or_default();
            let value = entry.get(1);
            let text = if let Some(s) = value.as_string() {
                s
            } else if let Some(text) = number_text(&value) {
                text
            } else if let Some(b) = value.as_bool() {
                u8::from(b).to_string()
            } else {
                return Err(format!("{name} must be a string, a number or a boolean"));
            };
            Ok((name, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, params: Option<Vec<(&str, &str)>>) -> Message {
        Message {
            target: Some("headroom".into()),
            version: Some("1".to_owned()),
            kind: Some(kind.into()),
            params: params.map(|p| {
                Ok(p.into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect())
            }),
        }
    }

    #[test]
    fn messages_for_someone_else_are_ignored_without_a_word() {
        let mut m = message("reset", None);
        m.target = None;
        assert_eq!(read(&m), Ok(None));
        m.target = Some("other-widget".into());
        assert_eq!(read(&m), Ok(None));
    }

    #[test]
    fn each_type_is_read() {
        assert_eq!(
            read(&message("reset", None)),
            Ok(Some(ParentCommand::Reset))
        );
        assert_eq!(
            read(&message("getState", None)),
            Ok(Some(ParentCommand::GetState))
        );
        assert_eq!(
            read(&message(
                "set",
                Some(vec![("stage", "3"), ("users", "5000")])
            )),
            Ok(Some(ParentCommand::Set(vec![
                ("stage".into(), "3".into()),
                ("users".into(), "5000".into())
            ])))
        );
    }

    #[test]
    fn a_bad_message_for_headroom_says_why() {
        let mut old = message("reset", None);
        old.version = Some("2".to_owned());
        let why = |m: &Message| read(m).expect_err("refused");
        assert!(why(&old).contains("version: 1"));
        old.version = None;
        assert!(why(&old).contains("none"));
        assert!(why(&message("explode", None)).contains("not a message type"));
        assert!(why(&message("set", None)).contains("needs params"));
        assert!(why(&message("set", Some(vec![]))).contains("needs params"));
        let unknown = why(&message(
            "set",
            Some(vec![("stage", "2"), ("colour", "red")]),
        ));
        assert!(
            unknown.contains("colour is not a URL parameter"),
            "{unknown}"
        );
        let mut bad = message("set", None);
        bad.params = Some(Err("params must be an object".into()));
        assert!(why(&bad).contains("params must be an object"));
        let mut untyped = message("set", None);
        untyped.kind = None;
        assert!(why(&untyped).contains("needs a type"));
    }

    #[test]
    fn set_parameters_go_on_top_of_the_current_query() {
        let current = "?stage=1&users=1000&seed=1";
        let q = with_params(
            current,
            &[("users".into(), "5000".into()), ("lock".into(), "1".into())],
        );
        let (page, notices) = query::parse(&q);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(page.settings.users, 5000.0);
        assert!(page.view.lock);
        assert_eq!(page.settings.stage.number(), 1);
        // A value that is not what it claims is encoded, so it cannot smuggle in another
        // parameter; it is a bad value, with the parser's notice.
        let q = with_params(current, &[("users".into(), "5&stage=7".into())]);
        let (page, notices) = query::parse(&q);
        assert_eq!(page.settings.stage.number(), 1);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0].param, "users");
    }

    #[test]
    fn a_value_the_page_cannot_use_is_refused_and_the_rest_applied() {
        let current = "stage=3&users=50000&seed=4";
        let params = [
            ("users".to_owned(), "lots".to_owned()),
            ("seed".to_owned(), "9".to_owned()),
        ];
        let (page, warnings) = set(current, &params);
        assert_eq!(page.settings.users, 50_000.0, "the users keep their value");
        assert_eq!(page.settings.seed, 9);
        assert_eq!(
            warnings,
            ["set users: “lots” is not a number of users; it keeps its value."]
        );
        let (page, warnings) = set(current, &params[1..]);
        assert!(warnings.is_empty());
        assert_eq!((page.settings.users, page.settings.seed), (50_000.0, 9));
    }

    #[test]
    fn a_new_stage_starts_from_its_own_knobs() {
        let (page, _) = query::parse("?stage=4&users=1000&apps=6");
        let current = query::write(&page);
        let q = with_params(&current, &[("stage".into(), "1".into())]);
        let (page, notices) = query::parse(&q);
        assert!(
            notices.is_empty(),
            "stage 1 has no app-servers knob: {notices:?}"
        );
        assert_eq!(page.settings.stage.number(), 1);
        let q = with_params(
            &current,
            &[("stage".into(), "5".into()), ("apps".into(), "3".into())],
        );
        assert_eq!(
            query::parse(&q).0,
            query::parse("?stage=5&users=1000&apps=3").0
        );
    }
}
