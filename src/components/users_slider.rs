use leptos::prelude::*;

use crate::query::Control;
use crate::{format, log_scale};

/// A logarithmic slider for the number of daily active users, 10 to 10,000,000.
#[component]
pub fn UsersSlider(
    /// Daily active users.
    users: RwSignal<f64>,
) -> impl IntoView {
    let position = move || log_scale::position_of(users.get());
    let value_text = move || format!("{} users", format::grouped(users.get()));

    view! {
        <div class="slider users-control">
            <label for="users-slider">{Control::Users.label()}</label>
            <input
                id="users-slider"
                type="range"
                data-testid="users-slider"
                min=0
                max=log_scale::MAX_POSITION
                step=1
                prop:value=position
                aria-valuetext=value_text
                on:input=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse::<u32>() {
                        users.set(log_scale::users_at(p));
                    }
                }
            />
            <output for="users-slider" data-testid="users-value">
                {value_text}
            </output>
            <div class="ticks" aria-hidden="true">
                {log_scale::TICKS
                    .iter()
                    .map(|&t| view! { <span>{format::compact(t)}</span> })
                    .collect_view()}
            </div>
        </div>
    }
}
