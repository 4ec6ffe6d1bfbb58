//! Input and output safety through the real binary (issue 18): absurd work is refused at once
//! with exit 2 and the field behind it, `--out` never deletes a file simroute did not write, a
//! signal mid-run leaves the earlier results and no temporary folder, and only regular files
//! (or `-`) are read as scenarios.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn mmc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml")
}

fn simroute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(args)
        .output()
        .expect("simroute runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What one child did: its exit code, stderr, peak resident memory and CPU time, read from
/// the kernel's accounting of that child alone (`wait4`), not of every child this test binary
/// has run.
struct Measured {
    code: Option<i32>,
    stderr: String,
    peak_rss: u64,
    cpu: Duration,
}

// The child is reaped by wait4 below, which also reads its own resource usage.
#[allow(clippy::zombie_processes)]
fn measured(args: &[&str]) -> Measured {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("simroute runs");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let mut status = 0;
    // SAFETY: waiting for our own child; wait4 fills a plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr,
        peak_rss: usage.ru_maxrss as u64 * 1024,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
    }
}

/// A long mmc run writing into `out`, once it has made its temporary folder beside it: the
/// child and that folder's path.
fn long_run_into(out: &Path) -> (std::process::Child, PathBuf) {
    let s = mmc();
    let child = Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args([
            "run",
            s.to_str().unwrap(),
            "--set",
            "simulation.duration_s=100000",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let name = out.file_name().unwrap().to_string_lossy();
    let tmp = out.with_file_name(format!(".{name}.tmp-{}", child.id()));
    let started = Instant::now();
    while !tmp.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no temporary folder"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, tmp)
}

/// Nothing but the results folder `res` is left in `dir` (no temporary folder beside it).
fn assert_only_results_left(dir: &Path) {
    let left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("res")]);
}

/// A short mmc run into `out`.
fn short_run(out: &Path) -> Output {
    let s = mmc();
    simroute(&[
        "run",
        s.to_str().unwrap(),
        "--set",
        "simulation.duration_s=2",
        "--set",
        "simulation.warmup_s=0",
        "--replications",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Each absurd request of the issue exits 2 within a second of CPU, under 300 MiB, naming the
/// field and the limit, and writes nothing. Memory and CPU are each child's own (`wait4`); the
/// wall clock is only a generous bound (other tests share the machine).
#[test]
fn absurd_work_is_refused_at_once_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let out = out.to_str().unwrap();
    let s = mmc();
    let s = s.to_str().unwrap();
    let storage = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/storage-service.toml");
    let storage = storage.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["run", s, "--set", "traffic.0.rate_rps=1e12"], "rate_rps"),
        (
            &["run", s, "--set", "simulation.replications=1000000"],
            "simulation.replications",
        ),
        (
            &[
                "sweep",
                s,
                "--vary",
                "target_groups.queue.targets=1..10000",
                "--vary",
                "traffic.0.rate_rps=1..10000",
            ],
            "100000000 sweep points (--vary)",
        ),
        (
            &["run", s, "--set", "simulation.duration_s=1e13"],
            "simulation.duration_s",
        ),
        (
            &["run", s, "--set", "target_groups.queue.targets=10000000"],
            "targets",
        ),
        (
            &[
                "plan",
                storage,
                "--target-group",
                "bags",
                "--max-tasks",
                "4000000000",
            ],
            "--max-tasks",
        ),
        // The edge values of the issue, through run and validate alike.
        (
            &["run", s, "--set", "target_groups.queue.targets=4294967295"],
            "targets",
        ),
        (
            &[
                "validate",
                s,
                "--set",
                "target_groups.queue.targets=4294967295",
            ],
            "targets",
        ),
        (
            &["run", s, "--set", "simulation.timeseries_interval_s=1e-300"],
            "timeseries_interval_s",
        ),
        (
            &[
                "validate",
                s,
                "--set",
                "traffic.0.timeout_s=9223372036854775807",
            ],
            "timeout_s",
        ),
        // 32,000 requests/s against 4,000 of capacity for 600 s: refused before it starts
        // when its backlog cannot fit the memory bound.
        (
            &[
                "run",
                s,
                "--set",
                "traffic.0.rate_rps=32000",
                "--set",
                "simulation.duration_s=600",
                "--max-memory",
                "256MiB",
            ],
            "unstable (offered load ≥ capacity)",
        ),
    ];
    for (args, field) in cases {
        let mut full = args.to_vec();
        if args[0] != "validate" {
            full.extend(["--out", out]);
        }
        let started = Instant::now();
        let m = measured(&full);
        let took = started.elapsed();
        let e = &m.stderr;
        assert_eq!(m.code, Some(2), "{args:?}: {e}");
        assert!(e.contains(field), "{args:?} does not name {field}: {e}");
        // Refused by the loader's limit on the one field, or by the work estimate.
        assert!(
            e.contains("budget")
                || e.contains("bound")
                || e.contains("at most")
                || e.contains("resolution")
                || e.contains("nanosecond"),
            "{args:?} names no limit: {e}"
        );
        assert!(
            m.cpu < Duration::from_secs(1),
            "{args:?} took {:?} of CPU",
            m.cpu
        );
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
        assert!(
            m.peak_rss < 300 << 20,
            "{args:?} peaked at {} MiB",
            m.peak_rss >> 20
        );
        assert!(!Path::new(out).exists(), "{args:?} wrote {out}");
    }
}

