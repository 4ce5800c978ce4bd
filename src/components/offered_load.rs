use headroom_engine::TrafficProfile;
use leptos::prelude::*;

use crate::format;

/// The load the users offer at their busiest hour, computed by the engine.
#[component]
pub fn OfferedLoad(
    /// Daily active users.
    users: RwSignal<f64>,
) -> impl IntoView {
    let profile = TrafficProfile::default();
    let rps = move || profile.peak_rps(users.get());

    view! {
        <p class="offered-load" aria-live="polite">
            "Offered load at the peak hour: "
            <strong data-testid="offered-load">{move || format::rate(rps())}</strong>
            " requests per second"
        </p>
        <p class="assumption">
            {format!(
                "Assumes {} requests per user per day and a peak hour {}× the daily average.",
                format::grouped(profile.requests_per_user_per_day),
                profile.peak_hour_factor,
            )}
        </p>
    }
}
