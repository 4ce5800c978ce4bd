//! The last minute of simulated time: throughput, p95 and errors in three panels that share
//! the time axis.

use plotters::prelude::{Color, RGBColor};
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, circle, font, font_px, frame, height_for, label, line, linear_ticks, ms_label,
    render, Area, Frame, INK, PALETTE,
};
use crate::format;
use crate::timeline::{Sample, Timeline, WINDOW_S};

/// A panel: its title with units, its colour, how to read its value, and how to label ticks.
struct Panel {
    title: &'static str,
    colour: RGBColor,
    value: fn(&Sample) -> f64,
    label: fn(f64) -> String,
    /// The smallest top of the y axis, so a quiet system is not drawn as a storm.
    floor: f64,
    /// The largest top of the y axis (100 for a percentage).
    ceiling: f64,
}

const PANELS: [Panel; 3] = [
    Panel {
        title: "Throughput (req/s)",
        colour: PALETTE[3],
        value: |s| s.throughput_rps,
        label: tick,
        floor: 1.0,
        ceiling: f64::INFINITY,
    },
    Panel {
        title: "p95 latency",
        colour: PALETTE[4],
        value: |s| s.p95_ms,
        label: ms_label,
        floor: 200.0,
        ceiling: f64::INFINITY,
    },
    Panel {
        title: "Errors (% of requests)",
        colour: PALETTE[5],
        value: |s| s.error_pct,
        label: |v| format!("{}%", tick(v)),
        floor: 2.0,
        ceiling: 100.0,
    },
];

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
            "The last minute of simulated time. At {:.0} s: {} requests per second, p95 {}, {}% errors.",
            s.time_s,
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

fn draw(root: &Area<'_>, t: &Timeline, width: u32) -> super::DrawResult {
    let px = font_px(width);
    let text = font(px, &INK);
    let end = t.latest().map_or(WINDOW_S, |s| s.time_s.max(WINDOW_S));
    let start = end - WINDOW_S;
    let axis_h = (px * 3.2) as u32;
    let (_, h) = root.dim_in_pixel();
    let panel_h = (h - axis_h) / 3;
    let (top, bottom) = root.split_vertically(panel_h * 2);
    let (first, second) = top.split_vertically(panel_h);
    let areas = [first, second, bottom];
    let x_label = |x: f64| format!("{x:.0}");
    for (i, (panel, area)) in PANELS.iter().zip(&areas).enumerate() {
        let last = i == PANELS.len() - 1;
        let max = t.samples().map(panel.value).fold(0.0, f64::max);
        let y_hi = nice_ceiling(max.max(panel.floor) * 1.1).min(panel.ceiling);

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
        let points: Vec<_> = t
            .samples()
            .map(|s| plot.at(s.time_s, (panel.value)(s)))
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
    fn an_empty_timeline_still_draws_its_axes() {
        let s = svg(&Timeline::new(), 320);
        assert!(s.contains("Throughput (req/s)") && s.contains("Simulated time (s)"));
        assert!(summary(&Timeline::new()).contains("no data yet"));
        assert!(summary(&minute()).contains("At 89 s: 189 requests per second"));
    }
}
