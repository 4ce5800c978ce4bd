use headroom_engine::StageId;
use leptos::prelude::*;

/// What the current stage adds and why, the tools people use for it, and the failure it runs
/// into next: all from the engine's stage data.
#[component]
pub fn StageStory(
    /// The stage being shown.
    stage: RwSignal<StageId>,
) -> impl IntoView {
    let data = move || stage.get().stage();
    let list = |items: &'static [&'static str]| {
        items.iter().map(|t| view! { <li>{*t}</li> }).collect_view()
    };

    view! {
        <section class="panel stage-story" aria-labelledby="stage-title" data-testid="stage-story">
            <h2 id="stage-title">
                {move || format!("Stage {}: {}", stage.get().number(), data().title)}
            </h2>
            <p>{move || data().summary}</p>
            <div class="tools">
                <div>
                    <h3>"Open source, self-hosted"</h3>
                    <ul>{move || list(data().open_source)}</ul>
                </div>
                <div>
                    <h3>"Managed"</h3>
                    <ul>{move || list(data().managed)}</ul>
                </div>
            </div>
            <h3>{move || format!("What breaks: {}", data().failure().title())}</h3>
            <p data-testid="stage-failure">{move || data().failure_story}</p>
            {move || {
                data()
                    .next_step
                    .map(|step| {
                        view! {
                            <button
                                type="button"
                                class="next-step"
                                data-testid="next-step"
                                on:click=move |_| {
                                    if let Some(next) = stage.get_untracked().next() {
                                        stage.set(next);
                                    }
                                }
                            >
                                {format!("Next: {step}")}
                            </button>
                        }
                    })
            }}
        </section>
    }
}
