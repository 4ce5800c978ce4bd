//! The charts as plain functions that return SVG text, drawn with plotters' SVG backend.
//!
//! Components put the text into the page; tests read it natively. Nothing here measures
//! text: labels sit on the left and bottom axes, titles and legends are drawn at fixed places
//! (plotters would otherwise measure each label through the DOM in the browser), so the same
//! inputs give the same SVG natively and in wasm.
//!
//! Colours are the Okabe–Ito palette, safe for colour-blind readers, and never the only cue:
//! lines also differ in width, dashes, markers or direct labels. Text, axes and grid use
//! sentinel colours that the stylesheet maps to the page's colours (light or dark).

pub mod cost;
pub mod drawing;
pub mod latency;
pub mod machines;
pub mod timeline;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::format;

/// Okabe–Ito, one colour a stage: orange, sky blue, bluish green, blue, vermillion, reddish
/// purple, black (the palette's yellow is too faint on white for a line). The stylesheet maps
/// black to the page's text colour, so stage 7 stays visible in a dark theme.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x00, 0x00, 0x00),
];

/// Text and axes; the stylesheet maps it to the page's text colour (`fill="#1D2125"`).
pub const INK: RGBColor = RGBColor(0x1D, 0x21, 0x25);
/// Grid lines and reference lines; the stylesheet maps it to the page's border colour.
pub const GRID: RGBColor = RGBColor(0xC9, 0xCE, 0xD4);
/// Backgrounds of labels drawn over lines; mapped to the page's panel colour.
pub const PAPER: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
/// Secondary text (notes, the target line's label); mapped to the page's muted colour.
pub const MUTED: RGBColor = RGBColor(0x56, 0x60, 0x6B);

/// The colour of stage `stage` (1 to 7) in every chart.
pub fn stage_colour(stage: u8) -> RGBColor {
    PALETTE[usize::from(stage.clamp(1, 7) - 1)]
}

/// The height of a chart `width` pixels wide: wide charts are flatter, narrow ones taller.
pub fn height_for(width: u32, aspect: f64, min: u32) -> u32 {
    ((f64::from(width) * aspect) as u32).max(min)
}

/// The width charts are drawn at before the page has been measured.
pub const DEFAULT_WIDTH: u32 = 640;
/// The narrowest chart drawn: a 320-pixel phone less the page's padding.
pub const MIN_WIDTH: u32 = 280;

/// The chart font at `px` CSS pixels (plotters writes sizes divided by 1.24).
pub fn font(px: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from(sans_serif(px)).color(colour)
}

/// [`font`] in bold.
pub fn bold_font(px: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from(sans_serif(px).style(FontStyle::Bold)).color(colour)
}

/// The sans-serif font at `px` CSS pixels. Named by its `FontFamily`, not by a string:
/// plotters lowercases a family given as text, which would bring Unicode's case tables into
/// the wasm.
fn sans_serif(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal)
}

/// Font size for a chart `width` pixels wide.
pub fn font_px(width: u32) -> f64 {
    if width < 480 {
        12.0
    } else {
        14.0
    }
}

/// `style` anchored at `h` and `v`.
pub fn anchored(style: &TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Renders into an SVG string `width` × `height`; an error gives an empty string (the
/// component then shows only its text alternative).
pub fn render(width: u32, height: u32, draw: impl FnOnce(&Area<'_>) -> DrawResult) -> String {
    let mut svg = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root).is_ok() && root.present().is_ok()
    };
    if ok {
        svg
    } else {
        String::new()
    }
}

/// What drawing returns.
pub type DrawResult = Result<(), DrawError>;

/// Drawing failed. Only that it failed matters (the chart is then left out), so the error
/// keeps nothing: boxing plotters' error would bring its and `std::io::Error`'s messages into
/// the wasm.
#[derive(Debug)]
pub struct DrawError;

impl<E: std::error::Error> From<E> for DrawError {
    fn from(_: E) -> Self {
        DrawError
    }
}

/// A drawing area: the whole chart, or a panel of it.
pub type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;

/// A plot's place on the chart and its two linear axes. A log axis is fed the natural log of
/// its values ([`f64::ln`], as plotters' own log scale maps them), so every chart maps its
/// data the same way and one function draws every grid, axis and tick label.
pub struct Plot {
    x: RangedCoordf64,
    y: RangedCoordf64,
    /// Left and right edges of the plot in pixels (the right one excluded).
    left: i32,
    right: i32,
    /// Top and bottom edges in pixels (the bottom one excluded).
    top: i32,
    bottom: i32,
}

impl Plot {
    /// The pixel (on the whole chart) of the point (`x`, `y`), in the values the axes are fed.
    pub fn at(&self, x: f64, y: f64) -> (i32, i32) {
        (
            self.x.map(&x, (self.left, self.right - 1)),
            self.y.map(&y, (self.bottom - 1, self.top)),
        )
    }
}

/// What sets up a plot: its ranges, ticks, tick labels, axis names and room around it.
pub struct Frame<'f> {
    /// The x range, in the values the axis is fed.
    pub x: (f64, f64),
    /// The y range.
    pub y: (f64, f64),
    /// Where the x ticks and their grid lines go.
    pub x_ticks: Vec<f64>,
    /// Where the y ticks and their grid lines go.
    pub y_ticks: Vec<f64>,
    /// An x tick's label.
    pub x_label: &'f dyn Fn(f64) -> String,
    /// A y tick's label.
    pub y_label: &'f dyn Fn(f64) -> String,
    /// The x axis' name and units, if it has one.
    pub x_desc: Option<&'static str>,
    /// The y axis' name and units, if it has one.
    pub y_desc: Option<&'static str>,
    /// Room above the plot, px.
    pub margin_top: u32,
    /// Room right of the plot, px.
    pub margin_right: u32,
    /// Height of the x axis' area under the plot, px (none: no x axis, as for a panel above
    /// another).
    pub x_area: u32,
    /// Width of the y axis' area left of the plot, px.
    pub y_area: u32,
}

