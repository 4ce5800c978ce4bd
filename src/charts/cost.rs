//! Monthly cost against users for all seven stages, from the engine's cost model.

use headroom_engine::scenario::Scenario;
use headroom_engine::{analytic, cost};
use plotters::prelude::{Color, RGBColor};
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, approx_users, bold_font, circle, dashed_line, decades, font, font_px, frame,
    height_for, label, line, place_beside, render, stage_colour, unlog, usd_label, user_grid,
    user_ticks, users_label, Area, Frame, TextBox, INK, MUTED, PAPER,
};
use crate::format;

/// Points per curve.
const POINTS: usize = 31;

/// Each stage's (users, USD a month) over the users axis, at its defaults, up to where it
/// stops serving: a price for a system that fails is not a price for serving those users.
#[derive(Debug, Clone, PartialEq)]
pub struct CostCurves {
    /// Seven curves, stage 1 first, each ending where its stage stops serving.
    pub stages: Vec<Vec<(f64, f64)>>,
    /// Where each stage stops serving: the analytic companion's first failing users, if it
    /// fails on the users axis.
    pub fails_at: Vec<Option<f64>>,
}

impl CostCurves {
    /// Every stage's monthly cost at its defaults, 10 to 10 million users, up to where it
    /// fails.
    pub fn new() -> Self {
        let users = user_grid(POINTS);
        let (lo, hi) = (users[0], users[users.len() - 1]);
        let fails_at: Vec<Option<f64>> = (1..=7u8)
            .map(|s| analytic::failure_users_of(&Scenario::for_stage(s, lo), lo, hi))
            .collect();
        let stages = (1..=7u8)
            .zip(&fails_at)
            .map(|(s, &fails)| {
                let serving = users
                    .iter()
                    .copied()
                    .filter(|&u| fails.is_none_or(|f| u < f));
                serving
                    .chain(fails)
                    .map(|u| (u, cost::predicted(&Scenario::for_stage(s, u)).monthly_usd))
                    .collect()
            })
            .collect();
        Self { stages, fails_at }
    }

    /// The y axis: whole decades around every cost.
    fn range(&self) -> (f64, f64) {
        let all = self.stages.iter().flatten().map(|p| p.1);
        let lo = all.clone().fold(f64::INFINITY, f64::min).max(1.0);
        let hi = all.fold(0.0, f64::max).max(lo * 10.0);
        (
            10f64.powf(lo.log10().floor()),
            10f64.powf(hi.log10().ceil()),
        )
    }
}

impl Default for CostCurves {
    fn default() -> Self {
        Self::new()
    }
}

/// The current stage's cost at `users`, USD a month.
pub fn cost_now(stage: u8, users: f64) -> f64 {
    cost::predicted(&Scenario::for_stage(stage, users)).monthly_usd
}

/// For screen readers: what the current stage costs now and what the others would, and where
/// this stage stops serving.
pub fn summary(curves: &CostCurves, stage: u8, users: f64) -> String {
    let others: Vec<String> = (1..=7u8)
        .filter(|&s| s != stage)
        .map(|s| format!("stage {s} ${}", format::grouped(cost_now(s, users))))
        .collect();
    let stops = match curves.fails_at[usize::from(stage - 1)] {
        Some(f) => format!(
            " Stage {stage} stops serving above about {} users, where its line ends.",
            approx_users(f)
        ),
        None => String::new(),
    };
    format!(
        "Monthly cost against daily active users for the seven stages. At {} users stage {stage} costs ${} a month; {}.{stops}",
        format::grouped(users),
        format::grouped(cost_now(stage, users)),
        others.join(", ")
    )
}

/// The chart as SVG, `width` pixels wide: every stage, `stage` highlighted, a marker at
/// `users`.
pub fn svg(curves: &CostCurves, stage: u8, users: f64, width: u32) -> String {
    let height = height_for(width, 0.6, 300);
    render(width, height, |root| {
        draw(root, curves, stage, users, width)
    })
}

