//! The last minute of simulated time: throughput, p95 and errors in three panels that share
//! the time axis.

use plotters::prelude::{Color, RGBColor};
use plotters::style::text_anchor::{HPos, VPos};

use headroom_engine::calibration::{ERROR_BUDGET, P95_TARGET_MS, STALE_BUDGET};

use super::{
    anchored, circle, dashed_line, font, font_px, frame, height_for, label, line, linear_ticks,
    ms_label, render, Area, Frame, TextBox, INK, MUTED, PALETTE,
};
use crate::format;
use crate::timeline::{Sample, Timeline, WINDOW_S};

/// A panel: its title with units, its colour, how to read its value, how to label ticks, and
/// the target its value must stay under (from the engine's verdict), drawn as a dashed line.
struct Panel {
    title: &'static str,
    colour: RGBColor,
    /// The sample's value; `None` where the system does not have it (stale reads without
    /// replicas).
    value: fn(&Sample) -> Option<f64>,
    label: fn(f64) -> String,
    /// The smallest top of the y axis, so a quiet system is not drawn as a storm.
    floor: f64,
    /// The largest top of the y axis (100 for a percentage).
    ceiling: f64,
    /// The target, in the panel's units.
    target: Option<f64>,
}

const PANELS: [Panel; 4] = [
    Panel {
        title: "Throughput (req/s)",
        colour: PALETTE[3],
        value: |s| Some(s.throughput_rps),
        label: tick,
        floor: 1.0,
        ceiling: f64::INFINITY,
        target: None,
    },
    Panel {
        title: "p95 latency",
        colour: PALETTE[4],
        value: |s| Some(s.p95_ms),
        label: ms_label,
        floor: 200.0,
        ceiling: f64::INFINITY,
        target: Some(P95_TARGET_MS),
    },
    Panel {
        title: "Errors (% of requests)",
        colour: PALETTE[5],
        value: |s| Some(s.error_pct),
        label: percent,
        floor: 2.0,
        ceiling: 100.0,
        target: Some(ERROR_BUDGET * 100.0),
    },
    Panel {
        title: "Stale reads (% of replica reads)",
        colour: PALETTE[1],
        value: |s| s.stale_pct,
        label: percent,
        floor: 2.0,
        ceiling: 100.0,
        target: Some(STALE_BUDGET * 100.0),
    },
];

fn percent(v: f64) -> String {
    format!("{}%", tick(v))
}

/// A tick value without needless decimals: "0", "200", "0.5".
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format::grouped(v)
    } else {
        format::rate(v)
    }
}

/// A round number at or above `x`: 1, 2 or 5 times a power of ten.
fn nice_ceiling(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&v| v >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * p)
}

/// For screen readers: the newest second's numbers.
pub fn summary(t: &Timeline) -> String {
    match t.latest() {
        None => "The last minute of simulated time: no data yet.".to_owned(),
        Some(s) => format!(
            "The last minute of simulated time. At {} s: {} requests per second, p95 {}, {}% errors.",
            format::fixed(s.time_s, 0),
            format::rate(s.throughput_rps),
            ms_label(s.p95_ms),
            format::rate(s.error_pct)
        ),
    }
}

/// The chart as SVG, `width` pixels wide.
pub fn svg(t: &Timeline, width: u32) -> String {
    let height = height_for(width, 0.7, 360);
    render(width, height, |root| draw(root, t, width))
}

/// The panels a timeline shows: stale reads only for a system with replicas.
fn panels(t: &Timeline) -> &'static [Panel] {
    if t.has_stale_reads() {
        &PANELS
    } else {
        &PANELS[..3]
    }
}

