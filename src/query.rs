//! The page's query string, both ways: what scenario to open (stage, users, knobs, seed,
//! speed) and how to show it (embedded, locked to its stage, only some controls, paused,
//! a theme).
//!
//! Reading never fails. An unknown parameter is ignored; a malformed or out-of-range value is
//! clamped or replaced by its default, and a [`Notice`] names the parameter and says what was
//! used instead. Writing gives the canonical form, which reads back to the same page with no
//! notice.

use headroom_engine::StageId;

use crate::format;
use crate::knobs::{Knob, Settings, KNOBS};
use crate::log_scale::{MAX_USERS, MIN_USERS};

/// The speeds the simulation offers, simulated seconds per second.
pub const SPEEDS: [u32; 3] = [1, 10, 100];

/// A control a course page can choose to show (`controls=users,hit,...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The users slider.
    Users,
    /// A design knob's slider.
    Knob(Knob),
    /// The fault buttons.
    Faults,
    /// Play/pause, step, speed, seed and reset.
    Playback,
}

/// Every control, in the order the page shows them.
pub const CONTROLS: [Control; 12] = [
    Control::Users,
    Control::Knob(KNOBS[0]),
    Control::Knob(KNOBS[1]),
    Control::Knob(KNOBS[2]),
    Control::Knob(KNOBS[3]),
    Control::Knob(KNOBS[4]),
    Control::Knob(KNOBS[5]),
    Control::Knob(KNOBS[6]),
    Control::Knob(KNOBS[7]),
    Control::Knob(KNOBS[8]),
    Control::Faults,
    Control::Playback,
];

impl Control {
    /// Its name in `controls=`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Knob(knob) => knob.key(),
            Self::Faults => "faults",
            Self::Playback => "playback",
        }
    }

    /// What it is called on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Users => "Daily active users",
            Self::Knob(knob) => knob.label(),
            Self::Faults => "Inject a fault",
            Self::Playback => "Play, pause, speed and seed",
        }
    }

    fn bit(self) -> u16 {
        let i = CONTROLS.iter().position(|&c| c == self).unwrap_or(0);
        1 << i
    }
}

/// Which controls the page shows: all of them unless `controls=` lists some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSet(u16);

impl Default for ControlSet {
    fn default() -> Self {
        Self::ALL
    }
}

impl ControlSet {
    /// Every control.
    pub const ALL: Self = Self((1 << CONTROLS.len()) - 1);
    /// No control.
    pub const NONE: Self = Self(0);

    /// Whether the page shows `control`.
    pub fn shows(self, control: Control) -> bool {
        self.0 & control.bit() != 0
    }

    /// This set with `control` in it.
    pub fn with(self, control: Control) -> Self {
        Self(self.0 | control.bit())
    }

    /// This set with `control` in it (`on`) or out of it.
    pub fn toggled(self, control: Control, on: bool) -> Self {
        if on {
            self.with(control)
        } else {
            Self(self.0 & !control.bit())
        }
    }
}

/// A colour theme (`theme=`); without one the page follows the system's light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on light.
    Light,
    /// Light text on dark.
    Dark,
    /// High contrast, large type, for a projector.
    Projector,
}

impl Theme {
    /// Its name in the URL and in the page's `data-theme` attribute.
    pub fn key(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Projector => "projector",
        }
    }

    /// The theme called `key` in the URL.
    pub fn from_key(key: &str) -> Option<Self> {
        THEMES.into_iter().find(|t| t.key() == key)
    }
}

/// Every theme.
pub const THEMES: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::Projector];

impl Theme {
    /// What it is called on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Dark => "Dark",
            Self::Projector => "Projector (high contrast)",
        }
    }
}

