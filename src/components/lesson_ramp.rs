use headroom_engine::diagnosis::{duration_ms, percent};
use headroom_engine::lessons::{Ramp, RUN_S};
use headroom_engine::run::WARMUP_S;
use leptos::prelude::*;

use crate::format;

/// The ramp as it runs: each load the engine ran, with what it showed, and the one it is
/// running now.
#[component]
pub fn LessonRamp(
    /// The ramp so far.
    ramp: Signal<Ramp>,
    /// The users being run now (`None`: nothing running).
    running: Signal<Option<f64>>,
) -> impl IntoView {
    let rows = move || {
        ramp.with(|r| {
            r.steps
                .iter()
                .map(|&(users, o)| {
                    let state = match o.failure {
                        Some(f) => format!("✗ {}", f.title()),
                        None if o.within_targets => "✓ Meets its targets".to_owned(),
                        None => "Misses a target, no failure named".to_owned(),
                    };
                    view! {
                        <tr data-failing=o.failure.is_some().then_some("")>
                            <th scope="row">{format::grouped(users)}</th>
                            <td>{duration_ms(o.p95_ms)}</td>
                            <td>{percent(o.error_rate)}</td>
                            <td>{format::usd(o.usd_month)}</td>
                            <td data-code=o.failure.map(|f| f.code())>{state}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <table class="lesson-ramp" data-testid="lesson-ramp">
            <caption>
                {format!(
                    "Each load runs {} simulated seconds to warm up, then {} measured, same seed",
                    format::grouped(WARMUP_S),
                    format::grouped(RUN_S),
                )}
            </caption>
            <thead>
                <tr>
                    <th scope="col">"Daily users"</th>
                    <th scope="col">"p95"</th>
                    <th scope="col">"Errors"</th>
                    <th scope="col">"Cost a month"</th>
                    <th scope="col">"State"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="hint" role="status" data-testid="lesson-running">
            {move || {
                running
                    .get()
                    .map(|users| {
                        format!(
                            "Running {} daily users ({} of at most {} loads)…",
                            format::grouped(users),
                            ramp.with(|r| r.steps.len() + 1),
                            ramp.with(|r| r.loads().len()),
                        )
                    })
            }}
        </p>
    }
}
