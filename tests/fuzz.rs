//! A property test over the `--set` parser and the scenario loader: random mutations of the
//! shipped scenarios (one field set to an awkward value, through `--set` as a user would) must
//! load or be refused with an error, never panic. A CI-sized run (10,000 mutations) takes
//! seconds in release; cases it once found stay below as regression tests.
//!
//! The values include counts at the top of `u32` (`targets = 4294967295`) and integers past
//! `i64`: the loader refuses them by name before allocating anything they would size.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use simroute::scenario::{Override, load_str};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every shipped scenario's text.
fn shipped() -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The dotted path of every leaf value (indices as numbers), as `--set` addresses them.
fn leaves(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                leaves(&join(k), v, out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                leaves(&join(&i.to_string()), v, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// Awkward values: zero, negatives, the tiny and the huge, wrong types.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "1e-300",
    "1e15",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "4294967295",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "\"\"",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
];

fn case() -> impl Strategy<Value = (usize, usize, String)> {
    let value = prop_oneof![
        proptest::sample::select(VALUES).prop_map(str::to_string),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        (-2000i64..2000).prop_map(|i| i.to_string()),
    ];
    (any::<usize>(), any::<usize>(), value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_shipped_scenario_loads_or_is_refused((file, field, value) in case()) {
        let texts = shipped();
        let text = &texts[file % texts.len()];
        let mut paths = Vec::new();
        leaves("", &toml::Value::Table(text.parse::<toml::Table>().unwrap()), &mut paths);
        let path = &paths[field % paths.len()];
        let ov = Override::parse(&format!("{path}={value}")).unwrap();
        // Ok or Err; a panic fails the property.
        let _ = load_str(text, &scenarios_dir(), &[ov]);
    }

    #[test]
    fn the_set_parser_never_panics(arg in ".{0,40}") {
        if let Ok(ov) = Override::parse(&arg) {
            let texts = shipped();
            let _ = load_str(&texts[0], &scenarios_dir(), &[ov]);
        }
    }
}

/// Regression cases: inputs that once reached a panic or an abort, or that sit on a boundary
/// the mutations found.
#[test]
fn regressions_load_or_are_refused() {
    let texts = shipped();
    for (path, value) in [
        ("simulation.duration_s", "1e-300"),
        ("simulation.timeseries_interval_s", "0"),
        ("simulation.seed", "-1"),
        ("simulation.replications", "0"),
        ("traffic.0.rate_rps", "nan"),
        ("traffic.0", "{}"),
        ("traffic", "[]"),
    ] {
        for text in &texts {
            let ov = Override::parse(&format!("{path}={value}")).unwrap();
            let _ = load_str(text, &scenarios_dir(), &[ov]);
        }
    }
}
