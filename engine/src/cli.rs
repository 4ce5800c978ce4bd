//! The command line of `headroom-sim`: a small strict parser and the commands it runs.
//!
//! The binary is a thin wrapper around [`run`]. Every bad argument ends the program with
//! exit code [`EXIT_USAGE`] and exactly one line on stderr naming the flag and what it
//! accepts; nothing here panics on any input.
//!
//! Every run is bounded. `mmc` serves at most `--max-customers` customers and `stage`
//! simulates at most `--max-requests` requests, both warm-up included and refused before the
//! run starts; during a run, more than `--max-in-flight` requests in the system at once, or
//! (for `stage`) more than [`EVENTS_PER_REQUEST`] events per request the cap allows, stop it
//! with one line. A scenario file is read only if it is a regular file of at most
//! [`MAX_SCENARIO_BYTES`].
//!
//! Subcommands:
//! - `mmc`: an M/M/c queue beside Erlang C ([`crate::mmc`]); prints the report as one JSON
//!   object.
//! - `stage`: the staged web-system simulation. Its flags are parsed and validated into
//!   [`StageArgs`]; [`run_stage`] runs it. A flag for a part of the system the stage lacks
//!   ([`Feature`]) is an error; a scenario file's field for one is a warning in the output.
//! - `defaults`: the parameters a `stage` run would use.

use std::cell::Cell;
use std::ffi::OsStr;
use std::fmt;
use std::io::{Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Instant;

use serde::Serialize;

use crate::mmc::{Mmc, MmcParams, Overflow};
use crate::run::{StageRun, WARMUP_S};
use crate::scenario::{Scenario, MACHINES};
use crate::sim::Sim;
use crate::stages::StageId;
use crate::topology::{first_stage_with, Feature};

/// The exit code for a bad command line, and for any other error the CLI reports.
pub const EXIT_USAGE: i32 = 2;

/// The exit code when the output cannot be written (for example a closed pipe).
pub const EXIT_IO: i32 = 1;

/// `--max-customers` when not given: the most customers an `mmc` run serves, warm-up
/// included (about half a minute natively).
pub const DEFAULT_MAX_CUSTOMERS: u64 = 100_000_000;

/// `--max-requests` when not given: the most requests a `stage` run simulates, warm-up
/// included (stage 7 at that load: about a minute natively).
pub const DEFAULT_MAX_REQUESTS: u64 = 20_000_000;

/// `--max-in-flight` when not given: the most requests (or customers) in the system at once.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 2_000_000;

/// The largest `--max-in-flight`: each request in the system takes up to a few hundred bytes.
pub const MAX_IN_FLIGHT_LIMIT: u64 = 10_000_000;

/// Events a `stage` run may handle for each request `--max-requests` allows and for each
/// simulated second (ticks, cron). Runs at the defaults take 3 to 6 per request; jobs that
/// retry take more.
pub const EVENTS_PER_REQUEST: u64 = 32;

/// Simulated seconds a `stage` run advances between two checks of its caps.
pub const SLICE_S: f64 = 0.1;

/// The largest scenario file `--scenario` reads, in bytes (1 MiB).
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// An error to report on one line of stderr, ending the program with [`EXIT_USAGE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// What went wrong, without the leading `error: ` and without a newline.
    pub message: String,
}

impl CliError {
    /// An error with this message (newlines are replaced, so it stays one line).
    pub fn new(message: impl Into<String>) -> Self {
        let message: String = message.into();
        Self {
            message: message.replace(['\n', '\r'], " "),
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        EXIT_USAGE
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)
    }
}

impl std::error::Error for CliError {}

/// The parts of the system that only some stages have, as the command line speaks of them.
impl Feature {
    /// What the stages without the part run instead, and what the first stage with it adds.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Feature::SeparateDatabase => {
                ("run the database on the one VM", "gives it its own machine")
            }
            Feature::Observability => ("have no metrics or logs", "adds them"),
            Feature::Index => ("have no index on the hot query", "adds it"),
            Feature::LoadBalancer => ("run one app server", "adds a load balancer"),
            Feature::Cache => ("have no cache", "adds one"),
            Feature::Cdn => ("have no CDN", "adds one"),
            Feature::Queue => ("have no job queue", "adds one, with workers"),
            Feature::Replicas => ("have no read replicas", "adds them"),
            Feature::Shards => ("run one database primary", "shards it"),
        }
    }

    /// The first stage that has this part (from the stages' designs), and what the stages
    /// before it run instead.
    pub fn arrives(self) -> (u8, String) {
        let first = first_stage_with(self).number();
        let (instead, adds) = self.words();
        let before = if first == 2 {
            // "stage 1 runs", "stage 1 has"
            let (verb, rest) = instead.split_once(' ').unwrap_or((instead, ""));
            let verb = if verb == "have" { "has" } else { "runs" };
            format!("stage 1 {verb} {rest}")
        } else {
            format!("stages 1 to {} {instead}", first - 1)
        };
        (first, format!("{before} (stage {first} {adds})"))
    }

    /// Whether `stage` has this part.
    pub fn at(self, stage: u8) -> bool {
        StageId::of_scenario(stage).design().has(self)
    }

    /// Why `what` (a flag or a field) does not apply at `stage`, or `None` if it does.
    fn missing(self, what: &str, stage: u8) -> Option<String> {
        (!self.at(stage)).then(|| {
            format!(
                "{what} does not apply at stage {stage}: {}",
                self.arrives().1
            )
        })
    }
}

/// The scenario fields that matter only with a part of the system. A scenario file that sets
/// one for a stage without the part gets a warning.
const FIELD_PARTS: &[(&str, Feature)] = &[
    ("db_machine", Feature::SeparateDatabase),
    ("app_servers", Feature::LoadBalancer),
    ("lb_policy", Feature::LoadBalancer),
    ("cache_hit", Feature::Cache),
    ("cache_nodes", Feature::Cache),
    ("cache_op_ms", Feature::Cache),
    ("cdn_hit", Feature::Cdn),
    ("cdn_edge_ms", Feature::Cdn),
    ("cdn_hits_simulated_per_s", Feature::Cdn),
    ("workers", Feature::Queue),
    ("job_max_attempts", Feature::Queue),
    ("job_backoff_s", Feature::Queue),
    ("job_timeout_s", Feature::Queue),
    ("replicas", Feature::Replicas),
    ("replica_base_lag_ms", Feature::Replicas),
    ("replica_apply_ms", Feature::Replicas),
    ("shards", Feature::Shards),
    ("shard_strategy", Feature::Shards),
    ("cross_shard_share", Feature::Shards),
    ("two_phase_timeout_s", Feature::Shards),
];

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Print the usage and exit 0.
    Help,
    /// Run an M/M/c queue and print its report.
    Mmc(MmcArgs),
    /// Run the staged simulation.
    Stage(StageArgs),
    /// Print the full parameter set a `stage` run would use.
    Defaults(StageArgs),
    /// Run the stage on every machine of the price ladder and print where each stops serving.
    Ladder(StageArgs),
}

/// The validated flags of the `mmc` subcommand.
#[derive(Debug, Clone, PartialEq)]
pub struct MmcArgs {
    /// The queue to run.
    pub params: MmcParams,
    /// `--max-customers`: the most customers a run may serve, warm-up included.
    pub max_customers: u64,
    /// `--max-in-flight`: the most customers in the system at once.
    pub max_in_flight: u32,
}

