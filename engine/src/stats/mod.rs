//! Measuring a running simulation: latency histograms, sliding windows over
//! simulated time and time-weighted averages, all in memory fixed at
//! construction so the per-event path never allocates.

mod histogram;
mod tally;
mod window;

pub use histogram::{LatencyHistogram, HIGHEST_TRACKABLE_S};
pub use tally::{Counts, Tally, TallyMark, TickCopies, Totals, MODEL_COUNTS};
pub use window::{RateWindow, TimeAverage, WindowedHistogram};
