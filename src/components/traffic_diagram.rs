use std::fmt::Write;

use headroom_engine::diagnosis::Metric;
use headroom_engine::live::{LiveReading, PartState};
use headroom_engine::reading::Motion;
use leptos::prelude::*;

use crate::diagram_layout::{
    queue_squares, wrap, DiagramLayout, NodeState, Reads, LABEL_LINE_CHARS, NODE_H, NODE_W,
    QUEUE_SQUARE, UNKNOWN,
};
use crate::dots::{dot_paths, DOT_KINDS};
use crate::flow::{edge_rates, stroke_width, MIN_WIDTH};
use crate::format::{self, coord};

/// The gauges' inset from the node's box, SVG units.
const GAUGE_INSET: f64 = 8.0;

/// The drawn nodes the diagnosis's scene labels, with their labels rendered from the
/// measurements (one label a node: the first part of it the scene names).
fn scene_labels(layout: &DiagramLayout, reading: &LiveReading) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for label in reading.diagnosis.iter().flat_map(|d| &d.scene) {
        if let Some(i) = layout.node_for(label.part) {
            if !out.iter().any(|(j, _)| *j == i) {
                out.push((i, scene_text(&label.metric, layout.observed)));
            }
        }
    }
    out
}

/// A scene's label; before observability, a number the operators could not see says so.
fn scene_text(metric: &Metric, observed: bool) -> String {
    seen_or_not(metric.label(), observed)
}

/// A measured label as drawn: marked "(unseen)" before observability.
fn seen_or_not(text: String, observed: bool) -> String {
    if observed {
        text
    } else {
        format!("{text} (unseen)")
    }
}

/// The machines drawn around their parts, as SVG markup: each a dashed outline with its name
/// and memory along its top (how much is in use only once there are metrics), and a gauge.
fn host_markup(layout: &DiagramLayout, parts: Option<&[PartState]>) -> String {
    let mut out = String::new();
    if let Some(r) = layout.network {
        let _ = write!(
            out,
            r#"<g class="network" data-testid="network"><rect class="network-outline" x="{}" y="{}" width="{}" height="{}" rx="14"/><text class="network-label" x="{}" y="{}">Private network</text></g>"#,
            coord(r.left),
            coord(r.top),
            coord(r.right - r.left),
            coord(r.bottom - r.top),
            coord(layout.network_label_x),
            coord(r.top + 17.0),
        );
    }
    for h in &layout.hosts {
        let r = h.rect;
        let memory = parts
            .and_then(|ps| ps.iter().find(|p| p.part == h.part))
            .and_then(|p| p.memory);
        let text = match memory {
            Some((used, capacity)) if layout.observed => format!(
                "memory {}/{} MB",
                format::grouped(used.round()),
                format::grouped(capacity)
            ),
            // Its size is known by design; how much is in use takes metrics.
            Some((_, capacity)) => format!("{} MB memory", format::grouped(capacity)),
            None => String::new(),
        };
        let share = memory
            .filter(|_| layout.observed)
            .map_or(0.0, |(u, c)| (u / c.max(1.0)).clamp(0.0, 1.0));
        let (x, bar_x) = (coord(r.left + 12.0), coord(r.right - 12.0 - HOST_BAR));
        let _ = write!(
            out,
            r#"<g class="host" data-testid="host"><rect class="host-outline" x="{}" y="{}" width="{}" height="{}" rx="10"/><text class="host-label" x="{x}" y="{}">{}</text><text class="host-memory" x="{x}" y="{}">{text}</text><g class="host-gauge" aria-hidden="true"><rect class="gauge" x="{bar_x}" y="{}" width="{}" height="6"/><rect class="gauge-memory" x="{bar_x}" y="{}" width="{}" height="6"/></g></g>"#,
            coord(r.left),
            coord(r.top),
            coord(r.right - r.left),
            coord(r.bottom - r.top),
            coord(r.top + 18.0),
            escaped(&h.label),
            coord(r.top + 39.0),
            coord(r.top + 9.0),
            coord(HOST_BAR),
            coord(r.top + 9.0),
            coord(share * HOST_BAR),
        );
    }
    out
}

/// A scene label above the box centred at (`cx`, `cy`), as SVG markup: a line, or two when
/// it is long, the first above the second.
fn scene_markup(text: &str, cx: f64, cy: f64) -> String {
    let lines = wrap(text, LABEL_LINE_CHARS);
    let mut y = cy - NODE_H / 2.0 - 8.0 - 15.0 * (lines.len() - 1) as f64;
    let mut out = String::new();
    for line in lines {
        let _ = write!(
            out,
            r#"<tspan x="{}" y="{}">{}</tspan>"#,
            coord(cx),
            coord(y),
            escaped(&line)
        );
        y += 15.0;
    }
    out
}

/// `text` made safe inside markup.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

/// A machine's memory gauge, SVG units.
const HOST_BAR: f64 = 50.0;

