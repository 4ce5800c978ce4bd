//! The messages between the page and the engine, and their bytes.
//!
//! The page sends [`Command`]s; the engine answers with [`Event`]s: the system it built, a
//! reading a few times a second, and the animation's motion more often. Each message is one
//! version byte followed by the message in postcard's wire format, so a page and a worker from
//! different builds refuse each other's messages instead of misreading them.

use serde::{Deserialize, Serialize};

use crate::live::LiveReading;
use crate::parts::ResourceId;
use crate::reading::Motion;
use crate::scenario::Scenario;
use crate::sim::{EdgeInfo, Fault, PartInfo};
use crate::topology::Topology;

/// The version of the messages' layout: bump it whenever a message type changes.
pub const VERSION: u8 = 5;

/// What the page asks of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Run `scenario` with `seed`: in place when only live knobs changed, else as a new system
    /// that keeps the faults switched on.
    Apply {
        /// The scenario.
        scenario: Scenario,
        /// The seed.
        seed: u64,
    },
    /// Start `scenario` afresh with `seed`, with no faults.
    Reset {
        /// The scenario.
        scenario: Scenario,
        /// The seed.
        seed: u64,
    },
    /// Switch a fault on or off (a one-off fault happens when on).
    Fault {
        /// Which fault.
        fault: Fault,
        /// On or off.
        on: bool,
    },
    /// Run or pause, at `speed` simulated seconds per second.
    Play {
        /// Running.
        playing: bool,
        /// Simulated seconds per wall second.
        speed: u32,
    },
    /// Advance this many simulated seconds now (while paused), then read.
    Step {
        /// Simulated seconds.
        seconds: f64,
    },
    /// Whether anyone sees the system (a hidden tab or a diagram scrolled away pauses it).
    Visible(bool),
    /// Take a reading now.
    Read,
    /// Run `scenario` with `seed` through `history` ([`crate::replay::History`]'s text) to the
    /// time it reached, and pause there; a history that cannot be read changes nothing.
    Replay {
        /// The scenario as it is at the end (its live knobs as the history starts).
        scenario: Scenario,
        /// The seed.
        seed: u64,
        /// The history.
        history: String,
    },
}

/// The system a page draws: what was built for the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct System {
    /// Bumped for every new system, so the page knows a reading belongs to it.
    pub generation: u32,
    /// The topology.
    pub topology: Topology,
    /// The diagram's parts.
    pub parts: Vec<PartInfo>,
    /// The diagram's edges.
    pub edges: Vec<EdgeInfo>,
    /// Each resource's id, in the order of a reading's resources.
    pub resources: Vec<ResourceId>,
}

/// A reading and how the engine is keeping up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// Which system it is of.
    pub generation: u32,
    /// The reading.
    pub reading: LiveReading,
    /// Simulated seconds per wall second over the last whole second of wall time (against the
    /// speed asked for).
    pub pace: f64,
    /// The speed asked for.
    pub speed: u32,
    /// Running (not paused, and seen).
    pub running: bool,
}

/// What the engine tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A new system was built.
    System(System),
    /// A reading.
    Frame(Box<Frame>),
    /// A command that could not be carried out, and why, in words for the page.
    Refused(String),
    /// The hops requests took lately, for the animation.
    Motion {
        /// Which system it is of.
        generation: u32,
        /// The hops.
        motion: Motion,
    },
}

/// Why bytes could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all.
    Empty,
    /// A message of another version of the layout.
    Version(u8),
    /// Bytes that are not a message.
    Malformed,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "an empty message"),
            DecodeError::Version(v) => {
                write!(f, "a message of version {v}, not {VERSION}")
            }
            DecodeError::Malformed => write!(f, "bytes that are not a message"),
        }
    }
}

/// A message as bytes: the version, then the message.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let mut out = vec![VERSION];
    // Serializing plain data to a vector cannot fail: postcard fails only for types it cannot
    // write (none here) or a full buffer (a vector grows).
    if let Ok(bytes) = postcard::to_allocvec(message) {
        out.extend_from_slice(&bytes);
    }
    out
}

/// The message in `bytes`.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    let (&version, rest) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != VERSION {
        return Err(DecodeError::Version(version));
    }
    postcard::from_bytes(rest).map_err(|_| DecodeError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Engine;

    #[test]
    fn commands_survive_the_trip() {
        let commands = [
            Command::Apply {
                scenario: Scenario::for_stage(7, 3_200_000.0),
                seed: u64::MAX,
            },
            Command::Reset {
                scenario: Scenario::for_stage(1, 0.0),
                seed: 0,
            },
            Command::Fault {
                fault: Fault::CrashApp(3),
                on: true,
            },
            Command::Play {
                playing: false,
                speed: 100,
            },
            Command::Step { seconds: 0.1 },
            Command::Visible(false),
            Command::Read,
            Command::Replay {
                scenario: Scenario::for_stage(2, 900.0),
                seed: 4,
                history: "5~u900h0w0.1a400p1200i1".to_owned(),
            },
        ];
        for c in commands {
            assert_eq!(decode::<Command>(&encode(&c)), Ok(c));
        }
    }

    #[test]
    fn a_reading_and_a_system_survive_the_trip() {
        for (stage, users, spike) in [
            (1, 1_200.0, false),
            (4, 250_000.0, true),
            (7, 300_000.0, false),
        ] {
            let sc = Scenario::for_stage(stage, users);
            let mut engine = Engine::new(&sc, 3);
            engine.set_fault(Fault::Spike, spike);
            engine.step_until(12.0);
            let frame = Event::Frame(Box::new(Frame {
                generation: 2,
                reading: engine.read(),
                pace: 0.5,
                speed: 10,
                running: true,
            }));
            assert_eq!(decode::<Event>(&encode(&frame)), Ok(frame.clone()));
            let system = Event::System(engine.system(2));
            assert_eq!(decode::<Event>(&encode(&system)), Ok(system));
            let mut motion = Default::default();
            engine.motion_into(&mut motion);
            let motion = Event::Motion {
                generation: 2,
                motion,
            };
            assert_eq!(decode::<Event>(&encode(&motion)), Ok(motion));
        }
    }

    #[test]
    fn other_versions_and_garbage_are_refused() {
        let mut bytes = encode(&Command::Read);
        bytes[0] = VERSION + 1;
        assert_eq!(
            decode::<Command>(&bytes),
            Err(DecodeError::Version(VERSION + 1))
        );
        assert_eq!(decode::<Command>(&[]), Err(DecodeError::Empty));
        assert_eq!(
            decode::<Command>(&[VERSION, 200, 1, 2]),
            Err(DecodeError::Malformed)
        );
    }
}
