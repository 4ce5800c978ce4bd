use headroom_engine::StageId;
use leptos::prelude::*;

/// The stage in a few lines, first on the page: its title, its short story, the way to the
/// next stage, and (one click away) the tools people use for what it adds. All from the
/// engine's stage data; the story of what breaks is told by [`super::WhatBreaks`].
#[component]
pub fn StageLead(
    /// The stage being shown.
    stage: RwSignal<StageId>,
) -> impl IntoView {
    let data = move || stage.get().stage();
    let list = |items: &'static [&'static str]| {
        items.iter().map(|t| view! { <li>{*t}</li> }).collect_view()
    };
    let next = move || {
        let next = stage.get().next()?;
        let step = data().next_step?;
        Some(view! {
            <button
                type="button"
                class="next-step"
                data-testid="next-step"
                on:click=move |_| stage.set(next)
            >
                {format!("Next: {step}")}
                <span aria-hidden="true">" →"</span>
            </button>
        })
    };

    view! {
        <section class="stage-lead" aria-labelledby="stage-title" data-testid="stage-story">
            <h2 id="stage-title">
                <span class="stage-of">{move || format!("Stage {}", stage.get().number())}</span>
                ": "
                {move || data().title}
            </h2>
            <p class="lead" data-testid="stage-lead">{move || data().summary}</p>
            <div class="lead-actions">
                {next}
                <details class="tools" data-testid="stage-tools">
                    <summary>"Tools people use for this"</summary>
                    <div class="tool-lists">
                        <div>
                            <h3>"Open source, self-hosted"</h3>
                            <ul>{move || list(data().open_source)}</ul>
                        </div>
                        <div>
                            <h3>"Managed"</h3>
                            <ul>{move || list(data().managed)}</ul>
                        </div>
                    </div>
                </details>
            </div>
        </section>
    }
}