/// The plot `f` describes, on `area` (a part of `root`), with its grid, axes, tick labels and
/// axis names drawn in `text`: the one place the charts draw axes, laid out as plotters' mesh
/// lays them out.
pub fn frame(
    root: &Area<'_>,
    area: &Area<'_>,
    f: &Frame<'_>,
    text: &TextStyle<'static>,
) -> Result<Plot, DrawError> {
    let (bx, by) = area.get_base_pixel();
    let (w, h) = area.dim_in_pixel();
    let plot = Plot {
        x: (f.x.0..f.x.1).into(),
        y: (f.y.0..f.y.1).into(),
        left: bx + f.y_area as i32,
        right: bx + w as i32 - f.margin_right as i32,
        top: by + f.margin_top as i32,
        bottom: by + h as i32 - f.x_area as i32,
    };
    let (left, right, top, bottom) = (plot.left, plot.right, plot.top, plot.bottom);
    // The ticks inside an axis's range.
    let kept = |ticks: &[f64], (lo, hi): (f64, f64)| -> Vec<f64> {
        ticks
            .iter()
            .copied()
            .filter(|&v| lo.min(hi) <= v && v <= lo.max(hi))
            .collect()
    };
    let (x_ticks, y_ticks) = (kept(&f.x_ticks, f.x), kept(&f.y_ticks, f.y));
    let ink = INK.stroke_width(1);
    // Tick marks: 5% of the plot's smaller side, 5 px at most; labels twice that away.
    let side = (right - left).min(bottom - top);
    let tick = ((0.05 * f64::from(side)).round() as i32).min(5);

    // The axes' names: the y axis' turned a quarter, centred on the plot's height; the x
    // axis' centred under the plot.
    if let Some(d) = f.y_desc {
        let style = text
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top));
        label(root, d, (bx, top + (bottom - top) / 2), &style)?;
    }
    if let (Some(d), true) = (f.x_desc, f.x_area > 0) {
        let style = anchored(text, HPos::Center, VPos::Bottom);
        let at = (left + (right - left) / 2, bottom + f.x_area as i32);
        label(root, d, at, &style)?;
    }
    // The grid.
    for &x in &x_ticks {
        let (px, _) = plot.at(x, f.y.0);
        line(
            root,
            vec![(px, bottom - 1), (px, top)],
            GRID.stroke_width(1),
        )?;
    }
    for &y in &y_ticks {
        let (_, py) = plot.at(f.x.0, y);
        line(
            root,
            vec![(left, py), (right - 1, py)],
            GRID.stroke_width(1),
        )?;
    }
    // The y axis, its labels and tick marks.
    line(root, vec![(left - 1, top), (left - 1, bottom - 1)], ink)?;
    let y_style = anchored(text, HPos::Right, VPos::Center);
    for &y in &y_ticks {
        let (_, py) = plot.at(f.x.0, y);
        label(root, &(f.y_label)(y), (left - 2 * tick, py), &y_style)?;
        line(root, vec![(left - 1 - tick, py), (left - 1, py)], ink)?;
    }
    // The x axis, its labels and tick marks (none for a panel above another).
    if f.x_area > 0 {
        line(root, vec![(left, bottom), (right - 1, bottom)], ink)?;
        let x_style = anchored(text, HPos::Center, VPos::Top);
        for &x in &x_ticks {
            let (px, _) = plot.at(x, f.y.0);
            label(root, &(f.x_label)(x), (px, bottom + 2 * tick), &x_style)?;
            line(root, vec![(px, bottom), (px, bottom + tick)], ink)?;
        }
    }
    Ok(plot)
}

