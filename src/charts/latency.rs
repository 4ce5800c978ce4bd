//! p95 latency against users for a stage and the next, from the engine's analytic companion,
//! with where each is predicted to fail.

use headroom_engine::analytic;
use headroom_engine::analytic::Measure;
use headroom_engine::calibration::P95_TARGET_MS;
use headroom_engine::scenario::Scenario;
use plotters::prelude::Color;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, approx_users, circle, dashed_line, font, font_px, frame, height_for, label, line,
    ms_label, place_beside, render, stage_colour, unlog, user_grid, user_ticks, users_label, Area,
    Frame, TextBox, INK, MUTED,
};
use crate::format;

/// Points per curve: one every tenth of a decade.
const POINTS: usize = 61;
/// The latency axis, ms.
const Y_MIN_MS: f64 = 30.0;
const Y_MAX_MS: f64 = 20_000.0;

/// Where a stage is predicted to fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Daily active users.
    pub users: f64,
    /// p95 just before, ms (where the marker goes; the target when none is predicted).
    pub p95_ms: f64,
    /// The resource that gives out (the companion's bottleneck).
    pub bottleneck: Measure,
}

/// One stage's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Stage number.
    pub stage: u8,
    /// (users, p95 ms) while the stage has a p95 (below capacity).
    pub points: Vec<(f64, f64)>,
    /// Its predicted failure, if it fails by 10 million users.
    pub failure: Option<Failure>,
}

/// The curves the chart draws: the current stage and the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyCurves {
    /// The stage shown.
    pub current: Curve,
    /// The next stage (none after stage 7).
    pub next: Option<Curve>,
}

/// The curve of `sc`'s stage over the users axis.
pub fn curve(sc: &Scenario) -> Curve {
    let users = user_grid(POINTS);
    let failure = analytic::failure_users_of(sc, users[0], users[POINTS - 1]).map(|f| {
        // One prediction a user count. (Indexing rather than converting to an array: the
        // conversion's error would bring the predictions' `Debug` into the wasm.)
        let points = analytic::curve(sc, &[f / 1.002, f]);
        let (before, at) = (&points[0], &points[1]);
        Failure {
            users: f,
            p95_ms: before.p95_ms.unwrap_or(P95_TARGET_MS),
            bottleneck: at.bottleneck,
        }
    });
    // Near the failure the curve turns up fast: more points there, so it reaches the marker.
    let mut grid = users;
    if let Some(f) = &failure {
        grid.retain(|&u| u < f.users / 1.002);
        // Each added point goes in at its place, so the grid stays sorted (no sort routine
        // in the wasm for one short list).
        let near = [0.9, 0.95, 0.98, 0.99, 0.995].map(|k| f.users * k);
        for u in near.into_iter().chain([f.users / 1.002]) {
            let at = grid.partition_point(|&g| g < u);
            grid.insert(at, u);
        }
    }
    let points = grid
        .iter()
        .zip(analytic::curve(sc, &grid))
        .map_while(|(&u, p)| p.p95_ms.map(|ms| (u, ms)))
        .collect();
    Curve {
        stage: sc.stage,
        points,
        failure,
    }
}

/// The curves for `sc`'s stage and the next.
pub fn curves(sc: &Scenario) -> LatencyCurves {
    LatencyCurves {
        current: curve(sc),
        next: sc.next_stage().map(|n| curve(&n)),
    }
}

/// What a bottleneck means to a reader.
pub fn resource_name(id: Measure) -> &'static str {
    id.words()
}

/// One sentence per stage for screen readers: where it fails and why, and `sc`'s p95 at its
/// users.
pub fn summary(sc: &Scenario, c: &LatencyCurves) -> String {
    let users = sc.users;
    let one = |curve: &Curve| match &curve.failure {
        Some(f) => format!(
            "Stage {} is predicted to fail at about {} users ({}).",
            curve.stage,
            format::grouped(f.users),
            resource_name(f.bottleneck)
        ),
        None => format!("Stage {} holds up to 10 million users.", curve.stage),
    };
    let now = match analytic::predict(sc).p95_ms {
        Some(ms) => format!(
            " At {} users its p95 is about {}.",
            format::grouped(users),
            ms_label(ms)
        ),
        None => format!(" At {} users it is over capacity.", format::grouped(users)),
    };
    let mut s = format!(
        "p95 latency against daily active users, from the analytic model. {}{now}",
        one(&c.current)
    );
    if let Some(n) = &c.next {
        s.push(' ');
        s.push_str(&one(n));
    }
    s
}