fn draw(root: &Area<'_>, t: &Timeline, width: u32) -> super::DrawResult {
    let px = font_px(width);
    let text = font(px, &INK);
    let muted = font(px * 0.9, &MUTED);
    let end = t.latest().map_or(WINDOW_S, |s| s.time_s.max(WINDOW_S));
    let start = end - WINDOW_S;
    let axis_h = (px * 3.2) as u32;
    let (_, h) = root.dim_in_pixel();
    let panels = panels(t);
    let panel_h = (h - axis_h) / panels.len() as u32;
    // Each panel's area, top to bottom; the last takes the time axis too.
    let mut areas = Vec::with_capacity(panels.len());
    let mut rest = root.clone();
    for _ in 1..panels.len() {
        let (area, below) = rest.split_vertically(panel_h);
        areas.push(area);
        rest = below;
    }
    areas.push(rest);
    let x_label = |x: f64| format::fixed(x, 0).to_string();
    // The top of the first panel's plot, and the last panel's plot (they share the time axis).
    let mut top_px = 0;
    let mut last_plot = None;
    for (i, (panel, area)) in panels.iter().zip(&areas).enumerate() {
        let last = i == panels.len() - 1;
        let max = t.samples().filter_map(panel.value).fold(0.0, f64::max);
        // The target stays in view, with room above it.
        let top = max.max(panel.floor).max(panel.target.unwrap_or(0.0) * 1.5);
        let y_hi = nice_ceiling(top * 1.1).min(panel.ceiling);

        let plot = frame(
            root,
            area,
            &Frame {
                x: (start, end),
                y: (0.0, y_hi),
                x_ticks: linear_ticks(start, end, 7),
                y_ticks: linear_ticks(0.0, y_hi, 3),
                x_label: &x_label,
                y_label: &panel.label,
                x_desc: last.then_some("Simulated time (s)"),
                y_desc: None,
                margin_top: (px * 1.6) as u32,
                margin_right: (px * 1.5) as u32,
                x_area: if last { axis_h } else { 0 },
                y_area: (px * 4.8) as u32,
            },
            &text,
        )?;
        if let Some(target) = panel.target {
            let y = plot.at(start, target).1;
            let (left, right) = (plot.at(start, 0.0).0, plot.at(end, 0.0).0);
            dashed_line(
                root,
                &[(left, y), (right, y)],
                6.0,
                4.0,
                MUTED.stroke_width(2),
            )?;
            // Named at its right end, over the line.
            label(
                root,
                &format!("target {}", (panel.label)(target)),
                (right - 4, y - 3),
                &anchored(&muted, HPos::Right, VPos::Bottom),
            )?;
        }
        if i == 0 {
            top_px = plot.at(start, y_hi).1;
        }
        let points: Vec<_> = t
            .samples()
            .filter_map(|s| (panel.value)(s).map(|v| plot.at(s.time_s, v)))
            .collect();
        line(root, points.clone(), panel.colour.stroke_width(3))?;
        for p in points {
            circle(root, p, 2, panel.colour.filled())?;
        }
        // The panel's title with its units, over its top left corner.
        label(
            area,
            panel.title,
            ((px * 5.2) as i32, (px * 0.2) as i32),
            &anchored(&text, HPos::Left, VPos::Top),
        )?;
        last_plot = Some(plot);
    }
    let Some(plot) = last_plot else {
        return Ok(());
    };
    // What the learner did: a dotted line through every panel at its time, named at the top
    // in the first of two rows where the names before it leave room.
    let mut free_from = [i32::MIN; 2];
    for m in t
        .marks()
        .iter()
        .filter(|m| m.time_s >= start && m.time_s <= end)
    {
        let (x, bottom_px) = plot.at(m.time_s, 0.0);
        dashed_line(
            root,
            &[(x, top_px), (x, bottom_px)],
            3.0,
            3.0,
            INK.stroke_width(1),
        )?;
        if let Some(row) = free_from.iter().position(|&free| x >= free) {
            let name = m.label();
            let y = top_px + 2 + (row as f64 * px * 1.2) as i32;
            label(
                root,
                name,
                (x + 3, y),
                &anchored(&muted, HPos::Left, VPos::Top),
            )?;
            free_from[row] =
                TextBox::of(name, px * 0.9, (x + 3, y), HPos::Left, VPos::Top).right + 6;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute() -> Timeline {
        let mut t = Timeline::new();
        for i in 0..90 {
            let x = f64::from(i);
            t.push(Sample {
                time_s: x + 0.25,
                throughput_rps: 100.0 + x,
                p95_ms: 120.0,
                error_pct: if i > 80 { 3.0 } else { 0.0 },
                stale_pct: None,
            });
        }
        t
    }

    #[test]
    fn round_tops_for_the_y_axes() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(180.0), 200.0);
        assert_eq!(nice_ceiling(200.0), 200.0);
        assert_eq!(nice_ceiling(7_000.0), 10_000.0);
    }

    #[test]
    fn three_panels_with_units_sharing_the_last_minute() {
        let s = svg(&minute(), 640);
        let texts = crate::charts::texts(&s);
        for label in [
            "Throughput (req/s)",
            "p95 latency",
            "Errors (% of requests)",
            "Simulated time (s)",
            "30",
            "80",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "no {label:?} in {texts:?}"
            );
        }
        // One series of dots per panel, one dot per second kept.
        let dots = s.matches("<circle").count();
        assert_eq!(dots, 3 * 61, "{dots}");
    }

    #[test]
    fn targets_are_dashed_lines_named_from_the_engines_verdict() {
        let s = svg(&minute(), 640);
        let texts = crate::charts::texts(&s);
        let p95 = format!("target {}", ms_label(P95_TARGET_MS));
        let errors = format!("target {}%", tick(ERROR_BUDGET * 100.0));
        assert_eq!(p95, "target 500 ms");
        for label in [&p95, &errors] {
            assert!(
                texts.iter().any(|t| t == label),
                "no {label:?} in {texts:?}"
            );
        }
        assert!(
            !texts.iter().any(|t| t.starts_with("Stale reads")),
            "no replicas"
        );
    }

    #[test]
    fn a_system_with_replicas_shows_its_stale_reads_against_their_budget() {
        let mut t = Timeline::new();
        for i in 0..61 {
            let x = f64::from(i);
            t.push(Sample {
                time_s: x + 0.5,
                throughput_rps: 1_000.0,
                p95_ms: 90.0,
                error_pct: 0.0,
                stale_pct: Some(if i > 30 { 4.0 } else { 0.2 }),
            });
        }
        let s = svg(&t, 640);
        let texts = crate::charts::texts(&s);
        let stale = format!("target {}%", tick(STALE_BUDGET * 100.0));
        assert!(texts
            .iter()
            .any(|t| t == "Stale reads (% of replica reads)"));
        // The stale reads' budget, beside the errors' target (the same when both are 1%).
        let errors = format!("target {}%", tick(ERROR_BUDGET * 100.0));
        let expected = if errors == stale { 2 } else { 1 };
        assert_eq!(
            texts.iter().filter(|t| **t == stale).count(),
            expected,
            "{texts:?}"
        );
        assert_eq!(s.matches("<circle").count(), 4 * 61);
    }

    #[test]
    fn the_learners_changes_are_marked_and_named_where_their_names_fit() {
        use crate::timeline::Mark;
        use headroom_engine::live::Changed;
        use headroom_engine::sim::Fault;
        let mut t = minute();
        let spike = |on| Changed::Fault {
            fault: Fault::Spike,
            on,
        };
        let marks = [
            (40.0, Changed::Settings),
            (40.5, spike(true)),
            (41.0, Changed::Settings),
            (70.0, spike(false)),
        ];
        for (time_s, what) in marks {
            t.mark(Mark { time_s, what });
        }
        let texts = crate::charts::texts(&svg(&t, 640));
        for name in ["settings", "spike on", "spike off"] {
            assert!(texts.iter().any(|t| t == name), "no {name:?} in {texts:?}");
        }
        // Close after two others, the third is only a line: both rows of names are taken.
        assert_eq!(
            texts.iter().filter(|t| *t == "settings").count(),
            1,
            "{texts:?}"
        );
    }

    #[test]
    fn an_empty_timeline_still_draws_its_axes() {
        let s = svg(&Timeline::new(), 320);
        assert!(s.contains("Throughput (req/s)") && s.contains("Simulated time (s)"));
        assert!(summary(&Timeline::new()).contains("no data yet"));
        assert!(summary(&minute()).contains("At 89 s: 189 requests per second"));
    }
}
