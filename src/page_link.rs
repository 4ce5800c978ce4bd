//! The page's own address: the query it opened with, the query kept in step with the scenario
//! (with `history.replaceState`, so the history does not fill up), and links to share.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsValue;

use crate::query::{self, Notice, PageQuery, ViewOptions, CONTROLS};

/// The query the page was opened with, read, with notices for what could not be used.
pub fn opened() -> (PageQuery, Vec<Notice>) {
    query::parse(&window().location().search().unwrap_or_default())
}

/// Shows the page as `view` asks: the theme, embedded, locked, and the controls to hide, as
/// attributes of the root element that the style sheet follows (`data-theme`, `data-embed`,
/// `data-lock`, `data-hide="users faults ..."`).
pub fn show_as(view: &ViewOptions) {
    let Some(root) = document().document_element() else {
        return;
    };
    let hidden: Vec<&str> = CONTROLS
        .iter()
        .filter(|&&c| !view.controls.shows(c))
        .map(|c| c.key())
        .collect();
    let attributes = [
        ("data-theme", view.theme.map(|t| t.key().to_owned())),
        ("data-embed", view.embed.then(String::new)),
        ("data-lock", view.lock.then(String::new)),
        ("data-hide", (!hidden.is_empty()).then(|| hidden.join(" "))),
    ];
    for (name, value) in attributes {
        if let Some(value) = value {
            let _ = root.set_attribute(name, &value);
        }
    }
}

/// The page's address without its query or fragment.
fn base() -> String {
    let href = window().location().href().unwrap_or_default();
    href.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// The full link to `page`.
pub fn link_to(page: &PageQuery) -> String {
    format!("{}?{}", base(), query::write(page))
}

/// Milliseconds between writes of the address while a slider moves: browsers limit how often
/// a page may replace its history entry.
const WRITE_EVERY_MS: u64 = 300;

/// Writes `page()` (while the app is there) into the address bar's query soon, replacing the history entry: at most
/// once every [`WRITE_EVERY_MS`], and always after the last change (`pending` is set while a
/// write waits).
pub fn write_address_soon(
    pending: StoredValue<bool>,
    page: impl Fn() -> Option<PageQuery> + 'static,
) {
    if pending.get_value() {
        return;
    }
    pending.set_value(true);
    let write = move || {
        pending.set_value(false);
        let Some(page) = page() else {
            return; // the app is gone
        };
        let q = format!("?{}", query::write(&page));
        if window().location().search().ok().as_deref() != Some(q.as_str()) {
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&q));
            }
        }
    };
    set_timeout(write, std::time::Duration::from_millis(WRITE_EVERY_MS));
}