/// The ticks plotters would pick for a linear axis over `lo..hi` with at most `n` labels.
pub fn linear_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    RangedCoordf64::from(lo..hi).key_points(n)
}

/// The value at a log axis' position `v` (the natural log of it), rounded when it is a
/// whole number but for floating-point noise, so tick labels read "10", not "10.000000001".
pub fn unlog(v: f64) -> f64 {
    let x = v.exp();
    let r = x.round();
    if (x - r).abs() <= 1e-9 * x.abs().max(1.0) {
        r
    } else {
        x
    }
}

/// A line through `points` (pixels on the whole chart); nothing when there are none.
pub fn line(root: &Area<'_>, points: Vec<(i32, i32)>, style: ShapeStyle) -> DrawResult {
    if !points.is_empty() {
        root.draw(&PathElement::new(points, style))?;
    }
    Ok(())
}

/// A dashed line through `points`: dashes `dash` pixels long, `gap` apart.
pub fn dashed_line(
    root: &Area<'_>,
    points: &[(i32, i32)],
    dash: f32,
    gap: f32,
    style: ShapeStyle,
) -> DrawResult {
    for piece in dashes(points, dash, gap) {
        line(root, piece, style)?;
    }
    Ok(())
}

/// The dashes of a dashed line through `points`: pieces `dash` pixels long with `gap` pixels
/// between them, measured along the line (a dash may turn a corner), as plotters' dashed
/// series draws them.
pub fn dashes(points: &[(i32, i32)], dash: f32, gap: f32) -> Vec<Vec<(i32, i32)>> {
    let mut out = Vec::new();
    let Some((&first, rest)) = points.split_first() else {
        return out;
    };
    if dash <= 0.0 {
        return out;
    }
    let pixel = |p: (f32, f32)| (p.0.round() as i32, p.1.round() as i32);
    let mut at = (first.0 as f32, first.1 as f32);
    // How far the current dash (or gap) has gone.
    let mut done = 0f32;
    let mut solid = true;
    let mut piece = vec![first];
    for &(x, y) in rest {
        let to = (x as f32, y as f32);
        while at != to {
            let (dx, dy) = (to.0 - at.0, to.1 - at.1);
            let d = dx.hypot(dy);
            let length = if solid { dash } else { gap };
            let left = length - done;
            if left < d {
                let t = left / d;
                at = (at.0 + dx * t, at.1 + dy * t);
                done += left;
            } else {
                at = to;
                done += d;
            }
            if solid {
                piece.push(pixel(at));
            }
            if done >= length {
                if solid {
                    out.push(std::mem::take(&mut piece));
                } else {
                    piece.push(pixel(at));
                }
                done = 0.0;
                solid = !solid;
            }
        }
    }
    if piece.len() > 1 {
        out.push(piece);
    }
    out
}

/// The box a text takes, in pixels, with its width estimated as the browser's sans-serif
/// draws it (at most about 0.62 of the font's size a character, digits and capitals included;
/// plotters cannot measure text here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextBox {
    /// Left, top, right, bottom.
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl TextBox {
    /// `text` at `px` pixels, anchored at `at` with alignment (`h`, `v`).
    pub fn of(text: &str, px: f64, at: (i32, i32), h: HPos, v: VPos) -> Self {
        let w = (text.chars().count() as f64 * px * 0.62).ceil() as i32;
        let hgt = px.ceil() as i32;
        let left = match h {
            HPos::Left => at.0,
            HPos::Center => at.0 - w / 2,
            HPos::Right => at.0 - w,
        };
        let top = match v {
            VPos::Top => at.1,
            VPos::Center => at.1 - hgt / 2,
            VPos::Bottom => at.1 - hgt,
        };
        Self {
            left,
            top,
            right: left + w,
            bottom: top + hgt,
        }
    }

    /// A square of half-side `r` around `at` (a marker).
    pub fn around(at: (i32, i32), r: i32) -> Self {
        Self {
            left: at.0 - r,
            top: at.1 - r,
            right: at.0 + r,
            bottom: at.1 + r,
        }
    }

    /// Whether the two share any pixel.
    pub fn overlaps(&self, other: &Self) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// Whether it lies within `bounds` (top left, bottom right).
    pub fn inside(&self, ((l, t), (r, b)): ((i32, i32), (i32, i32))) -> bool {
        self.left >= l && self.top >= t && self.right <= r && self.bottom <= b
    }
}

