//! The users slider's logarithmic scale: integer slider positions to user counts and back.
//!
//! Position 0 is 10 users and every `STEPS_PER_DECADE` positions multiply the count by ten,
//! up to 10,000,000 at `MAX_POSITION`. Counts are rounded to two significant digits so the
//! slider lands on numbers a person would say; a step multiplies by 10^(1/20) ≈ 1.12, more
//! than that rounding, so every step (an arrow key) lands on a new count.

/// Slider positions per factor of ten.
pub const STEPS_PER_DECADE: u32 = 20;
/// The last position: 10,000,000 users.
pub const MAX_POSITION: u32 = 6 * STEPS_PER_DECADE;
/// The fewest users the slider offers.
pub const MIN_USERS: f64 = 10.0;
/// The most users the slider offers.
pub const MAX_USERS: f64 = 10_000_000.0;
/// Where the slider's labelled ticks go.
pub const TICKS: [f64; 7] = [
    10.0,
    100.0,
    1_000.0,
    10_000.0,
    100_000.0,
    1_000_000.0,
    10_000_000.0,
];

/// The user count at slider position `p` (clamped to the slider's range).
pub fn users_at(p: u32) -> f64 {
    let decades = f64::from(p.min(MAX_POSITION)) / f64::from(STEPS_PER_DECADE);
    round_to_two_significant(MIN_USERS * 10f64.powf(decades))
}

/// The slider position nearest to `users` (clamped to the slider's range).
pub fn position_of(users: f64) -> u32 {
    if users.is_nan() || users <= MIN_USERS {
        return 0;
    }
    let decades = (users.min(MAX_USERS) / MIN_USERS).log10();
    (decades * f64::from(STEPS_PER_DECADE)).round() as u32
}

fn round_to_two_significant(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor() - 1.0);
    (x / magnitude).round() * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_ticks_land_on_round_numbers() {
        assert_eq!(users_at(0), 10.0);
        assert_eq!(users_at(MAX_POSITION), 10_000_000.0);
        for (i, &tick) in TICKS.iter().enumerate() {
            let p = i as u32 * STEPS_PER_DECADE;
            assert_eq!(users_at(p), tick);
            assert_eq!(position_of(tick), p);
        }
    }

    #[test]
    fn users_rise_with_every_step_and_keep_two_significant_digits() {
        let mut last = 0.0;
        for p in 0..=MAX_POSITION {
            let u = users_at(p);
            assert!(u > last, "position {p}: {u} <= {last}");
            let digits = u / 10f64.powf(u.log10().floor() - 1.0);
            assert!(
                (digits - digits.round()).abs() < 1e-6,
                "{u} has more than two digits"
            );
            last = u;
        }
    }

    #[test]
    fn position_and_users_round_trip_exactly_so_arrow_keys_never_stick() {
        for p in 0..=MAX_POSITION {
            assert_eq!(position_of(users_at(p)), p, "{}", users_at(p));
        }
    }

    #[test]
    fn out_of_range_values_clamp() {
        assert_eq!(users_at(MAX_POSITION + 50), MAX_USERS);
        assert_eq!(position_of(1.0), 0);
        assert_eq!(position_of(-3.0), 0);
        assert_eq!(position_of(f64::NAN), 0);
        assert_eq!(position_of(1e12), MAX_POSITION);
    }
}
