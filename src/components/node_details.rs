use headroom_engine::live::LiveReading;
use leptos::prelude::*;

use crate::diagram_layout::DiagramLayout;
use crate::format;

fn pct(x: Option<f64>) -> String {
    x.map_or("—".to_owned(), |x| {
        format!("{}%", format::fixed(x * 100.0, 0))
    })
}

fn wait(x: Option<f64>) -> String {
    match x {
        None => "unbounded (over capacity)".to_owned(),
        Some(w) if w < 10.0 => format!("{} ms", format::fixed(w, 2)),
        Some(w) => format!("{} ms", format::grouped(w)),
    }
}

/// One row per resource of a drawn node.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    servers: String,
    arrivals: String,
    measured_util: String,
    theory_util: String,
    measured_wait: String,
    theory_wait: String,
}

fn rows(layout: &DiagramLayout, node: usize, r: &LiveReading) -> Vec<Row> {
    let Some(n) = layout.nodes.get(node) else {
        return Vec::new();
    };
    // A pool of many app servers shows its first few members' resources.
    n.resources
        .iter()
        .filter_map(|&i| r.reading.resources.get(i))
        .take(8)
        .map(|x| {
            let theory = x.theory.as_ref();
            Row {
                id: x.id.name(&layout.names),
                servers: if x.servers == 0 {
                    "no limit".to_owned()
                } else {
                    format!("{}/{} busy, {} waiting", x.busy, x.servers, x.queue_len)
                },
                arrivals: format!("{}/s", format::rate(x.arrivals_per_s)),
                measured_util: if x.servers == 0 {
                    "—".to_owned()
                } else {
                    pct(Some(x.utilization))
                },
                theory_util: pct(theory.map(|t| t.utilization)),
                measured_wait: format!("{} ms", format::fixed(x.mean_wait_ms, 2)),
                theory_wait: match theory {
                    Some(t) => wait(t.mean_wait_ms),
                    None => "—".to_owned(),
                },
            }
        })
        .collect()
}

/// The node under the pointer or keyboard focus: each of its resources, measured beside what
/// Erlang C predicts from the measured arrival rate and service time.
#[component]
pub fn NodeDetails(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest reading.
    reading: Signal<Option<LiveReading>>,
    /// The drawn node shown, if any.
    selected: Signal<Option<usize>>,
) -> impl IntoView {
    let table = move || {
        let node = selected.get()?;
        let observed = layout.with(|l| l.observed);
        let name = layout.with(|l| l.nodes.get(node).map(|n| n.label.clone()))?;
        if !observed {
            return Some(
                view! {
                    <h3>{name}</h3>
                    <p data-testid="node-details-unobserved">
                        "No metrics at this stage: nobody can see inside this machine until a later stage adds observability."
                    </p>
                }
                    .into_any(),
            );
        }
        let rows = reading.with(|r| r.as_ref().map(|r| layout.with(|l| rows(l, node, r))))?;
        let window = reading.with(|r| r.as_ref().map_or(0.0, |r| r.reading.window_s));
        Some(
            view! {
                <h3>{name}</h3>
                <table data-testid="node-details-table">
                    <caption>
                        {format!(
                            "Measured over the last {} simulated seconds, beside what queueing theory \
                             (Erlang C, for M/M/c queues) predicts from the same seconds' arrivals \
                             and service times",
                            format::grouped(window.floor()),
                        )}
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">"Resource"</th>
                            <th scope="col">"Now"</th>
                            <th scope="col">"Arrivals"</th>
                            <th scope="col">"Utilization, measured"</th>
                            <th scope="col">"Utilization, theory predicts"</th>
                            <th scope="col">"Mean wait, measured"</th>
                            <th scope="col">"Mean wait, theory predicts"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr>
                                        <th scope="row">{r.id}</th>
                                        <td>{r.servers}</td>
                                        <td>{r.arrivals}</td>
                                        <td>{r.measured_util}</td>
                                        <td>{r.theory_util}</td>
                                        <td>{r.measured_wait}</td>
                                        <td>{r.theory_wait}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        )
    };

    view! {
        <section
            class="panel node-details"
            aria-labelledby="node-details-title"
            data-testid="node-details"
        >
            <h2 id="node-details-title">"Inside a part"</h2>
            {move || {
                table()
                    .unwrap_or_else(|| {
                        view! {
                            <p class="hint">
                                "Point at a part of the diagram, or Tab to it, to see inside it."
                            </p>
                        }
                            .into_any()
                    })
            }}
        </section>
    }
}
