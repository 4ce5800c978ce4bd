//! Numbers for people, written with integer arithmetic: a build that prints its numbers only
//! through these carries none of the standard library's float printing (in the page, 8.6 KB of
//! the first load, gzipped; `scripts/size-report` measures it).

use std::fmt;

/// Whole numbers with thousands separators: 12,345.
pub fn grouped(x: f64) -> String {
    let digits = fixed(x.abs(), 0).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

/// `x` as a plain decimal, to at most three places and without trailing zeros: 85 → "85",
/// 0.25 → "0.25", 1e7 → "10000000". For values a person typed or a link carries.
pub fn decimal(x: f64) -> String {
    trimmed(x, Fixed::MAX_DECIMALS)
}

/// `x` to at most `places` places, without trailing zeros (nor a "-" on a zero): 2.0 → "2",
/// 2.5 → "2.5". For labels.
pub fn trimmed(x: f64, places: u8) -> String {
    let text = fixed(x, places).to_string();
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" { "0" } else { text }.to_owned()
}

/// `x` to `decimals` places (at most [`Fixed::MAX_DECIMALS`]), as `format!("{x:.N}")` writes
/// it: rounded half to even on the exact binary value. Where `|x| × 10^decimals` passes 2^64
/// (1.8e19) it prints fewer places, and past 2^64 itself the limit and a "+": nothing the page
/// shows comes near.
pub fn fixed(x: f64, decimals: u8) -> Fixed {
    Fixed {
        x,
        decimals: decimals.min(Fixed::MAX_DECIMALS),
    }
}

/// A number to print to a fixed number of places: see [`fixed`].
#[derive(Debug, Clone, Copy)]
pub struct Fixed {
    x: f64,
    decimals: u8,
}

impl Fixed {
    /// The most places it prints.
    pub const MAX_DECIMALS: u8 = 3;

    /// `|x| × 10^places`, rounded half to even, exactly (`x` is `m × 2^e` with `m < 2^53`, so
    /// `m × 10^places` fits in 64 bits and the shift by `e` loses nothing it should keep), or
    /// `None` past 2^64.
    fn scaled(&self, places: u8) -> Option<u64> {
        let bits = self.x.abs().to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (m, e) = if exponent == 0 {
            (fraction, -1074)
        } else {
            (fraction | 1 << 52, exponent - 1075)
        };
        let n = u128::from(m) * u128::from(10_u64.pow(u32::from(places)));
        let whole = if e >= 0 {
            if e >= 64 {
                u128::MAX
            } else {
                n << e
            }
        } else if e <= -128 {
            0
        } else {
            let shift = e.unsigned_abs();
            let (q, rest) = (n >> shift, n & ((1 << shift) - 1));
            let half = 1 << (shift - 1);
            q + u128::from(rest > half || (rest == half && q % 2 == 1))
        };
        u64::try_from(whole).ok()
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.x.is_nan() {
            return f.write_str("NaN");
        }
        if self.x.is_sign_negative() {
            f.write_str("-")?;
        }
        if self.x.is_infinite() {
            return f.write_str("inf");
        }
        let Some((places, n)) = (0..=self.decimals)
            .rev()
            .find_map(|places| Some((places, self.scaled(places)?)))
        else {
            return write!(f, "{}+", u64::MAX);
        };
        let unit = 10_u64.pow(u32::from(places));
        write!(f, "{}", n / unit)?;
        if places > 0 {
            let places = usize::from(places);
            write!(f, ".{:0places$}", n % unit)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_rounds_ties_to_even_as_the_standard_library_does() {
        for (x, places, text) in [
            (0.25, 1, "0.2"),
            (0.35, 1, "0.3"),
            (2.5, 0, "2"),
            (3.5, 0, "4"),
            (0.125, 2, "0.12"),
            (0.375, 2, "0.38"),
            (-0.04, 1, "-0.0"),
            (1234.5678, 3, "1234.568"),
            (0.0, 2, "0.00"),
            (5e-324, 3, "0.000"),
            (f64::INFINITY, 1, "inf"),
            (f64::NEG_INFINITY, 1, "-inf"),
            (f64::NAN, 1, "NaN"),
        ] {
            assert_eq!(fixed(x, places).to_string(), text, "{x} to {places} places");
        }
    }

    #[test]
    fn fixed_prints_at_most_three_places() {
        assert_eq!(fixed(0.123_456, 9).to_string(), "0.123");
    }

    #[test]
    fn past_two_to_the_64_it_prints_fewer_places_and_then_says_so() {
        assert_eq!(fixed(1e17, 3).to_string(), "100000000000000000.00");
        assert_eq!(fixed(1e19, 2).to_string(), "10000000000000000000");
        assert_eq!(fixed(-1e20, 1).to_string(), "-18446744073709551615+");
    }

    proptest! {
        #[test]
        fn fixed_matches_the_standard_library(x in -1e15_f64..1e15, places in 0_u8..=3) {
            let p = usize::from(places);
            prop_assert_eq!(fixed(x, places).to_string(), format!("{x:.p$}"));
        }

        #[test]
        fn fixed_matches_the_standard_library_on_small_numbers(
            x in -1e3_f64..1e3,
            shift in -12_i32..3,
            places in 0_u8..=3,
        ) {
            let x = x * 10_f64.powi(shift);
            let p = usize::from(places);
            prop_assert_eq!(fixed(x, places).to_string(), format!("{x:.p$}"));
        }

        #[test]
        fn fixed_matches_the_standard_library_on_exact_ties(k in -100_000_i64..100_000, places in 0_u8..=2) {
            // Eighths: each is a tie at some number of places.
            let x = k as f64 / 8.0;
            let p = usize::from(places);
            prop_assert_eq!(fixed(x, places).to_string(), format!("{x:.p$}"));
        }
    }

    #[test]
    fn trimmed_keeps_the_places_it_needs() {
        assert_eq!(trimmed(2_000.0 / 1e3, 1), "2");
        assert_eq!(trimmed(2.46, 1), "2.5");
        assert_eq!(trimmed(-0.04, 1), "0");
    }

    #[test]
    fn decimal_drops_trailing_zeros() {
        assert_eq!(decimal(85.0), "85");
        assert_eq!(decimal(0.25), "0.25");
        assert_eq!(decimal(10_000_000.0), "10000000");
        assert_eq!(decimal(-1.5), "-1.5");
        assert_eq!(decimal(0.000_4), "0");
        assert_eq!(decimal(-0.000_4), "0");
        assert_eq!(decimal(-0.0), "0");
        assert_eq!(decimal(f64::NAN), "NaN");
    }

    #[test]
    fn grouped_puts_commas_every_three_digits() {
        assert_eq!(grouped(0.0), "0");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1_000.0), "1,000");
        assert_eq!(grouped(12_345.0), "12,345");
        assert_eq!(grouped(10_000_000.0), "10,000,000");
        assert_eq!(grouped(-1_234.4), "-1,234");
        assert_eq!(grouped(-0.2), "0");
    }
}