fn draw(
    root: &Area<'_>,
    curves: &CostCurves,
    stage: u8,
    users: f64,
    width: u32,
) -> super::DrawResult {
    let px = font_px(width);
    let text = font(px, &INK);
    let bold = bold_font(px, &INK);
    let small = font(px - 1.0, &MUTED);
    let (x_lo, x_hi) = (super::USER_TICKS[0], super::USER_TICKS[6]);
    let (y_lo, y_hi) = curves.range();
    let narrow = width < 480;
    let y_ticks: Vec<f64> = decades(y_lo, y_hi)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !narrow || i % 2 == 0)
        .map(|(_, y)| y.ln())
        .collect();
    let plot = frame(
        root,
        root,
        &Frame {
            x: (x_lo.ln(), x_hi.ln()),
            y: (y_lo.ln(), y_hi.ln()),
            x_ticks: user_ticks(width).iter().map(|u| u.ln()).collect(),
            y_ticks,
            x_label: &|x| users_label(unlog(x)),
            y_label: &|y| usd_label(unlog(y)),
            x_desc: Some("Daily active users (log scale)"),
            y_desc: Some("USD a month (log scale)"),
            margin_top: (px * 3.2) as u32,
            margin_right: (px * 2.2) as u32,
            x_area: (px * 3.2) as u32,
            y_area: (px * 5.8) as u32,
        },
        &text,
    )?;
    // Users and dollars to pixels: both axes are logarithmic.
    let at = |u: f64, usd: f64| plot.at(u.ln(), usd.ln());

    // Current users.
    let u = users.clamp(x_lo, x_hi);
    line(root, vec![at(u, y_lo), at(u, y_hi)], INK.stroke_width(1))?;

    // The other stages thin and dashed, the current one thick and solid on top. Each line
    // carries its stage number at its right end, so colour is never the only cue.
    let order = (1..=7u8)
        .filter(|&s| s != stage)
        .chain(std::iter::once(stage));
    // What the label of this stage's cost must stay clear of: the discs and the crosses.
    let mut taken: Vec<TextBox> = Vec::new();
    for s in order {
        let points = &curves.stages[usize::from(s - 1)];
        let colour = stage_colour(s);
        let pixels: Vec<_> = points.iter().map(|&(u, usd)| at(u, usd)).collect();
        let end = pixels.last().copied();
        if s == stage {
            line(root, pixels, colour.stroke_width(4))?;
        } else {
            dashed_line(root, &pixels, 6.0, 4.0, colour.stroke_width(2))?;
        }
        // Where it stops serving: a cross at the line's end.
        if let (Some((x, y)), Some(_)) = (end, curves.fails_at[usize::from(s - 1)]) {
            let r = if s == stage { 7 } else { 5 };
            let style = colour.stroke_width(if s == stage { 4 } else { 3 });
            line(root, vec![(x - r, y - r), (x + r, y + r)], style)?;
            line(root, vec![(x - r, y + r), (x + r, y - r)], style)?;
            taken.push(TextBox::around((x, y), r + 1));
        }
        // Its number in a disc on the line, each stage at its own place along the axis
        // (where the lines are still apart).
        let x = 10f64.powf(1.35 + 0.45 * f64::from(s - 1));
        let on = points.iter().find(|p| p.0 >= x).or(points.last()).copied();
        if let Some((x, y)) = on {
            let disc = at(x, y);
            taken.push(TextBox::around(disc, 10));
            circle(root, disc, 9, PAPER.filled())?;
            circle(
                root,
                disc,
                9,
                colour.stroke_width(if s == stage { 3 } else { 2 }),
            )?;
            label(
                root,
                &s.to_string(),
                disc,
                &anchored(
                    if s == stage { &bold } else { &text },
                    HPos::Center,
                    VPos::Center,
                ),
            )?;
        }
    }

    // This stage's cost now: a dot and the amount; past where it stops serving, no price,
    // but where it stopped.
    let now = cost_now(stage, users);
    let (now_text, mark) = match curves.fails_at[usize::from(stage - 1)] {
        Some(f) if users >= f => (
            format!("stops serving above ≈ {}", approx_users(f)),
            at(f.clamp(x_lo, x_hi), cost_now(stage, f)),
        ),
        _ => {
            circle(root, at(u, now), 6, stage_colour(stage).filled())?;
            circle(root, at(u, now), 6, INK.stroke_width(2))?;
            taken.push(TextBox::around(at(u, now), 7));
            (format!("${}/month", format::grouped(now)), at(u, now))
        }
    };
    // Beside its mark, clear of the discs, the crosses and the plot's edges.
    let bounds = (at(x_lo, y_hi), at(x_hi, y_lo));
    let (place, h, v, _) = place_beside(&now_text, px, mark, 10, bounds, &taken);
    label(root, &now_text, place, &anchored(&bold, h, v))?;

    // The legend, above the plot.
    let y = (px * 1.2) as i32;
    let mut x = (px * 4.8) as i32;
    let sample = |x: i32, dashed: bool, colour: RGBColor| -> super::DrawResult {
        if dashed {
            line(root, vec![(x, y), (x + 8, y)], colour.stroke_width(2))?;
            line(root, vec![(x + 13, y), (x + 21, y)], colour.stroke_width(2))
        } else {
            line(root, vec![(x, y), (x + 21, y)], colour.stroke_width(4))
        }
    };
    sample(x, false, stage_colour(stage))?;
    let name = format!("Stage {stage} (this stage)");
    label(
        root,
        &name,
        (x + 27, y),
        &anchored(&text, HPos::Left, VPos::Center),
    )?;
    x += 27 + (name.len() as f64 * px * 0.58) as i32 + (px * 1.5) as i32;
    sample(x, true, MUTED)?;
    label(
        root,
        "other stages · ✗ stops serving",
        (x + 27, y),
        &anchored(&small, HPos::Left, VPos::Center),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_curves_that_cost_more_with_more_users() {
        let c = CostCurves::new();
        assert_eq!(c.stages.len(), 7);
        for (i, s) in c.stages.iter().enumerate() {
            assert!(s.len() <= POINTS + 1 && s.len() >= 2, "stage {}", i + 1);
            // A curve that fails ends exactly where its stage stops serving.
            if let Some(f) = c.fails_at[i] {
                assert_eq!(s.last().unwrap().0, f, "stage {}", i + 1);
                assert!(s[..s.len() - 1].iter().all(|p| p.0 < f));
            }
            assert!(
                s.windows(2).all(|w| w[1].1 >= w[0].1),
                "stage {} gets cheaper with users",
                i + 1
            );
        }
        // One small VM is the cheapest start, replicas and shards the dearest.
        assert!(c.stages[0][0].1 < c.stages[6][0].1);
        let (lo, hi) = c.range();
        assert!(lo <= c.stages[0][0].1 && hi >= c.stages[6].last().unwrap().1);
    }

    #[test]
    fn each_stage_stops_where_the_companion_says_and_later_stages_go_further() {
        let c = CostCurves::new();
        // Stage 1 runs out of memory below a thousand users (the README's table: 870).
        let one = c.fails_at[0].expect("stage 1 fails");
        assert!((500.0..1_000.0).contains(&one), "{one}");
        // Each stage serves more users than the one before it.
        let ends: Vec<f64> = c.stages.iter().map(|s| s.last().unwrap().0).collect();
        assert!(ends.windows(2).all(|w| w[1] > w[0]), "{ends:?}");
    }

    #[test]
    fn past_its_limit_the_chart_says_where_the_stage_stopped_instead_of_a_price() {
        let c = CostCurves::new();
        let texts = crate::charts::texts(&svg(&c, 1, 100_000.0, 640));
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("stops serving above ≈ ")),
            "{texts:?}"
        );
        assert!(!texts.iter().any(|t| t.ends_with("/month")), "{texts:?}");
        assert!(summary(&c, 1, 100_000.0).contains("Stage 1 stops serving above about"));
    }

    #[test]
    fn the_svg_has_axes_units_a_legend_and_every_stage() {
        let c = CostCurves::new();
        let s = svg(&c, 4, 50_000.0, 640);
        let texts = crate::charts::texts(&s);
        for label in [
            "Daily active users (log scale)",
            "USD a month (log scale)",
            "1K",
            "10M",
            "Stage 4 (this stage)",
            "other stages · ✗ stops serving",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "no {label:?} in {texts:?}"
            );
        }
        for stage in 1..=7u8 {
            assert!(
                texts.contains(&stage.to_string()),
                "no label for stage {stage}"
            );
            let colour = stage_colour(stage);
            let hex = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
            assert!(s.contains(&hex), "no {hex} for stage {stage}");
        }
        let now = format::grouped(cost_now(4, 50_000.0));
        assert!(
            texts.contains(&format!("${now}/month")),
            "no ${now} in {texts:?}"
        );
    }

    #[test]
    fn the_summary_gives_this_stage_and_the_others() {
        let s = summary(&CostCurves::new(), 2, 1_000.0);
        assert!(s.contains("At 1,000 users stage 2 costs $"), "{s}");
        assert!(s.contains("stage 1 $") && s.contains("stage 7 $"), "{s}");
        assert!(!s.contains("stage 2 $"), "{s}");
    }
}