/// Where a label for the mark at `mark` goes: the first of above, below, left and right (above
/// and below centred, then shifted to either side), `gap` pixels from the mark, whose box stays
/// inside `bounds` (top left, bottom right) and clear of every box `taken`. Returns the anchor
/// point, its alignment and the box; the first choice when nothing is clear.
pub fn place_beside(
    text: &str,
    px: f64,
    mark: (i32, i32),
    gap: i32,
    bounds: ((i32, i32), (i32, i32)),
    taken: &[TextBox],
) -> ((i32, i32), HPos, VPos, TextBox) {
    let (x, y) = mark;
    // A second row above and below, for when the first is taken.
    let row = px.ceil() as i32 + 2;
    let candidates = [
        ((x, y - gap), HPos::Center, VPos::Bottom),
        ((x + gap, y - gap), HPos::Left, VPos::Bottom),
        ((x - gap, y - gap), HPos::Right, VPos::Bottom),
        ((x, y + gap), HPos::Center, VPos::Top),
        ((x + gap, y + gap), HPos::Left, VPos::Top),
        ((x - gap, y + gap), HPos::Right, VPos::Top),
        ((x - gap, y), HPos::Right, VPos::Center),
        ((x + gap, y), HPos::Left, VPos::Center),
        ((x, y - gap - row), HPos::Center, VPos::Bottom),
        ((x, y + gap + row), HPos::Center, VPos::Top),
        ((x - gap, y - gap - row), HPos::Right, VPos::Bottom),
        ((x - gap, y + gap + row), HPos::Right, VPos::Top),
    ];
    let boxed =
        |&(at, h, v): &((i32, i32), HPos, VPos)| (at, h, v, TextBox::of(text, px, at, h, v));
    candidates
        .iter()
        .map(boxed)
        .find(|(.., b)| b.inside(bounds) && taken.iter().all(|t| !t.overlaps(b)))
        .unwrap_or_else(|| boxed(&candidates[0]))
}

/// A circle of radius `r` pixels at `at`, filled or outlined as `style` says.
pub fn circle(root: &Area<'_>, at: (i32, i32), r: i32, style: ShapeStyle) -> DrawResult {
    root.draw(&Circle::new(at, r, style))?;
    Ok(())
}

/// `text` at `at` (pixels on `area`), in `style`.
pub fn label(
    area: &Area<'_>,
    text: &str,
    at: (i32, i32),
    style: &TextStyle<'static>,
) -> DrawResult {
    area.draw(&Text::new(text, at, style.clone()))?;
    Ok(())
}

/// Decades from 10 to 10 million: the users axis' ticks.
pub const USER_TICKS: [f64; 7] = crate::log_scale::TICKS;

/// The users axis' ticks for a chart `width` wide: every decade, or every other one when
/// narrow.
pub fn user_ticks(width: u32) -> Vec<f64> {
    if width < 480 {
        USER_TICKS.iter().copied().step_by(2).collect()
    } else {
        USER_TICKS.to_vec()
    }
}

/// `n` user counts spread evenly on a log scale over the users axis, 10 to 10 million.
pub fn user_grid(n: usize) -> Vec<f64> {
    let (lo, hi) = (USER_TICKS[0].log10(), USER_TICKS[6].log10());
    (0..n)
        .map(|i| 10f64.powf(lo + (hi - lo) * i as f64 / (n.max(2) - 1) as f64))
        .collect()
}

/// A user count rounded to two significant digits for a label: 35,410 → "35K".
pub fn approx_users(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) {
        return format::compact(x);
    }
    let magnitude = 10f64.powf(x.log10().floor() - 1.0);
    format::compact((x / magnitude).round() * magnitude)
}

/// A users tick label: "10", "1K", "10M".
pub fn users_label(x: f64) -> String {
    format::compact(x)
}

/// A duration for a label: "80 ms", "1.2 s".
pub fn ms_label(ms: f64) -> String {
    if ms >= 1_000.0 {
        format!("{} s", format::trimmed(ms / 1e3, 1))
    } else {
        format!("{} ms", format::fixed(ms, 0))
    }
}

/// Dollars for a label: "$30", "$1.2K".
pub fn usd_label(usd: f64) -> String {
    if usd < 1_000.0 {
        format!("${}", usd.round())
    } else {
        format!("${}", format::compact(usd))
    }
}

