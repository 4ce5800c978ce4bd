use headroom_engine::live::LiveReading;
use leptos::prelude::*;

use crate::diagram_layout::DiagramLayout;
use crate::summary::{summarize, Announcer};

/// The running system in one sentence, in a polite live region: a screen reader speaks it when
/// its meaning changes (what breaks, a part down, the busiest part or the error rate moving
/// clearly), not at every reading. It reads the same reading as every other panel.
#[component]
pub fn SystemSummary(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest reading.
    reading: Signal<Option<LiveReading>>,
) -> impl IntoView {
    let announcer = StoredValue::new(Announcer::default());
    let spoken = RwSignal::new(String::new());
    Effect::new(move |_| {
        let summary = reading.with(|r| r.as_ref().map(|r| layout.with(|l| summarize(l, r))));
        if let Some(text) =
            summary.and_then(|s| announcer.try_update_value(|a| a.hear(s)).flatten())
        {
            spoken.set(text);
        }
    });

    view! {
        <p class="system-summary" aria-live="polite" aria-atomic="true" data-testid="system-summary">
            {move || spoken.get()}
        </p>
    }
}
