//! The engine's side of the page–engine link, free of any browser: it takes [`Command`]s,
//! advances the simulation by the wall time that passed (times the speed), and says what to
//! send back: a reading a few times a second, the animation's motion more often, a new
//! system when one is built. The worker (or, in tests, the page itself) only carries bytes
//! and keeps time.

use crate::live::Engine;
use crate::protocol::{Command, Event, Frame};
use crate::reading::Motion;
use crate::scenario::Scenario;

/// Wall milliseconds between readings while nothing changes: numbers that change faster
/// cannot be read. After a command, a reading goes out at once.
pub const READING_MS: f64 = 250.0;
/// Wall milliseconds between motion updates (the page moves the dots in between).
pub const MOTION_MS: f64 = 50.0;
/// Simulated seconds between checks of the work budget.
const SLICE_S: f64 = 1.0 / 480.0;
/// Wall milliseconds over which the pace is measured: many slices of work and a few readings'
/// cost, so it says what the learner sees the clock do, and short enough to follow a change.
const PACE_WINDOW_MS: f64 = 1_000.0;
/// Wall milliseconds of simulation that slices which ran out of budget may leave owed, to be made
/// up by the next slices at the worker's full speed (so the clock runs faster than asked until it
/// has caught up). One tick counts at most 250 ms of wall time, so a debt this large builds up only
/// over several slices in a row that ran out of budget: the worker sharing the machine's cores with
/// the page and the browser's drawing, which on a 2-core machine can hold it back for longer than a
/// quarter second. (The model's own unevenness owes little: at stage 7 with 10,000,000 users its
/// costliest 5 simulated seconds in ten minutes took 35% longer than the average, which a worker
/// 27% faster than 10× on average gets through 31 ms behind.) What is owed beyond this is dropped:
/// a simulation that cannot keep up does not pile up a debt to pay out in a long burst once it can;
/// it pays at most this much (and a change of speed drops it).
const MAX_OWED_MS: f64 = 1_000.0;
/// Wall seconds a dot takes to cross its edge, whatever the speed.
pub const DOT_CROSSING_S: f64 = 0.6;

/// The running engine, and how it is being run.
#[derive(Debug)]
pub struct Runner {
    engine: Engine,
    generation: u32,
    playing: bool,
    speed: u32,
    visible: bool,
    /// Simulated seconds per wall second over the last whole pace window.
    pace: f64,
    /// Simulated seconds advanced and wall milliseconds passed in the window under way.
    pace_window: (f64, f64),
    /// Simulated seconds the clock is behind the wall time times the speed (at most
    /// [`MAX_OWED_MS`] of wall time's worth).
    owed_s: f64,
    since_reading_ms: f64,
    since_motion_ms: f64,
    reading_due: bool,
    motion: Motion,
}

impl Runner {
    /// A runner of `scenario` with `seed`, paused or playing at `speed`; and the events that
    /// announce it.
    pub fn new(scenario: &Scenario, seed: u64, playing: bool, speed: u32) -> (Self, Vec<Event>) {
        let mut runner = Self {
            engine: Engine::new(scenario, seed),
            generation: 1,
            playing,
            speed: speed.max(1),
            visible: true,
            pace: f64::from(speed.max(1)),
            pace_window: (0.0, 0.0),
            owed_s: 0.0,
            since_reading_ms: 0.0,
            since_motion_ms: 0.0,
            reading_due: true,
            motion: Motion::default(),
        };
        runner.set_trail();
        let mut out = vec![runner.system()];
        out.extend(runner.read());
        (runner, out)
    }

    /// Running: playing, and seen.
    pub fn running(&self) -> bool {
        self.playing && self.visible
    }

