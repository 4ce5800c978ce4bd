//! "No unexplained misses": sweeps each stage over the users, runs the live engine the way the
//! page does (a reading every 0.25 simulated s), and for every reading from second 10 on that
//! misses the targets (p95 or errors), checks that the page shows a named failure (a diagnosis
//! that is not [`Failure::Unexplained`]).
//!
//! Prints a table per stage (users; share of readings over target; share of those showing a
//! named failure; the failure shown most while over target, "none" when nothing was shown; the
//! median p95 and error rate of all the readings judged), then the worst point. Exits with 1 when a point has readings over target of which fewer than
//! [`NAMED_SHARE`] show a named failure.
//!
//! `cargo run --release -p headroom-engine --example sweep -- [--stages 1,3] [--seeds 5]
//! [--from 100] [--to 10000000] [--per-decade 4] [--end 70] [--jobs 1]`

use std::collections::BTreeMap;
use std::time::Instant;

use headroom_engine::diagnosis::Failure;
use headroom_engine::live::Engine;
use headroom_engine::scenario::Scenario;

/// Share of a point's over-target readings that must show a named failure.
const NAMED_SHARE: f64 = 0.9;

/// Readings before this simulated second are not judged: the windows are still filling.
const FROM_S: f64 = 10.0;

/// Seconds between readings (the page reads four times a second).
const EVERY_S: f64 = 0.25;

/// What one (stage, users, seed) run showed.
#[derive(Debug, Default, Clone)]
struct Tally {
    readings: u32,
    over: u32,
    named: u32,
    /// Over-target readings by the failure shown ("none" when nothing is shown).
    shown: BTreeMap<&'static str, u32>,
    p95_ms: Vec<f64>,
    error_rate: Vec<f64>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.readings += other.readings;
        self.over += other.over;
        self.named += other.named;
        for (k, v) in other.shown {
            *self.shown.entry(k).or_default() += v;
        }
        self.p95_ms.extend(other.p95_ms);
        self.error_rate.extend(other.error_rate);
    }

    fn named_share(&self) -> Option<f64> {
        (self.over > 0).then(|| f64::from(self.named) / f64::from(self.over))
    }
}

fn run(stage: u8, users: f64, seed: u64, end: f64) -> Tally {
    let mut engine = Engine::new(&Scenario::for_stage(stage, users), seed);
    let mut out = Tally::default();
    let mut tick = 0u32;
    loop {
        tick += 1;
        let t = f64::from(tick) * EVERY_S;
        if t > end {
            break;
        }
        engine.step_until(t);
        let r = engine.read();
        if t < FROM_S {
            continue;
        }
        out.readings += 1;
        out.p95_ms.push(r.reading.p95_ms);
        out.error_rate.push(r.reading.error_rate);
        if !r.verdict.over_target() {
            continue;
        }
        out.over += 1;
        let code = match &r.diagnosis {
            Some(d) if d.failure != Failure::Unexplained => {
                out.named += 1;
                d.failure.code()
            }
            Some(d) => d.failure.code(),
            None => "none",
        };
        *out.shown.entry(code).or_default() += 1;
    }
    out
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// `per_decade` points a decade from `from` to `to`, at three significant figures.
fn points(from: f64, to: f64, per_decade: u32) -> Vec<f64> {
    let mut out = Vec::new();
    let mut k = 0;
    loop {
        let x = from * 10f64.powf(f64::from(k) / f64::from(per_decade));
        if x > to * 1.0001 {
            break;
        }
        let scale = 10f64.powi(x.log10().floor() as i32 - 2);
        out.push((x / scale).round() * scale);
        k += 1;
    }
    out
}

fn usage() -> ! {
    eprintln!(
        "usage: sweep [--stages 1,2,..] [--seeds N] [--from USERS] [--to USERS] \
         [--per-decade N] [--end SECONDS] [--jobs N]"
    );
    std::process::exit(2)
}

fn main() {
    let mut stages: Vec<u8> = (1..=7).collect();
    let (mut seeds, mut from, mut to, mut per_decade, mut end, mut jobs) =
        (5u64, 100.0, 10_000_000.0, 4u32, 70.0, 1usize);
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else { usage() };
        let num = || value.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--stages" => {
                stages = value
                    .split(',')
                    .map(|s| s.parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            "--seeds" => seeds = num() as u64,
            "--from" => from = num(),
            "--to" => to = num(),
            "--per-decade" => per_decade = num() as u32,
            "--end" => end = num(),
            "--jobs" => jobs = (num() as usize).max(1),
            _ => usage(),
        }
    }
    let users = points(from, to, per_decade);
    let started = Instant::now();
    // Every (stage, users, seed) run, spread over `jobs` threads.
    let work: Vec<(u8, f64, u64)> = stages
        .iter()
        .flat_map(|&s| {
            users
                .iter()
                .flat_map(move |&u| (1..=seeds).map(move |seed| (s, u, seed)))
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(BTreeMap::<(u8, u64), Tally>::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(stage, u, seed)) = work.get(i) else {
                    break;
                };
                let tally = run(stage, u, seed, end);
                let mut all = results.lock().unwrap();
                all.entry((stage, u as u64)).or_default().add(tally);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut worst: Option<(f64, u8, f64, u32)> = None;
    let mut failing = 0;
    for &stage in &stages {
        println!("\nstage {stage} ({seeds} seeds, readings every {EVERY_S} s from {FROM_S} s to {end} s)");
        println!(
            "{:>10}  {:>6}  {:>6}  {:>26}  {:>9}  {:>6}",
            "users", "over", "named", "shown most (over target)", "p95 ms", "errors"
        );
        for &u in &users {
            let t = &results[&(stage, u as u64)];
            let most = t
                .shown
                .iter()
                .max_by_key(|(_, n)| **n)
                .map_or("-", |(code, _)| code);
            let named = t.named_share();
            println!(
                "{:>10}  {:>5.1}%  {:>6}  {:>26}  {:>9.0}  {:>5.1}%",
                u,
                100.0 * f64::from(t.over) / f64::from(t.readings.max(1)),
                named.map_or("-".into(), |s| format!("{:.1}%", 100.0 * s)),
                most,
                median(&t.p95_ms),
                100.0 * median(&t.error_rate),
            );
            if let Some(s) = named {
                if s < NAMED_SHARE {
                    failing += 1;
                    println!(
                        "            ^ over target without a named failure: {:?}",
                        t.shown
                    );
                }
                if worst.is_none_or(|w| s < w.0) {
                    worst = Some((s, stage, u, t.over));
                }
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    match worst {
        Some((s, stage, u, over)) => println!(
            "\nworst point: stage {stage} at {u} users, {over} readings over target, {:.1}% of them named; \
             {failing} point(s) under {:.0}%; {wall:.0} s wall",
            100.0 * s,
            100.0 * NAMED_SHARE
        ),
        None => println!("\nno reading over target; {wall:.0} s wall"),
    }
    if failing > 0 {
        std::process::exit(1);
    }
}
