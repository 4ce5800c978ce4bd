//! The page's own address: the query it opened with, the query kept in step with the scenario
//! (with `history.replaceState`, so the history does not fill up), and links to share.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
use leptos::web_sys;
use send_wrapper::SendWrapper;

use crate::live_hooks::{Hook, Live};
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
        ("data-compare", view.compare.then(String::new)),
        ("data-lesson", view.lesson.then(String::new)),
        ("data-hide", (!hidden.is_empty()).then(|| hidden.join(" "))),
    ];
    for (name, value) in attributes {
        let _ = match value {
            Some(value) => root.set_attribute(name, &value),
            None => root.remove_attribute(name),
        };
    }
}

/// The page's address without its query or fragment.
pub fn base() -> String {
    let href = window().location().href().unwrap_or_default();
    href.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// The full link to `page`.
pub fn link_to(page: &PageQuery) -> String {
    link_from(&base(), page)
}

/// The link to `page` from the page's address `base`.
pub fn link_from(base: &str, page: &PageQuery) -> String {
    format!("{base}?{}", query::write(page))
}

/// The event the window gets each time the page writes its address: the parts of the page
/// that load later ([`crate::lazy_module`]) read the page's state from it.
pub const ADDRESS_CHANGED: &str = "headroom-address";

/// Milliseconds between writes of the address while a slider moves: browsers limit how often
/// a page may replace its history entry.
const WRITE_EVERY_MS: i32 = 300;

/// Keeps the address bar's query in step with `page()` (while it is `Some`): the function
/// returned asks for a write, made soon, replacing the history entry: at most once every
/// [`WRITE_EVERY_MS`], and always after the last change. A write still waiting when the owner
/// goes is cancelled.
pub fn use_address_writer(
    page: impl Fn() -> Option<PageQuery> + 'static,
) -> impl Fn() + Copy + 'static {
    // The timer while a write waits (its id, counted while it waits).
    let timer = Rc::new(RefCell::new(None::<(i32, Live)>));
    let write = {
        let timer = Rc::clone(&timer);
        Closure::<dyn FnMut()>::new(move || {
            timer.borrow_mut().take();
            let Some(page) = page() else {
                return;
            };
            let q = format!("?{}", query::write(&page));
            if window().location().search().ok().as_deref() != Some(q.as_str()) {
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&q));
                }
                // For the parts of the page that load later and read the address.
                if let Ok(changed) = web_sys::Event::new(ADDRESS_CHANGED) {
                    let _ = window().dispatch_event(&changed);
                }
            }
        })
    };
    {
        let timer = SendWrapper::new(Rc::clone(&timer));
        on_cleanup(move || {
            if let Some((id, _live)) = timer.borrow_mut().take() {
                window().clear_timeout_with_handle(id);
            }
        });
    }
    let held = StoredValue::new_local((timer, write));
    move || {
        held.try_with_value(|(timer, write)| {
            let mut timer = timer.borrow_mut();
            if timer.is_none() {
                *timer = window()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        write.as_ref().unchecked_ref(),
                        WRITE_EVERY_MS,
                    )
                    .ok()
                    .map(|id| (id, Live::new(Hook::Timeout)));
            }
        });
    }
}
