//! Reproducibility of the real binary: the same scenario and seed give byte-identical output
//! folders, whatever the number of threads, and another seed gives other results.
//!
//! The scenario is small (well under a second per run) but walks the paths where
//! nondeterminism would hide: two sources (Poisson with a ramped profile, and constant), client
//! timeouts (lazily cancelled events), full queues answering 503, randomized and load-aware
//! balancing, two target groups with separate random streams, and several replications merged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

const SCENARIO: &str = r#"
[simulation]
name = "determinism"
seed = 42
duration_s = 12
warmup_s = 1
replications = 2

[[traffic]]
name = "browse"
arrival = "poisson"
timeout_s = 0.01
target_group = "web"
profile = [
  { at_s = 0, rate_rps = 2000 },
  { at_s = 6, rate_rps = 4800, shape = "ramp" },
  { at_s = 9, rate_rps = 1000 },
]

[[traffic]]
name = "batch"
rate_rps = 500
arrival = "constant"
target_group = "api"

[target_groups.web]
targets = 3
algorithm = "power_of_two"
app = { workers = 2, queue_limit = 8, service = { dist = "lognormal", median_ms = 1, sigma = 0.8 } }

[target_groups.api]
targets = 2
algorithm = "random"
app = { workers = 1, queue_limit = "unbounded", service = { dist = "exponential", mean_ms = 1.5 } }
"#;

/// Every file a run writes; a comparison over an empty or partial folder would prove nothing.
/// Every file a run writes, charts and reports included: all must be byte-identical.
const OUTPUT_FILES: [&str; 23] = [
    // The marker naming the folder's kind (`simroute run`), so --out can tell it is ours.
    ".simroute-output",
    "chart-healthy-targets.png",
    "chart-healthy-targets.svg",
    "chart-latency-cdf.png",
    "chart-latency-cdf.svg",
    "chart-latency-over-time.png",
    "chart-latency-over-time.svg",
    "chart-stage-latency.png",
    "chart-stage-latency.svg",
    "chart-target-load.png",
    "chart-target-load.svg",
    "chart-throughput.png",
    "chart-throughput.svg",
    "events.csv",
    "figures.csv",
    "latency.csv",
    "replications.csv",
    "report.html",
    "report.md",
    "scenario.toml",
    "summary.csv",
    "summary.json",
    "timeseries.csv",
];

/// A temporary folder holding the scenario file; outputs go beside it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("scenario.toml"), SCENARIO).expect("write scenario");
        Workspace { dir }
    }

    /// Runs `simroute run` on the scenario into folder `out` with extra `args`; returns the
    /// output folder's files by name.
    fn run(&self, out: &str, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out_dir = self.dir.path().join(out);
        let output = common::binary::simroute()
            .arg("run")
            .arg(self.dir.path().join("scenario.toml"))
            .arg("--out")
            .arg(&out_dir)
            .arg("--quiet")
            .args(args)
            .output()
            .expect("the simroute binary runs");
        assert!(
            output.status.success(),
            "simroute run {args:?} exited {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        read_folder(&out_dir)
    }
}

fn read_folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let files: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir)
        .expect("the output folder exists")
        .map(|entry| {
            let path: PathBuf = entry.expect("folder entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("readable output file"))
        })
        .collect();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, OUTPUT_FILES, "unexpected output files in {dir:?}");
    files
}

/// Asserts two output folders are identical byte for byte, naming the first differing line.
fn assert_identical(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, why: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{why}: different files"
    );
    for (name, bytes) in a {
        let other = &b[name];
        if bytes != other {
            let (a_text, b_text) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(other),
            );
            let (line, (x, y)) = a_text
                .lines()
                .zip(b_text.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y)
                .unwrap_or((0, ("(one file is a prefix of the other)", "")));
            panic!(
                "{why}: {name} differs, first at line {}:\n  {x}\n  {y}",
                line + 1
            );
        }
    }
}

fn summary(files: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(&files["summary.json"]).expect("summary.json is JSON")
}

#[test]
fn same_seed_gives_byte_identical_outputs() {
    let ws = Workspace::new();
    let first = ws.run("first", &[]);
    let second = ws.run("second", &[]);
    assert_identical(&first, &second, "two runs with the same seed");

    // The comparison is only as strong as the paths the run took: make sure requests really
    // were rejected, timed out and served on both groups.
    let doc = summary(&first);
    let failures = &doc["requests"]["failures"];
    for (what, count) in [
        ("503 rejections", &failures["unavailable_503"]),
        ("client timeouts", &failures["client_timeout"]),
        ("api requests", &doc["target_groups"]["api"]["requests"]),
        ("web requests", &doc["target_groups"]["web"]["requests"]),
    ] {
        assert!(
            count.as_f64().is_some_and(|c| c > 0.0),
            "the scenario no longer exercises {what} ({count}); adjust it so determinism covers them"
        );
    }
}

