use headroom_engine::live::LiveReading;
use leptos::prelude::*;

use super::TrafficDiagram;
use crate::compare::FIGURES;
use crate::diagram_layout::Orientation;
use crate::knobs::Settings;
use crate::link::EngineLink;

/// One side of the comparison: its stage's system running live in its own engine, what breaks
/// there (or that it is healthy), and its headline figures, all from its own reading.
#[component]
pub fn CompareSide(
    /// What it runs.
    settings: Signal<Settings>,
    /// Its name.
    title: Signal<String>,
    /// Its engine.
    link: EngineLink,
    /// "a" or "b", for ids.
    side: &'static str,
    /// Simulated seconds since its latest motion, every frame.
    motion_since_s: Signal<f64>,
) -> impl IntoView {
    let reading: Signal<Option<LiveReading>> = link.reading.into();
    let layout = link.layout(Signal::stored(Orientation::Wide));
    let state = move || {
        reading.with(|r| match r {
            None => "Starting…".to_owned(),
            Some(r) => match &r.diagnosis {
                Some(d) => format!("✗ Failing: {}", d.failure.title()),
                None if r.verdict.healthy() => "✓ Healthy: within every target".to_owned(),
                None => "Watching…".to_owned(),
            },
        })
    };
    let code = move || {
        reading.with(|r| {
            r.as_ref()
                .and_then(|r| r.diagnosis.as_ref())
                .map(|d| d.failure.code())
        })
    };
    let time = move || {
        reading.with(|r| {
            r.as_ref().map_or(String::new(), |r| {
                format!(
                    "Simulated time {} s · seed {}",
                    crate::format::fixed(r.reading.time_s, 1),
                    settings.with(|s| s.seed)
                )
            })
        })
    };
    view! {
        <section class="panel compare-side" data-testid=format!("compare-{side}")>
            <h2>{title}</h2>
            <TrafficDiagram
                layout=layout.into()
                reading=reading
                motion=link.motion.into()
                motion_since_s=motion_since_s
                selected=RwSignal::new(None)
                name=if side == "a" { "compare-a-diagram" } else { "compare-b-diagram" }
                hint="Its state is written on it."
            />
            <p class="compare-state" data-testid=format!("compare-{side}-state") data-code=code>
                {state}
            </p>
            <dl class="compare-figures">
                {FIGURES
                    .iter()
                    .map(|&f| {
                        view! {
                            <dt>{f.label()}</dt>
                            <dd data-testid=format!("compare-{side}-{}", f.key())>
                                {move || reading.with(|r| f.shown(r.as_ref()))}
                            </dd>
                        }
                    })
                    .collect_view()}
            </dl>
            <p class="hint" data-testid=format!("compare-{side}-time")>{time}</p>
        </section>
    }
}
