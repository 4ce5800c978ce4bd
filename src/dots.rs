//! The requests drawn on the diagram: each sampled request on the wire becomes a small shape
//! whose colour *and* form say what it is, and each recent failure a cross where it failed.
//! All shapes of one kind go into one SVG path, so a frame updates a handful of attributes
//! however many requests are drawn.

use std::fmt::Write;

use headroom_engine::reading::Motion;
use headroom_engine::sim::class;

use crate::diagram_layout::{DiagramLayout, Target, NODE_H, NODE_W};

/// The least distance between two dots on an edge, SVG units: a little more than a dot.
pub const DOT_SPACING: f64 = 13.0;

/// What a drawn request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotKind {
    /// A page or a static file on its way through the app tier.
    Page,
    /// Heading to the CDN or the cache.
    Cached,
    /// Heading to a database.
    Database,
    /// A request that writes.
    Write,
    /// A deferred job on its way to or from a worker.
    Job,
    /// A request that just failed, marked where it failed.
    Error,
}

/// Every kind, in the legend's order.
pub const DOT_KINDS: [DotKind; 6] = [
    DotKind::Page,
    DotKind::Cached,
    DotKind::Database,
    DotKind::Write,
    DotKind::Job,
    DotKind::Error,
];

impl DotKind {
    /// The kind of a request of `class` (a job or not) travelling towards `target`.
    pub fn of(class: u8, job: bool, target: Target) -> Self {
        if job || class == class::JOB {
            Self::Job
        } else if class == class::WRITE {
            Self::Write
        } else {
            match target {
                Target::Cached => Self::Cached,
                Target::Data => Self::Database,
                Target::Other => Self::Page,
            }
        }
    }

    /// CSS class suffix and test id.
    pub fn key(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Cached => "cached",
            Self::Database => "database",
            Self::Write => "write",
            Self::Job => "job",
            Self::Error => "error",
        }
    }

    /// What the legend calls it.
    pub fn legend(self) -> &'static str {
        match self {
            Self::Page => "Page or file (circle)",
            Self::Cached => "To the CDN or cache (square)",
            Self::Database => "To a database (diamond)",
            Self::Write => "A write (triangle)",
            Self::Job => "Async job (hollow, dashed)",
            Self::Error => "Failed request (cross)",
        }
    }

    /// Appends this kind's shape centred on (x, y) to an SVG path. Coordinates are whole SVG
    /// units (a thousandth of the diagram's width): integers format far faster than floats,
    /// and this runs for every dot every frame.
    pub fn shape(self, d: &mut String, x: f64, y: f64) {
        let (x, y) = (x.round() as i32, y.round() as i32);
        let _ = match self {
            // A circle as two arcs.
            Self::Page | Self::Job => write!(d, "M{} {y}a5 5 0 1 0 10 0a5 5 0 1 0 -10 0z", x - 5),
            Self::Cached => write!(d, "M{} {}h9v9h-9z", x - 4, y - 4),
            Self::Database => write!(d, "M{x} {}l6 6l-6 6l-6 -6z", y - 6),
            Self::Write => write!(d, "M{x} {}l6 10h-12z", y - 6),
            Self::Error => write!(d, "M{} {}l10 10m0 -10l-10 10", x - 5, y - 5),
        };
    }
}

