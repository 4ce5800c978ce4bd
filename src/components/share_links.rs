use leptos::prelude::*;

use crate::format;
use crate::page_link::link_to;
use crate::query::{embed_code, PageQuery};

/// "Copy link" and "Copy embed code": the link to exactly this scenario, or an iframe snippet
/// for a course page. What was copied stays shown, so it can be copied by hand where the
/// browser refuses the clipboard.
#[component]
pub fn ShareLinks(
    /// The scenario and view the links open, now.
    page: impl Fn() -> Option<PageQuery> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // What was copied, and what it was.
    let status = RwSignal::new(None::<String>);
    let copied = RwSignal::new(None::<String>);
    let copy = move |what: &str, text: String| {
        status.set(Some(what.to_owned()));
        copied.set(Some(text.clone()));
        let clipboard = window().navigator().clipboard();
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
            if done.is_err() {
                status.set(Some(
                    "The browser did not allow copying; select this text and copy it:".to_owned(),
                ));
            }
        });
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
        let s = &embedded.settings;
        let title = format!(
            "Headroom: stage {}, {}, with {} users",
            s.stage.number(),
            s.stage.stage().title,
            format::grouped(s.users)
        );
        copy(
            "Embed code copied.",
            embed_code(&link_to(&embedded), &title),
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
