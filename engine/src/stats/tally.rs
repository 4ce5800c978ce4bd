//! Running totals that windows are cut from.
//!
//! Every count, sum and time integral a reading needs is kept as a total since the system was
//! built. The core copies the totals once a tick; a reading over any window (the last few
//! seconds, or the whole run since the warm-up) is the totals now minus a copy from the
//! window's start. One mechanism for every window means a rate, a mean wait, a utilization and
//! the Erlang C prediction beside them always describe the same seconds.

use crate::resource::CAUSES;

/// A resource's totals since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Requests that came to it.
    pub arrivals: u64,
    /// Requests that left it normally.
    pub completed: u64,
    /// Requests that left it because they failed, here or elsewhere.
    pub failed: u64,
    /// Of `failed`, jobs' attempts (retried, or dead-lettered after the last).
    pub failed_jobs: u64,
    /// Failures that started here, by cause (in [`CAUSES`] order).
    pub errors: [u64; CAUSES.len()],
    /// Time waiting in its queue, by those who left the queue (seconds).
    pub wait_sum: f64,
    /// Requests that left its queue (served or not).
    pub waits: u64,
    /// Time holding or using a server, by every request that gave one back, normally or
    /// because it failed (seconds): the server was busy either way.
    pub service_sum: f64,
    /// Requests that gave a server back (normally or failing).
    pub services: u64,
    /// Of `service_sum`, the time spent on work the model flagged (the unindexed scan).
    pub flagged_service_sum: f64,
    /// Time in the resource (waiting and served), by those who left it (seconds).
    pub sojourn_sum: f64,
    /// ∫ busy servers dt.
    pub busy_area: f64,
    /// ∫ queue length dt.
    pub queue_area: f64,
    /// ∫ requests present (waiting or served) dt.
    pub present_area: f64,
}

impl Tally {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        let mut errors = self.errors;
        for (e, before) in errors.iter_mut().zip(earlier.errors) {
            *e = e.saturating_sub(before);
        }
        Self {
            arrivals: self.arrivals.saturating_sub(earlier.arrivals),
            completed: self.completed.saturating_sub(earlier.completed),
            failed: self.failed.saturating_sub(earlier.failed),
            failed_jobs: self.failed_jobs.saturating_sub(earlier.failed_jobs),
            errors,
            wait_sum: self.wait_sum - earlier.wait_sum,
            waits: self.waits.saturating_sub(earlier.waits),
            service_sum: self.service_sum - earlier.service_sum,
            services: self.services.saturating_sub(earlier.services),
            flagged_service_sum: self.flagged_service_sum - earlier.flagged_service_sum,
            sojourn_sum: self.sojourn_sum - earlier.sojourn_sum,
            busy_area: self.busy_area - earlier.busy_area,
            queue_area: self.queue_area - earlier.queue_area,
            present_area: self.present_area - earlier.present_area,
        }
    }

    /// Requests that left (normally or not).
    pub fn departures(&self) -> u64 {
        self.completed + self.failed
    }
}

/// End-to-end totals since the system was built.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// User requests that arrived.
    pub arrivals: u64,
    /// User requests answered well.
    pub completed: u64,
    /// User requests that failed, by cause (in [`CAUSES`] order).
    pub failed: [u64; CAUSES.len()],
    /// What the model counts (its marks, through [`crate::core::Hooks`]), in its numbering.
    pub model: Counts,
    /// Jobs put on the queue.
    pub jobs_enqueued: u64,
    /// Jobs done.
    pub jobs_done: u64,
    /// Job attempts that failed and were retried after a backoff.
    pub job_retries: u64,
    /// Jobs given up on after their last attempt.
    pub dead_letters: u64,
    /// ∫ user requests in progress dt.
    pub user_present_area: f64,
    /// Time from arrival to end of every user request that ended, well or not (seconds): the
    /// W of Little's law end to end.
    pub response_time_sum: f64,
    /// Requests that finished well, by class (the model's numbering; users, jobs and
    /// background work alike).
    pub finished_by_class: [u64; CLASSES],
}

/// Request classes the totals count apart.
pub const CLASSES: usize = 16;

/// How many counts of its own a model keeps in the totals.
pub const MODEL_COUNTS: usize = 6;