/// How the page is shown, as opposed to what it simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewOptions {
    /// A compact layout for an iframe (`embed=1`).
    pub embed: bool,
    /// The stage cannot be changed (`lock=1`).
    pub lock: bool,
    /// The controls shown (`controls=`).
    pub controls: ControlSet,
    /// The simulation runs as soon as the page opens (`autoplay=0` starts it paused).
    pub autoplay: bool,
    /// The colour theme (`theme=`).
    pub theme: Option<Theme>,
    /// The next stage beside this one, on the same load and seed (`compare=1`).
    pub compare: bool,
    /// Beside this one instead, the same stage with this knob at this value (its knobs' values
    /// are whole numbers: `compare=machine.4`).
    pub compare_with: Option<(Knob, u32)>,
    /// The stage's lesson: predict, run, explain (`lesson=1`).
    pub lesson: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            embed: false,
            lock: false,
            controls: ControlSet::ALL,
            autoplay: true,
            theme: None,
            compare: false,
            compare_with: None,
            lesson: false,
        }
    }
}

/// Everything a query string sets.
#[derive(Debug, Clone, PartialEq)]
pub struct PageQuery {
    /// The scenario: stage, users, knobs and seed.
    pub settings: Settings,
    /// Simulated seconds per second, one of [`SPEEDS`].
    pub speed: u32,
    /// How the page is shown.
    pub view: ViewOptions,
}

impl Default for PageQuery {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            speed: SPEEDS[0],
            view: ViewOptions::default(),
        }
    }
}

/// A parameter that could not be used as given, and what was used instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The parameter's name, as in the URL.
    pub param: String,
    /// What was wrong and what the page uses instead.
    pub message: String,
}

/// Longest part of a bad value quoted back in a notice.
const QUOTE_CHARS: usize = 24;

/// The parameters a query string may set besides the knobs'.
const PARAMETERS: [&str; 11] = [
    "stage", "users", "seed", "speed", "embed", "lock", "autoplay", "controls", "theme", "compare",
    "lesson",
];

/// Whether `name` is a knob's parameter.
pub fn is_knob(name: &str) -> bool {
    KNOBS.iter().any(|k| k.key() == name)
}

/// Whether `name` is a parameter the page reads.
pub fn is_parameter(name: &str) -> bool {
    PARAMETERS.contains(&name) || is_knob(name)
}

/// The history a replay link carries (`replay=`), as the engine wrote it
/// ([`headroom_engine::replay::History`]); the engine reads it.
pub fn replay(query: &str) -> Option<String> {
    pairs(query)
        .into_iter()
        .rev()
        .find_map(|(k, v)| (k == "replay").then_some(v))
}

