use headroom_engine::live::LiveReading;
use leptos::html::{Div, Figure};
use leptos::prelude::*;

use crate::chart_painter::{use_chart_picture, use_painter};
use crate::chart_width::use_chart_width;
use crate::charts::drawing::Drawing;
use crate::components::ChartCanvas;
use crate::download::download;
use crate::export::FileFormat;
use crate::timeline::{Sample, Timeline};

/// The last 60 simulated seconds of the running system: throughput (req/s), p95 latency and
/// errors (%), and stale reads where there are replicas, in panels sharing the time axis, with
/// the learner's changes marked. It keeps one sample per simulated second
/// from the readings it is given, starts over when simulated time goes back (a new
/// simulation), and redraws only when a sample is added: once a simulated second, however
/// often readings arrive. Screen readers get the newest second's numbers. The chart worker
/// draws it. Its numbers download as CSV or JSON, ending with the reading shown now.
#[component]
pub fn TimelineChart(
    /// The latest reading.
    #[prop(into)]
    reading: Signal<Option<LiveReading>>,
    /// The page's link query: the settings a JSON download records.
    #[prop(into)]
    settings: Signal<String>,
) -> impl IntoView {
    let figure = NodeRef::<Figure>::new();
    let container = NodeRef::<Div>::new();
    let width = use_chart_width(container);
    let buffer = StoredValue::new(Timeline::new());
    let version = RwSignal::new(0u64);
    Effect::new(move |_| {
        reading.with(|r| {
            let changed = r
                .as_ref()
                .and_then(|r| buffer.try_update_value(|t| t.push_reading(r)))
                .unwrap_or(false);
            if changed {
                version.update(|v| *v += 1);
            }
        });
    });
    let picture = use_chart_picture(
        figure,
        "The last minute of simulated time: throughput, p95 latency and errors.",
        move || {
            version.track();
            Drawing::Timeline {
                timeline: buffer.with_value(Timeline::clone),
                width: width.get(),
            }
        },
    );

    // A download: the chart worker writes the file from the timeline, ending with the
    // reading on the page now, and the page hands it to the browser. One at a time: the
    // buttons rest while a file is being written, and only the answer to that request (or a
    // worker that failed meanwhile) ends it.
    let (file, write) = use_painter("");
    let pending = RwSignal::new(None::<FileFormat>);
    let status = RwSignal::new(String::new());
    let save = move |format: FileFormat| {
        let now = reading.with_untracked(|r| r.as_ref().map(Sample::of));
        pending.set(Some(format));
        write(&Drawing::Export {
            timeline: buffer.with_value(Timeline::clone),
            now,
            format,
            settings: settings.get_untracked(),
        });
    };
    Effect::new(move |_| {
        file.with(|f| {
            let Some(format) = pending.get_untracked() else {
                return;
            };
            if f.svg.is_empty() {
                return;
            }
            pending.set(None);
            // (A worker that failed answers with its "could not be drawn" picture.)
            let handed = f.description == format.file_name()
                && download(format.file_name(), format.media_type(), &f.svg).is_ok();
            status.set(if handed {
                format!("Downloading {}.", format.file_name())
            } else {
                format!(
                    "{} could not be written in this browser.",
                    format.file_name()
                )
            });
        });
    });
    // One file at a time.
    let resting = move || pending.get().is_some();
    view! {
        <figure class="panel chart timeline" data-testid="timeline-chart" node_ref=figure>
            <ChartCanvas container=container picture=picture/>
            <div class="downloads" role="group" aria-label="Download the timeline">
                <button type="button" class="action" data-testid="download-csv" disabled=resting on:click=move |_| save(FileFormat::Csv)>
                    "Download CSV"
                </button>
                <button type="button" class="action" data-testid="download-json" disabled=resting on:click=move |_| save(FileFormat::Json)>
                    "Download JSON"
                </button>
                <span class="download-status" role="status" data-testid="download-status">
                    {move || status.get()}
                </span>
            </div>
            <figcaption>
                "The last minute of simulated time, a point for each reading (at most one a "
                "second): requests answered, how "
                "slow the slowest 5% were, and the share that failed (and, with replicas, the "
                "share of stale reads), each against its dashed target. A dotted line marks each "
                "change you made: a setting, a fault on or off."
            </figcaption>
        </figure>
    }
}
