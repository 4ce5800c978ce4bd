//! Number formatting for people: thousands separators, compact ticks, rates.
//!
//! Every number the page prints goes through the engine's [`fixed`] (which the engine's own
//! sentences use too): it rounds with integer arithmetic, so the page's wasm carries none of
//! the standard library's float printing.

pub use headroom_engine::numbers::{decimal, fixed, trimmed, Fixed};

/// A length or position in SVG units, to a tenth: finer than a pixel at any size the diagram
/// is drawn.
pub fn coord(v: f64) -> Fixed {
    fixed(v, 1)
}

/// `x` rounded to a whole number with thousands separators: 1234567 → "1,234,567".
pub fn grouped(x: f64) -> String {
    if x.is_finite() {
        headroom_engine::numbers::grouped(x)
    } else {
        "—".to_owned()
    }
}

/// Dollars: to the cent under $100 ("$8.50"), else whole and grouped ("$2,940").
pub fn usd(x: f64) -> String {
    if x < 100.0 {
        format!("${}", fixed(x, 2))
    } else {
        format!("${}", grouped(x))
    }
}

/// A short label for a round number: 1000 → "1K", 2500000 → "2.5M".
pub fn compact(x: f64) -> String {
    let (value, suffix) = match x.abs() {
        a if a >= 1e9 => (x / 1e9, "B"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e3 => (x / 1e3, "K"),
        _ => (x, ""),
    };
    format!("{}{suffix}", trimmed(value, 1))
}

/// A rate with precision that suits its size: "0.35", "3.5", "35", "3,472".
pub fn rate(x: f64) -> String {
    match x.abs() {
        a if !a.is_finite() => "—".to_owned(),
        a if a < 10.0 => fixed(x, 2).to_string(),
        a if a < 100.0 => fixed(x, 1).to_string(),
        _ => grouped(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_puts_commas_every_three_digits() {
        assert_eq!(grouped(0.0), "0");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1_000.0), "1,000");
        assert_eq!(grouped(50_000.0), "50,000");
        assert_eq!(grouped(10_000_000.0), "10,000,000");
        assert_eq!(grouped(-1_234.4), "-1,234");
        assert_eq!(grouped(-0.2), "0");
        assert_eq!(grouped(f64::NAN), "—");
    }

    #[test]
    fn compact_labels_ticks() {
        assert_eq!(compact(10.0), "10");
        assert_eq!(compact(1_000.0), "1K");
        assert_eq!(compact(100_000.0), "100K");
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(compact(10_000_000.0), "10M");
    }

    #[test]
    fn rate_keeps_significant_digits() {
        assert_eq!(rate(0.347), "0.35");
        assert_eq!(rate(3.47), "3.47");
        assert_eq!(rate(34.72), "34.7");
        assert_eq!(rate(3_472.2), "3,472");
        assert_eq!(rate(f64::INFINITY), "—");
    }
}
