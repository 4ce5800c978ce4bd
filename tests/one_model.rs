//! Searches of the source for the two things the code must not do: compare the stage number
//! outside the topology module, and type a number into a label's text.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources(dirs: &[&str]) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(
        files.len() > 20,
        "the search found the sources: {}",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p.strip_prefix(root).unwrap().display().to_string(), text)
        })
        .collect()
}

/// The code of a line, without its `//` comment (a `//` inside a string is rare enough here).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

const COMPARISONS: [&str; 6] = ["==", "!=", ">=", "<=", "<", ">"];

/// Whether `line` compares a stage number or a stage identity.
fn compares_a_stage(line: &str) -> bool {
    COMPARISONS.iter().any(|op| {
        line.contains(&format!(".number() {op} "))
            || line.contains(&format!(" {op} StageId::"))
            || ["stage ", "stage() "].iter().any(|s| {
                line.match_indices(&format!("{s}{op} "))
                    .any(|(i, m)| line[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
            })
    })
}

#[test]
fn the_stage_is_compared_only_in_the_topology() {
    let mut found = Vec::new();
    for (path, text) in sources(&["src", "engine/src"]) {
        if path.ends_with("topology.rs") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if compares_a_stage(code(line)) {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "ask the topology instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_search_finds_a_stage_comparison() {
    for line in [
        "if self.stage >= 6 && self.workers == 0 {",
        "t.stage == StageId::ReplicasShards",
        "if stage.number() < 3 {",
    ] {
        assert!(compares_a_stage(line), "{line}");
    }
    assert!(!compares_a_stage("format!(\"Stage {}\", stage.number())"));
}

/// The string literals in `text` (plain `"…"` ones, with `\"` inside).
fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = code(line);
        let mut chars = line.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c == '\'' {
                // A char literal: skip it whole ('"' would open a string otherwise).
                let rest: String = chars.clone().take(3).map(|(_, c)| c).collect();
                if rest.starts_with('"') || rest.starts_with("\\\"") {
                    chars.nth(if rest.starts_with('"') { 1 } else { 2 });
                }
                continue;
            }
            if c != '"' {
                continue;
            }
            let mut s = String::new();
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    c => s.push(c),
                }
            }
            out.push(s);
        }
    }
    out
}

/// A digit a label typed in: outside `{…}` format arguments, metric names (p50, p95, p99),
/// strings with no words (numbers, SVG coordinates, formats like "0%") and identifiers (no
/// space: test ids, class names).
fn typed_number(s: &str) -> bool {
    if !s.contains(' ') {
        return false;
    }
    let mut plain = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let plain = ["p50", "p95", "p99"]
        .iter()
        .fold(plain, |p, m| p.replace(m, ""));
    let has_word = plain
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.len() > 1);
    has_word && plain.chars().any(|c| c.is_ascii_digit())
}

/// Texts where a digit is the thing named, not a measurement or a constant.
const NAMED: [&str; 5] = [
    // The first stage's name.
    "1 VM",
    // The process manager's name.
    "pm2",
    // The definition of p95, which is what the name says.
    "slowest 5%",
    // The unit of the per-user cost.
    " per 1,000 users",
    // A seed is any unsigned integer: the range of its type.
    "from 0 up",
];

#[test]
fn no_label_types_a_number() {
    let mut found = Vec::new();
    let mut files = sources(&["src/components"]);
    files.extend(
        sources(&["engine/src"])
            .into_iter()
            .filter(|(p, _)| p.ends_with("stages.rs")),
    );
    for (path, text) in files {
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for s in literals(text) {
            if typed_number(&s) && !NAMED.iter().any(|n| s.contains(n)) {
                found.push(format!("{path}: {s:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "generate these from the reading or the constants:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_search_finds_a_typed_number() {
    assert!(typed_number("conns 100/100"));
    assert!(typed_number("p95 above 500 ms"));
    assert!(!typed_number("CPU {:.0}%"));
    assert!(!typed_number("p95 latency"));
    assert!(!typed_number("cost-per-1k-users"));
    assert!(!typed_number("0 0 {WIDTH} {HEIGHT}"));
    assert_eq!(
        literals(r#"let a = "x\"1"; let c = '"'; let b = "y";"#),
        ["x1", "y"]
    );
}