/// The validated flags of the `stage` subcommand. A flag not given is `None` (the stage
/// simulation picks its own default), except the seed, the duration and the caps.
#[derive(Debug, Clone, PartialEq)]
pub struct StageArgs {
    /// `--stage`: the stage, 1 to 7.
    pub stage: Option<u8>,
    /// `--users`: daily active users, 0 to 100,000,000.
    pub users: Option<u64>,
    /// `--cache-hit`: the cache hit ratio, a fraction from 0 to 1 (stage 5 on).
    pub cache_hit: Option<f64>,
    /// `--replicas`: database read replicas, 0 to 8 (stage 7).
    pub replicas: Option<u32>,
    /// `--shards`: database shards, 1 to 16 (stage 7).
    pub shards: Option<u32>,
    /// `--app-servers`: application servers, 1 to 64 (stage 4 on).
    pub app_servers: Option<u32>,
    /// `--workers`: queue workers, 1 to 10,000 (stage 6 on).
    pub workers: Option<u32>,
    /// `--duration`: simulated seconds, 1 to 86,400 (default 300).
    pub duration_s: f64,
    /// `--seed`: the RNG seed (default 1).
    pub seed: u64,
    /// `--scenario`: a scenario file (JSON), stored as given; not read here.
    pub scenario: Option<PathBuf>,
    /// `--instance`: the app machine's name in the instance table.
    pub instance: Option<String>,
    /// `--max-requests`: the most requests a run may simulate, warm-up included.
    pub max_requests: u64,
    /// `--max-in-flight`: the most requests and jobs in the system at once.
    pub max_in_flight: u32,
}

impl Default for StageArgs {
    fn default() -> Self {
        Self {
            stage: None,
            users: None,
            cache_hit: None,
            replicas: None,
            shards: None,
            app_servers: None,
            workers: None,
            duration_s: 300.0,
            seed: 1,
            scenario: None,
            instance: None,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

impl StageArgs {
    /// The flags given that size a part of the system, with the part.
    fn parts_given(&self) -> impl Iterator<Item = (&'static str, Feature)> + '_ {
        [
            ("--app-servers", self.app_servers.is_some()),
            ("--cache-hit", self.cache_hit.is_some()),
            ("--workers", self.workers.is_some()),
            ("--replicas", self.replicas.is_some()),
            ("--shards", self.shards.is_some()),
        ]
        .into_iter()
        .filter(|&(_, given)| given)
        .filter_map(|(name, _)| {
            let f = STAGE_FLAGS.iter().find(|f| f.name == name)?;
            Some((f.name, f.part?))
        })
    }
}

/// What a flag's value may be.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An integer in `min..=max`, digits only.
    Int { min: u64, max: u64 },
    /// A finite number in `min..=max`.
    Num { min: f64, max: f64 },
    /// A file path, any non-empty text.
    Path,
    /// One of the names in the instance table.
    Machine,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Kind::Int { min, max } => write!(f, "an integer from {min} to {max}"),
            Kind::Num { min, max } => write!(f, "a number from {min} to {max}"),
            Kind::Path => write!(f, "a file path"),
            Kind::Machine => {
                let names: Vec<&str> = MACHINES.iter().map(|&(n, _)| n).collect();
                write!(f, "one of {}", names.join(", "))
            }
        }
    }
}

/// One flag a subcommand accepts.
#[derive(Debug, Clone, Copy)]
struct Flag {
    /// The name, with its leading `--`.
    name: &'static str,
    /// The placeholder in the usage.
    value: &'static str,
    /// What the value may be.
    kind: Kind,
    /// What it means, for the usage.
    help: &'static str,
    /// The part of the system it sizes, which not every stage has.
    part: Option<Feature>,
}

const fn flag(name: &'static str, value: &'static str, kind: Kind, help: &'static str) -> Flag {
    Flag {
        name,
        value,
        kind,
        help,
        part: None,
    }
}

impl Flag {
    /// The same flag, sizing `part`.
    const fn sizes(self, part: Feature) -> Flag {
        Flag {
            part: Some(part),
            ..self
        }
    }
}

/// The rates `mmc` accepts, per second: positive, and small and large enough that the mean
/// times between events stay well inside the engine's floating-point range.
const RATE: Kind = Kind::Num {
    min: 1e-6,
    max: 1e9,
};

/// `--max-in-flight`, for both subcommands.
const MAX_IN_FLIGHT: Flag = flag(
    "--max-in-flight",
    "N",
    Kind::Int {
        min: 1,
        max: MAX_IN_FLIGHT_LIMIT,
    },
    "stop a run with more requests than this in the system at once (default 2000000)",
);

/// The flags of `mmc`.
const MMC_FLAGS: &[Flag] = &[
    flag("--lambda", "L", RATE, "arrivals per second (Poisson)"),
    flag("--mu", "M", RATE, "services per second per server"),
    flag(
        "--servers",
        "C",
        Kind::Int {
            min: 1,
            max: 100_000,
        },
        "servers",
    ),
    flag(
        "--customers",
        "N",
        Kind::Int {
            min: 1,
            max: 1_000_000_000,
        },
        "customers to serve after the warm-up",
    ),
    flag(
        "--seed",
        "S",
        Kind::Int {
            min: 0,
            max: u64::MAX,
        },
        "the RNG seed",
    ),
    flag(
        "--warmup",
        "W",
        Kind::Int {
            min: 0,
            max: 1_000_000_000,
        },
        "customers served and discarded first (default: customers / 10)",
    ),
    flag(
        "--max-customers",
        "N",
        Kind::Int {
            min: 1,
            max: 2_000_000_000,
        },
        "refuse a run of more customers than this, warm-up included (default 100000000)",
    ),
    MAX_IN_FLIGHT,
];

/// The flags of `stage`.
const STAGE_FLAGS: &[Flag] = &[
    flag("--stage", "K", Kind::Int { min: 1, max: 7 }, "the stage"),
    flag(
        "--users",
        "U",
        Kind::Int {
            min: 0,
            max: 100_000_000,
        },
        "daily active users",
    ),
    flag(
        "--cache-hit",
        "H",
        Kind::Num { min: 0.0, max: 1.0 },
        "cache hit ratio (a fraction)",
    )
    .sizes(Feature::Cache),
    flag(
        "--replicas",
        "R",
        Kind::Int { min: 0, max: 8 },
        "database read replicas",
    )
    .sizes(Feature::Replicas),
    flag(
        "--shards",
        "S",
        Kind::Int { min: 1, max: 16 },
        "database shards",
    )
    .sizes(Feature::Shards),
    flag(
        "--app-servers",
        "A",
        Kind::Int { min: 1, max: 64 },
        "application servers",
    )
    .sizes(Feature::LoadBalancer),
    flag(
        "--workers",
        "W",
        Kind::Int {
            min: 1,
            max: 10_000,
        },
        "queue workers",
    )
    .sizes(Feature::Queue),
    flag(
        "--duration",
        "SECONDS",
        Kind::Num {
            min: 1.0,
            max: 86_400.0,
        },
        "simulated seconds (default 300)",
    ),
    flag(
        "--seed",
        "S",
        Kind::Int {
            min: 0,
            max: u64::MAX,
        },
        "the RNG seed (default 1)",
    ),
    flag(
        "--instance",
        "NAME",
        Kind::Machine,
        "the app machine (the one VM on stage 1)",
    ),
    flag("--scenario", "FILE.json", Kind::Path, "a scenario file"),
    flag(
        "--max-requests",
        "N",
        Kind::Int {
            min: 1,
            max: 1_000_000_000_000,
        },
        "refuse a run of more requests than this, warm-up included (default 20000000)",
    ),
    MAX_IN_FLIGHT,
];

/// The usage text `--help` prints.
pub fn usage() -> String {
    let mut s = String::from(
        "headroom-sim: run Headroom's simulation engine from the command line.\n\n\
         Usage:\n  \
         headroom-sim mmc --lambda L --mu M --servers C --customers N --seed S [--warmup W]\n    \
         [--max-customers N] [--max-in-flight N]\n  \
         headroom-sim stage [--stage K] [--users U] [--cache-hit H] [--replicas R] [--shards S]\n    \
         [--app-servers A] [--workers W] [--duration SECONDS] [--seed S] [--instance NAME]\n    \
         [--scenario FILE.json] [--max-requests N] [--max-in-flight N]\n  \
         headroom-sim defaults [the stage flags]: print every parameter a stage run would use\n  \
         headroom-sim ladder [the stage flags]: a stage with one app server on every machine of\n    \
         the price ladder, with where each stops serving (measured and predicted)\n  \
         headroom-sim --help\n\n\
         mmc: an M/M/c queue beside Erlang C's prediction; prints the report as one JSON object.\n\
         lambda may exceed servers x mu: the queue then grows until --max-in-flight stops it.\n",
    );
    flag_lines(&mut s, MMC_FLAGS);
    s.push_str("\nstage: the staged web system; every flag is optional.\n");
    flag_lines(&mut s, STAGE_FLAGS);
    s.push_str(&format!(
        "\nA flag's value is the next argument, or follows '=' (--lambda=9).\n\
         A flag for a part of the system the stage lacks is an error; a scenario file's field\n\
         for one is listed in the output's \"warnings\". A scenario file is a JSON object of at\n\
         most 1 MiB.\n\
         A run that would pass --max-customers or --max-requests is refused before it starts;\n\
         one that passes --max-in-flight, or handles more than {EVENTS_PER_REQUEST} events per request \
         allowed,\n\
         stops with an error.\n\
         Exit codes: 0 success, 2 bad arguments or a run refused or stopped (one line on\n\
         stderr), 1 the output could not be written.\n"
    ));
    s
}

/// Appends one usage line per flag: name, placeholder, meaning and accepted values.
fn flag_lines(s: &mut String, flags: &[Flag]) {
    for f in flags {
        let head = format!("{} {}", f.name, f.value);
        let stage = match f.part {
            Some(p) => format!(" (stage {} on)", p.arrives().0),
            None => String::new(),
        };
        s.push_str(&format!("  {head:<24}{}{stage}: {}\n", f.help, f.kind));
    }
}

/// The raw values given for one subcommand's flags, in the order of its flag table.
struct Given<'a> {
    flags: &'static [Flag],
    values: Vec<Option<&'a str>>,
}