/// One SVG path per kind (in [`DOT_KINDS`] order): a dot for each hop in the trail, as far
/// along its edge as the hop's age is through the trail's window, and a cross for each recent
/// failure, below the node where it happened, spread out so several stay visible. `since_s`
/// is how many simulated seconds have passed since `motion` was taken: between two motion
/// updates the dots move on by it.
pub fn dot_paths(
    layout: &DiagramLayout,
    motion: &Motion,
    since_s: f64,
) -> [String; DOT_KINDS.len()] {
    let mut paths: [String; DOT_KINDS.len()] = Default::default();
    let index = |k: DotKind| DOT_KINDS.iter().position(|&x| x == k).unwrap_or(0);
    let window = motion.trail_window_s.max(1e-9);
    // Each drawn edge's stretches, one after another, and whether a dot is in each.
    let mut slots = Vec::with_capacity(layout.routes.len());
    let mut total = 0;
    for r in &layout.routes {
        slots.push(total);
        total += (r.length() / DOT_SPACING) as usize + 2;
    }
    let mut taken = vec![false; total + 2];
    for f in &motion.trail {
        let Some(&drawn) = layout.edge_of.get(usize::from(f.edge)) else {
            continue;
        };
        let target = layout
            .edge_target
            .get(usize::from(f.edge))
            .copied()
            .unwrap_or(Target::Other);
        let Some(route) = layout.routes.get(drawn) else {
            continue;
        };
        let p = (f64::from(f.age) + since_s) / window;
        if p > 1.0 {
            continue; // it has arrived
        }
        // At most one dot in each stretch of an edge, so that dots stay distinct at any load:
        // the edge's thickness carries the volume.
        // (A dot's neighbours' stretches must be free too: two dots are a stretch apart.)
        let slot = (slots[drawn] + 1 + (p * route.length() / DOT_SPACING) as usize).min(total);
        if taken[slot - 1..=slot + 1].iter().any(|&t| t) {
            continue;
        }
        taken[slot] = true;
        let kind = DotKind::of(f.class, f.job, target);
        let (x, y) = route.at(p);
        kind.shape(&mut paths[index(kind)], x, y);
    }
    let errors = &mut paths[index(DotKind::Error)];
    for (i, &(res, age)) in motion.failures.iter().enumerate() {
        let Some(&node) = layout.node_of_resource.get(usize::from(res)) else {
            continue;
        };
        if f64::from(age) + since_s > window {
            continue;
        }
        let (cx, cy) = layout.position(node);
        // Around the box's lower edge, one slot per failure.
        let slot = (i % 8) as f64;
        DotKind::Error.shape(
            errors,
            cx - NODE_W / 2.0 + 8.0 + slot * (NODE_W - 16.0) / 7.0,
            cy + NODE_H / 2.0 + 9.0,
        );
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::run;

    #[test]
    fn kinds_follow_the_request_and_where_it_goes() {
        assert_eq!(
            DotKind::of(class::READ, false, Target::Cached),
            DotKind::Cached
        );
        assert_eq!(
            DotKind::of(class::READ, false, Target::Data),
            DotKind::Database
        );
        assert_eq!(
            DotKind::of(class::WRITE, false, Target::Data),
            DotKind::Write
        );
        assert_eq!(
            DotKind::of(class::DEFERRED, true, Target::Other),
            DotKind::Job
        );
        assert_eq!(
            DotKind::of(class::STATIC, false, Target::Other),
            DotKind::Page
        );
    }

    #[test]
    fn every_kind_has_its_own_shape_and_legend() {
        let mut shapes = Vec::new();
        for k in DOT_KINDS {
            let mut d = String::new();
            k.shape(&mut d, 0.0, 0.0);
            assert!(d.starts_with('M'), "{d}");
            shapes.push(d);
            assert!(k.legend().contains('('), "the legend names the shape");
        }
        // A job is a circle drawn hollow and dashed by CSS; the others differ in form.
        shapes.sort();
        shapes.dedup();
        assert_eq!(shapes.len(), DOT_KINDS.len() - 1);
    }

    #[test]
    fn a_busy_stage_draws_requests_of_several_kinds_and_its_failures() {
        let (l, _, s) = run(6, 400_000.0, 20.0);
        let paths = dot_paths(&l, &s, 0.0);
        let drawn: usize = paths[..DOT_KINDS.len() - 1]
            .iter()
            .map(|p| p.matches('M').count())
            .sum();
        // The density cap may leave some out, never most.
        assert!(drawn > 20 && drawn <= s.trail.len(), "{drawn}");
        assert!(drawn * 3 > s.trail.len(), "{drawn} of {}", s.trail.len());
        for k in [DotKind::Page, DotKind::Cached, DotKind::Database] {
            let i = DOT_KINDS.iter().position(|&x| x == k).unwrap();
            assert!(!paths[i].is_empty(), "{k:?}");
        }

        let (l, _, s) = run(3, 400_000.0, 30.0);
        let crosses = dot_paths(&l, &s, 0.0)[DOT_KINDS.len() - 1]
            .matches('M')
            .count();
        assert!(crosses > 0 && crosses == s.failures.len());
        // Later, the dots have moved on and the oldest have arrived.
        let later = dot_paths(&l, &s, s.trail_window_s / 2.0);
        assert!(later.iter().map(|p| p.matches('M').count()).sum::<usize>() < drawn + crosses);
    }

    #[test]
    fn dots_on_an_edge_stay_a_dot_apart_however_many_requests_cross_it() {
        use headroom_engine::trail::Trace;
        let (l, _, _) = run(1, 1_000.0, 1.0);
        let window = 1.0;
        let trace = |age: f32| Trace {
            edge: 0,
            class: 0,
            job: false,
            age,
            weight: 1.0,
        };
        let count = |ages: Vec<f32>| {
            let motion = Motion {
                trail: ages.into_iter().map(trace).collect(),
                trail_window_s: window,
                ..Motion::default()
            };
            dot_paths(&l, &motion, 0.0)
                .iter()
                .map(|p| p.matches('M').count())
                .sum::<usize>()
        };
        let length = l.routes[l.edge_of[0]].length();
        let room = (length / DOT_SPACING) as usize + 1;
        // A thousand requests at once: as many dots as the edge has room for, a dot apart.
        let crowd = count((0..1_000).map(|i| i as f32 / 1_000.0).collect());
        assert!(
            crowd <= room && crowd * 3 >= room,
            "{crowd} of room for {room}"
        );
        // A few, spread out: every one is drawn.
        assert_eq!(count(vec![0.1, 0.5, 0.9]), 3);
        // Two at the same spot: one dot.
        assert_eq!(count(vec![0.5, 0.5]), 1);
    }
}
