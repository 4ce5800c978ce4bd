//! Where the diagram's edges run: straight where that passes no other part, and otherwise
//! around the parts they do not connect, along the gaps between columns and rows.

use crate::format;

/// A point in SVG units.
pub type Point = (f64, f64);

/// An axis-aligned box in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

impl Rect {
    /// The box `w` by `h` centred on `(x, y)`.
    pub fn centred((x, y): Point, w: f64, h: f64) -> Self {
        Self {
            left: x - w / 2.0,
            top: y - h / 2.0,
            right: x + w / 2.0,
            bottom: y + h / 2.0,
        }
    }

    /// The box grown by `m` on every side.
    pub fn grown(self, m: f64) -> Self {
        Self {
            left: self.left - m,
            top: self.top - m,
            right: self.right + m,
            bottom: self.bottom + m,
        }
    }

    /// Whether the two boxes share any area.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }

    /// Whether the segment from `a` to `b` passes through the box (Liang–Barsky clipping).
    pub fn hit_by(&self, a: Point, b: Point) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-dx, a.0 - self.left),
            (dx, self.right - a.0),
            (-dy, a.1 - self.top),
            (dy, self.bottom - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
                if t0 > t1 {
                    return false;
                }
            }
        }
        true
    }
}

/// An edge's way through the drawing: a polyline, with its length so far at each point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    /// Its points, first to last.
    pub points: Vec<Point>,
    /// Its length up to each point.
    lengths: Vec<f64>,
}

impl Route {
    /// The polyline through `points`.
    pub fn new(points: Vec<Point>) -> Self {
        let mut lengths = Vec::with_capacity(points.len());
        let mut total = 0.0;
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                let q = points[i - 1];
                let (dx, dy) = (p.0 - q.0, p.1 - q.1);
                total += (dx * dx + dy * dy).sqrt();
            }
            lengths.push(total);
        }
        Self { points, lengths }
    }

    /// Its length.
    pub fn length(&self) -> f64 {
        self.lengths.last().copied().unwrap_or(0.0)
    }

    /// The point a share `p` (0 to 1) of the way along it.
    pub fn at(&self, p: f64) -> Point {
        let Some(&first) = self.points.first() else {
            return (0.0, 0.0);
        };
        let want = p.clamp(0.0, 1.0) * self.length();
        let i = self.lengths.partition_point(|&l| l < want);
        if i == 0 {
            return first;
        }
        let (a, b) = (self.points[i - 1], self.points[i]);
        let span = self.lengths[i] - self.lengths[i - 1];
        let t = if span > 0.0 {
            (want - self.lengths[i - 1]) / span
        } else {
            0.0
        };
        (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
    }

    /// The same way, walked backwards.
    pub fn reversed(&self) -> Self {
        Self::new(self.points.iter().rev().copied().collect())
    }

    /// This way, then `next` from where this one ends.
    pub fn then(&self, next: &Route) -> Self {
        let rest = next
            .points
            .iter()
            .skip_while(|&&p| Some(p) == self.points.last().copied());
        Self::new(self.points.iter().chain(rest).copied().collect())
    }

    /// As an SVG path.
    pub fn svg_path(&self) -> String {
        let mut d = String::new();
        for (i, &(x, y)) in self.points.iter().enumerate() {
            d.push_str(if i == 0 { "M" } else { " L" });
            d.push_str(&format!("{} {}", format::fixed(x, 1), format::fixed(y, 1)));
        }
        d
    }

    /// Whether any of its segments passes through `rect`.
    pub fn hits(&self, rect: &Rect) -> bool {
        self.points.windows(2).any(|s| rect.hit_by(s[0], s[1]))
    }
}

/// A bend costs as much as this much more length: a longer way with fewer turns reads better.
const BEND_COST: f64 = 60.0;

