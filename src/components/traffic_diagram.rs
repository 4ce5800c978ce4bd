use headroom_engine::snapshot::{Motion, Snapshot};
use headroom_engine::stages::stage_of_failure;
use leptos::prelude::*;

use crate::diagram_layout::{
    gauges, is_hot, state_line, DiagramLayout, HEIGHT, NODE_H, NODE_W, UNKNOWN, WIDTH,
};

/// Memory use from which a node's state line names it.
const MEMORY_NOTE: f64 = 0.75;
/// The gauges' inset from the node's box, SVG units.
const GAUGE_INSET: f64 = 8.0;
use crate::dots::{dot_paths, DOT_KINDS};

/// The drawn nodes a failure's scene labels, with their labels: the scene of the stage that
/// runs into `code`, placed on the nodes of this layout that stand for its parts.
fn scene_labels(layout: &DiagramLayout, code: &str) -> Vec<(usize, &'static str)> {
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    for label in stage_of_failure(code).map_or(&[][..], |s| s.failure_scene) {
        if let Some(i) = layout.node_for(label.node) {
            if !out.iter().any(|&(j, _)| j == i) {
                out.push((i, label.label));
            }
        }
    }
    out
}

/// The stage's system as an SVG diagram: nodes with their live state, edges, requests moving
/// along the edges and failures marked where they happen, all from the engine's snapshot.
/// When a failure fires, its scene labels the parts involved. Pointing at a node, or focusing
/// it with the keyboard, selects it for the details panel.
#[component]
pub fn TrafficDiagram(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest readings of the parts' states, a few times a second.
    snapshot: Signal<Option<Snapshot>>,
    /// The requests moving, every frame.
    motion: Signal<Motion>,
    /// The failure whose scene to draw, if any (the current stage's own).
    failure: Signal<Option<&'static str>>,
    /// The node selected for details.
    selected: RwSignal<Option<usize>>,
) -> impl IntoView {
    let scene = Memo::new(move |_| {
        failure
            .get()
            .map(|code| layout.with(|l| scene_labels(l, code)))
            .unwrap_or_default()
    });
    let edges = move || {
        layout.with(|l| {
            l.edges
                .iter()
                .map(|&(a, b)| {
                    let ((x1, y1), (x2, y2)) = (l.position(a), l.position(b));
                    view! { <line class="edge" x1=x1 y1=y1 x2=x2 y2=y2/> }
                })
                .collect_view()
        })
    };
    let nodes = move || {
        layout.with(|l| {
            let observed = l.observed;
            (0..l.nodes.len())
                .map(|i| {
                    let (cx, cy) = l.position(i);
                    let node = std::sync::Arc::new(l.nodes[i].clone());
                    let label = node.label.clone();
                    let id = node.id.clone();
                    let gauge = {
                        let node = std::sync::Arc::clone(&node);
                        Memo::new(move |_| {
                            snapshot.with(|s| s.as_ref().filter(|_| observed).map(|s| gauges(&node, s)))
                        })
                    };
                    let state = {
                        let node = std::sync::Arc::clone(&node);
                        move || {
                            snapshot.with(|s| match s {
                                Some(_) if !observed => UNKNOWN.to_owned(),
                                Some(s) => {
                                    let line = state_line(&node, s);
                                    match gauge.get().and_then(|g| g.1) {
                                        Some(m) if m >= MEMORY_NOTE => {
                                            format!("{line} · mem {:.0}%", m * 100.0)
                                        }
                                        _ => line,
                                    }
                                }
                                None => String::new(),
                            })
                        }
                    };
                    let (gx, gw) = (cx - NODE_W / 2.0 + GAUGE_INSET, NODE_W - 2.0 * GAUGE_INSET);
                    let busy_width = move || gauge.get().map_or(0.0, |g| g.0 * gw);
                    let memory_width = move || gauge.get().and_then(|g| g.1).map(|m| m * gw);
                    let scene_label =
                        move || scene.with(|sc| sc.iter().find(|&&(j, _)| j == i).map(|&(_, t)| t));
                    let hot = move || {
                        scene_label().is_some_and(|t| !t.starts_with("healthy"))
                            || snapshot.with(|s| s.as_ref().is_some_and(|s| is_hot(&node, s)))
                    };
                    view! {
                        <g
                            class="node"
                            class:hot=hot
                            class:selected=move || selected.get() == Some(i)
                            data-node=id
                            tabindex="0"
                            role="button"
                            aria-label=format!("{label}: show what is inside")
                            on:mouseenter=move |_| selected.set(Some(i))
                            on:focus=move |_| selected.set(Some(i))
                            on:click=move |_| selected.set(Some(i))
                        >
                            <rect
                                x=cx - NODE_W / 2.0
                                y=cy - NODE_H / 2.0
                                width=NODE_W
                                height=NODE_H
                                rx=6
                            />
                            <g class="gauges" aria-hidden="true">
                                <rect class="gauge" x=gx y=cy + NODE_H / 2.0 - 7.0 width=gw height=4/>
                                <rect
                                    class="gauge-busy"
                                    x=gx
                                    y=cy + NODE_H / 2.0 - 7.0
                                    width=busy_width
                                    height=4
                                />
                                {move || {
                                    memory_width()
                                        .map(|w| {
                                            view! {
                                                <rect class="gauge" x=gx y=cy - NODE_H / 2.0 + 3.0 width=gw height=4/>
                                                <rect
                                                    class="gauge-memory"
                                                    x=gx
                                                    y=cy - NODE_H / 2.0 + 3.0
                                                    width=w
                                                    height=4
                                                />
                                            }
                                        })
                                }}
                            </g>
                            <text x=cx y=cy - 5.0 class="node-label">{label.clone()}</text>
                            <text x=cx y=cy + 16.0 class="node-state">{state}</text>
                            {move || {
                                scene_label()
                                    .map(|t| {
                                        view! {
                                            <text
                                                x=cx
                                                y=cy - NODE_H / 2.0 - 8.0
                                                class="scene-label"
                                                data-testid="scene-label"
                                            >
                                                {t}
                                            </text>
                                        }
                                    })
                            }}
                        </g>
                    }
                })
                .collect_view()
        })
    };
    // One path per kind of dot, rebuilt once per frame.
    let paths = Memo::new(move |_| layout.with(|l| motion.with(|m| dot_paths(l, m))));

    view! {
        <svg
            class="diagram-svg"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="group"
            aria-labelledby="diagram-title"
            data-testid="diagram"
        >
            <title id="diagram-title">"The system and the requests moving through it"</title>
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
