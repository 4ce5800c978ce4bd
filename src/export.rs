//! The timeline as files a learner or a teacher can take away: CSV for a spreadsheet, JSON for
//! a program. Each row is one simulated second's numbers, as the timeline chart draws them,
//! with the learner's changes at that second; the last row is the reading the page shows now.
//! The chart worker writes them ([`crate::charts::drawing::Drawing::Export`]), so none of this
//! is in the page's first load.

use crate::format;
use crate::timeline::{Mark, Sample, Timeline};

/// The columns, in order: name, unit and meaning. The CSV's header and the JSON's `columns`.
pub const COLUMNS: [(&str, &str, &str); 6] = [
    ("time_s", "s", "simulated time"),
    ("throughput_rps", "requests/s", "good responses per second"),
    ("p95_ms", "ms", "95th percentile response time"),
    ("error_percent", "%", "failed requests, of those finished"),
    (
        "stale_percent",
        "%",
        "stale reads, of the pages read from replicas (empty without replicas)",
    ),
    ("change", "", "what the learner changed during this second"),
];

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values, for a spreadsheet.
    Csv,
    /// JSON, for a program.
    Json,
}

impl FileFormat {
    /// The name the file is saved under.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Csv => "headroom-timeline.csv",
            Self::Json => "headroom-timeline.json",
        }
    }

    /// The format of a file called `name`, if it is one of these.
    pub fn of_name(name: &str) -> Option<Self> {
        [Self::Csv, Self::Json]
            .into_iter()
            .find(|f| f.file_name() == name)
    }

    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Json => "application/json",
        }
    }

    /// As a number, for the chart worker's messages.
    pub fn code(self) -> f64 {
        match self {
            Self::Csv => 0.0,
            Self::Json => 1.0,
        }
    }

    /// The format [`FileFormat::code`] gave `x`, if any.
    pub fn from_code(x: f64) -> Option<Self> {
        [Self::Csv, Self::Json].into_iter().find(|f| f.code() == x)
    }
}

/// The file: `timeline` ending with `now` (see [`ending_with`]) in `format`, with the page's
/// link query `settings` (JSON only).
pub fn write(
    format: FileFormat,
    settings: &str,
    timeline: &Timeline,
    now: Option<Sample>,
) -> String {
    let timeline = ending_with(timeline, now);
    let rows: Vec<Sample> = timeline.samples().copied().collect();
    match format {
        FileFormat::Csv => csv(&rows, timeline.marks()),
        FileFormat::Json => json(settings, &rows, timeline.marks()),
    }
}

/// `timeline`, ending with `now` (the reading the page shows): it takes the place of the
/// sample of its simulated second, or follows the last one.
pub fn ending_with(timeline: &Timeline, now: Option<Sample>) -> Timeline {
    let mut out = timeline.clone();
    if let Some(now) = now {
        out.end_with(now);
    }
    out
}

/// What the learner changed while row `i` of `rows` was the latest, in words: from its time
/// to the next row's (the first row also takes what came before it, the last what came after).
/// Rows can be seconds apart (a reading every quarter second of wall time, at 10× or 100×).
fn changes_of_row(rows: &[Sample], i: usize, marks: &[Mark]) -> String {
    let from = if i == 0 {
        f64::NEG_INFINITY
    } else {
        rows[i].time_s
    };
    let to = rows.get(i + 1).map_or(f64::INFINITY, |next| next.time_s);
    let labels: Vec<&str> = marks
        .iter()
        .filter(|m| m.time_s >= from && m.time_s < to)
        .map(Mark::label)
        .collect();
    labels.join("; ")
}

/// A number as a CSV field or JSON value: up to three places; `none` when it is not finite.
fn number(x: f64, none: &str) -> String {
    if x.is_finite() {
        format::decimal(x)
    } else {
        none.to_owned()
    }
}