/// The way from the part boxed by `boxes[from]` to the one boxed by `boxes[to]` that passes
/// through no other box: straight if it can, else out sideways into the gap beside a column,
/// along the gap, and across, with as few bends and as little length as it takes. `gap` is
/// how far a column's gap lies from a box's centre, sideways. `None` if every way is blocked.
pub fn route(boxes: &[Rect], from: usize, to: usize, gap: f64) -> Option<Route> {
    let centre = |r: &Rect| ((r.left + r.right) / 2.0, (r.top + r.bottom) / 2.0);
    let (a, b) = (centre(&boxes[from]), centre(&boxes[to]));
    let clear = |r: &Route| {
        boxes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != from && i != to)
            .all(|(_, x)| !r.hits(x))
    };
    let toward = if b.0 >= a.0 { 1.0 } else { -1.0 };
    let mut candidates: Vec<Vec<Point>> = vec![vec![a, b]];
    // Bend in a gap beside the start, or beside the end, on either side.
    let mut sides = vec![a.0 + toward * gap, b.0 - toward * gap];
    if (a.0 - b.0).abs() < 1.0 {
        sides = vec![a.0 + gap, a.0 - gap];
    }
    for &x in &sides {
        candidates.push(vec![a, (x, a.1), (x, b.1), b]);
    }
    // Out of the start's gap, along a row's gap, into the end's gap.
    let mut rows: Vec<f64> = boxes
        .iter()
        .flat_map(|r| [r.top - 1.0, r.bottom + 1.0])
        .collect();
    rows.extend(
        boxes
            .windows(2)
            .map(|w| (centre(&w[0]).1 + centre(&w[1]).1) / 2.0),
    );
    let (xa, xb) = (sides[0], sides[sides.len() - 1]);
    for &y in &rows {
        candidates.push(vec![a, (xa, a.1), (xa, y), (xb, y), (xb, b.1), b]);
    }
    candidates
        .into_iter()
        .map(|mut points| {
            points.dedup_by(|p, q| (p.0 - q.0).abs() < 1e-9 && (p.1 - q.1).abs() < 1e-9);
            Route::new(points)
        })
        .filter(clear)
        .min_by(|r, s| cost(r).total_cmp(&cost(s)))
}

/// What a way costs: its length, and each bend.
fn cost(r: &Route) -> f64 {
    r.length() + BEND_COST * r.points.len().saturating_sub(2) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(x: f64, y: f64) -> Rect {
        Rect::centred((x, y), 100.0, 40.0)
    }

    #[test]
    fn a_segment_hits_a_box_it_crosses_and_not_one_it_passes() {
        let r = boxed(100.0, 100.0);
        assert!(r.hit_by((0.0, 100.0), (200.0, 100.0)));
        assert!(r.hit_by((0.0, 0.0), (200.0, 200.0)));
        assert!(r.hit_by((100.0, 100.0), (100.0, 101.0)), "inside");
        assert!(!r.hit_by((0.0, 0.0), (200.0, 0.0)), "above");
        assert!(!r.hit_by((0.0, 0.0), (40.0, 100.0)), "short of it");
        assert!(!r.hit_by((0.0, 300.0), (300.0, 0.0)), "beside the corner");
    }

    #[test]
    fn a_route_walks_its_length_evenly() {
        let r = Route::new(vec![(0.0, 0.0), (30.0, 0.0), (30.0, 40.0)]);
        assert_eq!(r.length(), 70.0);
        assert_eq!(r.at(0.0), (0.0, 0.0));
        assert_eq!(r.at(3.0 / 7.0), (30.0, 0.0));
        assert_eq!(r.at(0.5), (30.0, 5.0));
        assert_eq!(r.at(1.0), (30.0, 40.0));
        assert_eq!(r.at(2.0), (30.0, 40.0), "clamped");
        assert_eq!(r.reversed().at(0.0), (30.0, 40.0));
        assert_eq!(r.svg_path(), "M0.0 0.0 L30.0 0.0 L30.0 40.0");
        let on = r.then(&Route::new(vec![(30.0, 40.0), (60.0, 40.0)]));
        assert_eq!(on.points.len(), 4, "the shared corner once");
        assert_eq!(on.length(), 100.0);
    }

    #[test]
    fn an_edge_goes_straight_when_it_can_and_around_what_is_in_its_way() {
        // Three in a row: the outer two's edge must go around the middle one.
        let boxes = [boxed(0.0, 100.0), boxed(200.0, 100.0), boxed(400.0, 100.0)];
        let straight = route(&boxes, 0, 1, 100.0).unwrap();
        assert_eq!(straight.points, vec![(0.0, 100.0), (200.0, 100.0)]);
        let around = route(&boxes, 0, 2, 100.0).unwrap();
        assert!(around.points.len() > 2, "{:?}", around.points);
        assert!(!around.hits(&boxes[1]), "{:?}", around.points);
        assert_eq!(around.points[0], (0.0, 100.0));
        assert_eq!(*around.points.last().unwrap(), (400.0, 100.0));
        // Boxed in on every side with no way out: no route.
        let walls = [
            boxed(0.0, 0.0),
            Rect {
                left: -1e4,
                top: -1e4,
                right: 1e4,
                bottom: -30.0,
            },
            Rect {
                left: -1e4,
                top: 30.0,
                right: 1e4,
                bottom: 1e4,
            },
            Rect {
                left: 60.0,
                top: -1e4,
                right: 70.0,
                bottom: 1e4,
            },
            boxed(300.0, 0.0),
        ];
        assert_eq!(route(&walls, 0, 4, 100.0), None);
    }
}
