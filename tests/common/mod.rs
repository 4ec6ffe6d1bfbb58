//! The one harness the integration tests share.
//!
//! - [`ScenarioBuilder`]: a test's scenario as a base TOML text (what users write) plus the
//!   changes the test makes to it, each by its dotted field path (`simulation.warmup_s`,
//!   `target_groups.app.targets`, `traffic.0.rate_rps`), applied by the same code as the
//!   binary's `--set`. So a test states how its scenario differs from the base by field name,
//!   instead of editing the text with `.replace(..)`, and a path that names nothing fails the
//!   test rather than silently leaving the base as it was.
//! - [`scenario`], [`run`], [`run_replication`]: a scenario from plain TOML text, and one
//!   replication of it; [`failures`], [`route_failures`], [`event_time`], [`events`]: the
//!   figures tests read off its recorder.
//! - [`figures`]: one replication's figures as `summary.json` writes them (for tests of the
//!   file format itself).
//! - [`binary`]: running the `simroute` binary, scratch folders, a finished run to inspect.
#![allow(dead_code)] // each test binary uses the part it needs

pub mod figures;

#[path = "../integration/util.rs"]
pub mod binary;

use std::path::PathBuf;

use simroute::scenario::{Override, RawScenario, Scenario, ScenarioError, load_str, overrides};
use simroute::sim;
use simroute::stats::recorder::{EventRow, Recorder};
use simroute::vocab::Failure;

/// A value for [`ScenarioBuilder::set`], written as TOML: numbers and booleans as themselves,
/// strings quoted. For an inline table or an array give its TOML text to
/// [`ScenarioBuilder::set_toml`].
pub trait TomlValue {
    fn toml(&self) -> String;
}

