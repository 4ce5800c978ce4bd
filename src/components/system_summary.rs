use headroom_engine::snapshot::Snapshot;
use leptos::prelude::*;

use crate::diagram_layout::DiagramLayout;
use crate::summary::{summarize, Announcer};

/// The running system in one sentence, in a polite live region: a screen reader speaks it when
/// its meaning changes (another failure, a part down, the busiest part or the error rate moving
/// clearly), not at every reading.
#[component]
pub fn SystemSummary(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest reading.
    snapshot: Signal<Option<Snapshot>>,
    /// The failure the live rules see, if any.
    failure: Signal<Option<&'static str>>,
) -> impl IntoView {
    let announcer = StoredValue::new(Announcer::default());
    let spoken = RwSignal::new(String::new());
    Effect::new(move |_| {
        let failure = failure.get();
        let summary = snapshot.with(|s| {
            s.as_ref()
                .map(|s| layout.with(|l| summarize(l, s, failure)))
        });
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