#[test]
fn thread_count_does_not_change_outputs() {
    let ws = Workspace::new();
    let one = ws.run("one", &["--replications", "4", "--threads", "1"]);
    let two = ws.run("two", &["--replications", "4", "--threads", "2"]);
    assert_identical(&one, &two, "--threads 1 and --threads 2");
    assert_eq!(
        summary(&one)["replications"],
        4,
        "--replications must apply, or the threads would have nothing to split"
    );
}

#[test]
fn another_seed_gives_other_results() {
    let ws = Workspace::new();
    let default_seed = ws.run("default", &[]);
    let other_seed = ws.run("other", &["--seed", "43"]);
    assert_eq!(summary(&other_seed)["seed"], 43);
    // Compare the figures, not the whole file (which names the seed and would differ anyway).
    let figures = |files: &BTreeMap<String, Vec<u8>>| {
        let mut doc = summary(files);
        doc.as_object_mut().unwrap().remove("seed");
        doc
    };
    assert_ne!(
        figures(&default_seed),
        figures(&other_seed),
        "summary.json figures must depend on the seed"
    );
    assert_ne!(
        default_seed["summary.json"], other_seed["summary.json"],
        "summary.json must differ"
    );
}

#[test]
fn stopping_by_precision_is_the_same_for_any_thread_count() {
    // Replications stop when the p99's relative half-width is within 1%, or at 10: the count
    // that runs depends only on the finished replications' figures, in index order, at the
    // fixed batch boundaries (2, 6, 10), never on which thread finished first.
    let ws = Workspace::new();
    let args = |threads: &'static str| {
        [
            "--set",
            "simulation.precision=0.01",
            "--set",
            "simulation.max_replications=10",
            "--threads",
            threads,
        ]
    };
    let one = ws.run("one", &args("1"));
    let three = ws.run("three", &args("3"));
    assert_identical(&one, &three, "precision stopping with --threads 1 and 3");
    let doc = summary(&one);
    let ran = doc["replications"].as_u64().unwrap();
    assert!([2, 6, 10].contains(&ran), "{ran} is not a batch boundary");
    let p = &doc["precision"];
    assert_eq!(p["target"], 0.01);
    let reached = p["reached"].as_f64().unwrap();
    match p["stopped"].as_str().unwrap() {
        "precision" => assert!(reached <= 0.01, "{p}"),
        "max_replications" => assert!(ran == 10 && reached > 0.01, "{p}"),
        other => panic!("stopped by {other}"),
    }
    // replications.csv: one row per replication, counts as integers.
    let csv = String::from_utf8(one["replications.csv"].clone()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "replication");
    let offered = header
        .iter()
        .position(|h| *h == "requests.offered")
        .unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len() as u64, ran);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], i.to_string());
        assert!(row[offered].parse::<u64>().is_ok(), "{}", row[offered]);
    }
    // The maximum has no interval; the p99 has one.
    assert!(doc["ci95"]["latency_ms"]["max"].is_null());
    assert!(doc["ci95"]["latency_ms"]["p99"].as_f64().is_some());
    // With the rule off, exactly `replications` run.
    let fixed = ws.run("fixed", &["--set", "simulation.precision=0"]);
    let doc = summary(&fixed);
    assert_eq!(doc["replications"], 2);
    assert_eq!(doc["precision"]["stopped"], "fixed");
}

#[test]
fn a_sweep_draws_its_points_in_parallel_and_writes_the_same_bytes_for_any_thread_count() {
    // Points are simulated and then drawn (charts, reports) on the thread pool, and the
    // folders written side by side: none of it may leak into the bytes.
    let ws = Workspace::new();
    let sweep = |out: &str, threads: &str| {
        let out_dir = ws.dir.path().join(out);
        let o = common::binary::simroute()
            .arg("sweep")
            .arg(ws.dir.path().join("scenario.toml"))
            .args(["--vary", "target_groups.web.targets=2,3,4,5"])
            .args(["--vary", "target_groups.api.algorithm=random,round_robin"])
            .args(["--threads", threads, "--quiet", "--out"])
            .arg(&out_dir)
            .output()
            .expect("the simroute binary runs");
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "simroute sweep exited {}:\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        common::binary::read_tree(&out_dir)
    };
    let one = sweep("sweep-one", "1");
    let two = sweep("sweep-two", "2");
    let points = one.keys().filter(|k| k.ends_with("/summary.json")).count();
    assert_eq!(
        points,
        8,
        "a 4 × 2 grid has 8 point folders: {:?}",
        one.keys()
    );
    assert!(one.keys().any(|k| k.ends_with("/chart-latency-cdf.png")));
    assert_identical(&one, &two, "sweep with --threads 1 and --threads 2");
}