/// Reads a query string (with or without its leading `?`).
pub fn parse(query: &str) -> (PageQuery, Vec<Notice>) {
    let mut page = PageQuery::default();
    let mut notices = Vec::new();
    let pairs = pairs(query);
    let last = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut notice = |param: &str, message: String| {
        notices.push(Notice {
            param: param.to_owned(),
            message,
        })
    };

    if let Some(v) = last("stage") {
        match v.trim().parse::<u8>().ok().and_then(StageId::from_number) {
            Some(stage) => page.settings.stage = stage,
            None => notice(
                "stage",
                format!("{} is not a stage (1 to 7); showing stage 1.", quote(v)),
            ),
        }
    }
    let stage = page.settings.stage;

    if let Some(v) = last("users") {
        match number(v) {
            Some(n) if (MIN_USERS..=MAX_USERS).contains(&n.round()) => {
                page.settings.users = n.round()
            }
            Some(n) => {
                let used = n.round().clamp(MIN_USERS, MAX_USERS);
                page.settings.users = used;
                notice(
                    "users",
                    format!(
                        "{} is outside 10 to 10,000,000; using {}.",
                        quote(v),
                        format::grouped(used)
                    ),
                );
            }
            None => notice(
                "users",
                format!(
                    "{} is not a number of users; using {}.",
                    quote(v),
                    format::grouped(page.settings.users)
                ),
            ),
        }
    }

    for knob in KNOBS {
        let Some(v) = last(knob.key()) else { continue };
        if let Some(reason) = knob.unavailable(stage) {
            notice(
                knob.key(),
                format!("stage {} has no such control. {reason}", stage.number()),
            );
            continue;
        }
        match number(v) {
            Some(n) => {
                let used = knob.clamp(n);
                page.settings.set(knob, used);
                if used != n {
                    notice(
                        knob.key(),
                        format!(
                            "{} is not a setting of {} ({} to {}); using {}.",
                            quote(v),
                            knob.label().to_ascii_lowercase(),
                            format::decimal(knob.range().min),
                            format::decimal(knob.range().max),
                            knob.value_text(used)
                        ),
                    );
                }
            }
            None => notice(
                knob.key(),
                format!(
                    "{} is not a number; keeping the stage's {}.",
                    quote(v),
                    knob.label().to_ascii_lowercase()
                ),
            ),
        }
    }

    if let Some(v) = last("seed") {
        match v.trim().parse::<u64>() {
            Ok(seed) => page.settings.seed = seed,
            Err(_) => notice(
                "seed",
                format!(
                    "{} is not a whole number from 0 to 18,446,744,073,709,551,615; using seed {}.",
                    quote(v),
                    page.settings.seed
                ),
            ),
        }
    }

    if let Some(v) = last("speed") {
        let wanted = v.trim();
        let wanted = wanted.strip_suffix(['x', '×']).unwrap_or(wanted);
        match wanted.parse::<u32>().ok().filter(|s| SPEEDS.contains(s)) {
            Some(speed) => page.speed = speed,
            None => notice(
                "speed",
                format!("{} is not a speed (1, 10 or 100); using 1×.", quote(v)),
            ),
        }
    }

    for (name, field, default) in [
        ("embed", &mut page.view.embed, false),
        ("lock", &mut page.view.lock, false),
        ("autoplay", &mut page.view.autoplay, true),
        ("lesson", &mut page.view.lesson, false),
    ] {
        let Some(v) = last(name) else { continue };
        match flag(v) {
            Some(on) => *field = on,
            None => notice(
                name,
                format!(
                    "{} is neither 1 nor 0; using {}.",
                    quote(v),
                    u8::from(default)
                ),
            ),
        }
    }

    if let Some(v) = last("compare") {
        // 1 or 0, or a knob of this stage and its value.
        let with = v.split_once('.').and_then(|(key, value)| {
            let knob = KNOBS.into_iter().find(|k| k.key() == key)?;
            let value = knob.clamp(number(value)?) as u32;
            knob.unavailable(stage).is_none().then_some((knob, value))
        });
        match (flag(v), with) {
            (Some(on), _) => page.view.compare = on,
            (None, Some(with)) => {
                page.view.compare = true;
                page.view.compare_with = Some(with);
            }
            (None, None) => notice(
                "compare",
                format!(
                    "{} is neither 1, 0 nor one of this stage's knobs with a value \
                     (machine.4); using 0.",
                    quote(v)
                ),
            ),
        }
    }

    if let Some(v) = last("controls") {
        let mut set = ControlSet::NONE;
        let mut unknown = Vec::new();
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match CONTROLS.iter().find(|c| c.key() == name) {
                Some(&control) => set = set.with(control),
                None => unknown.push(quote(name)),
            }
        }
        page.view.controls = set;
        if !unknown.is_empty() {
            notice(
                "controls",
                format!(
                    "{} {} not a control (the controls are {}); {} ignored.",
                    unknown.join(", "),
                    if unknown.len() == 1 { "is" } else { "are" },
                    CONTROLS.map(Control::key).join(", "),
                    if unknown.len() == 1 {
                        "it is"
                    } else {
                        "they are"
                    },
                ),
            );
        }
    }

    if let Some(v) = last("theme") {
        match Theme::from_key(v.trim()) {
            Some(theme) => page.view.theme = Some(theme),
            None => notice(
                "theme",
                format!(
                    "{} is not a theme (light, dark or projector); following the system's.",
                    quote(v)
                ),
            ),
        }
    }

    (page, notices)
}