impl<'a> Given<'a> {
    /// Collects `args` (after the subcommand) against `flags`, rejecting unknown flags,
    /// missing values, repeated flags and stray arguments.
    fn collect(cmd: &str, flags: &'static [Flag], args: &'a [String]) -> Result<Self, CliError> {
        let mut values = vec![None; flags.len()];
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            i += 1;
            if !arg.starts_with("--") {
                return Err(CliError::new(format!(
                    "unexpected argument {arg:?} for {cmd} (flags start with --; try --help)"
                )));
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (arg, None),
            };
            let Some(k) = flags.iter().position(|f| f.name == name) else {
                let known: Vec<&str> = flags.iter().map(|f| f.name).collect();
                return Err(CliError::new(format!(
                    "unknown flag {name:?} for {cmd} (expected one of {})",
                    known.join(", ")
                )));
            };
            let f = &flags[k];
            let value = match inline {
                Some(v) => v,
                None => match args.get(i) {
                    Some(v) if !v.starts_with("--") => {
                        i += 1;
                        v.as_str()
                    }
                    _ => {
                        return Err(CliError::new(format!(
                            "{} needs a value: {}",
                            f.name, f.kind
                        )))
                    }
                },
            };
            if values[k].is_some() {
                return Err(CliError::new(format!("{} is given more than once", f.name)));
            }
            values[k] = Some(value);
        }
        Ok(Self { flags, values })
    }

    /// The flag called `name` and its raw value, if given.
    fn get(&self, name: &str) -> Result<(&'static Flag, Option<&'a str>), CliError> {
        let k = self
            .flags
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| CliError::new(format!("internal: no flag {name}")))?;
        Ok((&self.flags[k], self.values[k]))
    }

    /// The integer value of `name`, if given.
    fn int(&self, name: &str) -> Result<Option<u64>, CliError> {
        let (f, raw) = self.get(name)?;
        raw.map(|raw| parse_int(f, raw)).transpose()
    }

    /// The number value of `name`, if given.
    fn num(&self, name: &str) -> Result<Option<f64>, CliError> {
        let (f, raw) = self.get(name)?;
        raw.map(|raw| parse_num(f, raw)).transpose()
    }

    /// The error for a required flag that is missing.
    fn missing(&self, name: &str) -> CliError {
        match self.get(name) {
            Ok((f, _)) => CliError::new(format!("{} is required: {}", f.name, f.kind)),
            Err(e) => e,
        }
    }

    /// The integer value of a required flag.
    fn required_int(&self, name: &str) -> Result<u64, CliError> {
        self.int(name)?.ok_or_else(|| self.missing(name))
    }

    /// The number value of a required flag.
    fn required_num(&self, name: &str) -> Result<f64, CliError> {
        self.num(name)?.ok_or_else(|| self.missing(name))
    }
}

/// The error for a value that is not what `f` accepts.
fn bad_value(f: &Flag, raw: &str) -> CliError {
    CliError::new(format!("{} must be {} (got {raw:?})", f.name, f.kind))
}

/// Parses an integer value of `f`: ASCII digits only, within its range.
fn parse_int(f: &Flag, raw: &str) -> Result<u64, CliError> {
    let Kind::Int { min, max } = f.kind else {
        return Err(bad_value(f, raw));
    };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_value(f, raw));
    }
    match raw.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad_value(f, raw)),
    }
}

/// Parses a number value of `f`: finite, within its range.
fn parse_num(f: &Flag, raw: &str) -> Result<f64, CliError> {
    let v: f64 = raw.parse().map_err(|_| bad_value(f, raw))?;
    let ok = v.is_finite()
        && match f.kind {
            Kind::Num { min, max } => (min..=max).contains(&v),
            Kind::Int { .. } | Kind::Path | Kind::Machine => false,
        };
    if ok {
        Ok(v)
    } else {
        Err(bad_value(f, raw))
    }
}

/// Narrows a value already checked against its flag's range.
fn narrow<T: TryFrom<u64>>(name: &str, v: u64) -> Result<T, CliError> {
    T::try_from(v).map_err(|_| CliError::new(format!("internal: {name} out of range ({v})")))
}

/// Parses the `mmc` subcommand's flags.
fn parse_mmc(args: &[String]) -> Result<MmcArgs, CliError> {
    let g = Given::collect("mmc", MMC_FLAGS, args)?;
    let lambda = g.required_num("--lambda")?;
    let mu = g.required_num("--mu")?;
    let servers = narrow("--servers", g.required_int("--servers")?)?;
    let customers = g.required_int("--customers")?;
    let seed = g.required_int("--seed")?;
    let warmup = g.int("--warmup")?.unwrap_or(customers / 10);
    Ok(MmcArgs {
        params: MmcParams {
            lambda,
            mu,
            servers,
            customers,
            warmup,
            seed,
        },
        max_customers: g.int("--max-customers")?.unwrap_or(DEFAULT_MAX_CUSTOMERS),
        max_in_flight: match g.int("--max-in-flight")? {
            Some(n) => narrow("--max-in-flight", n)?,
            None => DEFAULT_MAX_IN_FLIGHT,
        },
    })
}

/// Parses the `stage` subcommand's flags.
fn parse_stage(args: &[String]) -> Result<StageArgs, CliError> {
    let g = Given::collect("stage", STAGE_FLAGS, args)?;
    let small = |name: &str| -> Result<Option<u32>, CliError> {
        g.int(name)?.map(|v| narrow(name, v)).transpose()
    };
    let defaults = StageArgs::default();
    let scenario = match g.get("--scenario")? {
        (f, Some("")) => return Err(bad_value(f, "")),
        (_, raw) => raw.map(PathBuf::from),
    };
    Ok(StageArgs {
        stage: g
            .int("--stage")?
            .map(|v| narrow("--stage", v))
            .transpose()?,
        users: g.int("--users")?,
        cache_hit: g.num("--cache-hit")?,
        replicas: small("--replicas")?,
        shards: small("--shards")?,
        app_servers: small("--app-servers")?,
        workers: small("--workers")?,
        duration_s: g.num("--duration")?.unwrap_or(defaults.duration_s),
        seed: g.int("--seed")?.unwrap_or(defaults.seed),
        scenario,
        instance: match g.get("--instance")? {
            (_, Some(name)) if crate::scenario::machine(name).is_some() => Some(name.to_owned()),
            (f, Some(name)) => return Err(bad_value(f, name)),
            (_, None) => None,
        },
        max_requests: g.int("--max-requests")?.unwrap_or(defaults.max_requests),
        max_in_flight: small("--max-in-flight")?.unwrap_or(defaults.max_in_flight),
    })
}