/// The stage's system as an SVG diagram: nodes with their live state, edges, requests moving
/// along the edges, each edge as thick as the traffic it carries, and failures marked where
/// they happen, all from the engine's reading. A node turns red when the engine measures it in
/// trouble; when a failure is diagnosed, its scene labels the parts that show it with their
/// measured numbers. Pointing at a node, or focusing it with the keyboard, selects it for the
/// details panel; its accessible name is what it shows, its name and state.
#[component]
pub fn TrafficDiagram(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest reading, a few times a second.
    reading: Signal<Option<LiveReading>>,
    /// The requests moving, a few times a second.
    motion: Signal<Motion>,
    /// Simulated seconds since `motion` was taken, every frame: the dots move on by it.
    motion_since_s: Signal<f64>,
    /// The node selected for details.
    selected: RwSignal<Option<usize>>,
    /// What its ids start with: one per diagram on the page.
    #[prop(default = "diagram")]
    name: &'static str,
    /// What pointing at a part does, for screen readers.
    #[prop(default = "Shows what is inside this part, under the diagram.")]
    hint: &'static str,
) -> impl IntoView {
    let (title_id, hint_id) = (format!("{name}-title"), format!("{name}-node-hint"));
    let (labelled_by, node_hint) = (title_id.clone(), hint_id.clone());
    let scene = Memo::new(move |_| {
        reading
            .with(|r| r.as_ref().map(|r| layout.with(|l| scene_labels(l, r))))
            .unwrap_or_default()
    });
    // Each edge's width follows the requests it carries, taken with each reading (twice a
    // second) rather than every frame, so the lines stay steady.
    let widths = Memo::new(move |_| {
        reading.track();
        layout.with(|l| {
            motion.with_untracked(|m| {
                edge_rates(l, m)
                    .into_iter()
                    .map(stroke_width)
                    .collect::<Vec<_>>()
            })
        })
    });
    let edges = move || {
        layout.with(|l| {
            l.edges
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| {
                    let width = move || widths.with(|w| w.get(i).copied().unwrap_or(MIN_WIDTH));
                    view! {
                        <path
                            class="edge"
                            data-testid="edge"
                            data-from=l.nodes[a].id.clone()
                            data-to=l.nodes[b].id.clone()
                            data-via=l.vias[i].map(|v| l.nodes[v].id.clone())
                            d=l.routes[i].svg_path()
                            stroke-width=move || coord(width()).to_string()
                        />
                    }
                })
                .collect_view()
        })
    };
    let nodes = move || {
        let l = layout.get();
        let observed = l.observed;
        (0..l.nodes.len())
            .map(|i| {
                let (cx, cy) = l.position(i);
                let label = l.nodes[i].label.clone();
                let id = l.nodes[i].id.clone();
                let state = Memo::new(move |_| {
                    reading.with(|r| {
                        r.as_ref()
                            .map(|r| layout.with_untracked(|l| NodeState::of(l, i, &r.parts)))
                    })
                });
                let reads = l.reads(i);
                let line = move || match (state.get(), reads) {
                    (None, _) => String::new(),
                    (Some(_), Reads::Purpose(text)) => text.to_owned(),
                    (Some(_), _) if !observed => UNKNOWN.to_owned(),
                    (Some(s), Reads::Load) => s.line(),
                    (Some(_), Reads::Offered) => reading.with(|r| {
                        r.as_ref().map_or(String::new(), |r| {
                            format!("{} req/s", format::rate(r.reading.offered_rps))
                        })
                    }),
                };
                let (gx, gw) = (cx - NODE_W / 2.0 + GAUGE_INSET, NODE_W - 2.0 * GAUGE_INSET);
                let shown = move || state.get().filter(|_| observed);
                let pressure = move || shown().and_then(|s| s.pressure());
                let busy_width = move || coord(shown().map_or(0.0, |s| s.busy() * gw)).to_string();
                let memory_width = move || shown().and_then(|s| s.memory).map(|m| coord(m * gw).to_string());
                let (gx, gw) = (coord(gx).to_string(), coord(gw).to_string());
                let busy_y = coord(cy + NODE_H / 2.0 - 5.0).to_string();
                let memory_y = coord(cy - NODE_H / 2.0 + 3.0).to_string();
                let x = coord(cx).to_string();
                let scene_label = move || {
                    scene.with(|sc| sc.iter().find(|(j, _)| *j == i).map(|(_, t)| t.clone()))
                };
                let hot = move || state.get().is_some_and(|s| s.hot);
                // The requests waiting in front of it, one square each up to a cap (its state
                // line gives the number); held still, so reduced motion keeps them.
                let queue = move || {
                    let waiting = shown().map_or(0, |s| s.waiting);
                    let mut d = String::new();
                    let side = coord(QUEUE_SQUARE);
                    for (x, y) in queue_squares(cx, cy, waiting) {
                        let _ = write!(d, "M{} {}h{side}v{side}h-{side}z", coord(x), coord(y));
                    }
                    (waiting > 0).then(|| {
                        view! {
                            <path class="queue" data-testid="queue" data-waiting=waiting d=d aria-hidden="true"/>
                        }
                    })
                };
                // Requests failing here, per second over the reading's window: held as long as
                // they go on failing, where the moving crosses come and go. Jobs' attempts that
                // fail are retried by the queue: they say so, without the alarm's colour.
                let failed = Memo::new(move |_| {
                    let s = state.get().unwrap_or_default();
                    if s.failed_per_s > 0.0 {
                        let text = format!("✗ {}/s failing", format::rate(s.failed_per_s));
                        (seen_or_not(text, observed), false)
                    } else if s.job_attempts_failed_per_s > 0.0 {
                        let rate = format::rate(s.job_attempts_failed_per_s);
                        (seen_or_not(format!("↻ {rate}/s retried"), observed), true)
                    } else {
                        (String::new(), false)
                    }
                });
                view! {
                    <g
                        class="node"
                        class:hot=hot
                        class:selected=move || selected.get() == Some(i)
                        data-node=id
                        tabindex="0"
                        role="button"
                        aria-describedby=node_hint.clone()
                        on:mouseenter=move |_| selected.set(Some(i))
                        on:focus=move |_| selected.set(Some(i))
                        on:click=move |_| selected.set(Some(i))
                    >
                        <rect
                            x=coord(cx - NODE_W / 2.0).to_string()
                            y=coord(cy - NODE_H / 2.0).to_string()
                            width=coord(NODE_W).to_string()
                            height=coord(NODE_H).to_string()
                            rx=6
                        />
                        <g class="gauges" aria-hidden="true">
                            <rect class="gauge" x=gx.clone() y=busy_y.clone() width=gw.clone() height=4/>
                            <rect
                                class="gauge-busy"
                                x=gx.clone()
                                y=busy_y
                                width=busy_width
                                height=4
                            />
                            {move || {
                                memory_width()
                                    .map(|w| {
                                        view! {
                                            <rect class="gauge" x=gx.clone() y=memory_y.clone() width=gw.clone() height=4/>
                                            <rect
                                                class="gauge-memory"
                                                x=gx.clone()
                                                y=memory_y.clone()
                                                width=w
                                                height=4
                                            />
                                        }
                                    })
                            }}
                        </g>
                        {queue}
                        <text
                            x=x.clone()
                            y=coord(cy + NODE_H / 2.0 + 32.0).to_string()
                            class="failed-mark"
                            class:retried=move || failed.with(|f| f.1)
                        >
                            {move || failed.with(|f| f.0.clone())}
                        </text>
                        <text x=x.clone() y=coord(cy - 9.0).to_string() class="node-label">{label}</text>
                        <text x=x.clone() y=coord(cy + 9.0).to_string() class="node-state">{line}</text>
                        <text x=x y=coord(cy + 23.0).to_string() class="node-pressure">
                            {move || pressure().unwrap_or_default()}
                        </text>
                        {move || {
                            scene_label()
                                .map(|t| {
                                    view! {
                                        <text
                                            class="scene-label"
                                            data-testid="scene-label"
                                            inner_html=scene_markup(&t, cx, cy)
                                        ></text>
                                    }
                                })
                        }}
                    </g>
                }
            })
            .collect_view()
    };
    // The machines that hold several parts, each with its memory, from the parts' states:
    // markup rebuilt with each reading.
    let hosts =
        move || layout.with(|l| reading.with(|r| host_markup(l, r.as_ref().map(|r| &r.parts[..]))));
    // One path per kind of dot, rebuilt once per frame.
    let paths = Memo::new(move |_| {
        let since = motion_since_s.get();
        layout.with(|l| motion.with(|m| dot_paths(l, m, since)))
    });

    view! {
        <svg
            class="diagram-svg"
            viewBox=move || {
                let (x, y, w, h) = layout.with(DiagramLayout::view_box);
                format!("{} {} {} {}", coord(x), coord(y), coord(w), coord(h))
            }
            role="group"
            aria-labelledby=labelled_by
            data-testid="diagram"
        >
            <title id=title_id>"The system and the requests moving through it"</title>
            // A part's button is named by what it shows (its name and state); this says what
            // it does.
            <desc id=hint_id>{hint}</desc>
            <g class="hosts" inner_html=hosts></g>
            <g class="edges">{edges}</g>
            <g class="dots" aria-hidden="true">
                {DOT_KINDS
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        view! {
                            <path
                                class=format!("dots-{}", k.key())
                                data-testid=format!("dots-{}", k.key())
                                d=move || paths.with(|p| p[i].clone())
                            />
                        }
                    })
                    .collect_view()}
            </g>
            <g class="nodes">{nodes}</g>
        </svg>
    }
}
