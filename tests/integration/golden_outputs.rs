//! The guard of every restructuring: each shipped scenario's output folder (data files, charts,
//! reports), its printed table and its exit code, plus a short sweep, compare and plan, hashed
//! file by file against the recording in `tests/golden/outputs.sha256`.
//!
//! A change that moves an output on purpose (a corrected AWS rule, say) re-records with
//! `SIMROUTE_BLESS=1 cargo test --release --test integration golden` and names, in its commit
//! message, which files moved and why; a change that should move nothing must pass as it is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::util::{repo, run, scratch};

const MANIFEST: &str = "tests/golden/outputs.sha256";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Hashes every file under `dir` (recursively) into `into`, keyed `label/relative path`.
fn hash_folder(label: &str, dir: &Path, into: &mut BTreeMap<String, String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("output folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir).expect("inside").to_string_lossy();
            let bytes = std::fs::read(&path).expect("output file");
            into.insert(format!("{label}/{rel}"), sha256(&bytes));
        }
    }
}

/// Runs one command into `out`, recording its stdout and exit code beside its files.
fn record(label: &str, args: &[&str], out: &Path, into: &mut BTreeMap<String, String>) {
    let mut full: Vec<&str> = args.to_vec();
    let out_s = out.to_str().expect("utf-8 path");
    full.extend(["--out", out_s, "--quiet"]);
    let o = run(&full);
    let code = o.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1),
        "{label} failed ({code}): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    into.insert(format!("{label}/(exit code)"), code.to_string());
    into.insert(format!("{label}/(stdout)"), sha256(&o.stdout));
    hash_folder(label, out, into);
}

#[test]
fn golden_outputs_match_the_recording() {
    let scratch = scratch("golden");
    let mut hashes = BTreeMap::new();
    let mut scenarios: Vec<_> = std::fs::read_dir(repo("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scenarios.sort();
    for path in &scenarios {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let p = path.to_str().unwrap();
        record(&name, &["run", p], &scratch.join(&name), &mut hashes);
    }
    let storage = repo("scenarios/storage-service.toml");
    let storage = storage.to_str().unwrap();
    let short = [
        "--set",
        "simulation.duration_s=120",
        "--set",
        "simulation.warmup_s=20",
    ];
    let mut sweep = vec![
        "sweep",
        storage,
        "--vary",
        "target_groups.bags.targets=2..3",
        "--replications",
        "2",
    ];
    sweep.extend(short);
    record("sweep", &sweep, &scratch.join("sweep"), &mut hashes);
    let mut compare = vec![
        "compare",
        storage,
        "--variant",
        "target_groups.bags.health_check.interval_s=10",
        "--replications",
        "3",
    ];
    compare.extend(short);
    record("compare", &compare, &scratch.join("compare"), &mut hashes);
    let mut plan = vec![
        "plan",
        storage,
        "--target-group",
        "bags",
        "--fail",
        "1",
        "--max-tasks",
        "8",
        "--replications",
        "2",
    ];
    plan.extend(short);
    record("plan", &plan, &scratch.join("plan"), &mut hashes);

    let text: String = hashes.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    let manifest = repo(MANIFEST);
    if std::env::var_os("SIMROUTE_BLESS").is_some() {
        std::fs::create_dir_all(manifest.parent().unwrap()).unwrap();
        std::fs::write(&manifest, &text).expect("write the recording");
        return;
    }
    let recorded = std::fs::read_to_string(&manifest).expect("tests/golden/outputs.sha256");
    if recorded != text {
        let old: BTreeMap<&str, &str> = recorded
            .lines()
            .filter_map(|l| l.split_once("  ").map(|(h, k)| (k, h)))
            .collect();
        let new: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.split_once("  ").map(|(h, k)| (k, h)))
            .collect();
        let moved: Vec<&str> = old
            .keys()
            .chain(new.keys())
            .filter(|k| old.get(*k) != new.get(*k))
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        panic!(
            "{} outputs differ from the recording (SIMROUTE_BLESS=1 re-records; name why in the commit):\n  {}",
            moved.len(),
            moved.join("\n  ")
        );
    }
}