/// Parses a command line (without the program name).
///
/// `--help` or `-h` anywhere, or the subcommand `help`, asks for the usage.
pub fn parse<S: AsRef<OsStr>>(args: &[S]) -> Result<Command, CliError> {
    let mut text = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        match a.as_ref().to_str() {
            Some(s) => text.push(s.to_owned()),
            None => {
                return Err(CliError::new(format!(
                    "argument {} is not valid UTF-8",
                    i + 1
                )))
            }
        }
    }
    if text.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help);
    }
    let Some((cmd, rest)) = text.split_first() else {
        return Err(CliError::new(
            "missing subcommand: expected mmc, stage, defaults or ladder (try --help)",
        ));
    };
    match cmd.as_str() {
        "help" => Ok(Command::Help),
        "mmc" => parse_mmc(rest).map(Command::Mmc),
        "stage" => parse_stage(rest).map(Command::Stage),
        "defaults" => parse_stage(rest).map(Command::Defaults),
        // (The ladder searches the users itself: `--users` only starts the scenario.)
        "ladder" => parse_stage(rest).map(|a| {
            Command::Ladder(StageArgs {
                users: a.users.or(Some(1_000)),
                ..a
            })
        }),
        other => Err(CliError::new(format!(
            "unknown subcommand {other:?}: expected mmc, stage, defaults or ladder (try --help)"
        ))),
    }
}

/// `n` with a comma between each group of three digits: 2,000,000.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut s = String::with_capacity(digits.len() * 4 / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    s
}

/// A nonnegative amount for a message: whole and grouped from 100 up (2,777,778), else to
/// three significant digits (12.3, 0.00215).
fn amount(x: f64) -> String {
    if x >= 100.0 {
        // `as` saturates: beyond u64 (not reachable from the flags' ranges) it says 2^64 - 1.
        grouped(x.round() as u64)
    } else {
        let rounded: f64 = format!("{x:.2e}").parse().unwrap_or(x);
        rounded.to_string()
    }
}

/// Runs an M/M/c queue and returns its report as one line of JSON, with `wall_s` measured.
///
/// Refused before it starts when the customers and the warm-up pass `--max-customers`;
/// stopped when more than `--max-in-flight` customers are in the system.
pub fn run_mmc(args: &MmcArgs) -> Result<String, CliError> {
    let p = args.params;
    let total = p.customers.saturating_add(p.warmup);
    if total > args.max_customers {
        return Err(CliError::new(format!(
            "mmc would serve {} customers ({} plus a warm-up of {}), over the cap of {}; \
             --max-customers N raises the cap",
            grouped(total),
            grouped(p.customers),
            grouped(p.warmup),
            grouped(args.max_customers)
        )));
    }
    let start = Instant::now();
    let mut report = Mmc::new(p)
        .run_bounded(args.max_in_flight)
        .map_err(|o| mmc_overflow(&p, &o))?;
    report.wall_s = start.elapsed().as_secs_f64();
    serde_json::to_string(&report)
        .map_err(|e| CliError::new(format!("cannot write the report as JSON: {e}")))
}

/// The error for an `mmc` run stopped by `--max-in-flight`.
fn mmc_overflow(p: &MmcParams, o: &Overflow) -> CliError {
    let capacity = f64::from(p.servers) * p.mu;
    let why = if p.lambda >= capacity {
        format!(
            "lambda {} is at least servers x mu = {}: the queue is unstable",
            p.lambda, capacity
        )
    } else {
        "a long busy spell".to_owned()
    };
    CliError::new(format!(
        "the queue grew past {} customers in the system after {} simulated seconds ({why}); \
         --max-in-flight N raises the cap",
        grouped(u64::from(o.limit)),
        amount(o.at_s)
    ))
}

