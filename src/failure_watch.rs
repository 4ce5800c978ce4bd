//! Which failure the "what breaks" panel shows. The live rules read short windows, so a rule
//! must hold for [`CONFIRM_S`] before its failure shows (a blip is not a failure), and a shown
//! failure stays for [`HOLD_S`] after the rule last held instead of flickering. A new
//! simulation starts clean.

/// Simulated seconds a failure stays shown after its rule last held.
pub const HOLD_S: f64 = 3.0;
/// Simulated seconds a rule must hold before its failure shows.
pub const CONFIRM_S: f64 = 1.0;
/// Simulated seconds a new system runs before its windows are long enough to judge.
pub const SETTLE_S: f64 = 2.0;
/// What the watch reports when the site misses its targets and no rule says why.
pub const UNEXPLAINED: &str = "unexplained";

/// Follows the live failure rules over simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FailureWatch {
    shown: Option<&'static str>,
    last_held: f64,
    last_now: f64,
    holding_since: Option<f64>,
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
                let since = *self.holding_since.get_or_insert(now);
                if now - since >= CONFIRM_S {
                    self.shown = Some(code);
                    self.last_held = now;
                }
            }
            None => {
                self.holding_since = None;
                if now - self.last_held > HOLD_S {
                    self.shown = None;
                }
            }
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
    fn a_failure_shows_once_confirmed_and_clears_after_the_hold() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(5.0, None), None);
        assert_eq!(
            w.observe(6.0, Some("app_saturated")),
            None,
            "not yet confirmed"
        );
        assert_eq!(
            w.observe(6.0 + CONFIRM_S, Some("app_saturated")),
            Some("app_saturated")
        );
        assert_eq!(w.observe(7.5, None), Some("app_saturated"), "held");
        assert_eq!(w.observe(7.0 + HOLD_S + 0.1, None), None);
        assert_eq!(w.shown(), None);
    }

    #[test]
    fn a_blip_shorter_than_the_confirmation_never_shows() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(10.0, Some("blind_slowdown")), None);
        assert_eq!(w.observe(10.25, None), None);
        assert_eq!(w.observe(10.5, Some("blind_slowdown")), None);
        assert_eq!(w.observe(11.0, None), None);
    }

    #[test]
    fn the_latest_failure_replaces_the_previous_one() {
        let mut w = FailureWatch::default();
        w.observe(5.0, Some("app_saturated"));
        w.observe(6.0, Some("app_saturated"));
        assert_eq!(w.observe(6.5, Some("oom_cascade")), Some("oom_cascade"));
    }

    #[test]
    fn nothing_is_judged_while_a_new_system_settles_and_time_going_back_starts_over() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(0.5, Some("app_saturated")), None);
        w.observe(9.0, Some("app_saturated"));
        assert_eq!(
            w.observe(10.0, Some("app_saturated")),
            Some("app_saturated")
        );
        assert_eq!(w.observe(0.1, None), None);
        assert_eq!(w.observe(SETTLE_S + 1.0, None), None);
    }
}
