use headroom_engine::live::LiveReading;
use headroom_engine::scenario::Scenario;
use leptos::prelude::*;

use crate::format;

/// The load reaching the site at its busiest hour, as the engine runs it (a traffic spike
/// included), and the assumptions behind it.
#[component]
pub fn OfferedLoad(
    /// The latest reading.
    reading: Signal<Option<LiveReading>>,
    /// The scenario running.
    scenario: Signal<Scenario>,
) -> impl IntoView {
    let rps = move || reading.with(|r| r.as_ref().map(|r| r.reading.offered_rps));
    let spiked = move || reading.with(|r| r.as_ref().is_some_and(|r| r.reading.faults.spike));

    view! {
        <p class="offered-load" aria-live="polite">
            "Reaching the site at the peak hour: "
            <strong data-testid="offered-load">{move || rps().map_or("—".to_owned(), format::rate)}</strong>
            " requests per second"
            {move || spiked().then_some(" (a traffic spike)")}
        </p>
        <p class="assumption">
            {move || {
                scenario.with(|sc| {
                    format!(
                        "Assumes {} requests per user per day, a peak hour {}× the daily average, \
                         and {}% of page files answered by the browser's own cache.",
                        format::grouped(sc.requests_per_user_per_day),
                        format::grouped(sc.peak_hour_factor),
                        format::grouped(sc.browser_cache_share * 100.0),
                    )
                })
            }}
        </p>
    }
}
