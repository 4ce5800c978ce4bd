use leptos::prelude::*;

use crate::dots::DOT_KINDS;

/// What the diagram's moving shapes mean (each kind has its own colour and its own form), and
/// what its outlines, bars and line widths say.
#[component]
pub fn DotLegend() -> impl IntoView {
    view! {
        <ul class="dot-legend" aria-label="Legend">
            {DOT_KINDS
                .iter()
                .map(|&k| {
                    let mut d = String::new();
                    k.shape(&mut d, 8.0, 8.0);
                    view! {
                        <li>
                            <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                                <path class=format!("dots-{}", k.key()) d=d/>
                            </svg>
                            {k.legend()}
                        </li>
                    }
                })
                .collect_view()}
            <li>
                <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                    <rect class="legend-hot" x="1" y="3" width="14" height="10" rx="2"/>
                </svg>
                "A part in trouble (red, dashed outline)"
            </li>
            <li>
                <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                    <rect class="gauge" x="1" y="12" width="14" height="3"/>
                    <rect class="gauge-busy" x="1" y="12" width="9" height="3"/>
                    <rect class="gauge" x="1" y="2" width="14" height="3"/>
                    <rect class="gauge-memory" x="1" y="2" width="5" height="3"/>
                </svg>
                "Bars in a part: how busy (bottom) and its machine's memory (top)"
            </li>
            <li>
                <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                    <line class="edge" x1="1" y1="3" x2="15" y2="3" stroke-width="1.5"/>
                    <line class="edge" x1="1" y1="11" x2="15" y2="11" stroke-width="5"/>
                </svg>
                "Line thickness: requests a second along it (thin a few, thick thousands)"
            </li>
        </ul>
    }
}