/// The chart as SVG, `width` pixels wide, with a marker at `users`.
pub fn svg(c: &LatencyCurves, users: f64, width: u32) -> String {
    let height = height_for(width, 0.6, 300);
    render(width, height, |root| draw(root, c, users, width))
}

fn draw(root: &Area<'_>, c: &LatencyCurves, users: f64, width: u32) -> super::DrawResult {
    let px = font_px(width);
    let text = font(px, &INK);
    let small = font(px - 1.0, &MUTED);
    let (x_lo, x_hi) = (super::USER_TICKS[0], super::USER_TICKS[6]);
    let plot = frame(
        root,
        root,
        &Frame {
            x: (x_lo.ln(), x_hi.ln()),
            y: (Y_MIN_MS.ln(), Y_MAX_MS.ln()),
            x_ticks: user_ticks(width).iter().map(|u| u.ln()).collect(),
            y_ticks: [100.0f64, 1_000.0, 10_000.0].map(f64::ln).to_vec(),
            x_label: &|x| users_label(unlog(x)),
            y_label: &|y| ms_label(unlog(y)),
            x_desc: Some("Daily active users (log scale)"),
            y_desc: Some("p95 latency (log scale)"),
            margin_top: (px * 3.2) as u32,
            margin_right: (px * 1.5) as u32,
            x_area: (px * 3.2) as u32,
            y_area: (px * 4.8) as u32,
        },
        &text,
    )?;
    // Users and milliseconds to pixels: both axes are logarithmic.
    let at = |u: f64, ms: f64| plot.at(u.ln(), ms.ln());

    // The target everything is measured against.
    dashed_line(
        root,
        &[at(x_lo, P95_TARGET_MS), at(x_hi, P95_TARGET_MS)],
        6.0,
        4.0,
        MUTED.stroke_width(1),
    )?;
    let target = format!("target {}", ms_label(P95_TARGET_MS));
    let target_at = at(x_lo * 1.3, P95_TARGET_MS * 1.08);
    label(
        root,
        &target,
        target_at,
        &anchored(&small, HPos::Left, VPos::Bottom),
    )?;

    // Current users.
    let u = users.clamp(x_lo, x_hi);
    line(
        root,
        vec![at(u, Y_MIN_MS), at(u, Y_MAX_MS)],
        INK.stroke_width(1),
    )?;
    let right_half = u > 10f64.powf(4.0);
    let users_text = format!("{} users", users_label(users));
    let users_at = at(u * if right_half { 0.9 } else { 1.1 }, Y_MAX_MS * 0.8);
    let users_h = if right_half { HPos::Right } else { HPos::Left };
    label(
        root,
        &users_text,
        users_at,
        &anchored(&text, users_h, VPos::Top),
    )?;

    // The next stage first, so the current one is drawn on top.
    let mut legend = vec![(c.current.stage, "this stage", false)];
    if let Some(n) = &c.next {
        legend.push((n.stage, "next stage", true));
        let colour = stage_colour(n.stage);
        let points: Vec<_> = n.points.iter().map(|&(u, ms)| at(u, ms)).collect();
        dashed_line(root, &points, 10.0, 5.0, colour.stroke_width(3))?;
    }
    let colour = stage_colour(c.current.stage);
    line(
        root,
        c.current.points.iter().map(|&(u, ms)| at(u, ms)).collect(),
        colour.stroke_width(4),
    )?;
    // Each failure's ring, then its label beside its own ring, clear of the other ring and of
    // the label placed before it (this stage's first).
    let bounds = (at(x_lo, Y_MAX_MS), at(x_hi, Y_MIN_MS));
    let marked: Vec<(&Curve, (i32, i32))> = std::iter::once(&c.current)
        .chain(c.next.as_ref())
        .filter_map(|curve| {
            let f = curve.failure.as_ref()?;
            Some((curve, at(f.users, f.p95_ms.clamp(Y_MIN_MS, Y_MAX_MS))))
        })
        .collect();
    let rings: Vec<(i32, i32)> = marked.iter().map(|&(_, ring)| ring).collect();
    let mut taken: Vec<TextBox> = rings
        .iter()
        .map(|&r| TextBox::around(r, RING_R + 2))
        .collect();
    // The target's and the users' labels were placed first.
    taken.push(TextBox::of(
        &target,
        px - 1.0,
        target_at,
        HPos::Left,
        VPos::Bottom,
    ));
    taken.push(TextBox::of(&users_text, px, users_at, users_h, VPos::Top));
    for &(curve, ring) in &marked {
        let stage_colour = stage_colour(curve.stage);
        circle(root, ring, RING_R, INK.stroke_width(2))?;
        circle(root, ring, 4, stage_colour.filled())?;
        let Some(f) = &curve.failure else { continue };
        let text = if width < 480 {
            format!("{} fails", approx_users(f.users))
        } else {
            format!("stage {} fails ≈ {}", curve.stage, approx_users(f.users))
        };
        let (at, h, v, b) = place_beside(&text, px - 1.0, ring, RING_R + 4, bounds, &taken);
        taken.push(b);
        label(root, &text, at, &anchored(&small, h, v))?;
    }

    // The legend, above the plot: a line sample and its name.
    let mut x = (px * 4.8) as i32;
    let y = (px * 1.2) as i32;
    for (stage, what, dashed) in legend {
        let colour = stage_colour(stage);
        if dashed {
            line(root, vec![(x, y), (x + 10, y)], colour.stroke_width(3))?;
            line(root, vec![(x + 16, y), (x + 26, y)], colour.stroke_width(3))?;
        } else {
            line(root, vec![(x, y), (x + 26, y)], colour.stroke_width(4))?;
        }
        let name = format!("Stage {stage} ({what})");
        label(
            root,
            &name,
            (x + 32, y),
            &anchored(&text, HPos::Left, VPos::Center),
        )?;
        x += 32 + (name.len() as f64 * px * 0.58) as i32 + (px * 1.5) as i32;
    }
    Ok(())
}

