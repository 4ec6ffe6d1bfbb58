//! Values at the edges of their types (issue 18), as a property over the shipped scenarios:
//! every numeric field of every scenario in `scenarios/`, set in turn (as `--set` does) to 0,
//! -1, 1e-300, 1e15, 1e308, 4294967295 and 9223372036854775807. Loading (what `validate` does,
//! including writing the resolved scenario back as TOML) never panics and answers at once; a
//! value it accepts runs for a simulated second without panicking or hanging.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use simroute::scenario::{Override, load_str};
use simroute::sim;
use toml_edit::{DocumentMut, Item, Value};

const EDGES: &[&str] = &[
    "0",
    "-1",
    "1e-300",
    "1e15",
    "1e308",
    "4294967295",
    "9223372036854775807",
];

/// The longest a single load or a one-second run may take.
const BUDGET: Duration = Duration::from_secs(10);

/// The dotted paths of every integer and float in `item`.
fn numeric_paths(prefix: &str, item: &Item, out: &mut Vec<String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match item {
        Item::Table(t) => {
            for (k, v) in t.iter() {
                numeric_paths(&join(k), v, out);
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                for (k, v) in t.iter() {
                    numeric_paths(&join(&format!("{i}.{k}")), v, out);
                }
            }
        }
        Item::Value(v) => value_paths(prefix, v, out),
        Item::None => {}
    }
}

fn value_paths(path: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Integer(_) | Value::Float(_) => out.push(path.to_string()),
        Value::InlineTable(t) => {
            for (k, v) in t.iter() {
                value_paths(&format!("{path}.{k}"), v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                value_paths(&format!("{path}.{i}"), v, out);
            }
        }
        _ => {}
    }
}

fn set(path: &str, value: &str) -> Override {
    Override::parse(&format!("{path}={value}")).expect("a dotted path")
}

/// Runs `f` on its own thread, failing the case if it panics or outlasts [`BUDGET`].
fn bounded<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(BUDGET) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(format!("{what}: panicked")),
        Err(_) => Err(format!("{what}: still running after {BUDGET:?}")),
    }
}

#[test]
fn every_numeric_field_at_the_edges_of_its_type_is_refused_or_runs() {
    let started = Instant::now();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the shipped scenarios are found");
    let (mut cases, mut refused, mut ran) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc: DocumentMut = text.parse().unwrap();
        let mut paths = Vec::new();
        numeric_paths("", doc.as_item(), &mut paths);
        assert!(!paths.is_empty());
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for path in &paths {
            for value in EDGES {
                cases += 1;
                let case = format!("{name}: --set {path}={value}");
                let (t, d, p, v) = (text.clone(), dir.clone(), path.clone(), value.to_string());
                // What `validate` does: load, check, and write the resolved scenario back.
                let loaded = bounded(&case, move || {
                    load_str(&t, &d, &[set(&p, &v)]).map(|(_, raw)| {
                        toml::to_string(&raw).map(|_| ()).map_err(|e| e.to_string())
                    })
                });
                match loaded {
                    Err(e) => failures.push(e),
                    Ok(Err(_)) => refused += 1,
                    Ok(Ok(Err(e))) => failures.push(format!("{case}: not written back: {e}")),
                    Ok(Ok(Ok(()))) => {
                        let short = [
                            set("simulation.duration_s", "1"),
                            set("simulation.warmup_s", "0"),
                            set("simulation.replications", "1"),
                            set(path, value),
                        ];
                        // Shortened, a fault or deployment may now fall after the end: only
                        // what still loads is run.
                        let Ok((sc, _)) = load_str(&text, &dir, &short) else {
                            continue;
                        };
                        match bounded(&case, move || sim::run(&sc, 0, None).arrivals) {
                            Ok(_) => ran += 1,
                            Err(e) => failures.push(e),
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        refused > 0 && ran > 0,
        "{cases} cases: {refused} refused, {ran} ran"
    );
    eprintln!(
        "{cases} cases: {refused} refused, {ran} ran, in {:?}",
        started.elapsed()
    );
}
