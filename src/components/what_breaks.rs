use headroom_engine::diagnosis::{Lever, Remedy};
use headroom_engine::live::LiveReading;
use headroom_engine::StageId;
use leptos::prelude::*;

use crate::diagram_layout::DiagramLayout;
use crate::knobs::Knob;

/// What the knob a remedy turns is called on the page.
fn lever_words(lever: Lever) -> &'static str {
    match lever {
        Lever::AppServers => "Add app servers with the App servers slider.",
        Lever::CacheHit => "Raise the cache hit rate.",
        Lever::Replicas => "Add read replicas.",
        Lever::Shards => "Add shards, so each primary takes fewer writes.",
        Lever::Index => "Switch the index on.",
        Lever::Writes => "Send fewer writes, or read your own writes from the primary.",
    }
}

/// What is failing right now and why, from the engine's diagnosis: one sentence with its
/// measured numbers, the story of the stage that runs into it, and what fixes it (the stage
/// that adds the fix, or the knob to turn here). While the targets are met it says so; missed
/// before a cause is confirmed, it says that instead, never "healthy" beside a red mark.
#[component]
pub fn WhatBreaks(
    /// The latest reading.
    reading: Signal<Option<LiveReading>>,
    /// The drawn system (for the parts' names).
    layout: Signal<DiagramLayout>,
    /// The stage being shown.
    stage: RwSignal<StageId>,
) -> impl IntoView {
    let diagnosis =
        Memo::new(move |_| reading.with(|r| r.as_ref().and_then(|r| r.diagnosis.clone())));
    // Targets missed with no failure named yet: a rule is still being confirmed.
    let missed =
        Memo::new(move |_| reading.with(|r| r.as_ref().is_some_and(|r| !r.verdict.healthy())));
    let content = move || {
        match diagnosis.get() {
        None if missed.get() => view! {
            <p data-testid="what-breaks-pending">
                <span class="badge bad" aria-hidden="true">"✗"</span>
                " Missing a target. Watching a moment longer to see which part is to blame."
            </p>
        }
        .into_any(),
        None => view! {
            <p data-testid="what-breaks-healthy">
                <span class="badge ok" aria-hidden="true">"✓"</span>
                " Healthy: latency, errors and stale reads are within their targets. "
                "Add users, or inject a fault, to find this stage's limit."
            </p>
            <details class="why">
                <summary>
                    {move || format!("What breaks at this stage: {}", stage.get().stage().failure().title())}
                </summary>
                <p data-testid="stage-failure">{move || stage.get().stage().failure_story}</p>
            </details>
        }
        .into_any(),
        Some(d) => {
            let code = d.failure.code();
            let sentence = layout.with(|l| d.sentence(&l.names));
            let story = d.failure.stage().map(|s| s.stage().failure_story);
            let remedy = match d.remedy {
                Remedy::Stage(next) if next > stage.get_untracked() => {
                    // The story above already names the next stage's step: say it once.
                    let text = if stage.get_untracked().next() == Some(next) {
                        format!("Go to stage {}, which fixes this", next.number())
                    } else {
                        let step = next
                            .previous()
                            .and_then(|s| s.stage().next_step)
                            .unwrap_or(next.stage().title);
                        format!("Go to stage {}: {step}", next.number())
                    };
                    view! {
                        <button
                            type="button"
                            class="next-step"
                            data-testid="what-breaks-next"
                            data-stage=next.number()
                            on:click=move |_| stage.set(next)
                        >
                            {text}
                        </button>
                    }
                    .into_any()
                }
                Remedy::Lever(lever) => view! {
                    <p class="remedy" data-testid="what-breaks-lever" data-lever=Knob::for_lever(lever).key()>
                        {lever_words(lever)}
                    </p>
                }
                .into_any(),
                _ => ().into_any(),
            };
            view! {
                <p class="failure-title" data-testid="what-breaks-title" data-code=code>
                    <span class="badge bad" aria-hidden="true">"✗"</span>
                    " Failing: "
                    <strong>{d.failure.title()}</strong>
                </p>
                <p data-testid="what-breaks-measured">{sentence}</p>
                {remedy}
                {story
                    .map(|s| {
                        view! {
                            <details class="why">
                                <summary>"Why this happens"</summary>
                                <p data-testid="what-breaks-explanation">{s}</p>
                            </details>
                        }
                    })}
            }
            .into_any()
        }
    }
    };

    view! {
        <section
            class="panel what-breaks"
            class:failing=move || diagnosis.with(Option::is_some)
            aria-labelledby="what-breaks-title"
            data-testid="what-breaks"
        >
            <h2 id="what-breaks-title">"What breaks"</h2>
            {content}
        </section>
    }
}