/// The canonical query string (without `?`) for `page`: the stage, the users, the value of
/// every knob the stage has (defaults included, so the link keeps its meaning if a default
/// changes), the seed, the speed, and the view options that differ from the defaults.
pub fn write(page: &PageQuery) -> String {
    let s = &page.settings;
    let scenario = s.scenario();
    let mut out = format!(
        "stage={}&users={}",
        s.stage.number(),
        format::decimal(s.users.round())
    );
    for knob in KNOBS {
        if knob.unavailable(s.stage).is_none() {
            out += &format!("&{}={}", knob.key(), format::decimal(knob.value(&scenario)));
        }
    }
    out += &format!("&seed={}&speed={}", s.seed, page.speed);
    let view = &page.view;
    for (name, on, default) in [
        ("embed", view.embed, false),
        ("lock", view.lock, false),
        ("autoplay", view.autoplay, true),
        (
            "compare",
            view.compare && view.compare_with.is_none(),
            false,
        ),
        ("lesson", view.lesson, false),
    ] {
        if on != default {
            out += &format!("&{name}={}", u8::from(on));
        }
    }
    if let (true, Some((knob, value))) = (view.compare, view.compare_with) {
        out += &format!("&compare={}.{value}", knob.key());
    }
    if view.controls != ControlSet::ALL {
        let names: Vec<&str> = CONTROLS
            .iter()
            .filter(|&&c| view.controls.shows(c))
            .map(|c| c.key())
            .collect();
        out += &format!("&controls={}", names.join(","));
    }
    if let Some(theme) = view.theme {
        out += &format!("&theme={}", theme.key());
    }
    out
}

/// The title of an iframe that embeds `settings`: "Headroom: stage 3, Logs, metrics and
/// analytics, with 50,000 users".
pub fn embed_title(settings: &Settings) -> String {
    format!(
        "Headroom: stage {}, {}, with {} users",
        settings.stage.number(),
        settings.stage.stage().title,
        format::grouped(settings.users)
    )
}

/// Width and height of the iframe in the embed code, CSS pixels.
pub const EMBED_SIZE: (u32, u32) = (800, 600);

/// An `<iframe>` snippet that embeds the page at `src`, titled `title`, `size` (width, height)
/// CSS pixels.
pub fn embed_code(src: &str, title: &str, size: (u32, u32)) -> String {
    let (w, h) = size;
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"{w}\" height=\"{h}\" \
         style=\"border: 0; max-width: 100%\" loading=\"lazy\"></iframe>",
        attribute(src),
        attribute(title)
    )
}

/// `v` escaped for a double-quoted HTML attribute.
fn attribute(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The query's `name=value` pairs, percent-decoded (`+` is a space).
fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decodes `s`; a `%` not followed by two hex digits stays as it is, and bytes that
/// are not UTF-8 become U+FFFD.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|&b| (b as char).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A finite number, allowing digit separators (`50,000`, `50_000`), an exponent (`1e6`) and
/// a `k` or `m` suffix (`50k`, `1.5M`). Read by hand: the standard float parser would add its
/// tables to the app for a handful of settings.
fn number(v: &str) -> Option<f64> {
    let v: Vec<u8> = v
        .trim()
        .bytes()
        .filter(|&c| c != b',' && c != b'_')
        .collect();
    let (v, scale) = match v.split_last() {
        Some((b'k' | b'K', rest)) => (rest, 1e3),
        Some((b'm' | b'M', rest)) => (rest, 1e6),
        _ => (&v[..], 1.0),
    };
    let (negative, v) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, v),
    };
    let (mantissa, exponent) = match v.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let (whole, fraction) = match mantissa.iter().position(|&c| c == b'.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, &[][..]),
    };
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let mut n = 0.0;
    for &d in whole.iter().chain(fraction) {
        n = n * 10.0 + f64::from(d - b'0');
    }
    let mut power = -(fraction.len() as i64);
    if let Some(e) = exponent {
        let (sign, e) = match e.split_first() {
            Some((b'-', rest)) => (-1, rest),
            Some((b'+', rest)) => (1, rest),
            _ => (1, e),
        };
        if e.is_empty() || !digits(e) {
            return None;
        }
        let e = e
            .iter()
            .fold(0_i64, |a, &d| (a * 10 + i64::from(d - b'0')).min(10_000));
        power += sign * e;
    }
    let n = n * 10f64.powi(power.clamp(-400, 400) as i32) * scale;
    let n = if negative { -n } else { n };
    n.is_finite().then_some(n)
}