/// The scenario file at `path` as text: a regular file of at most [`MAX_SCENARIO_BYTES`].
/// Anything else (a device such as `/dev/zero`, a FIFO, a directory, a bigger file) is
/// refused without reading it.
fn read_scenario(path: &Path) -> Result<String, CliError> {
    let shown = path.display();
    let cannot =
        |e: std::io::Error| CliError::new(format!("cannot read the scenario file {shown}: {e}"));
    let too_big = || {
        CliError::new(format!(
            "the scenario file {shown} is larger than 1 MiB ({MAX_SCENARIO_BYTES} bytes), \
             the most --scenario reads"
        ))
    };
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(CliError::new(format!(
            "the scenario file {shown} is not a regular file (--scenario reads a JSON file of \
             at most 1 MiB)"
        )));
    }
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // The file may have grown since: read one byte past the limit to notice.
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        CliError::new(format!(
            "the scenario file {shown} is not UTF-8 text (byte {} is not)",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// A stage run's scenario, and a warning for each field its file set that does not apply.
struct Built {
    scenario: Scenario,
    warnings: Vec<String>,
}

/// The scenario: the stage's defaults, then the scenario file's fields, then the flags.
///
/// A flag for a part the stage lacks is an error; a field of the file for one is a warning.
fn build_scenario(args: &StageArgs) -> Result<Built, CliError> {
    let mut file_fields = Vec::new();
    let mut sc = match &args.scenario {
        Some(path) => {
            let text = read_scenario(path)?;
            let bad = |e: String| CliError::new(format!("scenario file {}: {e}", path.display()));
            let mut sc = Scenario::from_json(&text, args.stage).map_err(bad)?;
            if let Some(stage) = args.stage {
                if stage != sc.stage {
                    let users = sc.users;
                    sc = Scenario::from_json(&text, Some(stage)).map_err(bad)?;
                    sc.stage = stage;
                    sc.users = users;
                }
            }
            // `from_json` has checked that the text is one JSON object.
            if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(&text) {
                file_fields = fields.keys().cloned().collect();
            }
            sc
        }
        None => {
            let stage = args.stage.ok_or_else(|| {
                CliError::new(
                    "--stage is required (an integer from 1 to 7) unless --scenario gives it",
                )
            })?;
            let users = args.users.ok_or_else(|| {
                CliError::new("--users is required (an integer from 0 to 100000000) unless --scenario gives it")
            })?;
            Scenario::for_stage(stage, users as f64)
        }
    };
    if let Some(e) = args
        .parts_given()
        .find_map(|(name, part)| part.missing(name, sc.stage))
    {
        return Err(CliError::new(e));
    }
    let warnings = FIELD_PARTS
        .iter()
        .filter(|(field, _)| file_fields.iter().any(|f| f == field))
        .filter_map(|&(field, part)| part.missing(field, sc.stage))
        .collect();
    if let Some(u) = args.users {
        sc.users = u as f64;
    }
    if let Some(h) = args.cache_hit {
        sc.cache_hit = h;
    }
    if let Some(r) = args.replicas {
        sc.replicas = r;
    }
    if let Some(s) = args.shards {
        sc.shards = s;
    }
    if let Some(a) = args.app_servers {
        sc.app_servers = a;
    }
    if let Some(w) = args.workers {
        sc.workers = w;
    }
    if let Some(m) = args.instance.as_deref().and_then(crate::scenario::machine) {
        sc.app_machine = m;
    }
    sc.validate()
        .map_err(|e| CliError::new(format!("scenario: {e}")))?;
    Ok(Built {
        scenario: sc,
        warnings,
    })
}

/// What `stage` prints: the run, then the warnings about the scenario file.
#[derive(Serialize)]
struct StageOutput<'a> {
    #[serde(flatten)]
    run: &'a StageRun,
    /// One line per field of the scenario file that does not apply at the stage.
    warnings: &'a [String],
}

/// Runs the staged simulation for `args` and returns what to print: one JSON object.
///
/// Refused before it starts when the requests it would simulate pass `--max-requests`;
/// stopped when it passes `--max-in-flight` or its share of events.
pub fn run_stage(args: &StageArgs) -> Result<String, CliError> {
    let Built {
        scenario: sc,
        warnings,
    } = build_scenario(args)?;
    check_budget(&sc, args)?;
    let start = Instant::now();
    let mut run = simulate(&sc, args)?;
    run.wall_s = start.elapsed().as_secs_f64();
    let out = StageOutput {
        run: &run,
        warnings: &warnings,
    };
    serde_json::to_string(&out)
        .map_err(|e| CliError::new(format!("cannot write the report as JSON: {e}")))
}

/// Refuses a run whose offered requests (users' and analytics', at the peak rate, over the
/// warm-up and the duration) pass `--max-requests`.
fn check_budget(sc: &Scenario, args: &StageArgs) -> Result<(), CliError> {
    let seconds = WARMUP_S + args.duration_s;
    let analytics = sc.analytics_per_s_per_100k_users * sc.users / 100_000.0;
    let rate = sc.peak_rps() + analytics;
    let offered = rate * seconds;
    // Written so that a NaN would be refused too (validation rules it out).
    if offered <= args.max_requests as f64 {
        return Ok(());
    }
    Err(CliError::new(format!(
        "the run would simulate about {} requests ({} a second at the peak, analytics \
         included, for {} s with the {} s warm-up), over the cap of {}; --max-requests N \
         raises the cap",
        amount(offered),
        amount(rate),
        amount(seconds),
        amount(WARMUP_S),
        grouped(args.max_requests)
    )))
}

/// Runs `sc` as [`crate::run::run_stage`] does (warm-up, reset, the duration measured), in
/// slices of [`SLICE_S`] simulated seconds, checking the caps after each.
fn simulate(sc: &Scenario, args: &StageArgs) -> Result<StageRun, CliError> {
    let max_events = EVENTS_PER_REQUEST.saturating_mul(
        args.max_requests
            .saturating_add((WARMUP_S + args.duration_s).ceil() as u64),
    );
    let mut sim = Sim::with_stats(sc, args.seed, false);
    advance(&mut sim, WARMUP_S, 0, max_events, args)?;
    let warmup_events = sim.events_handled();
    sim.reset_stats();
    advance(
        &mut sim,
        WARMUP_S + args.duration_s,
        warmup_events,
        max_events,
        args,
    )?;
    Ok(StageRun::of(&mut sim, args.seed, args.duration_s, WARMUP_S))
}

/// Steps `sim` to `until` in slices, stopping with an error once more than
/// `--max-in-flight` requests are in the system or more than `max_events` events (counting
/// `events_before`, handled before the statistics were reset) have been handled.
fn advance(
    sim: &mut Sim,
    until: f64,
    events_before: u64,
    max_events: u64,
    args: &StageArgs,
) -> Result<(), CliError> {
    let from = sim.now();
    let mut k = 0.0;
    while sim.now() < until {
        k += 1.0;
        sim.step_until((from + k * SLICE_S).min(until));
        let in_flight = sim.in_flight();
        if in_flight > args.max_in_flight {
            return Err(CliError::new(format!(
                "the system grew past {} requests in flight after {} simulated seconds (an \
                 unstable system?); --max-in-flight N raises the cap",
                grouped(u64::from(args.max_in_flight)),
                amount(sim.now())
            )));
        }
        if events_before + sim.events_handled() > max_events {
            return Err(CliError::new(format!(
                "the run handled more than {} events after {} simulated seconds ({} per \
                 request --max-requests allows: retries or timeouts?); --max-requests N raises \
                 the cap",
                grouped(max_events),
                amount(sim.now()),
                EVENTS_PER_REQUEST
            )));
        }
    }
    Ok(())
}

/// The full parameter set `args` describe, as pretty JSON: every assumption, with its value.
pub fn show_defaults(args: &StageArgs) -> Result<String, CliError> {
    let sc = build_scenario(args)?.scenario;
    serde_json::to_string_pretty(&sc)
        .map_err(|e| CliError::new(format!("cannot write the scenario as JSON: {e}")))
}

/// One machine of `ladder`'s output.
#[derive(Serialize)]
struct LadderRow {
    /// The instance type.
    name: &'static str,
    /// Its virtual CPUs, memory (MB) and price (USD a month).
    vcpus: u32,
    memory_mb: f64,
    machine_usd_month: f64,
    /// Where the simulation measured the system to stop serving (null: it holds to the top).
    measured: Option<crate::vertical::Breaking>,
    /// Where the analytic companion predicts it, and what the whole system costs there.
    predicted_users: Option<f64>,
    predicted_usd_month: f64,
}

/// Every machine of the price ladder in the app server's place (the one VM on stage 1), with
/// where the simulation (with `--seed`) and the companion find that system stops serving.
pub fn show_ladder(args: &StageArgs) -> Result<String, CliError> {
    use crate::vertical;
    let sc = build_scenario(args)?.scenario;
    if !vertical::scales_up(crate::StageId::of_scenario(sc.stage)) {
        return Err(CliError::new(format!(
            "ladder: {}; a bigger machine is for those stages",
            Feature::LoadBalancer.arrives().1
        )));
    }
    let (lo, hi) = vertical::USERS;
    let rows: Vec<LadderRow> = vertical::ladder(&sc)
        .into_iter()
        .map(|rung| LadderRow {
            name: rung.name,
            vcpus: rung.machine.vcpus,
            memory_mb: rung.machine.memory_mb,
            machine_usd_month: rung.machine.usd_month,
            measured: vertical::breaking_point(&vertical::on(&sc, rung.machine), args.seed, lo, hi),
            predicted_users: rung.serves_users,
            predicted_usd_month: rung.usd_month,
        })
        .collect();
    serde_json::to_string_pretty(&rows)
        .map_err(|e| CliError::new(format!("cannot write the ladder as JSON: {e}")))
}

/// Runs a parsed command and returns what to print on stdout.
pub fn execute(cmd: Command) -> Result<String, CliError> {
    match cmd {
        Command::Help => Ok(usage()),
        Command::Mmc(args) => run_mmc(&args),
        Command::Stage(args) => run_stage(&args),
        Command::Defaults(args) => show_defaults(&args),
        Command::Ladder(args) => show_ladder(&args),
    }
}

thread_local! {
    /// True while this thread runs a command inside [`guarded`].
    static IN_RUN: Cell<bool> = const { Cell::new(false) };
    /// What the panic hook saw of the last panic inside [`guarded`]: message and place.
    static PANIC: Cell<Option<String>> = const { Cell::new(None) };
}

static QUIET_HOOK: Once = Once::new();

/// A panic's message, if it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "a panic"
    }
}

/// The one line a panic inside a run is reported with (after `error: `).
fn internal_error(what: &str) -> String {
    format!(
        "internal error: {what} (a bug in headroom-sim; please report it with the command line)"
    )
}

/// Installs, once, a panic hook that keeps quiet about panics inside [`guarded`] (which
/// reports them in one line) and hands every other panic to the hook there was before.
///
/// Where panics abort instead of unwinding (the workspace's release profile), nothing comes
/// back to [`guarded`]: the hook itself then prints the line and exits with [`EXIT_USAGE`].
fn quiet_panics_in_runs() {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_RUN.with(Cell::get) {
                return previous(info);
            }
            let mut what = panic_message(info.payload()).to_owned();
            if let Some(at) = info.location() {
                what.push_str(&format!(" at {}:{}", at.file(), at.line()));
            }
            if cfg!(panic = "abort") {
                let line = CliError::new(internal_error(&what));
                let _ = writeln!(std::io::stderr(), "{line}");
                std::process::exit(EXIT_USAGE);
            }
            PANIC.with(|p| p.set(Some(what)));
        }));
    });
}