/// A model's own counts, windowed with the totals.
pub type Counts = [u64; MODEL_COUNTS];

impl Totals {
    /// User requests that failed, all causes.
    pub fn failed_total(&self) -> u64 {
        self.failed.iter().sum()
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        let mut failed = self.failed;
        for (f, before) in failed.iter_mut().zip(earlier.failed) {
            *f = f.saturating_sub(before);
        }
        let d = |a: u64, b: u64| a.saturating_sub(b);
        let mut finished_by_class = self.finished_by_class;
        for (f, before) in finished_by_class.iter_mut().zip(earlier.finished_by_class) {
            *f = f.saturating_sub(before);
        }
        Self {
            finished_by_class,
            arrivals: d(self.arrivals, earlier.arrivals),
            completed: d(self.completed, earlier.completed),
            failed,
            model: std::array::from_fn(|i| d(self.model[i], earlier.model[i])),
            jobs_enqueued: d(self.jobs_enqueued, earlier.jobs_enqueued),
            jobs_done: d(self.jobs_done, earlier.jobs_done),
            job_retries: d(self.job_retries, earlier.job_retries),
            dead_letters: d(self.dead_letters, earlier.dead_letters),
            user_present_area: self.user_present_area - earlier.user_present_area,
            response_time_sum: self.response_time_sum - earlier.response_time_sum,
        }
    }
}

/// A [`Tally`] as kept for the start of a live window: its counts as their low 32 bits, its
/// sums whole. A window's count is the difference of totals taken seconds apart (at
/// most [`TickCopies::KEPT`] copies back), far below 2^32, so subtracting the low bits with
/// wraparound gives it exactly; the copies take 104 bytes a resource instead of 152.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TallyMark {
    counts: [u32; 3 + CAUSES.len() + 3],
    sums: [f64; 7],
}

impl TallyMark {
    /// The mark of `t`.
    pub fn of(t: &Tally) -> Self {
        let mut counts = [0; 3 + CAUSES.len() + 3];
        for (c, &n) in counts.iter_mut().zip(Self::counts_of(t).iter()) {
            *c = n as u32; // the low bits (see above)
        }
        Self {
            counts,
            sums: Self::sums_of(t),
        }
    }

    fn counts_of(t: &Tally) -> [u64; 3 + CAUSES.len() + 3] {
        let mut c = [0; 3 + CAUSES.len() + 3];
        c[0] = t.arrivals;
        c[1] = t.completed;
        c[2] = t.failed;
        c[3..3 + CAUSES.len()].copy_from_slice(&t.errors);
        c[3 + CAUSES.len()] = t.waits;
        c[4 + CAUSES.len()] = t.services;
        c[5 + CAUSES.len()] = t.failed_jobs;
        c
    }

    fn sums_of(t: &Tally) -> [f64; 7] {
        [
            t.wait_sum,
            t.service_sum,
            t.flagged_service_sum,
            t.sojourn_sum,
            t.busy_area,
            t.queue_area,
            t.present_area,
        ]
    }
}

impl Tally {
    /// What happened since `mark` was taken, at most [`TickCopies::KEPT`] copies ago: the
    /// same as [`Tally::since`] the tally it was taken of.
    pub fn since_mark(&self, mark: &TallyMark) -> Self {
        let mut c = TallyMark::counts_of(self);
        for (n, &before) in c.iter_mut().zip(mark.counts.iter()) {
            *n = u64::from((*n as u32).wrapping_sub(before));
        }
        let [wait, service, flagged, sojourn, busy, queue, present] = mark.sums;
        let mut errors = [0; CAUSES.len()];
        errors.copy_from_slice(&c[3..3 + CAUSES.len()]);
        Self {
            arrivals: c[0],
            completed: c[1],
            failed: c[2],
            failed_jobs: c[5 + CAUSES.len()],
            errors,
            wait_sum: self.wait_sum - wait,
            waits: c[3 + CAUSES.len()],
            service_sum: self.service_sum - service,
            services: c[4 + CAUSES.len()],
            flagged_service_sum: self.flagged_service_sum - flagged,
            sojourn_sum: self.sojourn_sum - sojourn,
            busy_area: self.busy_area - busy,
            queue_area: self.queue_area - queue,
            present_area: self.present_area - present,
        }
    }
}

