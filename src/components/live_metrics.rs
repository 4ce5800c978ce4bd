use headroom_engine::calibration::{ERROR_BUDGET, P95_TARGET_MS, STALE_BUDGET};
use headroom_engine::live::LiveReading;
use headroom_engine::reading::http_status;
use headroom_engine::resource::{Cause, CAUSES};
use leptos::prelude::*;

use crate::format;

/// What each failure cause looks like to a user.
fn cause_label(cause: Cause) -> String {
    let what = match cause {
        Cause::QueueFull => "queue full",
        Cause::Timeout => "timed out",
        Cause::PoolTimeout => "no database connection",
        Cause::Down => "server down",
        Cause::Upstream => "third-party error",
        Cause::Aborted => "transfer aborted",
    };
    format!("{} {what}", http_status(cause))
}

/// A duration for people; "—" when there is none.
fn ms(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        "—".to_owned()
    } else if x < 10.0 {
        format!("{} ms", format::fixed(x, 1))
    } else if x < 10_000.0 {
        format!("{} ms", format::grouped(x))
    } else {
        format!("{} s", format::fixed(x / 1e3, 1))
    }
}

fn percent(x: f64) -> String {
    if x == 0.0 {
        "0%".to_owned()
    } else if x < 0.001 {
        "<0.1%".to_owned()
    } else {
        format!("{}%", format::fixed(x * 100.0, 1))
    }
}

/// The system's numbers over the live window: throughput, latency percentiles, errors by
/// cause, stale reads, and the monthly cost, all from the engine's reading. "Over target"
/// comes from the engine's verdict, the one the diagnosis and the summary read; it says so in
/// words, not only in colour.
#[component]
pub fn LiveMetrics(
    /// The latest reading.
    reading: Signal<Option<LiveReading>>,
    /// Whether this stage's operators could see these numbers (observability).
    observed: Signal<bool>,
) -> impl IntoView {
    let get = move |f: fn(&LiveReading) -> f64| reading.with(|r| r.as_ref().map_or(0.0, f));
    let check = move |f: fn(&LiveReading) -> bool| reading.with(|r| r.as_ref().is_some_and(f));
    let over = |bad: bool| if bad { " · over target" } else { "" };
    let metric = move |label: &'static str,
                       id: &'static str,
                       value: Box<dyn Fn() -> String + Send + Sync>,
                       bad: Box<dyn Fn() -> bool + Send + Sync>| {
        let bad = std::sync::Arc::new(bad);
        let bad2 = std::sync::Arc::clone(&bad);
        view! {
            <div class="metric" class:bad=move || bad()>
                <dt>{label}</dt>
                <dd data-testid=id>{value} <span class="flag">{move || over(bad2())}</span></dd>
            </div>
        }
    };
    let window = move || {
        let s = get(|r| r.reading.window_s);
        format!(
            "The last {} simulated seconds.",
            format::grouped(s.floor().max(0.0))
        )
    };

    view! {
        <section class="panel live-metrics" aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Live metrics"</h2>
            <p class="hint">{window}</p>
            <Show when=move || !observed.get()>
                <p class="note" data-testid="metrics-unobserved">
                    "The simulator can see these numbers; this stage's operators cannot. "
                    "Nothing collects metrics until a later stage adds observability."
                </p>
            </Show>
            <dl class="metrics">
                {metric(
                    "Throughput",
                    "metric-throughput",
                    Box::new(move || format!("{} req/s", format::rate(get(|r| r.reading.throughput_rps)))),
                    Box::new(|| false),
                )}
                {metric(
                    "p50 latency",
                    "metric-p50",
                    Box::new(move || ms(get(|r| r.reading.p50_ms))),
                    Box::new(|| false),
                )}
                {metric(
                    "p95 latency",
                    "metric-p95",
                    Box::new(move || ms(get(|r| r.reading.p95_ms))),
                    Box::new(move || check(|r| r.verdict.slow)),
                )}
                {metric(
                    "p95 of good responses",
                    "metric-ok-p95",
                    Box::new(move || ms(get(|r| r.reading.ok_p95_ms))),
                    Box::new(|| false),
                )}
                {metric(
                    "Errors",
                    "metric-errors",
                    Box::new(move || percent(get(|r| r.reading.error_rate))),
                    Box::new(move || check(|r| r.verdict.erroring)),
                )}
                {metric(
                    "Stale reads",
                    "metric-stale",
                    Box::new(move || percent(get(|r| r.reading.stale_read_rate))),
                    Box::new(move || check(|r| r.verdict.stale)),
                )}
                {metric(
                    "Monthly cost",
                    "metric-cost",
                    Box::new(move || format!("${}", format::grouped(get(|r| r.cost.monthly_usd)))),
                    Box::new(|| false),
                )}
            </dl>
            <h3>"Errors by cause"</h3>
            <ul class="causes" data-testid="errors-by-cause">
                {CAUSES
                    .into_iter()
                    .map(|cause| {
                        let rate = move || {
                            reading.with(|r| {
                                r.as_ref().map_or(0.0, |r| {
                                    let finished = r.reading.completed + r.reading.failed;
                                    if finished == 0 {
                                        0.0
                                    } else {
                                        r.reading.errors.of(cause) as f64 / finished as f64
                                    }
                                })
                            })
                        };
                        view! {
                            <li data-cause=cause.code() class:active=Signal::derive(move || rate() > 0.0)>
                                <span>{cause_label(cause)}</span>
                                <span class="num">{move || percent(rate())}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p class="hint">
                {format!(
                    "Targets: p95 under {} ms, errors under {}%, stale reads under {}%. A failed \
                     request counts as never answered: in the latencies, as the request timeout.",
                    format::grouped(P95_TARGET_MS),
                    format::grouped(ERROR_BUDGET * 100.0),
                    format::grouped(STALE_BUDGET * 100.0),
                )}
            </p>
        </section>
    }
}