    /// The engine (for tests and benchmarks).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn set_trail(&mut self) {
        self.engine
            .set_trail_window(DOT_CROSSING_S * f64::from(self.speed));
    }

    fn system(&self) -> Event {
        Event::System(self.engine.system(self.generation))
    }

    fn read(&mut self) -> Vec<Event> {
        self.reading_due = false;
        self.since_reading_ms = 0.0;
        self.since_motion_ms = 0.0;
        self.engine.motion_into(&mut self.motion);
        vec![
            Event::Frame(Box::new(Frame {
                generation: self.generation,
                reading: self.engine.read(),
                pace: self.pace,
                speed: self.speed,
                running: self.running(),
            })),
            Event::Motion {
                generation: self.generation,
                motion: self.motion.clone(),
            },
        ]
    }

    /// Carries out `command`; returns what to send back.
    pub fn command(&mut self, command: Command) -> Vec<Event> {
        let mut out = Vec::new();
        match command {
            Command::Apply { scenario, seed } => {
                use crate::live::Applied;
                if self.engine.apply(&scenario, seed) == Applied::Rebuilt {
                    self.generation += 1;
                    self.owed_s = 0.0;
                    out.push(self.system());
                }
            }
            Command::Reset { scenario, seed } => {
                self.engine.reset(&scenario, seed);
                self.generation += 1;
                self.owed_s = 0.0;
                out.push(self.system());
            }
            Command::Fault { fault, on } => self.engine.set_fault(fault, on),
            Command::Play { playing, speed } => {
                self.playing = playing;
                self.owed_s = 0.0;
                if speed.max(1) != self.speed {
                    self.speed = speed.max(1);
                    self.pace = f64::from(self.speed);
                    self.pace_window = (0.0, 0.0);
                    self.set_trail();
                }
            }
            Command::Step { seconds } => {
                let to = self.engine.now() + seconds.clamp(0.0, 60.0);
                self.engine.step_until(to);
            }
            Command::Visible(visible) => {
                self.visible = visible;
                self.owed_s = 0.0;
            }
            Command::Read => {}
            Command::Replay {
                scenario,
                seed,
                history,
            } => {
                match crate::replay::History::parse(&history) {
                    Ok((history, at)) => {
                        // Read as often as the page would have at this speed, so the diagnosis
                        // follows the same course.
                        let every = f64::from(self.speed) * READING_MS / 1_000.0;
                        self.engine = history.run(&scenario, seed, at, every);
                        self.set_trail();
                        self.generation += 1;
                        self.owed_s = 0.0;
                        self.playing = false;
                        out.push(self.system());
                    }
                    Err(why) => out.push(Event::Refused(format!(
                        "This replay link cannot be read: {why}. The link's settings start afresh."
                    ))),
                }
            }
        }
        out.extend(self.read());
        out
    }

    /// Advances the simulation by `wall_dt_ms` of wall time times the speed, plus what the
    /// last slice left owed, stopping early once `elapsed_ms()` passes `budget_ms`. What is
    /// left is owed, up to [`MAX_OWED_MS`] of wall time's worth; the rest is dropped: then the
    /// simulation runs slower than asked, and the pace says so.
    /// Returns what to send back.
    pub fn tick(
        &mut self,
        wall_dt_ms: f64,
        elapsed_ms: &mut dyn FnMut() -> f64,
        budget_ms: f64,
    ) -> Vec<Event> {
        let wall_dt_ms = wall_dt_ms.clamp(0.0, 250.0);
        if self.running() && wall_dt_ms > 0.0 {
            let from = self.engine.now();
            let speed = f64::from(self.speed);
            let target = from + self.owed_s + wall_dt_ms / 1e3 * speed;
            while self.engine.now() < target {
                let next = (self.engine.now() + SLICE_S).min(target);
                self.engine.step_until(next);
                if elapsed_ms() > budget_ms {
                    break;
                }
            }
            let short = target - self.engine.now();
            self.owed_s = short.clamp(0.0, MAX_OWED_MS / 1e3 * speed);
            // The pace is what the clock did over a whole window: every slice, long or short,
            // counts for the time it took.
            let (sim_s, wall_ms) = &mut self.pace_window;
            *sim_s += self.engine.now() - from;
            *wall_ms += wall_dt_ms;
            if *wall_ms >= PACE_WINDOW_MS {
                self.pace = *sim_s / (*wall_ms / 1e3);
                self.pace_window = (0.0, 0.0);
            }
        }
        self.since_reading_ms += wall_dt_ms;
        self.since_motion_ms += wall_dt_ms;
        if self.reading_due || (self.running() && self.since_reading_ms >= READING_MS) {
            return self.read();
        }
        if self.running() && self.since_motion_ms >= MOTION_MS {
            self.since_motion_ms = 0.0;
            self.engine.motion_into(&mut self.motion);
            return vec![Event::Motion {
                generation: self.generation,
                motion: self.motion.clone(),
            }];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::System;
    use crate::sim::Fault;

    fn frames(events: &[Event]) -> Vec<&Frame> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Frame(f) => Some(&**f),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn it_announces_its_system_and_reads_after_every_command() {
        let sc = Scenario::for_stage(4, 10_000.0);
        let (mut r, out) = Runner::new(&sc, 1, true, 1);
        assert!(matches!(
            out[0],
            Event::System(System { generation: 1, .. })
        ));
        assert_eq!(frames(&out).len(), 1);
        let mut more = sc.clone();
        more.users = 20_000.0;
        let out = r.command(Command::Apply {
            scenario: more.clone(),
            seed: 1,
        });
        assert_eq!(frames(&out).len(), 1, "a live change reads, builds nothing");
        assert!(!out.iter().any(|e| matches!(e, Event::System(_))));
        more.app_servers = 5;
        let out = r.command(Command::Apply {
            scenario: more,
            seed: 1,
        });
        assert!(matches!(
            out[0],
            Event::System(System { generation: 2, .. })
        ));
        let out = r.command(Command::Fault {
            fault: Fault::Spike,
            on: true,
        });
        assert!(frames(&out)[0].reading.reading.faults.spike);
    }

    /// The clock moved one simulated second since `start`, and the pace over the last window
    /// says so: full speed at 1×.
    fn a_second_in_a_second(r: &Runner, start: f64) {
        let moved = r.engine().now() - start;
        assert!(
            (moved - 1.0).abs() < 1e-9 && (r.pace - 1.0).abs() < 1e-9,
            "{moved} {}",
            r.pace
        );
    }

    #[test]
    fn it_keeps_time_and_says_how_fast_it_can() {
        let sc = Scenario::for_stage(3, 5_000.0);
        let (mut r, _) = Runner::new(&sc, 1, true, 10);
        let mut free = || 0.0;
        let mut readings = 0;
        for _ in 0..20 {
            readings += frames(&r.tick(50.0, &mut free, 10.0)).len();
        }
        // 1 s of wall time at 10×.
        assert!(
            (r.engine().now() - 10.0).abs() < 1e-6,
            "{}",
            r.engine().now()
        );
        assert_eq!(readings, 4, "a reading every quarter second");
        // A budget of nothing: the simulation moves a slice at a time, and the pace drops.
        let mut over = || 1e9;
        let before = r.engine().now();
        for _ in 0..20 {
            r.tick(50.0, &mut over, 10.0);
        }
        let moved = r.engine().now() - before;
        assert!(moved < 0.1);
        // 20 ticks of 50 ms: one whole window, whose pace is what the clock did in it.
        assert!((r.pace - moved).abs() < 1e-9, "{} against {moved}", r.pace);
        // A stall the next slices can make up costs the clock nothing: one 250 ms tick with
        // next to nothing done, then fifteen 50 ms ones with time to spare, is full speed.
        r.command(Command::Play {
            playing: true,
            speed: 1,
        });
        let start = r.engine().now();
        r.tick(250.0, &mut over, 10.0);
        for _ in 0..15 {
            r.tick(50.0, &mut free, 10.0);
        }
        a_second_in_a_second(&r, start);
        // A debt that the next slices pay off is kept, though each of them runs out of budget:
        // a 250 ms stall, then 100 slices of 1 ms that each move one step (more than the 1 ms
        // each adds), then time to spare: the clock makes up all of it, a second in a second.
        let start = r.engine().now();
        r.tick(250.0, &mut over, 10.0);
        for _ in 0..100 {
            r.tick(1.0, &mut over, 10.0);
        }
        for _ in 0..13 {
            r.tick(50.0, &mut free, 10.0);
        }
        a_second_in_a_second(&r, start);
        // A simulation that stays behind keeps owing at most the cap and drops the rest: after
        // two seconds of 250 ms slices that each move one step (owing more each time, until the
        // cap), the next second, with time to spare, moves its own second and the cap's worth,
        // nothing more, and its pace says so.
        let start = r.engine().now();
        for _ in 0..8 {
            r.tick(250.0, &mut over, 10.0);
        }
        let stalled = r.engine().now() - start;
        assert!((stalled - 8.0 * SLICE_S).abs() < 1e-9, "{stalled}");
        assert!((r.owed_s - MAX_OWED_MS / 1e3).abs() < 1e-9, "{}", r.owed_s);
        let resumed = r.engine().now();
        for _ in 0..20 {
            r.tick(50.0, &mut free, 10.0);
        }
        let moved = r.engine().now() - resumed;
        assert!(
            (moved - 1.0 - MAX_OWED_MS / 1e3).abs() < 1e-9,
            "{moved}: a second and the cap"
        );
        assert!(r.owed_s == 0.0, "paid off");
        assert!((r.pace - moved).abs() < 1e-9, "{} against {moved}", r.pace);
        // Paused or hidden: time stands still.
        r.command(Command::Visible(false));
        let t = r.engine().now();
        r.tick(50.0, &mut free, 10.0);
        assert_eq!(r.engine().now(), t);
        r.command(Command::Step { seconds: 0.1 });
        assert!((r.engine().now() - t - 0.1).abs() < 1e-9);
    }
}
