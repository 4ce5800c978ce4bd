//! Vertical scaling's diminishing returns: for each machine of the price ladder in the app
//! server's place, the users the system serves per dollar of machines a month, beside the
//! next stage's figure, from the engine's [`vertical`] ladder (the analytic companion).

use headroom_engine::scenario::Scenario;
use headroom_engine::vertical::{self, Rung};
use headroom_engine::StageId;
use plotters::prelude::{Color, Rectangle};
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, bold_font, font, font_px, frame, height_for, label, linear_ticks, render,
    stage_colour, Area, Frame, INK, MUTED, PAPER,
};
use crate::format;
use crate::knobs::Knob;

/// What the chart shows: the ladder at the stage, the next stage, and the machine in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    /// The stage the ladder is of.
    pub stage: StageId,
    /// Each machine in the app server's place, smallest first.
    pub rungs: Vec<Rung>,
    /// The next stage at its defaults.
    pub next: Option<(StageId, Rung)>,
    /// The machine in use: its place in `rungs`.
    pub current: usize,
}

impl Ladder {
    /// The ladder of `sc`'s stage, with `sc`'s machine marked.
    pub fn of(sc: &Scenario) -> Self {
        Self {
            stage: StageId::of_scenario(sc.stage),
            rungs: vertical::ladder(sc),
            next: vertical::next_stage(sc),
            current: Knob::Machine.value(sc) as usize,
        }
    }

    /// The bars, top to bottom: each machine, then the next stage, with their labels.
    fn bars(&self) -> Vec<(String, &Rung, Bar)> {
        let mut bars: Vec<_> = self
            .rungs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let bar = if i == self.current {
                    Bar::InUse
                } else {
                    Bar::Machine
                };
                (r.name.to_owned(), r, bar)
            })
            .collect();
        if let Some((stage, rung)) = &self.next {
            bars.push((format!("Stage {}", stage.number()), rung, Bar::Next(*stage)));
        }
        bars
    }
}

/// What a bar stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bar {
    /// A machine of the ladder.
    Machine,
    /// The machine in use.
    InUse,
    /// The next stage at its defaults.
    Next(StageId),
}

impl Bar {
    /// The stage whose colour it takes.
    fn colour_of(self, ladder: &Ladder) -> u8 {
        match self {
            Bar::Next(stage) => stage.number(),
            Bar::Machine | Bar::InUse => ladder.stage.number(),
        }
    }
}

/// A bar's figure: "292 per $: 35,485 users for $121 · limit: app CPU"; only the first part
/// on a narrow chart.
fn figure(rung: &Rung, narrow: bool) -> String {
    match (rung.users_per_usd(), rung.serves_users) {
        (Some(per), Some(users)) if narrow => {
            format!(
                "{} per $, {} users",
                format::rate(per),
                format::grouped(users)
            )
        }
        (Some(per), Some(users)) => format!(
            "{} per $: {} users for {} · limit: {}",
            format::rate(per),
            format::grouped(users),
            format::usd(rung.usd_month),
            rung.limit.words()
        ),
        _ => format!("holds past {} users", format::grouped(vertical::USERS.1)),
    }
}

/// For screen readers: every bar's figure, and which machine is in use.
pub fn summary(ladder: &Ladder) -> String {
    let bars: Vec<String> = ladder
        .bars()
        .iter()
        .map(|(name, rung, _)| format!("{name}, {}", figure(rung, false)))
        .collect();
    format!(
        "Daily active users served per dollar of machines a month at stage {}, for each app \
         machine, from the analytic model: {}. In use now: {}.",
        ladder.stage.number(),
        bars.join("; "),
        ladder.rungs[ladder.current].name
    )
}

/// The chart as SVG, `width` pixels wide.
pub fn svg(ladder: &Ladder, width: u32) -> String {
    let height = height_for(width, 0.36, 300);
    render(width, height, |root| draw(root, ladder, width))
}