/// Powers of ten from `lo` to `hi` inclusive (both powers of ten).
pub fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().round() as i32, hi.log10().round() as i32);
    (a..=b).map(|e| 10f64.powi(e)).collect()
}

/// The text of every `<text>` element in `svg`, in order (for tests).
#[cfg(test)]
pub(crate) fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_a_person_wrote_them() {
        assert_eq!(ms_label(86.4), "86 ms");
        assert_eq!(ms_label(1_000.0), "1 s");
        assert_eq!(ms_label(12_340.0), "12.3 s");
        assert_eq!(usd_label(30.37), "$30");
        assert_eq!(usd_label(12_500.0), "$12.5K");
        assert_eq!(users_label(1e6), "1M");
        assert_eq!(approx_users(35_410.6), "35K");
        assert_eq!(approx_users(5_175_940.0), "5.2M");
        assert_eq!(approx_users(871.2), "870");
    }

    #[test]
    fn dashes_alternate_along_the_line_and_turn_corners() {
        // 6 on, 4 off along 30 px: dashes at 0-6, 10-16, 20-26.
        assert_eq!(
            dashes(&[(0, 0), (30, 0)], 6.0, 4.0),
            vec![
                vec![(0, 0), (6, 0)],
                vec![(10, 0), (16, 0)],
                vec![(20, 0), (26, 0)],
            ]
        );
        // A dash that reaches a corner carries on round it.
        assert_eq!(
            dashes(&[(0, 0), (4, 0), (4, 10)], 6.0, 4.0),
            vec![vec![(0, 0), (4, 0), (4, 2)], vec![(4, 6), (4, 10)]]
        );
        assert!(dashes(&[], 6.0, 4.0).is_empty());
        assert!(dashes(&[(0, 0), (30, 0)], 0.0, 4.0).is_empty());
    }

    #[test]
    fn the_frame_puts_each_label_at_its_grid_line() {
        let text = font(14.0, &INK);
        let svg = render(640, 384, |root| {
            let plot = frame(
                root,
                root,
                &Frame {
                    x: (0.0, 10.0),
                    y: (0.0, 4.0),
                    x_ticks: vec![0.0, 5.0, 10.0, 11.0],
                    y_ticks: vec![2.0],
                    x_label: &|x| format!("x{x}"),
                    y_label: &|y| format!("y{y}"),
                    x_desc: Some("across"),
                    y_desc: Some("up"),
                    margin_top: 44,
                    margin_right: 21,
                    x_area: 44,
                    y_area: 67,
                },
                &text,
            )?;
            // The plot spans x 67..=618 and y 44..=339.
            assert_eq!(plot.at(0.0, 0.0), (67, 339));
            assert_eq!(plot.at(10.0, 4.0), (618, 44));
            Ok(())
        });
        assert_eq!(texts(&svg), ["up", "across", "y2", "x0", "x5", "x10"]);
        // The y label right-aligned left of the axis, level with its grid line.
        assert!(svg.contains(r#"x="57" y="192" dy="0.5ex" text-anchor="end""#));
        assert!(svg.contains(r#"points="67,192 618,192 ""#));
        // The x label centred under its grid line and tick mark.
        assert!(svg.contains(r#"x="342" y="350" dy="0.76em" text-anchor="middle""#));
        assert!(svg.contains(r#"points="342,339 342,44 ""#));
        assert!(svg.contains(r#"points="342,340 342,345 ""#));
        // The y axis' name is turned a quarter.
        assert!(svg.contains("rotate(270, 0, 192)"));
    }

    #[test]
    fn log_axis_positions_read_back_as_round_values() {
        for v in [10.0, 100.0, 1_000.0, 1e4, 1e7, 30.0, 20_000.0] {
            assert_eq!(unlog(f64::ln(v)), v);
        }
        assert_eq!(users_label(unlog(1e6f64.ln())), "1M");
        assert_eq!(usd_label(unlog(1e4f64.ln())), "$10K");
    }

    #[test]
    fn the_user_grid_spans_the_axis_evenly_in_log() {
        let g = user_grid(61);
        assert_eq!(g.len(), 61);
        assert!((g[0] - 10.0).abs() < 1e-9 && (g[60] - 1e7).abs() < 1e-3);
        assert!((g[10] - 100.0).abs() < 1e-9);
        assert_eq!(decades(10.0, 1e4), vec![10.0, 100.0, 1_000.0, 10_000.0]);
        assert_eq!(user_ticks(320).len(), 4);
    }
}