/// An overload the estimate cannot see (a fault makes the app ten times slower at 10 s:
/// 3,200 requests/s against 400) is stopped where its attempts in flight reach the memory
/// bound: exit 2, the group, the offered load and the capacity named, memory under 300 MiB,
/// the earlier results untouched and nothing left beside them.
#[test]
fn an_overload_mid_run_is_stopped_at_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    assert_eq!(short_run(&out).status.code(), Some(0));
    let before = snapshot(&out);
    let scenario = dir.path().join("slow.toml");
    let text = fs::read_to_string(mmc())
        .unwrap()
        .replace("replications = 4", "replications = 1")
        .replace("duration_s = 300", "duration_s = 3600")
        + "\n[[faults]]\nat_s = 10\nkind = \"slow\"\nfactor = 10\ntarget_group = \"queue\"\n";
    fs::write(&scenario, text).unwrap();
    let m = measured(&[
        "run",
        scenario.to_str().unwrap(),
        "--max-memory",
        "256MiB",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    let e = &m.stderr;
    assert_eq!(m.code, Some(2), "{e}");
    assert!(!e.contains("refused"), "not refused up front: {e}");
    for part in [
        "unstable (offered load ≥ capacity)",
        "target group \"queue\" is offered 3200 requests/s against a capacity of 400",
        "target_groups.queue.app.queue_limit = \"unbounded\"",
        "live attempts",
        "--max-memory",
        "nothing was written",
    ] {
        assert!(e.contains(part), "no {part:?} in: {e}");
    }
    assert!(m.peak_rss < 300 << 20, "peaked at {} MiB", m.peak_rss >> 20);
    assert_eq!(snapshot(&out), before, "the earlier results are untouched");
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "slow.toml")
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("res")]);

    // --force lifts the bound: the same run of 60 s (not an hour) finishes.
    let short = fs::read_to_string(&scenario)
        .unwrap()
        .replace("duration_s = 3600", "duration_s = 60");
    fs::write(&scenario, short).unwrap();
    let m = measured(&[
        "run",
        scenario.to_str().unwrap(),
        "--max-memory",
        "16MiB",
        "--force",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
}

#[test]
fn max_memory_must_be_a_size() {
    let s = mmc();
    let o = simroute(&["run", s.to_str().unwrap(), "--max-memory", "12XB"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-memory"), "{}", stderr(&o));
    assert!(stderr(&o).contains("unknown unit"), "{}", stderr(&o));
}

/// SIGKILL mid-run (no cleanup can run): the earlier results are intact, the temporary folder
/// stays behind, and the next write removes it.
#[test]
fn sigkill_mid_run_keeps_the_results_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    assert_eq!(short_run(&out).status.code(), Some(0));
    let before = snapshot(&out);
    let (mut child, tmp) = long_run_into(&out);
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(snapshot(&out), before, "the earlier results are intact");
    assert!(tmp.exists(), "a SIGKILL leaves its temporary folder");
    assert_eq!(short_run(&out).status.code(), Some(0));
    assert!(!tmp.exists(), "the next run removes it");
    assert_only_results_left(dir.path());
}

/// Point values that once shared a folder (`/a` and `_a`) get folders of their own, each
/// decoding back to its value, and summary.csv's rows match them.
#[test]
fn sweep_points_that_collided_on_disk_get_their_own_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let s = mmc();
    let o = simroute(&[
        "sweep",
        s.to_str().unwrap(),
        "--vary",
        "traffic.0.name=/a,_a",
        "--set",
        "simulation.duration_s=2",
        "--set",
        "simulation.warmup_s=0",
        "--replications",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = fs::read_dir(out.join("points"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let decode = |name: &str| -> String {
        let bytes = name.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&name[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    let decoded: Vec<String> = names.iter().map(|n| decode(n)).collect();
    assert!(
        decoded
            .iter()
            .any(|d| d.ends_with("/a") || d.ends_with("/a\"")),
        "{decoded:?}"
    );
    assert!(
        decoded
            .iter()
            .any(|d| d.ends_with("=_a") || d.ends_with("\"_a\"")),
        "{decoded:?}"
    );
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    for n in &names {
        assert!(out.join("points").join(n).join("summary.json").is_file());
    }
}

/// `--max-events` sets the event budget: a run of about 8 million events is refused under 1,000.
#[test]
fn max_events_raises_and_lowers_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let s = mmc();
    let o = simroute(&[
        "run",
        s.to_str().unwrap(),
        "--max-events",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("event budget of 1000"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn too_many_threads_are_capped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let s = mmc();
    let o = simroute(&[
        "run",
        s.to_str().unwrap(),
        "--set",
        "simulation.duration_s=2",
        "--set",
        "simulation.warmup_s=0",
        "--threads",
        "100000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --threads 100000 is more than the"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_users_notes_survive_and_force_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "my notes").unwrap();
    let o = short_run(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did not write (notes.txt)"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary folder"
    );

    // A folder simroute wrote is replaced; one of another kind is not.
    let run = dir.path().join("run");
    assert_eq!(short_run(&run).status.code(), Some(0));
    assert_eq!(
        fs::read_to_string(run.join(".simroute-output")).unwrap(),
        "simroute run\n"
    );
    assert_eq!(short_run(&run).status.code(), Some(0));
    let s = mmc();
    let o = simroute(&[
        "sweep",
        s.to_str().unwrap(),
        "--vary",
        "simulation.seed=1,2",
        "--set",
        "simulation.duration_s=2",
        "--set",
        "simulation.warmup_s=0",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds a simroute run output"),
        "{}",
        stderr(&o)
    );
    assert!(
        run.join("chart-latency-cdf.png").exists(),
        "the run's charts are kept"
    );

    let o = simroute(&[
        "run",
        s.to_str().unwrap(),
        "--set",
        "simulation.duration_s=2",
        "--set",
        "simulation.warmup_s=0",
        "--force",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !out.join("notes.txt").exists(),
        "--force replaces the folder whole"
    );
}

#[test]
fn an_unwritable_out_fails_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, "").unwrap();
    let long = "x".repeat(300);
    for out in [blocker.join("res"), dir.path().join(long)] {
        let s = mmc();
        let started = Instant::now();
        // A run of several seconds: refused before it starts.
        let o = simroute(&["run", s.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
        assert!(started.elapsed() < Duration::from_secs(1), "{}", stderr(&o));
    }
}

/// SIGTERM mid-run: exit 143, the earlier results byte for byte, no temporary folder left.
#[test]
fn sigterm_mid_run_leaves_the_old_results_and_no_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    assert_eq!(short_run(&out).status.code(), Some(0));
    let before = fs::read(out.join("summary.json")).unwrap();
    let (mut child, _tmp) = long_run_into(&out);
    // Let it simulate (and spill its time series into the temporary folder).
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), before);
    assert_only_results_left(dir.path());
}

#[test]
fn a_named_pipe_is_refused_and_stdin_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: creating a FIFO at a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let o = simroute(&["validate", fifo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(1));

    let mut child = Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&fs::read(mmc()).unwrap())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("name = \"mmc\""));
}

#[test]
fn duplicate_vary_keys_are_an_error() {
    let s = mmc();
    let o = simroute(&[
        "sweep",
        s.to_str().unwrap(),
        "--vary",
        "simulation.seed=1,2",
        "--vary",
        "simulation.seed=3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--vary simulation.seed: the key is given twice"),
        "{}",
        stderr(&o)
    );
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
    files
}

/// `simroute report` on a sweep's folder redraws every point's charts and the sweep chart,
/// byte for byte.
#[test]
fn report_rebuilds_a_sweep_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let s = mmc();
    let o = simroute(&[
        "sweep",
        s.to_str().unwrap(),
        "--vary",
        "target_groups.queue.targets=1,2",
        "--set",
        "simulation.duration_s=3",
        "--set",
        "simulation.warmup_s=0",
        "--replications",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(&out);
    let point = out.join("points/target_groups.queue.targets=2");
    fs::remove_file(point.join("chart-latency-cdf.svg")).unwrap();
    fs::remove_file(out.join("chart-sweep.png")).unwrap();
    let o = simroute(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(snapshot(&out), before, "rebuilt byte for byte");
}

/// mmc with `extra` appended, short, into `dir/name.toml`.
fn short_mmc(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let text = fs::read_to_string(mmc())
        .unwrap()
        .replace("duration_s = 300", "duration_s = 20")
        .replace("warmup_s = 30", "warmup_s = 2")
        + extra;
    fs::write(&path, text).unwrap();
    path
}

/// Deletes one derived file of `out` and overwrites another, runs `simroute report out`, and
/// checks every file is back byte for byte, beside a user's file that is kept; then that a
/// missing or malformed data file exits 2 naming it and leaves the folder as it was.
fn rebuilds_byte_for_byte(out: &Path, delete: &str, corrupt: &str, data: &[&str]) {
    let before = snapshot(out);
    assert!(before.contains_key(&out.join(delete)) && before.contains_key(&out.join(corrupt)));
    fs::remove_file(out.join(delete)).unwrap();
    fs::write(out.join(corrupt), "not what simroute wrote").unwrap();
    fs::write(out.join("notes.txt"), "a reviewer's notes").unwrap();
    let o = simroute(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut after = snapshot(out);
    assert_eq!(
        after.remove(&out.join("notes.txt")).as_deref(),
        Some(&b"a reviewer's notes"[..]),
        "a user's file is kept"
    );
    assert_eq!(after, before, "{} rebuilt byte for byte", out.display());
    fs::remove_file(out.join("notes.txt")).unwrap();
    for name in data {
        let file = out.join(name);
        let good = fs::read(&file).unwrap();
        for (what, bytes) in [("missing", None), ("malformed", Some(&b"{\"nope\": ["[..]))] {
            match bytes {
                None => fs::remove_file(&file).unwrap(),
                Some(b) => fs::write(&file, b).unwrap(),
            }
            let kept = snapshot(out);
            let o = simroute(&["report", out.to_str().unwrap()]);
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{what} {name}: {e}");
            assert!(e.contains(name), "{what} {name} not named: {e}");
            assert_eq!(
                snapshot(out),
                kept,
                "{what} {name}: the folder is left as it was"
            );
            fs::write(&file, &good).unwrap();
        }
    }
    assert_eq!(snapshot(out), before);
}

/// `simroute report` on a comparison's folder redraws `compare.md`, `compare.csv` and both
/// charts from `compare.json` and `timeseries.csv`, byte for byte what `compare` wrote.
#[test]
fn report_rebuilds_a_compare_folder() {
    let dir = tempfile::tempdir().unwrap();
    let s = short_mmc(dir.path(), "mmc", "\n[slo]\np99_ms = 20\n");
    let out = dir.path().join("compare");
    let o = simroute(&[
        "compare",
        s.to_str().unwrap(),
        "--variant",
        "target_groups.queue.targets=2",
        "--replications",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names: Vec<String> = snapshot(&out)
        .keys()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for f in [
        "compare.md",
        "compare.csv",
        "chart-compare.png",
        "chart-compare.svg",
        "chart-compare-latency-over-time.png",
        "chart-compare-latency-over-time.svg",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} in {names:?}");
    }
    rebuilds_byte_for_byte(
        &out,
        "chart-compare-latency-over-time.png",
        "compare.md",
        &["compare.json", "timeseries.csv"],
    );
    rebuilds_byte_for_byte(&out, "compare.csv", "chart-compare.svg", &[]);

    // With faults and routes: compare.md's Faults and Routes tables are redrawn too.
    let faults = dir.path().join("faults");
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/health-check-tuning.toml");
    let mut args = vec![
        "compare",
        s.to_str().unwrap(),
        "--variant",
        "target_groups.defaults.health_check.interval_s=10",
        "--replications",
        "2",
        "--quiet",
        "--out",
        faults.to_str().unwrap(),
    ];
    for set in [
        "simulation.duration_s=120",
        "simulation.warmup_s=5",
        "faults.0.at_s=40",
        "faults.1.at_s=40",
    ] {
        args.extend(["--set", set]);
    }
    let o = simroute(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = fs::read_to_string(faults.join("compare.md")).unwrap();
    assert!(
        md.contains("### Faults") && md.contains("### Routes"),
        "{md}"
    );
    rebuilds_byte_for_byte(&faults, "compare.md", "chart-compare.png", &[]);
}

/// `simroute report` on a plan's folder redraws `plan.md` and `plan.csv` from `plan.json`,
/// byte for byte what `plan` wrote (with `[pricing]`, so the costs are redrawn too).
#[test]
fn report_rebuilds_a_plan_folder() {
    let dir = tempfile::tempdir().unwrap();
    let s = short_mmc(
        dir.path(),
        "mmc",
        "\n[slo]\np99_ms = 20\n\n[pricing]\nvcpu_per_task = 0.5\nmemory_gib_per_task = 1\n\
         usd_per_vcpu_hour = 0.04048\nusd_per_gib_hour = 0.004445\n",
    );
    let out = dir.path().join("plan");
    let o = simroute(&[
        "plan",
        s.to_str().unwrap(),
        "--target-group",
        "queue",
        "--fail",
        "1",
        "--max-tasks",
        "4",
        "--replications",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.contains("USD per month"), "{md}");
    rebuilds_byte_for_byte(&out, "plan.md", "plan.csv", &["plan.json"]);
}

/// A plan whose smallest counts cannot carry the load (a `slow` fault triples the service
/// time at 5 s: 1 task serves 1,333 requests/s of the 3,200 offered) stops those runs at the
/// memory bound, and counts them as failing the SLO: the search goes on to larger counts and
/// recommends one (exit 0) instead of ending the plan with exit 2. The same plan with one
/// thread or two writes the same files (which replication hit the bound first may differ;
/// nothing written depends on it).
#[test]
fn a_plan_count_stopped_at_the_memory_bound_fails_and_the_search_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("unstable.toml");
    let text = fs::read_to_string(mmc())
        .unwrap()
        .replace("replications = 4", "replications = 2")
        .replace("duration_s = 300", "duration_s = 150")
        .replace("warmup_s = 30", "warmup_s = 5")
        + "\n[[faults]]\nat_s = 5\nkind = \"slow\"\nfactor = 3\ntargets = 1000\n\
           target_group = \"queue\"\n\n[slo]\np99_ms = 50\n";
    fs::write(&scenario, text).unwrap();
    let plan = |threads: &str, out: &Path| {
        simroute(&[
            "plan",
            scenario.to_str().unwrap(),
            "--target-group",
            "queue",
            "--max-tasks",
            "6",
            "--max-memory",
            "96MiB",
            "--threads",
            threads,
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let out = dir.path().join("plan");
    let o = plan("1", &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(out.join("plan.json")).unwrap())
        .expect("plan.json parses");
    let evals = doc["evaluations"].as_array().unwrap();
    let verdict = |tasks: u64| {
        evals
            .iter()
            .find(|e| e["tasks"] == tasks)
            .unwrap_or_else(|| panic!("{tasks} tasks evaluated: {doc}"))["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The analytic guess (1 task, blind to the fault) is where the search starts.
    assert_eq!(doc["analytic_estimate"], 1, "{doc}");
    assert_eq!(verdict(1), "unstable: offered load ≥ capacity");
    assert!(
        evals[0]["figures"].is_null(),
        "an unstable run has no figures"
    );
    assert_eq!(doc["recommended"]["tasks"], 3, "{doc}");
    assert_eq!(verdict(3), "pass");
    let csv = fs::read_to_string(out.join("plan.csv")).unwrap();
    assert!(
        csv.contains("\n1,as in the scenario,0,unstable: offered load ≥ capacity,"),
        "{csv}"
    );
    let md = fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.contains("recommendation for queue: 3 tasks"), "{md}");
    let e = stderr(&o);
    assert!(
        e.contains("planning queue: 1 tasks unstable: offered load ≥ capacity"),
        "{e}"
    );

    let two = dir.path().join("plan-2");
    let o = plan("2", &two);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        snapshot(&out).into_values().collect::<Vec<_>>(),
        snapshot(&two).into_values().collect::<Vec<_>>(),
        "the same files for 1 and 2 threads"
    );
}
