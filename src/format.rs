//! Number formatting for people: thousands separators, compact ticks, rates.

/// `x` rounded to a whole number with thousands separators: 1234567 → "1,234,567".
pub fn grouped(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if x < 0.0 && digits != "0" {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A short label for a round number: 1000 → "1K", 2500000 → "2.5M".
pub fn compact(x: f64) -> String {
    let (value, suffix) = match x.abs() {
        a if a >= 1e9 => (x / 1e9, "B"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e3 => (x / 1e3, "K"),
        _ => (x, ""),
    };
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

/// A rate with precision that suits its size: "0.35", "3.5", "35", "3,472".
pub fn rate(x: f64) -> String {
    match x.abs() {
        a if !a.is_finite() => "—".to_owned(),
        a if a < 10.0 => format!("{x:.2}"),
        a if a < 100.0 => format!("{x:.1}"),
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