macro_rules! toml_as_display {
    ($($t:ty),*) => {$(
        impl TomlValue for $t {
            fn toml(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
toml_as_display!(i32, u32, u64, i64, usize, bool);

impl TomlValue for f64 {
    /// The shortest text that reads back as the same `f64` (`600`, `0.25`, `120.000001`).
    fn toml(&self) -> String {
        assert!(self.is_finite(), "a test value must be finite: {self}");
        self.to_string()
    }
}

impl TomlValue for &str {
    fn toml(&self) -> String {
        toml_edit::Value::from(*self).to_string()
    }
}

/// A test scenario: base TOML text, tables appended to it, and field changes by path.
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    text: String,
    sets: Vec<Override>,
    /// Where relative files (empirical samples) are found.
    base_dir: PathBuf,
}

impl ScenarioBuilder {
    /// The scenario written as `text`.
    pub fn new(text: impl Into<String>) -> ScenarioBuilder {
        ScenarioBuilder {
            text: text.into(),
            sets: Vec::new(),
            base_dir: PathBuf::from("."),
        }
    }

    /// A scenario file of the repository (`scenarios/mmc.toml`) as the base; its relative
    /// files are found beside it.
    pub fn file(rel: &str) -> ScenarioBuilder {
        let path = binary::repo(rel);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        ScenarioBuilder {
            base_dir: path.parent().expect("a file has a folder").to_path_buf(),
            ..ScenarioBuilder::new(text)
        }
    }

    /// Sets the field at dotted `path` to `value` (creating it, or a missing table on the way,
    /// as `--set` does).
    pub fn set(self, path: &str, value: impl TomlValue) -> ScenarioBuilder {
        self.set_toml(path, &value.toml())
    }

    /// Sets the field at dotted `path` to the TOML text `value` (an inline table, an array).
    pub fn set_toml(mut self, path: &str, value: &str) -> ScenarioBuilder {
        self.sets.push(Override {
            path: path.to_string(),
            value: value.to_string(),
        });
        self
    }

    /// Sets each `(path, value)` of `fields` in the table at `table` (TOML text values), so
    /// several fields of one table read as one change.
    pub fn set_all(self, table: &str, fields: &[(&str, &str)]) -> ScenarioBuilder {
        fields.iter().fold(self, |b, (key, value)| {
            b.set_toml(&format!("{table}.{key}"), value)
        })
    }

    /// Appends whole tables (a `[[faults]]` entry, a deployment) to the base text.
    pub fn with(mut self, tables: &str) -> ScenarioBuilder {
        self.text.push('\n');
        self.text.push_str(tables);
        self
    }

    /// The measured window `[warmup_s, duration_s)` as the scenario's warm-up and end.
    pub fn window(self, warmup_s: f64, duration_s: f64) -> ScenarioBuilder {
        self.set("simulation.warmup_s", warmup_s)
            .set("simulation.duration_s", duration_s)
    }

    /// The scenario's text with every change applied.
    pub fn text(&self) -> String {
        let mut doc: toml_edit::DocumentMut = self
            .text
            .parse()
            .unwrap_or_else(|e| panic!("bad test scenario text: {e}\n{}", self.text));
        for ov in &self.sets {
            overrides::apply(&mut doc, ov).unwrap_or_else(|e| panic!("bad test change: {e}"));
        }
        doc.to_string()
    }

    fn load(&self) -> Result<(Scenario, RawScenario), ScenarioError> {
        load_str(&self.text, &self.base_dir, &self.sets)
    }

    /// The checked scenario; one that does not load is a bug in the test, reported with its
    /// text.
    pub fn scenario(&self) -> Scenario {
        self.scenario_and_raw().0
    }

    /// The checked scenario and the file's values as parsed (defaults filled in).
    pub fn scenario_and_raw(&self) -> (Scenario, RawScenario) {
        self.load()
            .unwrap_or_else(|e| panic!("bad test scenario: {e}\n{}", self.described()))
    }

    /// The error loading the scenario gives; a scenario that loads fails the test.
    pub fn load_err(&self) -> ScenarioError {
        match self.load() {
            Ok(_) => panic!("scenario accepted, expected an error\n{}", self.described()),
            Err(e) => e,
        }
    }

    /// What replication 0 observed.
    pub fn run(&self) -> Recorder {
        run(&self.scenario())
    }

    /// What replication `replication` observed.
    pub fn run_replication(&self, replication: u32) -> Recorder {
        run_replication(&self.scenario(), replication)
    }

    fn described(&self) -> String {
        let sets: Vec<String> = self.sets.iter().map(Override::origin).collect();
        format!(
            "--- scenario ---\n{}\n--- changes ---\n{}",
            self.text,
            sets.join("\n")
        )
    }
}

/// The checked scenario of `toml` (relative files from the current folder); a test scenario
/// that does not load is a bug in the test, reported with its text.
pub fn scenario(toml: &str) -> Scenario {
    ScenarioBuilder::new(toml).scenario()
}

/// The error loading `toml` gives; a scenario that loads fails the test.
pub fn load_err(toml: &str) -> ScenarioError {
    ScenarioBuilder::new(toml).load_err()
}

/// What replication 0 of `sc` observed.
pub fn run(sc: &Scenario) -> Recorder {
    run_replication(sc, 0)
}

/// What replication `replication` of `sc` observed.
pub fn run_replication(sc: &Scenario, replication: u32) -> Recorder {
    sim::run(sc, replication, None).recorder
}

/// Requests (logical, measured window) that failed with `f`.
pub fn failures(rec: &Recorder, f: Failure) -> u64 {
    rec.counts.failures[f.index()]
}

/// Requests of route `route` that failed with `f`.
pub fn route_failures(rec: &Recorder, route: usize, f: Failure) -> u64 {
    rec.routes[route].counts.failures[f.index()]
}

/// The `events.csv` rows of `kind`, in time order, as recorded.
pub fn events<'a>(rec: &'a Recorder, kind: &'a str) -> impl Iterator<Item = &'a EventRow> + 'a {
    rec.events.iter().filter(move |e| e.kind == kind)
}

/// When the first `events.csv` row of `kind` going `to` at or after `after` (ns) was written.
pub fn event_time(rec: &Recorder, kind: &str, to: &str, after: u64) -> Option<u64> {
    rec.events
        .iter()
        .find(|e| e.kind == kind && e.to == to && e.t >= after)
        .map(|e| e.t)
}