/// The rows as CSV (RFC 4180: a header, commas, CRLF line ends).
pub fn csv(rows: &[Sample], marks: &[Mark]) -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    let mut out = header.join(",");
    out.push_str("\r\n");
    for (i, s) in rows.iter().enumerate() {
        let fields = [
            number(s.time_s, ""),
            number(s.throughput_rps, ""),
            number(s.p95_ms, ""),
            number(s.error_pct, ""),
            s.stale_pct.map_or(String::new(), |x| number(x, "")),
            // (Mark labels hold no comma or quote: no quoting needed.)
            changes_of_row(rows, i, marks),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rows as JSON: the settings (the page's link query, which opens the same system), the
/// columns with their units, the rows as arrays in the columns' order, and the changes.
pub fn json(query: &str, rows: &[Sample], marks: &[Mark]) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, unit, meaning)| {
            format!(
                "{{\"name\":{},\"unit\":{},\"meaning\":{}}}",
                json_string(name),
                json_string(unit),
                json_string(meaning)
            )
        })
        .collect();
    let rows: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let change = changes_of_row(rows, i, marks);
            format!(
                "[{},{},{},{},{},{}]",
                number(s.time_s, "null"),
                number(s.throughput_rps, "null"),
                number(s.p95_ms, "null"),
                number(s.error_pct, "null"),
                s.stale_pct.map_or("null".to_owned(), |x| number(x, "null")),
                if change.is_empty() {
                    "null".to_owned()
                } else {
                    json_string(&change)
                }
            )
        })
        .collect();
    let changes: Vec<String> = marks
        .iter()
        .map(|m| {
            format!(
                "{{\"time_s\":{},\"what\":{}}}",
                number(m.time_s, "null"),
                json_string(m.label())
            )
        })
        .collect();
    format!(
        "{{\"format\":\"headroom timeline\",\"version\":1,\"settings\":{},\"columns\":[{}],\"rows\":[{}],\"changes\":[{}]}}\n",
        json_string(query),
        columns.join(","),
        rows.join(","),
        changes.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_engine::live::Changed;
    use headroom_engine::sim::Fault;

    fn sample(t: f64, p95: f64, stale: Option<f64>) -> Sample {
        Sample {
            time_s: t,
            throughput_rps: 100.0 + t,
            p95_ms: p95,
            error_pct: 0.25,
            stale_pct: stale,
        }
    }

    fn timeline() -> Timeline {
        let mut t = Timeline::new();
        for s in 0..3 {
            t.push(sample(f64::from(s) + 0.1, 50.0, Some(1.5)));
        }
        t.mark(Mark {
            time_s: 1.4,
            what: Changed::Fault {
                fault: Fault::Spike,
                on: true,
            },
        });
        t
    }

    fn rows(t: &Timeline, now: Option<Sample>) -> Vec<Sample> {
        ending_with(t, now).samples().copied().collect()
    }

    #[test]
    fn the_reading_shown_now_ends_the_rows() {
        let t = timeline();
        let same_second = rows(&t, Some(sample(2.7, 80.0, None)));
        assert_eq!(same_second.len(), 3, "it replaces the sample of its second");
        assert_eq!(same_second[2].p95_ms, 80.0);
        let later = rows(&t, Some(sample(3.2, 90.0, None)));
        assert_eq!(later.len(), 4);
        assert_eq!(later[3].p95_ms, 90.0);
        assert_eq!(
            rows(&t, Some(sample(0.5, 1.0, None))).len(),
            3,
            "an older one is not a row"
        );
        assert_eq!(rows(&t, None).len(), 3);
        assert_eq!(ending_with(&t, None).marks(), t.marks(), "the changes stay");
    }

    #[test]
    fn a_format_survives_the_trip_to_the_worker() {
        for f in [FileFormat::Csv, FileFormat::Json] {
            assert_eq!(FileFormat::from_code(f.code()), Some(f));
        }
        assert_eq!(FileFormat::from_code(7.0), None);
        assert_eq!(
            FileFormat::of_name("headroom-timeline.json"),
            Some(FileFormat::Json)
        );
        assert_eq!(FileFormat::of_name("This chart could not be drawn."), None);
    }

    #[test]
    fn a_change_between_rows_goes_with_the_row_before_it() {
        // Rows 2.5 s apart, as at 10×: changes fall between them.
        let rows = [
            sample(0.1, 1.0, None),
            sample(2.6, 1.0, None),
            sample(5.1, 1.0, None),
        ];
        let mark = |t: f64, fault: Fault| Mark {
            time_s: t,
            what: Changed::Fault { fault, on: true },
        };
        let marks = [
            mark(0.0, Fault::SlowApi),
            mark(3.9, Fault::Spike),
            mark(4.0, Fault::ReplicaLag),
            mark(7.0, Fault::SlowApi),
        ];
        let changes: Vec<String> = (0..3).map(|i| changes_of_row(&rows, i, &marks)).collect();
        assert_eq!(changes, ["slow API on", "spike on; lag on", "slow API on"]);
    }

    #[test]
    fn the_csv_has_a_header_with_units_and_one_line_per_row() {
        let t = timeline();
        let text = csv(&rows(&t, None), t.marks());
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines[0],
            "time_s,throughput_rps,p95_ms,error_percent,stale_percent,change"
        );
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "0.1,100.1,50,0.25,1.5,");
        assert_eq!(lines[2], "1.1,101.1,50,0.25,1.5,spike on");
        assert!(lines.iter().all(|l| l.split(',').count() == COLUMNS.len()));
        let without = csv(&[sample(4.0, f64::NAN, None)], &[]);
        assert!(without.ends_with("\r\n4,104,,0.25,,\r\n"), "{without}");
    }

    #[test]
    fn the_json_parses_and_carries_the_settings_columns_rows_and_changes() {
        let t = timeline();
        let text = json("stage=7&users=\"x\"", &rows(&t, None), t.marks());
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["settings"], "stage=7&users=\"x\"");
        assert_eq!(v["columns"][2]["name"], "p95_ms");
        assert_eq!(v["columns"][2]["unit"], "ms");
        assert_eq!(v["rows"].as_array().map(Vec::len), Some(3));
        assert_eq!(v["rows"][1][1], 101.1);
        assert_eq!(v["rows"][1][5], "spike on");
        assert_eq!(v["rows"][0][5], serde_json::Value::Null);
        assert_eq!(v["changes"][0]["what"], "spike on");
        let none: serde_json::Value =
            serde_json::from_str(&json("", &[sample(1.0, f64::INFINITY, None)], &[]))
                .expect("valid JSON without a finite p95");
        assert_eq!(none["rows"][0][2], serde_json::Value::Null);
    }
}