/// Runs `f`, turning a panic inside it into an error of one line.
///
/// The last line of defence: inputs are validated and runs bounded so that nothing panics;
/// if something still does, the user gets one line and exit code 2, not a backtrace.
fn guarded(f: impl FnOnce() -> Result<String, CliError>) -> Result<String, CliError> {
    quiet_panics_in_runs();
    let outer = IN_RUN.with(|r| r.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_RUN.with(|r| r.set(outer));
    result.unwrap_or_else(|payload| {
        let what = PANIC
            .with(Cell::take)
            .unwrap_or_else(|| panic_message(payload.as_ref()).to_owned());
        Err(CliError::new(internal_error(&what)))
    })
}

/// The whole program: parses `args` (without the program name), runs the command, writes
/// its output to `out` or one error line to `err`, and returns the exit code.
pub fn run<S: AsRef<OsStr>>(args: &[S], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match guarded(|| parse(args).and_then(execute)) {
        Ok(text) => {
            let newline = if text.ends_with('\n') { "" } else { "\n" };
            match write!(out, "{text}{newline}").and_then(|()| out.flush()) {
                Ok(()) => 0,
                Err(e) => {
                    let _ = writeln!(err, "error: cannot write the output: {e}");
                    EXIT_IO
                }
            }
        }
        Err(e) => {
            let _ = writeln!(err, "{e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mmc(extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = [
            "mmc",
            "--lambda",
            "9",
            "--mu",
            "1",
            "--servers",
            "10",
            "--customers",
            "1000",
            "--seed",
            "7",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    /// Runs the program on `args` and returns (exit code, stdout, stderr).
    fn program(args: &[&str]) -> (i32, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    /// Asserts `args` fail with exit code 2 and exactly the stderr line `want`.
    fn fails(args: &[&str], want: &str) {
        let (code, out, err) = program(args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err, format!("error: {want}\n"), "{args:?}");
    }

    fn with(base: Vec<String>, flag: &str, value: &str) -> Vec<String> {
        // Replace the flag's value if present, else append it.
        let mut v = base;
        if let Some(i) = v.iter().position(|a| a == flag) {
            v[i + 1] = value.to_string();
        } else {
            v.push(flag.to_string());
            v.push(value.to_string());
        }
        v
    }

    fn fails_owned(args: Vec<String>, want: &str) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(&refs, want);
    }

    #[test]
    fn parses_mmc() {
        let cmd = parse(&mmc(&["--warmup", "5"])).unwrap();
        assert_eq!(
            cmd,
            Command::Mmc(MmcArgs {
                params: MmcParams {
                    lambda: 9.0,
                    mu: 1.0,
                    servers: 10,
                    customers: 1000,
                    warmup: 5,
                    seed: 7
                },
                max_customers: DEFAULT_MAX_CUSTOMERS,
                max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            })
        );
    }

    #[test]
    fn mmc_warmup_defaults_to_a_tenth() {
        let Command::Mmc(a) = parse(&mmc(&[])).unwrap() else {
            panic!("not mmc")
        };
        assert_eq!(a.params.warmup, 100);
    }

    #[test]
    fn accepts_equals_and_any_order_and_bounds() {
        let args = [
            "mmc",
            "--seed=18446744073709551615",
            "--customers=1000000000",
            "--servers",
            "100000",
            "--mu=1e9",
            "--lambda",
            "0.001",
            "--warmup",
            "0",
        ];
        let Command::Mmc(MmcArgs { params: p, .. }) = parse(&args).unwrap() else {
            panic!("not mmc")
        };
        assert_eq!(p.seed, u64::MAX);
        assert_eq!(p.customers, 1_000_000_000);
        assert_eq!(p.servers, 100_000);
        assert_eq!(p.mu, 1e9);
        assert_eq!(p.lambda, 0.001);
        assert_eq!(p.warmup, 0);
    }

    #[test]
    fn unstable_queue_is_allowed() {
        assert!(parse(&with(mmc(&[]), "--lambda", "20")).is_ok());
    }

    #[test]
    fn help_exits_zero_with_usage() {
        for args in [
            &["--help"][..],
            &["-h"],
            &["help"],
            &["mmc", "--lambda", "0", "--help"],
        ] {
            let (code, out, err) = program(args);
            assert_eq!(code, 0, "{args:?}");
            assert!(out.contains("Usage:"), "{out}");
            assert!(out.contains("--servers C"), "{out}");
            assert!(out.contains("--app-servers A"), "{out}");
            assert_eq!(err, "");
        }
    }

    #[test]
    fn runs_mmc_and_prints_one_json_object() {
        let args = mmc(&[]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = program(&refs);
        assert_eq!(code, 0, "{err}");
        assert_eq!(err, "");
        assert_eq!(out.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["completed"], 1000);
        assert!(v["wall_s"].as_f64().unwrap() > 0.0);
        assert!(v["theory"]["mean_wait_s"].is_number());
    }

    #[test]
    fn missing_or_unknown_subcommand() {
        fails(
            &[],
            "missing subcommand: expected mmc, stage, defaults or ladder (try --help)",
        );
        fails(
            &["mmk"],
            "unknown subcommand \"mmk\": expected mmc, stage, defaults or ladder (try --help)",
        );
    }

    #[test]
    fn unknown_flag() {
        fails_owned(
            mmc(&["--lamda", "3"]),
            "unknown flag \"--lamda\" for mmc (expected one of --lambda, --mu, --servers, \
             --customers, --seed, --warmup, --max-customers, --max-in-flight)",
        );
        fails(
            &["stage", "--servers", "3"],
            "unknown flag \"--servers\" for stage (expected one of --stage, --users, \
             --cache-hit, --replicas, --shards, --app-servers, --workers, --duration, --seed, --instance, \
             --scenario, --max-requests, --max-in-flight)",
        );
    }

    #[test]
    fn stray_argument() {
        fails_owned(
            mmc(&["9"]),
            "unexpected argument \"9\" for mmc (flags start with --; try --help)",
        );
        fails(
            &["mmc", "-x"],
            "unexpected argument \"-x\" for mmc (flags start with --; try --help)",
        );
    }

    #[test]
    fn missing_value() {
        fails_owned(
            mmc(&["--warmup"]),
            "--warmup needs a value: an integer from 0 to 1000000000",
        );
        fails(
            &["mmc", "--lambda", "--mu", "1"],
            "--lambda needs a value: a number from 0.000001 to 1000000000",
        );
    }

    #[test]
    fn repeated_flag() {
        fails_owned(mmc(&["--mu", "2"]), "--mu is given more than once");
    }

    #[test]
    fn required_flags() {
        fails(
            &["mmc"],
            "--lambda is required: a number from 0.000001 to 1000000000",
        );
        fails(
            &[
                "mmc",
                "--lambda",
                "1",
                "--mu",
                "1",
                "--servers",
                "1",
                "--customers",
                "5",
            ],
            "--seed is required: an integer from 0 to 18446744073709551615",
        );
    }

    #[test]
    fn out_of_range_and_unparsable_mmc_values() {
        let num = "a number from 0.000001 to 1000000000";
        for (flag, bad, range) in [
            ("--lambda", "0", num),
            ("--lambda", "0.0000009", num),
            ("--lambda", "5e-324", num),
            ("--lambda", "-1", num),
            ("--lambda", "inf", num),
            ("--lambda", "NaN", num),
            ("--lambda", "1e10", num),
            ("--lambda", "fast", num),
            ("--lambda", "", num),
            ("--mu", "0", num),
            ("--mu", "1e-300", num),
            ("--servers", "0", "an integer from 1 to 100000"),
            ("--servers", "100001", "an integer from 1 to 100000"),
            ("--servers", "2.5", "an integer from 1 to 100000"),
            ("--servers", "+3", "an integer from 1 to 100000"),
            ("--customers", "0", "an integer from 1 to 1000000000"),
            ("--customers", "1e6", "an integer from 1 to 1000000000"),
            (
                "--customers",
                "1000000001",
                "an integer from 1 to 1000000000",
            ),
            ("--seed", "-1", "an integer from 0 to 18446744073709551615"),
            (
                "--seed",
                "18446744073709551616",
                "an integer from 0 to 18446744073709551615",
            ),
            ("--warmup", "1000000001", "an integer from 0 to 1000000000"),
        ] {
            fails_owned(
                with(mmc(&[]), flag, bad),
                &format!("{flag} must be {range} (got {bad:?})"),
            );
        }
    }

    #[test]
    fn odd_text_stays_on_one_line() {
        fails_owned(
            with(mmc(&[]), "--servers", "1\n2"),
            "--servers must be an integer from 1 to 100000 (got \"1\\n2\")",
        );
        let (code, _, err) = program(&["mmc", "--ser\nvers", "1"]);
        assert_eq!(code, 2);
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_argument() {
        use std::os::unix::ffi::OsStrExt;
        let args = [OsStr::new("mmc"), OsStr::from_bytes(b"--lambda\xff")];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&args, &mut out, &mut err), 2);
        assert_eq!(err, b"error: argument 2 is not valid UTF-8\n");
    }

    #[test]
    fn stage_defaults() {
        assert_eq!(
            parse(&["stage"]).unwrap(),
            Command::Stage(StageArgs::default())
        );
        let d = StageArgs::default();
        assert_eq!((d.seed, d.duration_s), (1, 300.0));
    }

    #[test]
    fn parses_every_stage_flag() {
        let args = [
            "stage",
            "--stage",
            "7",
            "--users",
            "100000000",
            "--cache-hit",
            "0.85",
            "--replicas",
            "8",
            "--shards",
            "16",
            "--app-servers",
            "64",
            "--workers",
            "10000",
            "--duration",
            "86400",
            "--seed",
            "42",
            "--scenario",
            "black-friday.json",
            "--max-requests",
            "1000000000000",
            "--max-in-flight",
            "10000000",
        ];
        assert_eq!(
            parse(&args).unwrap(),
            Command::Stage(StageArgs {
                stage: Some(7),
                users: Some(100_000_000),
                cache_hit: Some(0.85),
                replicas: Some(8),
                shards: Some(16),
                app_servers: Some(64),
                workers: Some(10_000),
                duration_s: 86_400.0,
                seed: 42,
                scenario: Some(PathBuf::from("black-friday.json")),
                instance: None,
                max_requests: 1_000_000_000_000,
                max_in_flight: 10_000_000,
            })
        );
        let lows = [
            "stage",
            "--stage=1",
            "--users=0",
            "--cache-hit=0",
            "--replicas=0",
            "--shards=1",
            "--app-servers=1",
            "--workers=1",
            "--duration=1",
            "--seed=0",
            "--max-requests=1",
            "--max-in-flight=1",
        ];
        let Command::Stage(s) = parse(&lows).unwrap() else {
            panic!("not stage")
        };
        assert_eq!(s.cache_hit, Some(0.0));
        assert_eq!(s.duration_s, 1.0);
        assert_eq!(s.seed, 0);
    }

    #[test]
    fn out_of_range_stage_values() {
        for (flag, bad, range) in [
            ("--stage", "0", "an integer from 1 to 7"),
            ("--stage", "8", "an integer from 1 to 7"),
            ("--users", "100000001", "an integer from 0 to 100000000"),
            ("--users", "-5", "an integer from 0 to 100000000"),
            ("--cache-hit", "1.01", "a number from 0 to 1"),
            ("--cache-hit", "85%", "a number from 0 to 1"),
            ("--cache-hit", "-0.1", "a number from 0 to 1"),
            ("--replicas", "9", "an integer from 0 to 8"),
            ("--shards", "0", "an integer from 1 to 16"),
            ("--shards", "17", "an integer from 1 to 16"),
            ("--app-servers", "0", "an integer from 1 to 64"),
            ("--app-servers", "65", "an integer from 1 to 64"),
            ("--workers", "10001", "an integer from 1 to 10000"),
            ("--workers", "0", "an integer from 1 to 10000"),
            ("--max-requests", "0", "an integer from 1 to 1000000000000"),
            (
                "--max-in-flight",
                "10000001",
                "an integer from 1 to 10000000",
            ),
            ("--duration", "0.5", "a number from 1 to 86400"),
            ("--duration", "86401", "a number from 1 to 86400"),
            ("--seed", "x", "an integer from 0 to 18446744073709551615"),
            ("--scenario", "", "a file path"),
        ] {
            fails(
                &["stage", &format!("{flag}={bad}")],
                &format!("{flag} must be {range} (got {bad:?})"),
            );
        }
        fails(
            &["stage", "--scenario"],
            "--scenario needs a value: a file path",
        );
    }

    #[test]
    fn stage_needs_a_stage_and_users_or_a_scenario() {
        fails(
            &["stage", "--users", "3"],
            "--stage is required (an integer from 1 to 7) unless --scenario gives it",
        );
        fails(
            &["stage", "--stage", "3"],
            "--users is required (an integer from 0 to 100000000) unless --scenario gives it",
        );
        assert_eq!(
            run_stage(&StageArgs::default()).unwrap_err().exit_code(),
            EXIT_USAGE
        );
    }

    #[test]
    fn defaults_prints_every_parameter() {
        let args = StageArgs {
            stage: Some(4),
            users: Some(5_000),
            ..StageArgs::default()
        };
        let v: serde_json::Value = serde_json::from_str(&show_defaults(&args).unwrap()).unwrap();
        assert_eq!(v["stage"], 4);
        assert_eq!(v["app_servers"], 3);
        assert_eq!(v["db_max_connections"], 100);
        assert!(v.as_object().unwrap().len() > 50);
    }

    #[test]
    fn instance_names_come_from_the_table() {
        match parse(&["stage", "--instance", "c5.24xlarge"]).unwrap() {
            Command::Stage(a) => assert_eq!(a.instance.as_deref(), Some("c5.24xlarge")),
            other => panic!("{other:?}"),
        }
        fails(
            &["stage", "--instance", "m5.huge"],
            "--instance must be one of t3.micro, t3.medium, t3.large, c5.4xlarge, c5.24xlarge (got \"m5.huge\")",
        );
    }

    #[test]
    fn a_bad_scenario_file_names_the_field() {
        let dir = std::env::temp_dir().join(format!("headroom-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.json");
        std::fs::write(&file, r#"{"stage": 7, "users": 1000, "replicas": 12}"#).unwrap();
        let args = StageArgs {
            scenario: Some(file.clone()),
            duration_s: 5.0,
            ..StageArgs::default()
        };
        let err = run_stage(&args).unwrap_err();
        assert_eq!(err.exit_code(), EXIT_USAGE);
        assert!(
            err.to_string()
                .contains("replicas must be an integer from 0 to 8 (got 12)"),
            "{err}"
        );
        std::fs::write(&file, r#"{"stage": 2, "user": 5}"#).unwrap();
        let err = run_stage(&args).unwrap_err();
        assert!(err.to_string().contains("unknown field `user`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A scenario file holding `text`, in a directory of this test's own.
    fn scenario_file(test: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("headroom-cli-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("scenario.json");
        std::fs::write(&file, text).unwrap();
        file
    }

    #[test]
    fn each_part_flag_applies_from_its_stage_on() {
        let flags = [
            ("--app-servers", "2", 4),
            ("--cache-hit", "0.5", 5),
            ("--workers", "5", 6),
            ("--replicas", "2", 7),
            ("--shards", "2", 7),
        ];
        for (flag, value, first) in flags {
            for stage in 1..=7u8 {
                let args = [
                    "defaults",
                    "--stage",
                    &stage.to_string(),
                    "--users",
                    "100",
                    flag,
                    value,
                ];
                let (code, _, err) = program(&args);
                assert_eq!(code == 0, stage >= first, "{args:?}: {err}");
                if stage < first {
                    assert!(
                        err.starts_with(&format!(
                            "error: {flag} does not apply at stage {stage}: stages 1 to {} ",
                            first - 1
                        )),
                        "{err}"
                    );
                    assert!(err.contains(&format!("(stage {first} ")), "{err}");
                }
            }
        }
        // The table says the same as the scenario's defaults: a part's stage is where its
        // default first changes the system.
        assert_eq!(Scenario::for_stage(3, 1.0).app_servers, 1);
        assert!(Scenario::for_stage(4, 1.0).app_servers > 1);
        assert_eq!(Scenario::for_stage(5, 1.0).workers, 0);
        assert!(Scenario::for_stage(6, 1.0).workers > 0);
        assert_eq!(Scenario::for_stage(6, 1.0).replicas, 0);
        assert!(Scenario::for_stage(7, 1.0).replicas > 0);
        assert_eq!(Scenario::for_stage(6, 1.0).shards, 1);
        assert!(Scenario::for_stage(7, 1.0).shards > 1);
        for part in [
            Feature::SeparateDatabase,
            Feature::LoadBalancer,
            Feature::Cache,
            Feature::Cdn,
            Feature::Queue,
            Feature::Replicas,
            Feature::Shards,
        ] {
            let (first, text) = part.arrives();
            assert!((2..=7).contains(&first), "{part:?}");
            assert!(
                text.contains(&format!("(stage {first} ")),
                "{part:?}: {text}"
            );
            assert!(
                !part.at(first - 1) && part.at(first) && part.at(7),
                "{part:?}"
            );
        }
    }

    #[test]
    fn a_scenario_fields_for_missing_parts_are_warnings() {
        let file = scenario_file(
            "warnings",
            r#"{"stage": 2, "users": 100, "app_servers": 3, "workers": 5, "cdn_hit": 0.5,
                "db_machine": {"vcpus": 2, "memory_mb": 8192, "app_rps": 1000, "usd_month": 61}}"#,
        );
        let args = StageArgs {
            scenario: Some(file.clone()),
            duration_s: 2.0,
            ..StageArgs::default()
        };
        let v: serde_json::Value = serde_json::from_str(&run_stage(&args).unwrap()).unwrap();
        assert_eq!(
            v["warnings"],
            serde_json::json!([
                "app_servers does not apply at stage 2: stages 1 to 3 run one app server \
                 (stage 4 adds a load balancer)",
                "cdn_hit does not apply at stage 2: stages 1 to 4 have no CDN (stage 5 adds one)",
                "workers does not apply at stage 2: stages 1 to 5 have no job queue (stage 6 \
                 adds one, with workers)",
            ])
        );
        // At stage 1 the database shares the VM; at stage 7 everything applies.
        let one = StageArgs {
            stage: Some(1),
            ..args.clone()
        };
        let v: serde_json::Value = serde_json::from_str(&run_stage(&one).unwrap()).unwrap();
        assert_eq!(v["warnings"].as_array().unwrap().len(), 4);
        assert!(v["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("db_machine does not apply at stage 1: stage 1 runs the database"));
        let seven = StageArgs {
            stage: Some(7),
            ..args.clone()
        };
        let v: serde_json::Value = serde_json::from_str(&run_stage(&seven).unwrap()).unwrap();
        assert_eq!(v["warnings"], serde_json::json!([]));
        // Without a file there is nothing to warn about.
        let flags = StageArgs {
            stage: Some(2),
            users: Some(100),
            duration_s: 2.0,
            ..StageArgs::default()
        };
        let v: serde_json::Value = serde_json::from_str(&run_stage(&flags).unwrap()).unwrap();
        assert_eq!(v["warnings"], serde_json::json!([]));
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_run_in_slices_is_the_engines_run() {
        for stage in 1..=7 {
            let args = StageArgs {
                stage: Some(stage),
                users: Some(30_000),
                duration_s: 4.0,
                seed: 9,
                ..StageArgs::default()
            };
            let sc = build_scenario(&args).unwrap().scenario;
            let sliced = simulate(&sc, &args).unwrap();
            let whole = crate::run::run_stage(&sc, 9, 4.0);
            assert_eq!(
                crate::run::fingerprint(&sliced),
                crate::run::fingerprint(&whole),
                "stage {stage}"
            );
        }
    }

    #[test]
    fn the_caps_bound_a_stage_run() {
        let args = StageArgs {
            stage: Some(4),
            users: Some(100_000),
            duration_s: 60.0,
            ..StageArgs::default()
        };
        // 100,000 users offer 1,042 requests a second: 93,768 over the 90 s.
        let capped = StageArgs {
            max_requests: 93_000,
            ..args.clone()
        };
        assert_eq!(
            run_stage(&capped).unwrap_err().message,
            "the run would simulate about 93,768 requests (1,042 a second at the peak, \
             analytics included, for 90 s with the 30 s warm-up), over the cap of 93,000; \
             --max-requests N raises the cap"
        );
        let roomy = StageArgs {
            max_requests: 94_000,
            duration_s: 5.0,
            ..args.clone()
        };
        assert!(run_stage(&roomy).is_ok());
        let crowded = StageArgs {
            max_in_flight: 5,
            ..args.clone()
        };
        let e = run_stage(&crowded).unwrap_err().message;
        assert!(
            e.starts_with("the system grew past 5 requests in flight after 0.1 simulated seconds"),
            "{e}"
        );
    }

    #[test]
    fn a_scenario_file_is_read_only_when_small_regular_and_utf8() {
        let file = scenario_file("read", "{}");
        assert_eq!(read_scenario(&file).unwrap(), "{}");
        let big = format!(
            "{{\"users\": 10{}}}",
            " ".repeat(MAX_SCENARIO_BYTES as usize)
        );
        std::fs::write(&file, big).unwrap();
        assert!(read_scenario(&file)
            .unwrap_err()
            .message
            .contains("is larger than 1 MiB (1048576 bytes)"));
        std::fs::write(&file, b"{\"users\": \xff}").unwrap();
        assert!(read_scenario(&file)
            .unwrap_err()
            .message
            .ends_with("is not UTF-8 text (byte 10 is not)"));
        let dir = file.parent().unwrap();
        assert!(read_scenario(dir)
            .unwrap_err()
            .message
            .contains("is not a regular file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_panic_inside_a_run_is_one_line() {
        let e = guarded(|| panic!("boom\nand more")).unwrap_err();
        assert!(
            e.message
                .starts_with("internal error: boom and more at engine/src/cli.rs:"),
            "{e}"
        );
        assert!(e
            .message
            .ends_with("(a bug in headroom-sim; please report it with the command line)"));
        assert_eq!(e.to_string().lines().count(), 1);
        // The run after it is not affected, and what does not panic passes through.
        assert_eq!(guarded(|| Ok("fine".to_owned())), Ok("fine".to_owned()));
        let e = guarded(|| std::panic::panic_any(7u8)).unwrap_err();
        assert!(e.message.starts_with("internal error: a panic at "), "{e}");
    }

    #[test]
    fn the_usage_gives_the_caps_and_their_defaults() {
        let u = usage();
        for text in [
            "--max-customers N".to_owned(),
            format!("(default {DEFAULT_MAX_CUSTOMERS})"),
            "--max-requests N".to_owned(),
            format!("(default {DEFAULT_MAX_REQUESTS})"),
            format!("(default {DEFAULT_MAX_IN_FLIGHT})"),
            format!("more than {EVENTS_PER_REQUEST} events per request"),
            "--app-servers A         application servers (stage 4 on): ".to_owned(),
        ] {
            assert!(u.contains(&text), "{text} in {u}");
        }
    }

    #[test]
    fn numbers_in_messages_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(90_048_536_000), "90,048,536,000");
        assert_eq!(amount(2_777_777_777.8), "2,777,777,778");
        assert_eq!(amount(12.345), "12.3");
        assert_eq!(amount(0.002_154), "0.00215");
        assert_eq!(amount(30.0), "30");
    }

    #[test]
    fn errors_are_one_line() {
        assert_eq!(CliError::new("a\nb").to_string(), "error: a b");
    }
}
