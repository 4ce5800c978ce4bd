//! The command line of `headroom-sim`: a small strict parser and the commands it runs.
//!
//! The binary is a thin wrapper around [`run`]. Every bad argument ends the program with
//! exit code [`EXIT_USAGE`] and exactly one line on stderr naming the flag and what it
//! accepts; nothing here panics on any input.
//!
//! Subcommands:
//! - `mmc`: an M/M/c queue beside Erlang C ([`crate::mmc`]); prints the report as one JSON
//!   object.
//! - `stage`: the staged web-system simulation. Its flags are parsed and validated into
//!   [`StageArgs`]; [`run_stage`] is the hook that runs it.

use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::mmc::{Mmc, MmcParams};
use crate::run::run_stage as headroom_run_stage;
use crate::scenario::Scenario;

/// The exit code for a bad command line, and for any other error the CLI reports.
pub const EXIT_USAGE: i32 = 2;

/// The exit code when the output cannot be written (for example a closed pipe).
pub const EXIT_IO: i32 = 1;

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

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Print the usage and exit 0.
    Help,
    /// Run an M/M/c queue and print its report.
    Mmc(MmcParams),
    /// Run the staged simulation.
    Stage(StageArgs),
    /// Print the full parameter set a `stage` run would use.
    Defaults(StageArgs),
}

/// The validated flags of the `stage` subcommand. A flag not given is `None` (the stage
/// simulation picks its own default), except the seed and the duration.
#[derive(Debug, Clone, PartialEq)]
pub struct StageArgs {
    /// `--stage`: the stage, 1 to 7.
    pub stage: Option<u8>,
    /// `--users`: daily active users, 0 to 100,000,000.
    pub users: Option<u64>,
    /// `--cache-hit`: the cache hit ratio, a fraction from 0 to 1.
    pub cache_hit: Option<f64>,
    /// `--replicas`: database read replicas, 0 to 8.
    pub replicas: Option<u32>,
    /// `--shards`: database shards, 1 to 16.
    pub shards: Option<u32>,
    /// `--app-servers`: application servers, 1 to 64.
    pub app_servers: Option<u32>,
    /// `--workers`: queue workers, 0 to 10,000.
    pub workers: Option<u32>,
    /// `--duration`: simulated seconds, 1 to 86,400 (default 300).
    pub duration_s: f64,
    /// `--seed`: the RNG seed (default 1).
    pub seed: u64,
    /// `--scenario`: a scenario file (JSON), stored as given; not read here.
    pub scenario: Option<PathBuf>,
    /// `--instance`: the app machine's name in the instance table.
    pub instance: Option<String>,
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
        }
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
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Kind::Int { min, max } => write!(f, "an integer from {min} to {max}"),
            Kind::Num { min, max } => write!(f, "a number from {min} to {max}"),
            Kind::Path => write!(f, "a file path"),
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
}

const fn flag(name: &'static str, value: &'static str, kind: Kind, help: &'static str) -> Flag {
    Flag {
        name,
        value,
        kind,
        help,
    }
}

/// The rates `mmc` accepts, per second: positive, and small and large enough that the mean
/// times between events stay well inside the engine's floating-point range.
const RATE: Kind = Kind::Num {
    min: 1e-6,
    max: 1e9,
};

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
    ),
    flag(
        "--replicas",
        "R",
        Kind::Int { min: 0, max: 8 },
        "database read replicas",
    ),
    flag(
        "--shards",
        "S",
        Kind::Int { min: 1, max: 16 },
        "database shards",
    ),
    flag(
        "--app-servers",
        "A",
        Kind::Int { min: 1, max: 64 },
        "application servers",
    ),
    flag(
        "--workers",
        "W",
        Kind::Int {
            min: 0,
            max: 10_000,
        },
        "queue workers",
    ),
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
        Kind::Path,
        "the app machine (the one VM on stage 1): t3.micro, t3.medium, t3.large, c5.4xlarge or c5.24xlarge",
    ),
    flag("--scenario", "FILE.json", Kind::Path, "a scenario file"),
];

/// The usage text `--help` prints.
pub fn usage() -> String {
    let mut s = String::from(
        "headroom-sim: run Headroom's simulation engine from the command line.\n\n\
         Usage:\n  \
         headroom-sim mmc --lambda L --mu M --servers C --customers N --seed S [--warmup W]\n  \
         headroom-sim stage [--stage K] [--users U] [--cache-hit H] [--replicas R] [--shards S]\n    \
         [--app-servers A] [--workers W] [--duration SECONDS] [--seed S] [--instance NAME]\n    \
         [--scenario FILE.json]\n  \
         headroom-sim defaults [the stage flags]: print every parameter a stage run would use\n  \
         headroom-sim --help\n\n\
         mmc: an M/M/c queue beside Erlang C's prediction; prints the report as one JSON object.\n\
         lambda may exceed servers x mu: the queue then grows without bound, and memory with it.\n",
    );
    flag_lines(&mut s, MMC_FLAGS);
    s.push_str("\nstage: the staged web system; every flag is optional.\n");
    flag_lines(&mut s, STAGE_FLAGS);
    s.push_str(
        "\nA flag's value is the next argument, or follows '=' (--lambda=9).\n\
         Exit codes: 0 success, 2 bad arguments (one line on stderr).\n",
    );
    s
}

