use headroom_engine::stages::stage_of_failure;
use headroom_engine::StageId;
use leptos::prelude::*;

/// What is failing right now, and why, from the live failure rules: the explanation of the
/// stage that runs into it, and a button to the stage that fixes it. While nothing fails it
/// says so.
#[component]
pub fn WhatBreaks(
    /// The failure the live rules show, if any.
    failure: Signal<Option<&'static str>>,
    /// The stage being shown.
    stage: RwSignal<StageId>,
) -> impl IntoView {
    let content = move || match failure.get().map(|code| (code, stage_of_failure(code))) {
        Some((code, None)) => view! {
            <p class="failure-title" data-testid="what-breaks-title" data-code=code>
                <span class="badge bad" aria-hidden="true">"✗"</span>
                " Failing: "
                <strong>"missing its targets"</strong>
            </p>
            <p data-testid="what-breaks-explanation">
                "More than 1% of requests fail, or the slowest 5% take over half a second, but no "
                "single part explains it yet: the system is near its limit, or recovering from a "
                "fault. Watch which parts turn red."
            </p>
        }
        .into_any(),
        None => view! {
            <p data-testid="what-breaks-healthy">
                <span class="badge ok" aria-hidden="true">"✓"</span>
                " Healthy: p95 latency and errors are within their targets. "
                "Add users, or inject a fault, to find this stage's limit."
            </p>
        }
        .into_any(),
        Some((code, Some(source))) => {
            let fix = source.id.next();
            view! {
                <p class="failure-title" data-testid="what-breaks-title" data-code=code>
                    <span class="badge bad" aria-hidden="true">"✗"</span>
                    " Failing: "
                    <strong>{source.failure_title}</strong>
                </p>
                <p data-testid="what-breaks-explanation">{source.failure_explanation}</p>
                {fix
                    .filter(|&next| next > stage.get_untracked())
                    .zip(source.next_step)
                    .map(|(next, text)| {
                        view! {
                            <button
                                type="button"
                                class="next-step"
                                data-testid="what-breaks-next"
                                on:click=move |_| stage.set(next)
                            >
                                {format!("Go to stage {}: {text}", next.number())}
                            </button>
                        }
                    })}
            }
            .into_any()
        }
    };

    view! {
        <section
            class="panel what-breaks"
            class:failing=move || failure.get().is_some()
            aria-labelledby="what-breaks-title"
            data-testid="what-breaks"
        >
            <h2 id="what-breaks-title">"What breaks"</h2>
            {content}
        </section>
    }
}
