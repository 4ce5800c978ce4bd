use headroom_engine::cost::Cost;
use headroom_engine::failure::{erroring, slow, ERROR_BUDGET, P95_TARGET_MS, STALE_BUDGET};
use headroom_engine::resource::CAUSES;
use headroom_engine::snapshot::Snapshot;
use leptos::prelude::*;

use crate::format;

/// What each failure cause looks like to a user.
fn cause_label(code: &str) -> &'static str {
    match code {
        "queue_full" => "503 queue full",
        "timeout" => "504 timed out",
        "pool_timeout" => "500 no database connection",
        "down" => "502 server down",
        _ => "502 third-party error",
    }
}

fn ms(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        "—".to_owned()
    } else if x < 10.0 {
        format!("{x:.1} ms")
    } else if x < 10_000.0 {
        format!("{} ms", format::grouped(x))
    } else {
        format!("{:.1} s", x / 1e3)
    }
}

fn percent(x: f64) -> String {
    if x == 0.0 {
        "0%".to_owned()
    } else if x < 0.001 {
        "<0.1%".to_owned()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

/// The system's numbers over the last ten simulated seconds: throughput, latency percentiles,
/// errors by cause, stale reads, and the monthly cost. A number past its target says so in
/// words, not only in colour.
#[component]
pub fn LiveMetrics(
    /// The latest snapshot.
    snapshot: Signal<Option<Snapshot>>,
    /// What the running system costs.
    cost: Signal<Cost>,
    /// Whether this stage's operators could see these numbers (observability).
    observed: Signal<bool>,
) -> impl IntoView {
    let get = move |f: fn(&Snapshot) -> f64| snapshot.with(|s| s.as_ref().map_or(0.0, f));
    let check = move |f: fn(&Snapshot) -> bool| snapshot.with(|s| s.as_ref().is_some_and(f));
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

    view! {
        <section class="panel live-metrics" aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Live metrics"</h2>
            <p class="hint">"The last 10 simulated seconds."</p>
            <Show when=move || !observed.get()>
                <p class="note" data-testid="metrics-unobserved">
                    "The simulator can see these numbers; this stage's operators cannot. "
                    "Nothing collects metrics until stage 3."
                </p>
            </Show>
            <dl class="metrics">
                {metric(
                    "Throughput",
                    "metric-throughput",
                    Box::new(move || format!("{} req/s", format::rate(get(|s| s.throughput_rps)))),
                    Box::new(|| false),
                )}
                {metric(
                    "p50 latency",
                    "metric-p50",
                    Box::new(move || ms(get(|s| s.p50_ms))),
                    Box::new(|| false),
                )}
                {metric(
                    "p95 latency",
                    "metric-p95",
                    Box::new(move || ms(get(|s| s.p95_ms))),
                    Box::new(move || check(|s| slow(s.samples, s.p95_ms))),
                )}
                {metric(
                    "p99 latency",
                    "metric-p99",
                    Box::new(move || ms(get(|s| s.p99_ms))),
                    Box::new(|| false),
                )}
                {metric(
                    "Errors",
                    "metric-errors",
                    Box::new(move || percent(get(|s| s.error_rate))),
                    Box::new(move || check(|s| erroring(s.samples, s.error_rate))),
                )}
                {metric(
                    "Stale reads",
                    "metric-stale",
                    Box::new(move || percent(get(|s| s.stale_read_rate))),
                    Box::new(move || check(|s| s.stale_read_rate > STALE_BUDGET)),
                )}
                {metric(
                    "Monthly cost",
                    "metric-cost",
                    Box::new(move || format!("${}", format::grouped(cost.with(|c| c.monthly_usd)))),
                    Box::new(|| false),
                )}
            </dl>
            <h3>"Errors by cause"</h3>
            <ul class="causes" data-testid="errors-by-cause">
                {CAUSES
                    .into_iter()
                    .enumerate()
                    .map(|(i, cause)| {
                        let rate = move || {
                            snapshot.with(|s| s.as_ref().map_or(0.0, |s| s.error_rate_by_cause[i]))
                        };
                        view! {
                            <li data-cause=cause.code() class:active=Signal::derive(move || rate() > 0.0)>
                                <span>{cause_label(cause.code())}</span>
                                <span class="num">{move || percent(rate())}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p class="hint">
                {format!(
                    "Targets: p95 under {} ms, errors under {}%, stale reads under {}%.",
                    P95_TARGET_MS,
                    ERROR_BUDGET * 100.0,
                    STALE_BUDGET * 100.0,
                )}
            </p>
        </section>
    }
}