/// Appends one usage line per flag: name, placeholder, meaning and accepted values.
fn flag_lines(s: &mut String, flags: &[Flag]) {
    for f in flags {
        let head = format!("{} {}", f.name, f.value);
        s.push_str(&format!("  {head:<24}{}: {}\n", f.help, f.kind));
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
            Kind::Int { .. } | Kind::Path => false,
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
fn parse_mmc(args: &[String]) -> Result<MmcParams, CliError> {
    let g = Given::collect("mmc", MMC_FLAGS, args)?;
    let lambda = g.required_num("--lambda")?;
    let mu = g.required_num("--mu")?;
    let servers = narrow("--servers", g.required_int("--servers")?)?;
    let customers = g.required_int("--customers")?;
    let seed = g.required_int("--seed")?;
    let warmup = g.int("--warmup")?.unwrap_or(customers / 10);
    Ok(MmcParams {
        lambda,
        mu,
        servers,
        customers,
        warmup,
        seed,
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
            (_, Some(name)) => {
                return Err(CliError::new(format!(
                    "--instance must be one of t3.micro, t3.medium, t3.large, c5.4xlarge, c5.24xlarge (got {name:?})"
                )))
            }
            (_, None) => None,
        },
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
            "missing subcommand: expected mmc or stage (try --help)",
        ));
    };
    match cmd.as_str() {
        "help" => Ok(Command::Help),
        "mmc" => parse_mmc(rest).map(Command::Mmc),
        "stage" => parse_stage(rest).map(Command::Stage),
        "defaults" => parse_stage(rest).map(Command::Defaults),
        other => Err(CliError::new(format!(
            "unknown subcommand {other:?}: expected mmc or stage (try --help)"
        ))),
    }
}

/// Runs an M/M/c queue and returns its report as one line of JSON, with `wall_s` measured.
pub fn run_mmc(params: MmcParams) -> Result<String, CliError> {
    let start = Instant::now();
    let mut report = Mmc::new(params).run();
    report.wall_s = start.elapsed().as_secs_f64();
    serde_json::to_string(&report)
        .map_err(|e| CliError::new(format!("cannot write the report as JSON: {e}")))
}

// ---------------------------------------------------------------------------------------
// The `stage` subcommand hook: wire the staged simulation in here. It gets the validated
// flags and returns the text to print (one JSON object), or an error for one stderr line.
// ---------------------------------------------------------------------------------------

/// Runs the staged simulation for `args` and returns what to print: one JSON object.
pub fn run_stage(args: &StageArgs) -> Result<String, CliError> {
    let sc = build_scenario(args)?;
    let start = Instant::now();
    let mut run = headroom_run_stage(&sc, args.seed, args.duration_s);
    run.wall_s = start.elapsed().as_secs_f64();
    serde_json::to_string(&run)
        .map_err(|e| CliError::new(format!("cannot write the report as JSON: {e}")))
}

/// The full parameter set `args` describe, as pretty JSON: every assumption, with its value.
pub fn show_defaults(args: &StageArgs) -> Result<String, CliError> {
    let sc = build_scenario(args)?;
    serde_json::to_string_pretty(&sc)
        .map_err(|e| CliError::new(format!("cannot write the scenario as JSON: {e}")))
}

/// The scenario: the stage's defaults, then the scenario file's fields, then the flags.
fn build_scenario(args: &StageArgs) -> Result<Scenario, CliError> {
    let mut sc = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::new(format!(
                    "cannot read the scenario file {}: {e}",
                    path.display()
                ))
            })?;
            let mut sc = Scenario::from_json(&text, args.stage)
                .map_err(|e| CliError::new(format!("scenario file {}: {e}", path.display())))?;
            if let Some(stage) = args.stage {
                if stage != sc.stage {
                    let users = sc.users;
                    sc = Scenario::from_json(&text, Some(stage)).map_err(|e| {
                        CliError::new(format!("scenario file {}: {e}", path.display()))
                    })?;
                    sc.stage = stage;
                    sc.users = users;
                }
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
    Ok(sc)
}

/// Runs a parsed command and returns what to print on stdout.
pub fn execute(cmd: Command) -> Result<String, CliError> {
    match cmd {
        Command::Help => Ok(usage()),
        Command::Mmc(params) => run_mmc(params),
        Command::Stage(args) => run_stage(&args),
        Command::Defaults(args) => show_defaults(&args),
    }
}

/// The whole program: parses `args` (without the program name), runs the command, writes
/// its output to `out` or one error line to `err`, and returns the exit code.
pub fn run<S: AsRef<OsStr>>(args: &[S], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match parse(args).and_then(execute) {
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
            Command::Mmc(MmcParams {
                lambda: 9.0,
                mu: 1.0,
                servers: 10,
                customers: 1000,
                warmup: 5,
                seed: 7
            })
        );
    }

    #[test]
    fn mmc_warmup_defaults_to_a_tenth() {
        let Command::Mmc(p) = parse(&mmc(&[])).unwrap() else {
            panic!("not mmc")
        };
        assert_eq!(p.warmup, 100);
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
        let Command::Mmc(p) = parse(&args).unwrap() else {
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
            "missing subcommand: expected mmc or stage (try --help)",
        );
        fails(
            &["mmk"],
            "unknown subcommand \"mmk\": expected mmc or stage (try --help)",
        );
    }

    #[test]
    fn unknown_flag() {
        fails_owned(
            mmc(&["--lamda", "3"]),
            "unknown flag \"--lamda\" for mmc (expected one of --lambda, --mu, --servers, \
             --customers, --seed, --warmup)",
        );
        fails(
            &["stage", "--servers", "3"],
            "unknown flag \"--servers\" for stage (expected one of --stage, --users, \
             --cache-hit, --replicas, --shards, --app-servers, --workers, --duration, --seed, --instance, \
             --scenario)",
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
            "--workers=0",
            "--duration=1",
            "--seed=0",
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
            ("--workers", "10001", "an integer from 0 to 10000"),
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

    #[test]
    fn errors_are_one_line() {
        assert_eq!(CliError::new("a\nb").to_string(), "error: a b");
    }
}
