//! Flow along the diagram's edges, shown by line thickness: each drawn edge's width follows
//! the requests it carries, measured from the engine's trail of hops. With reduced motion the
//! diagram draws no moving dots, and the thickness still shows where the traffic goes.

use headroom_engine::reading::Motion;

use crate::diagram_layout::DiagramLayout;

/// The width of an edge that carries (almost) nothing, SVG units.
pub const MIN_WIDTH: f64 = 1.5;
/// The widest edge, SVG units.
pub const MAX_WIDTH: f64 = 14.0;
/// Extra width for each factor of ten in the rate, SVG units.
pub const WIDTH_PER_DECADE: f64 = 2.5;
/// The rate drawn at [`MIN_WIDTH`], hops per simulated second: anything less is a trickle.
pub const MIN_RATE: f64 = 1.0;

/// Hops per simulated second along each drawn edge (in `layout.edges` order) over the trail's
/// window: each kept hop counts for the hops it stands for, and an app pool's edges add up.
pub fn edge_rates(layout: &DiagramLayout, motion: &Motion) -> Vec<f64> {
    let mut rates = vec![0.0; layout.edges.len()];
    let window = motion.trail_window_s;
    if window <= 0.0 {
        return rates;
    }
    for t in &motion.trail {
        if let Some(rate) = layout
            .edge_of
            .get(usize::from(t.edge))
            .and_then(|&d| rates.get_mut(d))
        {
            *rate += f64::from(t.weight) / window;
        }
    }
    rates
}

/// The stroke width for `rate` hops a second: logarithmic, since rates span six orders of
/// magnitude, from [`MIN_WIDTH`] at [`MIN_RATE`] or less up to [`MAX_WIDTH`], in half units so
/// that the wobble of the measure does not redraw the lines.
pub fn stroke_width(rate: f64) -> f64 {
    if rate.is_nan() || rate <= MIN_RATE {
        return MIN_WIDTH;
    }
    let w = MIN_WIDTH + WIDTH_PER_DECADE * (rate / MIN_RATE).log10();
    (w.min(MAX_WIDTH) * 2.0).round() / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::run;
    use headroom_engine::scenario::Scenario;

    #[test]
    fn the_width_grows_with_the_logarithm_of_the_rate() {
        assert_eq!(stroke_width(0.0), MIN_WIDTH);
        assert_eq!(stroke_width(f64::NAN), MIN_WIDTH);
        assert_eq!(stroke_width(-3.0), MIN_WIDTH);
        assert_eq!(stroke_width(1.0), MIN_WIDTH);
        assert_eq!(stroke_width(10.0), 4.0);
        assert_eq!(stroke_width(100.0), 6.5);
        assert_eq!(stroke_width(1_000.0), 9.0);
        assert_eq!(stroke_width(1e9), MAX_WIDTH);
        // Monotone, and a 10% wobble moves it by half a unit at most.
        let mut last = 0.0;
        for i in 0..200 {
            let rate = 10f64.powf(f64::from(i) / 25.0);
            let w = stroke_width(rate);
            assert!(w >= last);
            assert!(stroke_width(rate * 1.1) - w <= 0.5);
            last = w;
        }
    }

    #[test]
    fn the_rates_follow_the_traffic_each_edge_carries() {
        // Stage 5 at 400,000 users: the CDN serves most requests, so the users' edge to it
        // carries more than the app's edge to the database; and the rates add up to the hops.
        let (layout, _, motion) = run(5, 400_000.0, 20.0);
        let rates = edge_rates(&layout, &motion);
        assert_eq!(rates.len(), layout.edges.len());
        let edge = |from: &str, to: &str| {
            let (a, b) = (
                layout.nodes.iter().position(|n| n.id == from).unwrap(),
                layout.nodes.iter().position(|n| n.id == to).unwrap(),
            );
            rates[layout.edges.iter().position(|&e| e == (a, b)).unwrap()]
        };
        let to_cdn = edge("users", "cdn");
        assert!(to_cdn > 100.0, "{to_cdn}");
        assert!(rates.iter().all(|r| r.is_finite() && *r >= 0.0));
        assert!(rates.iter().any(|&r| r > 0.0 && r < to_cdn));
        let sc = Scenario::for_stage(5, 400_000.0);
        let offered = sc.network_rps() * sc.network_static_share();
        // Every static request that reaches the network crosses the users' edge to the CDN
        // once.
        assert!(
            (to_cdn / offered - 1.0).abs() < 0.5,
            "{to_cdn} vs {offered}"
        );

        // Ten times fewer users: thinner lines.
        let (_, _, quiet) = run(5, 40_000.0, 20.0);
        let few = edge_rates(&layout, &quiet);
        assert!(stroke_width(few.iter().copied().fold(0.0, f64::max)) < stroke_width(to_cdn));
    }
}
