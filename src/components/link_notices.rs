use leptos::prelude::*;

use crate::query::Notice;

/// What the page's link asked for that it could not use, and what it uses instead; each
/// notice can be dismissed.
#[component]
pub fn LinkNotices(
    /// The link's notices.
    notices: Vec<Notice>,
) -> impl IntoView {
    let remaining = RwSignal::new(notices.len() as u32);
    (!notices.is_empty()).then(|| {
        view! {
            <section
                class="panel notices"
                aria-labelledby="notices-title"
                data-testid="link-notices"
                hidden=move || remaining.get() == 0
            >
                <h2 id="notices-title">"Some of this link's settings could not be used"</h2>
                <ul>
                    {notices
                        .into_iter()
                        .map(|n| {
                            let shown = RwSignal::new(true);
                            let dismiss = move |_| {
                                shown.set(false);
                                remaining.update(|r| *r -= 1);
                            };
                            view! {
                                <li data-param=n.param.clone() hidden=move || !shown.get()>
                                    <code>{n.param.clone()}</code>
                                    ": "
                                    {n.message}
                                    " "
                                    <button
                                        type="button"
                                        class="dismiss"
                                        aria-label=format!("Dismiss the notice about {}", n.param)
                                        on:click=dismiss
                                    >
                                        "Dismiss"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}
