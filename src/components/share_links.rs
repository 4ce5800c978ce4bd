use leptos::prelude::*;

use crate::page_link::link_to;
use crate::query::{embed_code, embed_title, PageQuery, EMBED_SIZE};

/// What the page says when the browser refuses the clipboard.
pub const REFUSED: &str = "The browser did not allow copying; select this text and copy it:";

/// Puts `text` on the clipboard; calls `refused` if the browser does not allow it. (Not
/// generic: one copy of the task for every caller.)
pub fn copy_text(text: String, refused: Box<dyn FnOnce()>) {
    let clipboard = window().navigator().clipboard();
    leptos::task::spawn_local(async move {
        let done = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
        if done.is_err() {
            refused();
        }
    });
}

/// "Copy link", "Copy embed code" and "Copy replay link": the link to exactly this scenario,
/// an iframe snippet for a course page, or a link that runs this very run again to now. What was copied stays shown, so it can be copied by hand where the
/// browser refuses the clipboard.
#[component]
pub fn ShareLinks(
    /// The scenario and view the links open, now.
    page: impl Fn() -> Option<PageQuery> + Copy + Send + Sync + 'static,
    /// The engine's history of the running system, to replay it to now.
    replay: Signal<Option<String>>,
) -> impl IntoView {
    // What was copied, and what it was.
    let status = RwSignal::new(None::<String>);
    let copied = RwSignal::new(None::<String>);
    let copy = move |what: &str, text: String| {
        status.set(Some(what.to_owned()));
        copied.set(Some(text.clone()));
        copy_text(text, Box::new(move || status.set(Some(REFUSED.to_owned()))));
    };
    let on_link = move |_| {
        if let Some(p) = page() {
            copy("Link copied.", link_to(&p));
        }
    };
    let on_embed = move |_| {
        let Some(mut embedded) = page() else {
            return;
        };
        embedded.view.embed = true;
        let title = embed_title(&embedded.settings);
        copy(
            "Embed code copied.",
            embed_code(&link_to(&embedded), &title, EMBED_SIZE),
        );
    };

    // The same system run again to this moment, paused there: the same numbers.
    let on_replay = move |_| {
        let (Some(mut p), Some(history)) = (page(), replay.get_untracked()) else {
            return;
        };
        p.view.autoplay = false;
        copy(
            "Replay link copied.",
            format!("{}&replay={history}", link_to(&p)),
        );
    };

    view! {
        <div class="share">
            <button type="button" class="action" data-testid="copy-link" on:click=on_link>
                "Copy link"
            </button>
            <button type="button" class="action" data-testid="copy-embed" on:click=on_embed>
                "Copy embed code"
            </button>
            <button
                type="button"
                class="action"
                data-testid="copy-replay"
                prop:disabled=move || replay.with(Option::is_none)
                on:click=on_replay
            >
                "Copy replay link"
            </button>
            <p class="share-status" role="status">
                <span>{move || status.get()}</span>
                <input
                    type="text"
                    readonly
                    class="share-text"
                    aria-label="Copied text"
                    data-testid="share-text"
                    hidden=move || copied.with(Option::is_none)
                    prop:value=move || copied.get().unwrap_or_default()
                />
            </p>
        </div>
    }
}
