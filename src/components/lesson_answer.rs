use headroom_engine::diagnosis::{duration_ms, percent};
use headroom_engine::lessons::CLOSE_FACTOR;
use leptos::prelude::*;

use crate::format;
use crate::lesson::LessonRun;

/// The answer once the ramp is done: where the system broke, and how, beside the learner's
/// guess, with the figures that changed between the last load it served and the first it did
/// not.
#[component]
pub fn LessonAnswer(
    /// The lesson so far.
    run: Signal<LessonRun>,
    /// Starts the lesson again from the guess.
    on_again: Callback<()>,
) -> impl IntoView {
    let measured = move || {
        run.with(|r| {
            let held = r.ramp.held()?;
            Some(match (r.ramp.broke(), r.ramp.last_healthy()) {
                (Some((users, o)), healthy) => {
                    let failure = o.failure.map_or("", |f| f.title());
                    let before = healthy.map_or_else(
                        || "It failed already at the first load the lesson runs. ".to_owned(),
                        |h| format!("At {} it met every target. ", format::grouped(h)),
                    );
                    format!(
                        "It broke at {} daily users: {failure}. {before}At {}, p95 was {} and {} \
                         of requests failed.",
                        format::grouped(users),
                        format::grouped(users),
                        duration_ms(o.p95_ms),
                        percent(o.error_rate),
                    )
                }
                (None, _) => format!(
                    "It met every target up to {} daily users, the most this lesson runs: with \
                     this model the stage holds out longer.",
                    format::grouped(held)
                ),
            })
        })
    };
    let guess = move || {
        run.with(|r| {
            let guess = format::grouped(r.guess?);
            let (users, _) = r.ramp.broke()?;
            let factor = format::grouped(CLOSE_FACTOR);
            Some(if r.guessed_right()? {
                format!("✓ Your guess, {guess}, is close: within a factor of {factor} of {}.",
                    format::grouped(users))
            } else {
                let ratio = (r.guess? / users).max(users / r.guess?);
                // Two places below ten, so a ratio just past the factor does not read as it.
                let places = if ratio < 10.0 { 2 } else { 0 };
                format!(
                    "✗ Your guess, {guess}, is {} times off (within {factor} times counts as close).",
                    format::fixed(ratio, places)
                )
            })
        })
    };
    let right = move || run.with(|r| r.guessed_right().map(|right| right.to_string()));
    let broke_at = move || run.with(|r| r.ramp.broke().map(|(users, _)| users));
    view! {
        <p data-testid="lesson-measured" data-users=broke_at>
            {measured}
        </p>
        <p class="lesson-verdict" data-testid="lesson-verdict" data-right=right role="status">
            {guess}
        </p>
        <button
            type="button"
            class="action"
            data-testid="lesson-guess-again"
            on:click=move |_| on_again.run(())
        >
            "Guess again"
        </button>
    }
}
