use leptos::prelude::*;

use crate::{format, log_scale};

/// The lesson's question and the learner's answer: a guess at the daily users where the system
/// stops meeting its targets, on the users slider's scale, sent once with "Run it".
#[component]
pub fn LessonGuess(
    /// The users the ramp starts from, which the system serves.
    from_users: Signal<f64>,
    /// The guess sent (`None`: still guessing).
    sent: Signal<Option<f64>>,
    /// Called with the guess.
    on_run: Callback<f64>,
) -> impl IntoView {
    let guess = RwSignal::new(1_000.0);
    let value_text = move || format!("about {} daily users", format::grouped(guess.get()));
    let locked = move || sent.with(Option::is_some);
    view! {
        <p>
            {move || {
                format!(
                    "The system starts at {} daily users, and the users grow step by step. At \
                     about how many does it stop meeting its targets?",
                    format::grouped(from_users.get()),
                )
            }}
        </p>
        <div class="slider lesson-guess">
            <label for="lesson-guess">"Your guess"</label>
            <input
                id="lesson-guess"
                type="range"
                data-testid="lesson-guess"
                min=0
                max=log_scale::MAX_POSITION
                step=1
                prop:value=move || log_scale::position_of(guess.get())
                aria-valuetext=value_text
                prop:disabled=locked
                on:input=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse::<u32>() {
                        guess.set(log_scale::users_at(p));
                    }
                }
            />
            <output for="lesson-guess" data-testid="lesson-guess-value">
                {value_text}
            </output>
        </div>
        <button
            type="button"
            class="action primary"
            data-testid="lesson-run"
            prop:disabled=locked
            on:click=move |_| on_run.run(guess.get_untracked())
        >
            "Run it: grow the users until it breaks"
        </button>
    }
}