fn flag(v: &str) -> Option<bool> {
    match v.trim() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `v` in quotes, cut short if long, for a notice.
fn quote(v: &str) -> String {
    let mut chars = v.chars();
    let head: String = chars.by_ref().take(QUOTE_CHARS).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("\u{201c}{head}{more}\u{201d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(notices: &[Notice]) -> Vec<&str> {
        notices.iter().map(|n| n.param.as_str()).collect()
    }

    #[test]
    fn an_empty_query_is_the_default_page() {
        for q in ["", "?", "?&&", "?utm_source=course"] {
            assert_eq!(parse(q), (PageQuery::default(), vec![]), "{q}");
        }
    }

    #[test]
    fn a_full_query_sets_the_scenario_and_the_view() {
        let (page, notices) = parse(
            "?stage=7&users=3200000&replicas=2&shards=4&writes=20&seed=42&speed=10\
             &embed=1&lock=1&controls=users,replicas,faults&autoplay=0&theme=projector",
        );
        assert_eq!(notices, vec![]);
        assert_eq!(page.settings.stage, StageId::ReplicasShards);
        assert_eq!(page.settings.users, 3_200_000.0);
        let sc = page.settings.scenario();
        assert_eq!((sc.replicas, sc.shards, sc.write_share), (2, 4, 0.2));
        assert_eq!((page.settings.seed, page.speed), (42, 10));
        let v = page.view;
        assert!(v.embed && v.lock && !v.autoplay);
        assert_eq!(v.theme, Some(Theme::Projector));
        assert!(v.controls.shows(Control::Users));
        assert!(v.controls.shows(Control::Knob(Knob::Replicas)));
        assert!(v.controls.shows(Control::Faults));
        assert!(!v.controls.shows(Control::Knob(Knob::Shards)));
        assert!(!v.controls.shows(Control::Playback));
    }

    #[test]
    fn numbers_may_carry_separators_and_suffixes() {
        for (q, users) in [
            ("users=50%2C000", 50_000.0),
            ("users=50_000", 50_000.0),
            ("users=50k", 50_000.0),
            ("users=1.6M", 1_600_000.0),
            ("users=1e6", 1_000_000.0),
            ("users=+1234", 1_234.0),
            ("users=12.4", 12.0),
        ] {
            let (page, notices) = parse(q);
            assert_eq!((page.settings.users, notices), (users, vec![]), "{q}");
        }
    }

    #[test]
    fn numbers_are_read_by_hand_like_the_standard_parser() {
        for v in [
            "0", "7", "50000", "12.5", ".5", "5.", "1e6", "1.5e3", "2E-2", "-3", "+4",
        ] {
            assert_eq!(number(v), v.parse::<f64>().ok(), "{v}");
        }
        for v in [
            "", ".", "-", "e5", "1e", "1e+", "NaN", "inf", "1.2.3", "0x10", "1e400", "--1",
        ] {
            assert_eq!(number(v), None, "{v}");
        }
    }

    #[test]
    fn out_of_range_values_are_clamped_with_a_notice_naming_the_parameter() {
        let (page, notices) = parse("users=20000000&stage=5&hit=150&speed=7");
        assert_eq!(page.settings.users, 10_000_000.0);
        assert_eq!(page.settings.scenario().cache_hit, 0.99);
        assert_eq!(page.speed, 1);
        assert_eq!(params(&notices), ["users", "hit", "speed"]);
        assert!(notices[0].message.contains("10,000,000"), "{notices:?}");
        assert!(notices[1].message.contains("99% of reads"), "{notices:?}");
    }

    #[test]
    fn malformed_values_are_defaulted_with_a_notice() {
        let (page, notices) =
            parse("stage=nine&users=lots&seed=-1&embed=maybe&theme=neon&replicas=NaN&users=inf");
        assert_eq!(page, PageQuery::default());
        assert_eq!(
            params(&notices),
            ["stage", "users", "replicas", "seed", "embed", "theme"]
        );
        assert!(notices[0].message.contains("\u{201c}nine\u{201d}"));
        // The last of a repeated parameter counts.
        assert!(notices[1].message.contains("inf"), "{notices:?}");
    }

    #[test]
    fn a_knob_the_stage_lacks_is_ignored_and_says_which_stage_adds_it() {
        let (page, notices) = parse("stage=2&replicas=3&writes=10");
        assert_eq!(page.settings.knobs, vec![(Knob::Writes, 10.0)]);
        assert_eq!(params(&notices), ["replicas"]);
        assert!(notices[0].message.contains("stage 7"), "{notices:?}");
    }

    #[test]
    fn unknown_controls_are_named_and_the_known_ones_kept() {
        let (page, notices) = parse("controls=users,,bogus,hit");
        assert!(page.view.controls.shows(Control::Users));
        assert!(page.view.controls.shows(Control::Knob(Knob::CacheHit)));
        assert!(!page.view.controls.shows(Control::Playback));
        assert_eq!(params(&notices), ["controls"]);
        assert!(notices[0].message.contains("\u{201c}bogus\u{201d}"));
        // An empty list shows no control at all.
        assert_eq!(parse("controls=").0.view.controls, ControlSet::NONE);
    }

    #[test]
    fn long_bad_values_are_cut_short_in_the_notice() {
        let long = "x".repeat(5_000);
        let (_, notices) = parse(&format!("seed={long}"));
        assert!(notices[0].message.chars().count() < 150, "{notices:?}");
    }

    #[test]
    fn the_embed_code_is_an_iframe_with_escaped_attributes() {
        let code = embed_code(
            "https://example.org/h/?stage=3&users=50000",
            "Headroom \"3\"",
            EMBED_SIZE,
        );
        assert_eq!(
            code,
            "<iframe src=\"https://example.org/h/?stage=3&amp;users=50000\" \
             title=\"Headroom &quot;3&quot;\" width=\"800\" height=\"600\" \
             style=\"border: 0; max-width: 100%\" loading=\"lazy\"></iframe>"
        );
    }

    #[test]
    fn a_control_set_takes_controls_in_and_out() {
        let set = ControlSet::ALL.toggled(Control::Faults, false);
        assert!(!set.shows(Control::Faults));
        assert!(set.shows(Control::Users));
        assert_eq!(set.toggled(Control::Faults, true), ControlSet::ALL);
        assert_eq!(Control::Knob(Knob::Machine).label(), "Machine size");
        for theme in THEMES {
            assert_eq!(Theme::from_key(theme.key()), Some(theme));
        }
    }

    #[test]
    fn decoding_keeps_broken_escapes_and_bad_bytes() {
        assert_eq!(decode("a%2Cb+c"), "a,b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn compare_takes_a_flag_or_one_of_the_stage_s_knobs_with_a_value() {
        let (page, notices) = parse("stage=3&compare=machine.4");
        assert_eq!(notices, vec![]);
        assert!(page.view.compare);
        assert_eq!(page.view.compare_with, Some((Knob::Machine, 4)));
        assert!(
            write(&page).ends_with("&compare=machine.4"),
            "{}",
            write(&page)
        );
        assert_eq!(parse(&write(&page)).0.view, page.view);
        assert_eq!(parse("stage=3&compare=1").0.view.compare_with, None);
        for bad in [
            "stage=3&compare=apps.4",
            "stage=3&compare=size.4",
            "compare=machine.x",
        ] {
            let (page, notices) = parse(bad);
            assert!(!page.view.compare, "{bad}");
            assert_eq!(notices.len(), 1, "{bad}");
            assert_eq!(notices[0].param, "compare");
        }
    }

    #[test]
    fn the_written_query_reads_back_to_the_same_page() {
        let (page, _) = parse(
            "stage=6&users=480000&workers=2500&api=900&seed=9&speed=100&lock=1\
             &controls=users,workers&theme=dark",
        );
        let written = write(&page);
        assert!(
            written.starts_with("stage=6&users=480000&hit="),
            "{written}"
        );
        assert!(written.contains("&workers=2500&"), "{written}");
        assert!(written.contains("&api=900&index=1&"), "{written}");
        assert!(!written.contains("replicas"), "stage 6 has none: {written}");
        assert!(
            written.ends_with("&seed=9&speed=100&lock=1&controls=users,workers&theme=dark"),
            "{written}"
        );
        let (again, notices) = parse(&written);
        assert_eq!(notices, vec![]);
        assert_eq!(again.settings.scenario(), page.settings.scenario());
        assert_eq!((again.speed, again.view), (page.speed, page.view));
    }
}

/// The query fuzz test: random query strings, built from the parameters' names, plausible
/// and implausible values, separators and escapes, never panic, always give a page within
/// every range, and the page's canonical query reads back to the same page without notices.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz {
    use super::*;
    use crate::knobs::Range;
    use proptest::prelude::*;

    const NAMES: [&str; 17] = [
        "stage",
        "users",
        "hit",
        "apps",
        "workers",
        "replicas",
        "shards",
        "writes",
        "api",
        "seed",
        "speed",
        "embed",
        "lock",
        "controls",
        "autoplay",
        "theme",
        "utm_source",
    ];
    const PIECES: [&str; 24] = [
        "1",
        "7",
        "0",
        "-1",
        "9",
        "50000",
        "1e6",
        "1.5M",
        "50k",
        "NaN",
        "inf",
        "1e400",
        "abc",
        "%",
        "%2C",
        "%E2%9C%93",
        "%ff",
        "+",
        ",",
        "users,hit",
        "dark",
        "projector",
        "x",
        ".",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..4)
                .prop_map(|p| p.concat()),
            any::<f64>().prop_map(|f| f.to_string()),
            any::<i64>().prop_map(|i| i.to_string()),
            proptest::collection::vec(any::<char>(), 0..12).prop_map(|c| c.into_iter().collect()),
        ]
    }

    fn pair() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            4 => proptest::sample::select(NAMES.to_vec()).prop_map(str::to_owned),
            1 => proptest::collection::vec(any::<char>(), 0..6).prop_map(|c| c.into_iter().collect()),
        ];
        let sep = proptest::sample::select(vec!["=", "=", "=", "", "=="]);
        (name, sep, value()).prop_map(|(n, s, v)| format!("{n}{s}{v}"))
    }

    fn query() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(vec!["", "?", "??"]),
            proptest::collection::vec(pair(), 0..10),
            proptest::sample::select(vec!["&", "&&", ";"]),
        )
            .prop_map(|(lead, pairs, glue)| format!("{lead}{}", pairs.join(glue)))
    }

    fn on_range(v: f64, r: Range) -> bool {
        (r.min..=r.max).contains(&v) && ((v - r.min) / r.step).fract() == 0.0
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100_000, ..ProptestConfig::default() })]

        #[test]
        fn any_query_gives_a_valid_page_that_round_trips(q in query()) {
            let (page, _) = parse(&q);
            let s = &page.settings;
            prop_assert!((MIN_USERS..=MAX_USERS).contains(&s.users));
            prop_assert_eq!(s.users, s.users.round());
            prop_assert!(SPEEDS.contains(&page.speed));
            for &(knob, v) in &s.knobs {
                prop_assert!(on_range(v, knob.range()), "{:?} = {}", knob, v);
                prop_assert!(knob.unavailable(s.stage).is_none());
            }
            prop_assert!(s.scenario().validate().is_ok());
            let (again, notices) = parse(&write(&page));
            prop_assert_eq!(notices, vec![]);
            prop_assert_eq!(again.settings.scenario(), s.scenario());
            prop_assert_eq!(again.settings.seed, s.seed);
            prop_assert_eq!((again.speed, again.view), (page.speed, page.view));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Whatever a link asks for, the engine builds that system and runs it.
        #[test]
        fn any_query_gives_a_system_that_runs(q in query()) {
            let (page, _) = parse(&q);
            let mut sim = headroom_engine::sim::Sim::new(&page.settings.scenario(), page.settings.seed);
            sim.step_until(0.05);
            prop_assert!(sim.now() >= 0.05);
        }
    }
}
