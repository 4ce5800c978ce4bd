//! Turning a number of users into a rate of requests.

/// Seconds in a day.
const SECONDS_PER_DAY: f64 = 86_400.0;

/// How a population of users turns into requests per second at the busiest hour.
///
/// `users` counts daily active users. Each makes `requests_per_user_per_day`
/// HTTP requests (page views, their assets and API calls), and the busiest hour
/// carries `peak_hour_factor` times the day's average rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficProfile {
    /// Requests one daily active user sends in a day.
    pub requests_per_user_per_day: f64,
    /// Ratio of the peak hour's request rate to the day's average rate.
    pub peak_hour_factor: f64,
}

impl Default for TrafficProfile {
    /// 300 requests a day (about 15 page views of 20 requests each) and a
    /// peak hour three times as busy as the average one.
    fn default() -> Self {
        Self {
            requests_per_user_per_day: 300.0,
            peak_hour_factor: 3.0,
        }
    }
}

impl TrafficProfile {
    /// The offered load, in requests per second at the peak hour, of `users`
    /// daily active users. Negative or non-finite inputs count as no users.
    pub fn peak_rps(&self, users: f64) -> f64 {
        if !users.is_finite() || users <= 0.0 {
            return 0.0;
        }
        users * self.requests_per_user_per_day / SECONDS_PER_DAY * self.peak_hour_factor
    }

    /// The day's average rate of `users`, in requests per second.
    pub fn average_rps(&self, users: f64) -> f64 {
        self.peak_rps(users) / self.peak_hour_factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn default_profile_matches_its_documented_numbers() {
        let t = TrafficProfile::default();
        // 86,400 users * 300 requests / 86,400 s = 300 req/s on average, 900 at peak.
        assert!(close(t.average_rps(86_400.0), 300.0));
        assert!(close(t.peak_rps(86_400.0), 900.0));
    }

    #[test]
    fn load_is_linear_in_users() {
        let t = TrafficProfile::default();
        assert!(close(t.peak_rps(2_000.0), 2.0 * t.peak_rps(1_000.0)));
        assert!(close(
            t.peak_rps(10_000_000.0),
            10_000.0 * t.peak_rps(1_000.0)
        ));
    }

    #[test]
    fn every_parameter_counts() {
        let base = TrafficProfile::default();
        let busier = TrafficProfile {
            requests_per_user_per_day: 600.0,
            ..base
        };
        let peakier = TrafficProfile {
            peak_hour_factor: 6.0,
            ..base
        };
        assert!(close(busier.peak_rps(500.0), 2.0 * base.peak_rps(500.0)));
        assert!(close(peakier.peak_rps(500.0), 2.0 * base.peak_rps(500.0)));
        assert!(close(peakier.average_rps(500.0), base.average_rps(500.0)));
    }

    #[test]
    fn no_users_or_nonsense_means_no_load() {
        let t = TrafficProfile::default();
        for users in [0.0, -5.0, f64::NAN, f64::NEG_INFINITY, f64::INFINITY] {
            assert_eq!(t.peak_rps(users), 0.0, "users = {users}");
        }
    }
}
