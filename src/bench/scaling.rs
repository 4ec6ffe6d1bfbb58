//! `simroute bench --sweep-scaling`: how a sweep's points scale with cores. A 20-point sweep
//! of the whole-process bench's M/M/4 (arrival rates 2.0 to 3.9 per second, ρ = 0.5 to 0.975)
//! runs through `simroute sweep` in a child process with one worker thread and with two, the
//! fastest wall time of each over `--repeat` runs counts, and the two output folders must be
//! byte for byte the same (results do not depend on the thread count), so the speed-up cannot
//! come from doing different work.
//!
//! Wall time is the measure here (CPU time is the same work either way); it is only meaningful
//! on a machine whose second core is idle, which the bench cannot check: quote figures from a
//! quiet machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail, ensure};

use super::fingerprint::fnv1a;
use super::whole_process::scenario_toml;

/// Simulated seconds per point by default: about 400,000 customers at the sweep's mean rate,
/// the requests of one 600 s run of storage-service.toml, so a point weighs what a design
/// review's does. Much shorter points are dominated by drawing and writing their folders,
/// which scale less well (20,000 s points gave 1.64× on the development machine).
pub const DEFAULT_DURATION_S: f64 = 125_000.0;

/// Points of the sweep: `traffic.0.rate_rps` from 2.0 to 3.9 in steps of 0.1.
pub const POINTS: usize = 20;

/// The sweep's `--vary` argument, its values written out (no float steps to round).
pub fn vary_arg() -> String {
    let values: Vec<String> = (0..POINTS)
        .map(|i| format!("{:.1}", 2.0 + 0.1 * i as f64))
        .collect();
    format!("traffic.0.rate_rps={}", values.join(","))
}

/// Every file under `dir` (relative path → FNV-1a hash of its bytes), to compare two output
/// folders.
pub fn folder_hashes(dir: &Path) -> anyhow::Result<BTreeMap<PathBuf, u64>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, u64>) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                out.insert(rel, fnv1a(&bytes));
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

/// The first difference between two folders' listings, if any.
pub fn first_difference(a: &BTreeMap<PathBuf, u64>, b: &BTreeMap<PathBuf, u64>) -> Option<String> {
    for (path, hash) in a {
        match b.get(path) {
            None => return Some(format!("{} only with one thread", path.display())),
            Some(h) if h != hash => return Some(format!("{} differs", path.display())),
            Some(_) => {}
        }
    }
    b.keys()
        .find(|p| !a.contains_key(*p))
        .map(|p| format!("{} only with two threads", p.display()))
}

/// One `simroute sweep` with `threads` workers into `out`; its wall time in seconds.
fn timed_sweep(exe: &Path, scenario: &Path, out: &Path, threads: u32) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = Command::new(exe)
        .arg("sweep")
        .arg(scenario)
        .args(["--vary", &vary_arg()])
        .args(["--threads", &threads.to_string()])
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("starting {}", exe.display()))?;
    let wall_s = started.elapsed().as_secs_f64();
    // 1 is a finished sweep whose points miss an SLO; the bench scenario has none.
    if !status.success() {
        bail!("simroute sweep --threads {threads} failed: {status}");
    }
    Ok(wall_s)
}

/// Runs the sweep `repeat` times with one thread and with two, checks the outputs agree, and
/// prints the speed-up.
pub fn run(exe: &Path, duration_s: f64, repeat: u32) -> anyhow::Result<()> {
    ensure!(repeat >= 1, "--repeat must be at least 1");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "simroute bench --sweep-scaling: {POINTS}-point sweep of the M/M/4 (traffic.0.rate_rps \
         2.0..3.9), {duration_s} s simulated per point, --threads 1 vs 2, best of {repeat}"
    );
    if cores < 2 {
        println!("  this machine has one core: nothing to scale onto");
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("simroute-bench-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = (|| {
        let scenario = dir.join("mm4.toml");
        std::fs::write(&scenario, scenario_toml(duration_s))?;
        let (one, two) = (dir.join("one"), dir.join("two"));
        let (mut best1, mut best2) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..repeat {
            best1 = best1.min(timed_sweep(exe, &scenario, &one, 1)?);
            best2 = best2.min(timed_sweep(exe, &scenario, &two, 2)?);
        }
        if let Some(diff) = first_difference(&folder_hashes(&one)?, &folder_hashes(&two)?) {
            bail!("the sweep's outputs depend on the thread count: {diff}");
        }
        println!("  1 thread   {best1:>7.3} s wall");
        println!("  2 threads  {best2:>7.3} s wall");
        println!(
            "  speed-up {:.2}× on 2 threads (target ≥ 1.8×); outputs byte-identical",
            best1 / best2
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_has_twenty_rates_from_two_to_three_point_nine() {
        let arg = vary_arg();
        let values: Vec<f64> = arg
            .strip_prefix("traffic.0.rate_rps=")
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(values.len(), POINTS);
        assert_eq!(values[0], 2.0);
        assert_eq!(values[POINTS - 1], 3.9);
        // Every point is a stable queue (ρ < 1 for 4 servers of rate 1/s).
        assert!(values.iter().all(|&l| l / 4.0 < 1.0));
    }

    #[test]
    fn a_changed_or_missing_file_is_a_difference() {
        let a: BTreeMap<PathBuf, u64> = [("x".into(), 1), ("y/z".into(), 2)].into();
        assert_eq!(first_difference(&a, &a.clone()), None);
        let mut changed = a.clone();
        changed.insert("y/z".into(), 3);
        assert_eq!(
            first_difference(&a, &changed).as_deref(),
            Some("y/z differs")
        );
        let mut fewer = a.clone();
        fewer.remove(Path::new("x"));
        assert!(
            first_difference(&a, &fewer)
                .unwrap()
                .contains("only with one")
        );
        assert!(
            first_difference(&fewer, &a)
                .unwrap()
                .contains("only with two")
        );
    }

    #[test]
    fn folder_hashes_see_nested_files() {
        let dir =
            std::env::temp_dir().join(format!("simroute-scaling-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("p")).unwrap();
        std::fs::write(dir.join("a.csv"), b"1").unwrap();
        std::fs::write(dir.join("p/b.csv"), b"2").unwrap();
        let h = folder_hashes(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[Path::new("p/b.csv")], fnv1a(b"2"));
    }
}