/// A failure ring's radius, pixels.
const RING_R: i32 = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_end_at_capacity_and_mark_where_they_fail() {
        let c = curves(&Scenario::for_stage(3, 1_000.0));
        let f = c.current.failure.as_ref().unwrap();
        assert!((20_000.0..60_000.0).contains(&f.users), "{f:?}");
        assert_eq!(
            f.bottleneck,
            Measure::Resource(
                headroom_engine::parts::Tier::App,
                headroom_engine::parts::Role::Cores
            )
        );
        assert!(c.current.points.last().unwrap().0 < 60_000.0);
        let next = c.next.as_ref().unwrap();
        assert_eq!(next.stage, 4);
        assert!(next.failure.as_ref().unwrap().users > f.users * 2.0);
    }

    #[test]
    fn the_svg_has_axes_units_a_legend_and_the_failure_marker() {
        let c = curves(&Scenario::for_stage(3, 1_000.0));
        let s = svg(&c, 1_000.0, 640);
        let texts = crate::charts::texts(&s);
        assert!(s.starts_with("<svg"), "{}", &s[..80.min(s.len())]);
        for label in [
            "Daily active users (log scale)",
            "p95 latency (log scale)",
            "10",
            "1K",
            "10M",
            "100 ms",
            "1 s",
            "target 500 ms",
            "Stage 3 (this stage)",
            "Stage 4 (next stage)",
            "1K users",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "no {label:?} in {texts:?}"
            );
        }
        let f = approx_users(c.current.failure.as_ref().unwrap().users);
        let label = format!("stage 3 fails ≈ {f}");
        assert!(texts.contains(&label), "no {label:?} in {texts:?}");
        // Both curves are drawn in their stage colours.
        assert!(s.contains("#009E73") && s.contains("#0072B2"));
    }

    #[test]
    fn narrow_charts_thin_their_ticks_and_stay_readable() {
        let c = curves(&Scenario::for_stage(5, 1_000.0));
        let texts = crate::charts::texts(&svg(&c, 1_000.0, 300));
        let has = |x: &str| texts.iter().any(|t| t == x);
        assert!(has("1K") && has("100K") && !has("100"), "{texts:?}");
        assert!(texts.iter().any(|t| t.ends_with(" fails")), "{texts:?}");
    }

    #[test]
    fn the_summary_names_the_failure_points() {
        let c = curves(&Scenario::for_stage(1, 100.0));
        let s = summary(&Scenario::for_stage(1, 100.0), &c);
        assert!(s.contains("Stage 1 is predicted to fail at about"), "{s}");
        assert!(s.contains("(memory)"), "{s}");
        assert!(s.contains("Stage 2 is predicted to fail"), "{s}");
        assert!(s.contains("At 100 users its p95 is about"), "{s}");
        let last = curves(&Scenario::for_stage(7, 100.0));
        let s = summary(&Scenario::for_stage(7, 100.0), &last);
        assert_eq!(s.matches("Stage").count(), 1, "{s}");
    }
}
