//! The chart worker, from the page's side. Charts are drawn by a web worker
//! (`src/bin/chart_worker.rs`), so plotters is not in the first load and drawing never holds up
//! a frame. The page starts the worker when a chart first comes near the view, sends it each
//! chart's [`Drawing`] as numbers, and puts the [`Picture`] it sends back (the SVG and its
//! description in words) into the chart. The worker writes the timeline's files the same way
//! ([`use_painter`], [`Drawing::Export`]).
//!
//! The worker lives as long as the charts: the last chart to go terminates it (and frees its
//! handlers), and the next chart to ask starts it again.
//!
//! A chart has at most one drawing at the worker: one asked for while another is being drawn
//! waits, and a newer one replaces it, so a fast simulation or a dragged slider never queues
//! up stale work.

use std::cell::RefCell;

use leptos::html::Figure;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsValue;
use leptos::web_sys::{js_sys, MessageEvent, Worker};

use crate::charts::drawing::{Drawing, Picture};
use crate::started_worker::StartedWorker;
use crate::visibility::use_in_view;

/// How near the view a chart is drawn: within half a screen of it.
const NEAR_VIEW: &str = "50%";

/// The worker's loader (trunk names it after the worker's binary, `data-loader-shim`).
const WORKER_URL: &str = "./chart_worker_loader.js";

/// What a chart shows when it cannot be drawn.
const UNDRAWN: &str = "<p class=\"chart-undrawn\">This chart could not be drawn in this \
                       browser.</p>";

/// Where drawings are made.
enum Painting {
    /// No chart has asked yet, or every chart that had has gone.
    Unstarted,
    /// The worker.
    Worker(Running),
    /// In this thread, by a function the embedder gives ([`draw_in_place`]).
    InPlace(fn(&[f64]) -> Picture),
    /// The worker could not start or stopped: charts show [`UNDRAWN`].
    Failed,
}

/// The worker, and whether it has said it is ready (what is posted before would be lost).
/// Dropping it terminates the worker.
struct Running {
    worker: StartedWorker,
    ready: bool,
}

/// A chart on the page.
struct Chart {
    id: u32,
    picture: WriteSignal<Picture>,
    /// A drawing is at the worker.
    busy: bool,
    /// The drawing to send when the one at the worker comes back.
    waiting: Option<Vec<f64>>,
}

struct Charts {
    painting: Painting,
    /// Where the worker is loaded from instead of [`WORKER_URL`] ([`draw_in_worker`]).
    worker_url: Option<String>,
    charts: Vec<Chart>,
    next_id: u32,
}

thread_local! {
    static CHARTS: RefCell<Charts> = const {
        RefCell::new(Charts {
            painting: Painting::Unstarted,
            worker_url: None,
            charts: Vec::new(),
            next_id: 0,
        })
    };
}

/// Makes charts draw in this thread with `draw` (which gets [`Drawing::encode`]'s numbers),
/// instead of in the worker. The component tests use it: they run without the built worker.
pub fn draw_in_place(draw: fn(&[f64]) -> Picture) {
    CHARTS.with_borrow_mut(|c| c.painting = Painting::InPlace(draw));
}

/// Makes charts draw in a worker loaded from `url` instead of the built one. The component
/// tests use it to start a stand-in worker.
pub fn draw_in_worker(url: String) {
    CHARTS.with_borrow_mut(|c| {
        c.painting = Painting::Unstarted;
        c.worker_url = Some(url);
    });
}

/// The picture of the chart in `figure`: `drawing` drawn whenever it changes while the
/// figure is near the view. Until the first drawing comes back it has no SVG, and
/// `placeholder` as its description.
pub fn use_chart_picture(
    figure: NodeRef<Figure>,
    placeholder: &'static str,
    drawing: impl Fn() -> Drawing + 'static,
) -> ReadSignal<Picture> {
    let in_view = use_in_view(figure, false, NEAR_VIEW);
    let (picture, paint) = use_painter(placeholder);
    Effect::new(move |_| {
        if in_view.get() {
            paint(&drawing());
        }
    });
    picture
}

/// A picture painted on request: the signal, which holds no SVG and `placeholder` as its
/// description until the first comes back, and the function that asks for one. (A file to
/// download is painted this way too: see [`Drawing::Export`].)
pub fn use_painter(placeholder: &'static str) -> (ReadSignal<Picture>, impl Fn(&Drawing) + Copy) {
    let (picture, set_picture) = signal(Picture {
        svg: String::new(),
        description: placeholder.to_owned(),
    });
    let id = CHARTS.with_borrow_mut(|c| {
        let id = c.next_id;
        c.next_id += 1;
        c.charts.push(Chart {
            id,
            picture: set_picture,
            busy: false,
            waiting: None,
        });
        id
    });
    on_cleanup(move || {
        CHARTS.with_borrow_mut(|c| {
            c.charts.retain(|chart| chart.id != id);
            // The last chart takes the worker with it.
            if c.charts.is_empty() && !matches!(c.painting, Painting::InPlace(_)) {
                c.painting = Painting::Unstarted;
            }
        });
    });
    (picture, move |drawing: &Drawing| ask(id, drawing.encode()))
}

