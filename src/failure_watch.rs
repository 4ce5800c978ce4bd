//! Which failure the "what breaks" panel shows: the live rules fire and clear as the windows
//! move, so a failure stays shown for a few simulated seconds after it last held instead of
//! flickering, and a new simulation starts clean.

/// Simulated seconds a failure stays shown after its rule last held.
pub const HOLD_S: f64 = 3.0;
/// Simulated seconds a new system runs before its windows are long enough to judge.
pub const SETTLE_S: f64 = 2.0;

/// Follows the live failure rules over simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FailureWatch {
    shown: Option<&'static str>,
    last_held: f64,
    last_now: f64,
}

impl FailureWatch {
    /// Takes what the rules detect at simulated time `now` and returns the failure to show.
    pub fn observe(&mut self, now: f64, detected: Option<&'static str>) -> Option<&'static str> {
        if now < self.last_now {
            *self = Self::default(); // a new simulation
        }
        self.last_now = now;
        if now < SETTLE_S {
            return None;
        }
        match detected {
            Some(code) => {
                self.shown = Some(code);
                self.last_held = now;
            }
            None if now - self.last_held > HOLD_S => self.shown = None,
            None => {}
        }
        self.shown
    }

    /// The failure shown now.
    pub fn shown(&self) -> Option<&'static str> {
        self.shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shows_at_once_and_clears_after_the_hold() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(5.0, None), None);
        assert_eq!(w.observe(6.0, Some("app_saturated")), Some("app_saturated"));
        assert_eq!(w.observe(7.0, None), Some("app_saturated"));
        assert_eq!(w.observe(6.0 + HOLD_S + 0.1, None), None);
        assert_eq!(w.shown(), None);
    }

    #[test]
    fn the_latest_failure_replaces_the_previous_one() {
        let mut w = FailureWatch::default();
        w.observe(5.0, Some("app_saturated"));
        assert_eq!(w.observe(5.5, Some("oom_cascade")), Some("oom_cascade"));
    }

    #[test]
    fn nothing_is_judged_while_a_new_system_settles_and_time_going_back_starts_over() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(0.5, Some("app_saturated")), None);
        assert_eq!(
            w.observe(10.0, Some("app_saturated")),
            Some("app_saturated")
        );
        assert_eq!(w.observe(0.1, None), None);
        assert_eq!(w.observe(SETTLE_S + 1.0, None), None);
    }
}