fn draw(root: &Area<'_>, ladder: &Ladder, width: u32) -> super::DrawResult {
    let px = font_px(width);
    let text = font(px, &INK);
    let bold = bold_font(px, &INK);
    let small = font(px - 1.0, &MUTED);
    let bars = ladder.bars();
    let most = bars
        .iter()
        .filter_map(|(_, r, _)| r.users_per_usd())
        .fold(1.0, f64::max);
    // Room right of the longest bar for its figure.
    let x_hi = most * if width < 480 { 1.05 } else { 2.1 };
    let n = bars.len() as f64;
    let names: Vec<String> = bars.iter().map(|(name, ..)| name.clone()).collect();
    let name_of = |y: f64| {
        let i = (-y).round();
        if (0.0..n).contains(&i) {
            names[i as usize].clone()
        } else {
            String::new()
        }
    };
    let plot = frame(
        root,
        root,
        &Frame {
            x: (0.0, x_hi),
            // Bar i sits at -i, so the smallest machine is on top.
            y: (-(n - 0.5), 0.5),
            x_ticks: linear_ticks(0.0, x_hi, if width < 480 { 3 } else { 6 }),
            y_ticks: (0..bars.len()).map(|i| -(i as f64)).collect(),
            x_label: &|x| format::grouped(x),
            y_label: &name_of,
            x_desc: Some(if width < 480 {
                "Users per $ of machines a month"
            } else {
                "Users served per dollar of machines a month"
            }),
            y_desc: None,
            margin_top: (px * 1.2) as u32,
            margin_right: (px * 1.5) as u32,
            x_area: (px * 3.2) as u32,
            y_area: (px * 6.8) as u32,
        },
        &text,
    )?;
    let half = ((plot.at(0.0, 0.0).1 - plot.at(0.0, -1.0).1).abs() as f64 * 0.32) as i32;
    for (i, &(_, rung, bar)) in bars.iter().enumerate() {
        let y = -(i as f64);
        let (x0, cy) = plot.at(0.0, y);
        let (x1, _) = plot.at(rung.users_per_usd().unwrap_or(0.0), y);
        let colour = stage_colour(bar.colour_of(ladder));
        let current = bar == Bar::InUse;
        let next = matches!(bar, Bar::Next(_));
        // The machine in use is filled; the others are outlined, the next stage's bar filled
        // in its own colour. Each bar is named on the axis, so colour is never the only cue.
        let fill = if current || next {
            colour.filled()
        } else {
            PAPER.filled()
        };
        root.draw(&Rectangle::new(
            [(x0, cy - half), (x1.max(x0 + 1), cy + half)],
            fill,
        ))?;
        root.draw(&Rectangle::new(
            [(x0, cy - half), (x1.max(x0 + 1), cy + half)],
            colour.stroke_width(if current { 3 } else { 2 }),
        ))?;
        let words = if current {
            format!("In use: {}", figure(rung, width < 480))
        } else {
            figure(rung, width < 480)
        };
        let style = if current { &bold } else { &small };
        if width < 480 {
            // A narrow chart puts the figure under the bar's name instead of beside the bar.
            label(
                root,
                &words,
                (x0 + 4, cy + half + 1),
                &anchored(style, HPos::Left, VPos::Top),
            )?;
        } else {
            label(
                root,
                &words,
                (x1 + 6, cy),
                &anchored(style, HPos::Left, VPos::Center),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::texts;

    #[test]
    fn every_machine_and_the_next_stage_is_drawn_with_its_figure() {
        let mut sc = Scenario::for_stage(3, 50_000.0);
        Knob::Machine.apply(&mut sc, 3.0);
        let ladder = Ladder::of(&sc);
        assert_eq!(ladder.rungs[ladder.current].name, "c5.4xlarge");
        let drawn = texts(&svg(&ladder, 640));
        for (name, rung, _) in ladder.bars() {
            assert!(drawn.contains(&name), "{name} in {drawn:?}");
            let words = figure(rung, false);
            assert!(drawn.iter().any(|t| t.ends_with(&words)), "{words}");
        }
        assert!(drawn.iter().any(|t| t.starts_with("In use: ")));
        assert!(drawn.contains(&"Stage 4".to_owned()));
        let said = summary(&ladder);
        assert!(said.contains("In use now: c5.4xlarge."), "{said}");
        // Narrow, it still names every bar.
        let narrow = texts(&svg(&ladder, 300));
        assert!(narrow.contains(&"c5.24xlarge".to_owned()), "{narrow:?}");
    }
}
