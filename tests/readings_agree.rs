//! No contradictions. Every stage at five loads, and each fault the stage has, read as the page
//! reads it (a reading every 0.25 simulated seconds); in every reading the panels drawn from it
//! agree: the diagnosis, the targets' "over target" marks, the summary sentence and the errors
//! by cause; no label names a part that is not drawn; a part is red only when a measurement of
//! it says so. Then each knob and fault a failure's scene depends on is moved, and the scene's
//! label on that part changes with it.

use headroom::diagram_layout::{DiagramLayout, NodeState};
use headroom::faults::{FaultKind, FAULTS};
use headroom::knobs::{Knob, Settings};
use headroom::summary::summarize;
use headroom_engine::calibration::{CONFIRM_S, HOLD_S, SATURATED, SETTLE_S};
use headroom_engine::diagnosis::{Failure, Verdict};
use headroom_engine::live::{Engine, LiveReading};
use headroom_engine::parts::Tier;
use headroom_engine::StageId;

/// Seconds between readings: the page reads four times a simulated second.
const EVERY_S: f64 = 0.25;
/// How long each state runs, simulated seconds.
const RUN_S: f64 = 30.0;
/// When a fault is switched on or fired.
const FAULT_AT_S: f64 = 10.0;

/// Each stage's failure link in the README: the users where it breaks.
const BREAKS_AT: [(StageId, f64); 7] = [
    (StageId::OneVm, 1_000.0),
    (StageId::SplitDb, 1_600.0),
    (StageId::Observe, 50_000.0),
    (StageId::LoadBalance, 200_000.0),
    (StageId::CacheCdn, 500_000.0),
    (StageId::Async, 1_600_000.0),
    (StageId::ReplicasShards, 3_200_000.0),
];

/// The five loads of each stage, as shares of the users where it breaks: well below, below,
/// near, at, and well past.
const LOADS: [f64; 5] = [0.01, 0.1, 0.3, 1.0, 3.0];

/// What the walk remembers between readings: when the targets were last missed, and since
/// when they have been missed without a break.
#[derive(Default)]
struct Memory {
    last_missed: Option<f64>,
    missed_since: Option<f64>,
}

/// Checks one reading of state `what`; panics naming the state, the time and the disagreement.
fn check(what: &str, layout: &DiagramLayout, r: &LiveReading, memory: &mut Memory) {
    let t = r.reading.time_s;
    let at = format!("{what} at {t:.2} s");
    let m = &r.reading;

    // The targets' marks are the verdict on this very reading.
    assert_eq!(r.verdict, Verdict::of(m), "{at}: the verdict");

    // Errors by cause add up to the failed requests, and their shares to the error rate that the
    // metrics, the summary and the verdict read.
    assert_eq!(
        m.errors.total(),
        m.failed,
        "{at}: errors by cause vs failed"
    );
    let finished = m.completed + m.failed;
    if finished > 0 {
        let rate = m.failed as f64 / finished as f64;
        assert!(
            (m.error_rate - rate).abs() < 1e-9,
            "{at}: error rate {} vs {rate}",
            m.error_rate
        );
    }

    // The summary sentence says what the reading says.
    let summary = summarize(layout, r);
    let shown = r.diagnosis.as_ref().map(|d| d.failure);
    assert_eq!(summary.failure, shown, "{at}: the summary's failure");
    let sentence = summary.sentence();
    match shown {
        Some(f) => assert!(
            sentence.contains(f.title()),
            "{at}: {sentence:?} lacks {f:?}"
        ),
        None => assert!(!sentence.contains("What breaks"), "{at}: {sentence:?}"),
    }
    if m.error_rate * 100.0 >= 0.5 {
        let percent = format!("{:.0}% of requests failing", m.error_rate * 100.0);
        assert!(
            sentence.contains(&percent),
            "{at}: {sentence:?} lacks {percent:?}"
        );
    } else if m.error_rate == 0.0 {
        assert!(
            sentence.contains("No requests failing"),
            "{at}: {sentence:?}"
        );
    }

    // Every part the diagnosis names is drawn.
    if let Some(d) = &r.diagnosis {
        for label in &d.scene {
            assert!(
                layout.node_for(label.part).is_some(),
                "{at}: {d:?} labels {} undrawn",
                label.part
            );
        }
        if let Some(b) = d.bottleneck {
            assert!(
                layout.node_for(b.part).is_some(),
                "{at}: bottleneck {b} undrawn"
            );
        }
    }

    // A part is red exactly when one of its resources is measured saturated or it is down.
    for (i, node) in layout.nodes.iter().enumerate() {
        let state = NodeState::of(layout, i, &r.parts);
        let saturated = m
            .resources
            .iter()
            .any(|x| layout.node_for(x.id.part) == Some(i) && x.saturated(SATURATED));
        assert_eq!(
            state.hot,
            saturated || state.down,
            "{at}: {} hot",
            node.label
        );
    }

    if t < SETTLE_S {
        return;
    }
    // The diagnosis and the marks agree: targets missed for longer than a rule needs to be
    // confirmed name a failure ("What breaks" never says "Healthy" beside a red mark for
    // long), and a failure is shown only while the targets are missed or for the moment it
    // holds after (an OOM kill is shown while its machine is down or recovering, whatever the
    // latency of the few requests that reach it).
    if r.verdict.healthy() {
        memory.missed_since = None;
    } else {
        memory.last_missed = Some(t);
        let since = *memory.missed_since.get_or_insert(t);
        assert!(
            shown.is_some() || t - since < CONFIRM_S + EVERY_S,
            "{at}: targets missed since {since} s ({:?}) and nothing shown",
            r.verdict
        );
    }
    if let Some(f) = shown {
        let recent = memory
            .last_missed
            .is_some_and(|l| t - l <= HOLD_S + EVERY_S);
        assert!(
            recent || f == Failure::OomCascade,
            "{at}: {f:?} shown with the targets met since {:?}",
            memory.last_missed
        );
    }
}