/// Sends chart `id`'s `drawing` to be drawn, or keeps it until its last one comes back.
fn ask(id: u32, drawing: Vec<f64>) {
    let done = CHARTS.with_borrow_mut(|c| {
        if matches!(c.painting, Painting::Unstarted) {
            c.painting =
                start_worker(c.worker_url.as_deref()).map_or(Painting::Failed, Painting::Worker);
        }
        let Charts {
            painting, charts, ..
        } = c;
        let chart = charts.iter_mut().find(|chart| chart.id == id)?;
        match painting {
            Painting::Worker(Running { worker, ready, .. }) => {
                if chart.busy || !*ready {
                    chart.waiting = Some(drawing);
                } else if post(worker.worker(), id, &drawing) {
                    chart.busy = true;
                } else {
                    return Some((chart.picture, undrawn()));
                }
                None
            }
            Painting::InPlace(draw) => Some((chart.picture, draw(&drawing))),
            Painting::Failed => Some((chart.picture, undrawn())),
            Painting::Unstarted => None,
        }
    });
    // Set outside the borrow: whatever runs on the change may ask for more.
    if let Some((set_picture, picture)) = done {
        set_picture.set(picture);
    }
}

/// The picture of a chart that cannot be drawn.
fn undrawn() -> Picture {
    Picture {
        svg: UNDRAWN.to_owned(),
        description: "This chart could not be drawn in this browser.".to_owned(),
    }
}

/// Posts `[id, drawing…]` to the worker as a `Float64Array`.
fn post(worker: &Worker, id: u32, drawing: &[f64]) -> bool {
    let message = js_sys::Float64Array::new_with_length(drawing.len() as u32 + 1);
    message.set_index(0, f64::from(id));
    message
        .subarray(1, drawing.len() as u32 + 1)
        .copy_from(drawing);
    worker.post_message(&message).is_ok()
}

/// The worker (from `url`, or the built one), listening, or `None` where workers are missing
/// or refused.
fn start_worker(url: Option<&str>) -> Option<Running> {
    let worker = match url {
        Some(url) => Worker::new(url),
        None => Worker::new(&format!("{WORKER_URL}{}", build_query())),
    }
    .ok()?;
    Some(Running {
        worker: StartedWorker::listen(worker, |e: MessageEvent| answered(&e.data()), |_| failed()),
        ready: false,
    })
}

/// `?v=<build>`, the build's version stamped into index.html, so a new deploy never talks to
/// an old worker from the browser's cache; "" when the page has none (a development build).
pub fn build_query() -> String {
    document()
        .query_selector("meta[name='headroom-build']")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|v| !v.is_empty())
        .map(|v| format!("?v={v}"))
        .unwrap_or_default()
}

/// The worker's message: "ready" once it listens (the charts' waiting drawings go out), then
/// answers, `[id, svg, description]`: each goes into its chart, and that chart's waiting
/// drawing goes out.
fn answered(answer: &JsValue) {
    if answer.as_string().as_deref() == Some("ready") {
        let waiting = CHARTS.with_borrow_mut(|c| {
            if let Painting::Worker(running) = &mut c.painting {
                running.ready = true;
            }
            c.charts
                .iter_mut()
                .filter_map(|chart| Some((chart.id, chart.waiting.take()?)))
                .collect::<Vec<_>>()
        });
        for (id, drawing) in waiting {
            ask(id, drawing);
        }
        return;
    }
    let answer = js_sys::Array::from(answer);
    let (Some(id), Some(svg), Some(description)) = (
        answer.get(0).as_f64(),
        answer.get(1).as_string(),
        answer.get(2).as_string(),
    ) else {
        return;
    };
    let chart = CHARTS.with_borrow_mut(|c| {
        let chart = c
            .charts
            .iter_mut()
            .find(|chart| f64::from(chart.id) == id)?;
        chart.busy = false;
        Some((chart.id, chart.picture, chart.waiting.take()))
    });
    if let Some((id, set_picture, waiting)) = chart {
        // An empty answer means the worker could not read the drawing: keep the last one.
        if !svg.is_empty() {
            set_picture.set(Picture { svg, description });
        }
        if let Some(drawing) = waiting {
            ask(id, drawing);
        }
    }
}

/// The worker failed to load or crashed: it is terminated, and every chart says it could not
/// be drawn.
fn failed() {
    let charts = CHARTS.with_borrow_mut(|c| {
        c.painting = Painting::Failed;
        c.charts
            .iter()
            .map(|chart| chart.picture)
            .collect::<Vec<_>>()
    });
    for set_picture in charts {
        set_picture.set(undrawn());
    }
}