/// Copies of every total, taken at the start of each step of the live window: where it starts.
/// Holds the last [`TickCopies::KEPT`].
#[derive(Debug, Clone)]
pub struct TickCopies {
    /// For each copy (by `second % KEPT`): its second, and the totals then.
    seconds: Vec<i64>,
    resources: Vec<Vec<TallyMark>>,
    totals: Vec<Totals>,
}

impl TickCopies {
    /// Copies kept: a live window of 10 seconds that moves in steps of 2 starts at one of the
    /// last six copies, and one more is spare. (Seconds map to copies by `second % KEPT`: a
    /// step of 2 seconds and 7 copies never meet in the same place within 14 seconds.)
    pub const KEPT: usize = 7;

    /// No copies yet.
    pub fn new() -> Self {
        Self {
            seconds: vec![i64::MIN; Self::KEPT],
            resources: vec![Vec::new(); Self::KEPT],
            totals: vec![Totals::default(); Self::KEPT],
        }
    }

    /// Keeps the totals at the start of `second`.
    pub fn keep<'a>(
        &mut self,
        second: i64,
        resources: impl Iterator<Item = &'a Tally>,
        totals: &Totals,
    ) {
        let i = second.rem_euclid(Self::KEPT as i64) as usize;
        self.seconds[i] = second;
        let slot = &mut self.resources[i];
        slot.clear();
        slot.extend(resources.map(TallyMark::of));
        self.totals[i] = *totals;
    }

    /// The copy taken at the start of `second`, if it is kept.
    pub fn at(&self, second: i64) -> Option<(&[TallyMark], &Totals)> {
        let i = second.rem_euclid(Self::KEPT as i64) as usize;
        (self.seconds[i] == second).then(|| (self.resources[i].as_slice(), &self.totals[i]))
    }

    /// Forgets every copy (a new system).
    pub fn clear(&mut self) {
        self.seconds.fill(i64::MIN);
    }
}

impl Default for TickCopies {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_the_difference_of_two_copies() {
        let mut now = Tally {
            arrivals: 10,
            wait_sum: 2.0,
            busy_area: 5.0,
            ..Tally::default()
        };
        let before = now;
        now.arrivals += 4;
        now.wait_sum += 0.5;
        now.busy_area += 1.5;
        now.errors[1] = 3;
        let d = now.since(&before);
        assert_eq!(
            (d.arrivals, d.wait_sum, d.busy_area, d.errors[1]),
            (4, 0.5, 1.5, 3)
        );
    }

    #[test]
    fn a_mark_gives_what_the_whole_tally_gives_past_the_32_bit_counts() {
        let before = Tally {
            arrivals: (1 << 32) - 3,
            completed: 5 << 32,
            errors: [7, (1 << 33) + 1, 0, 0, 0, 9],
            services: u64::from(u32::MAX),
            wait_sum: 1e6 + 0.1,
            present_area: 3.5,
            ..Tally::default()
        };
        let mut now = before;
        now.arrivals += 10; // crosses 2^32
        now.completed += 4;
        now.errors[1] += 2;
        now.services += 1;
        now.wait_sum += 0.25;
        now.present_area += 1.0;
        let mark = TallyMark::of(&before);
        assert_eq!(now.since_mark(&mark), now.since(&before));
        assert_eq!(
            (
                now.since_mark(&mark).arrivals,
                now.since_mark(&mark).services
            ),
            (10, 1)
        );
    }

    #[test]
    fn copies_are_kept_for_the_last_steps_only() {
        let mut c = TickCopies::new();
        let t = Totals {
            arrivals: 7,
            ..Totals::default()
        };
        // Every second step of 2 s, as the live window keeps them.
        for s in (0..40).step_by(2) {
            c.keep(s, [Tally::default()].iter(), &t);
        }
        let kept: Vec<i64> = (0..40).filter(|&s| c.at(s).is_some()).collect();
        assert_eq!(
            kept,
            [26, 28, 30, 32, 34, 36, 38],
            "the last seven, and nothing between"
        );
        assert_eq!(c.at(26).unwrap().1.arrivals, 7);
        c.clear();
        assert!(c.at(38).is_none());
    }
}