/// Runs `settings` for [`RUN_S`], firing or switching on `fault` at [`FAULT_AT_S`], and checks
/// every reading.
fn walk(what: &str, settings: &Settings, fault: Option<FaultKind>) {
    let mut engine = Engine::new(&settings.scenario(), settings.seed);
    let layout = DiagramLayout::new(&engine.system(1));
    let mut memory = Memory::default();
    let mut fired = false;
    for tick in 1..=(RUN_S / EVERY_S) as u32 {
        let t = f64::from(tick) * EVERY_S;
        if let Some(f) = fault.filter(|_| !fired && t > FAULT_AT_S) {
            engine.set_fault(f.fault(), true);
            fired = true;
        }
        engine.step_until(t);
        check(what, &layout, &engine.read(), &mut memory);
    }
}

fn settings(stage: StageId, users: f64) -> Settings {
    Settings {
        stage,
        users,
        ..Settings::default()
    }
}

#[test]
fn every_stage_at_five_loads_reads_one_way() {
    for (stage, breaks) in BREAKS_AT {
        for share in LOADS {
            let users = (breaks * share).round();
            walk(
                &format!("stage {} at {users} users", stage.number()),
                &settings(stage, users),
                None,
            );
        }
    }
}

#[test]
fn every_fault_reads_one_way() {
    for (stage, breaks) in BREAKS_AT {
        for kind in FAULTS
            .into_iter()
            .filter(|k| k.unavailable(stage).is_none())
        {
            let users = (breaks * LOADS[2]).round();
            let what = format!("stage {} at {users} users, {}", stage.number(), kind.key());
            walk(&what, &settings(stage, users), Some(kind));
        }
    }
}

/// What the scene labels on the first part of `tier` at the end of a run of `settings` with
/// `fault` switched on from the start, and the failure shown.
fn scene_on(
    settings: &Settings,
    fault: Option<FaultKind>,
    tier: Tier,
) -> (Option<Failure>, String) {
    let mut engine = Engine::new(&settings.scenario(), settings.seed);
    if let Some(f) = fault {
        engine.set_fault(f.fault(), true);
    }
    engine.step_until(RUN_S);
    let r = engine.read();
    let d = r.diagnosis.as_ref();
    let label = d
        .and_then(|d| d.scene.iter().find(|l| l.part.tier == tier))
        .map(|l| l.metric.label())
        .unwrap_or_default();
    (d.map(|d| d.failure), label)
}

/// One move a failure's scene depends on: from the stage's failing settings, a knob set to a
/// value, or a fault switched on.
#[derive(Debug)]
enum Move {
    Knob(Knob, f64),
    Fault(FaultKind),
}

#[test]
fn moving_what_a_scene_depends_on_changes_its_label() {
    use Failure::*;
    use Move::{Fault, Knob as Set};
    // Each stage at the users where it breaks: the failure, the tier its label is on, and the
    // moves that label depends on.
    let scenes = [
        (
            StageId::LoadBalance,
            DbConnectionsExhausted,
            Tier::Database,
            vec![Set(Knob::AppServers, 6.0), Set(Knob::Writes, 13.0)],
        ),
        (
            StageId::CacheCdn,
            UpstreamBlocking,
            Tier::ThirdParty,
            vec![Set(Knob::ApiLatency, 250.0), Fault(FaultKind::SlowApi)],
        ),
        (
            StageId::Async,
            PrimarySaturated,
            Tier::Database,
            vec![Set(Knob::Writes, 20.0)],
        ),
        (
            StageId::ReplicasShards,
            StaleReads,
            Tier::Replica,
            vec![Set(Knob::Writes, 20.0), Fault(FaultKind::ReplicaLag)],
        ),
    ];
    for (stage, failure, tier, moves) in scenes {
        let users = BREAKS_AT
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|b| b.1)
            .unwrap();
        let before = settings(stage, users);
        let what = format!("stage {} at {users} users", stage.number());
        let (shown, label) = scene_on(&before, None, tier);
        assert_eq!(shown, Some(failure), "{what}: before any move");
        assert!(
            !label.is_empty(),
            "{what}: {failure:?} labels no {tier:?} part"
        );
        for change in moves {
            let mut after = before.clone();
            let fault = match change {
                Set(knob, value) => {
                    after.set(knob, value);
                    None
                }
                Fault(kind) => Some(kind),
            };
            let (moved_shown, moved) = scene_on(&after, fault, tier);
            assert_eq!(moved_shown, Some(failure), "{what}: after {change:?}");
            assert_ne!(
                label, moved,
                "{what}: {change:?} left the {tier:?} label at {label:?}"
            );
            eprintln!("{what}, {change:?}: {failure:?} on {tier:?}: {label:?} → {moved:?}");
        }
    }
}
