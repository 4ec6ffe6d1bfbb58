//! The design-review commands through the real binary: sweep, compare and plan.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn simroute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Poisson traffic at 3000/s over `targets` tasks of 2 workers with 2 ms exponential service:
/// each task an M/M/2 queue when the split is random.
const MMC: &str = r#"
[simulation]
name = "mm2-tasks"
seed = 3
duration_s = 60
warmup_s = 5
replications = 4

[[traffic]]
name = "load"
rate_rps = 3000
target_group = "app"

[target_groups.app]
targets = 4
algorithm = "random"
app = { workers = 2, service = { dist = "exponential", mean_ms = 2 } }

[slo]
mean_ms = 2.5
"#;

fn scenario(dir: &Path) -> String {
    let file = dir.join("mm2.toml");
    fs::write(&file, MMC).unwrap();
    file.to_str().unwrap().to_string()
}

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn sweep_over_targets_gives_one_row_per_point_and_p99_falls() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out1 = dir.path().join("sweep1");
    let o = simroute(&[
        "sweep",
        &file,
        "--vary",
        "target_groups.app.targets=2..6",
        "--threads",
        "1",
        "--quiet",
        "--out",
        out1.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut reader = csv::Reader::from_path(out1.join("summary.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (k, p99, ci) = (
        col("vary.target_groups.app.targets"),
        col("latency_ms.p99"),
        col("ci95.latency_ms.p99"),
    );
    let rows: Vec<(u32, f64, f64)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[k].parse().unwrap(),
                r[p99].parse().unwrap(),
                r[ci].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6]
    );
    for w in rows.windows(2) {
        // p99 falls with every added task, by more than the intervals' overlap.
        assert!(
            w[1].1 + w[1].2 < w[0].1 - w[0].2,
            "p99 does not fall from {:?} to {:?}",
            w[0],
            w[1]
        );
    }
    for label in ["target_groups.app.targets=2", "target_groups.app.targets=6"] {
        assert!(
            out1.join("points")
                .join(label)
                .join("summary.json")
                .exists()
        );
    }
    // The sweep chart: a 1200×660 PNG with the p99 line drawn, and an SVG of both panels.
    let png_bytes = fs::read(out1.join("chart-sweep.png")).unwrap();
    let mut reader = png::Decoder::new(png_bytes.as_slice())
        .read_info()
        .expect("chart-sweep.png decodes");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!((info.width, info.height), (1200, 660));
    let coloured = buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
        .count();
    assert!(coloured > 2_000, "{coloured} data pixels");
    let svg = fs::read_to_string(out1.join("chart-sweep.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for part in [
        "Sweep: mm2-tasks",
        // From 2 tasks (near saturation) to 6 the p99 falls more than 20-fold: a log axis.
        "p99 latency (ms, log scale)",
        "error rate (%)",
        "target_groups.app.targets (count)",
    ] {
        assert!(svg.contains(part), "chart-sweep.svg lacks {part}");
    }
    // Byte-identical outputs whatever the thread count.
    let out2 = dir.path().join("sweep2");
    let o = simroute(&[
        "sweep",
        &file,
        "--vary",
        "target_groups.app.targets=2..6",
        "--threads",
        "2",
        "--quiet",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(read_all(&out1), read_all(&out2));
}

fn compare_rows(out: &Path) -> Vec<(String, String, bool)> {
    let mut reader = csv::Reader::from_path(out.join("compare.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), &r[7] == "yes")
        })
        .collect()
}

#[test]
fn compare_marks_a_real_difference_and_not_a_seed_difference() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("cmp");
    let o = simroute(&[
        "compare",
        &file,
        "--variant",
        "target_groups.app.targets=2",
        "--variant",
        "target_groups.app.targets=6",
        "--variant",
        "simulation.seed=99",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows = compare_rows(&out);
    let significant = |variant: &str, figure: &str| {
        rows.iter()
            .find(|r| r.0 == variant && r.1 == figure)
            .unwrap_or_else(|| panic!("no row {variant} {figure}"))
            .2
    };
    // 2 vs 4 tasks at this load is heavy overload versus ρ = 0.75; 6 tasks is lighter still.
    assert!(significant(
        "target_groups.app.targets=2",
        "p99 latency (ms)"
    ));
    assert!(significant(
        "target_groups.app.targets=6",
        "p99 latency (ms)"
    ));
    assert!(significant(
        "target_groups.app.targets=6",
        "mean latency (ms)"
    ));
    // Only the seed differs: nothing is significant after the correction.
    assert!(
        rows.iter()
            .filter(|r| r.0 == "simulation.seed=99")
            .all(|r| !r.2),
        "{rows:?}"
    );
    for f in ["compare.csv", "compare.json", "compare.md"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["comparisons"].as_array().unwrap().len(), 3);
}

/// Erlang C for one task of `c` workers fed `lambda` per ms with service rate `mu` per ms.
fn mmc_mean_sojourn(c: u32, lambda: f64, mu: f64) -> Option<f64> {
    let a = lambda / mu;
    if a >= f64::from(c) {
        return None;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    let p_wait = b / (1.0 - rho + rho * b);
    Some(p_wait / (f64::from(c) * mu - lambda) + 1.0 / mu)
}

#[test]
fn plan_recommends_the_erlang_c_count_for_a_mean_latency_slo() {
    // The oracle, computed here independently: the smallest n whose M/M/2 tasks (random split,
    // λ/n each) have a mean sojourn within the SLO.
    let expected = (1..=20u32)
        .find(|&n| mmc_mean_sojourn(2, 3.0 / f64::from(n), 0.5).is_some_and(|w| w <= 2.5))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("plan");
    let o = simroute(&[
        "plan",
        &file,
        "--target-group",
        "app",
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["analytic_estimate"], serde_json::json!(expected));
    assert_eq!(
        plan["recommended"]["tasks"],
        serde_json::json!(expected),
        "{plan:#}"
    );
    assert_eq!(plan["runner_up"]["tasks"], serde_json::json!(expected - 1));
    for f in ["plan.csv", "plan.json", "plan.md"] {
        assert!(out.join(f).exists(), "{f}");
    }
    // An unknown group is bad input.
    let o = simroute(&["plan", &file, "--target-group", "nope", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("nope"));
}

#[test]
fn plan_with_lost_tasks_needs_more() {
    // Losing tasks only costs capacity once the load balancer stops sending them traffic, and
    // only costs errors if something ends the wait of requests sent to a dead task: health
    // checks (fast ones, so the run is short) and a client timeout.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mm2-checked.toml");
    let text_ = MMC
        .replace("duration_s = 60", "duration_s = 120")
        .replace("target_group = \"app\"", "target_group = \"app\"\ntimeout_s = 1")
        .replace(
            "algorithm = \"random\"",
            "algorithm = \"random\"\nhealth_check = { interval_s = 5, timeout_s = 2, unhealthy_threshold = 2 }\nservice = { health_check_grace_period_s = 3600 }",
        );
    fs::write(&file, text_).unwrap();
    let file = file.to_str().unwrap().to_string();
    let plan = |fail: &str| {
        let o = simroute(&[
            "plan",
            &file,
            "--target-group",
            "app",
            "--fail",
            fail,
            "--quiet",
            "--format",
            "json",
            "--out",
            dir.path().join(format!("p{fail}")).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["recommended"]["tasks"].as_u64().unwrap()
    };
    let none = plan("0");
    let two = plan("2");
    assert!(
        two >= none + 2,
        "losing 2 tasks needs at least 2 more: {none} vs {two}"
    );
}

/// `plan --health-check KEY=VALUE,...` goes through the scenario loader as `--set
/// target_groups.<group>.health_check.KEY=VALUE` would: the same ranges, the same defaults,
/// and errors that name the field and the `--health-check` they came from.
#[test]
fn plan_health_check_settings_are_checked_by_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    for (spec, field) in [
        ("interval_s=3", "interval_s"),
        ("interval_s=10,timeout_s=11", "timeout_s"),
        ("healthy_threshold=11", "healthy_threshold"),
        ("unhealthy_threshold=1.5", "unhealthy_threshold"),
        ("interval_s=1e-300", "interval_s"),
    ] {
        let o = simroute(&[
            "plan",
            &file,
            "--target-group",
            "app",
            "--quiet",
            "--health-check",
            spec,
        ]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{spec}: {e}");
        assert!(
            e.contains(&format!("`target_groups.app.health_check.{field}`")),
            "{spec}: {e}"
        );
        assert!(e.contains(&format!("--health-check {spec}")), "{spec}: {e}");
    }
    let o = simroute(&[
        "plan",
        &file,
        "--target-group",
        "app",
        "--quiet",
        "--health-check",
        "interval_s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("KEY=VALUE"));
}

#[test]
fn plan_fail_replaces_the_scenarios_own_crashes_of_the_group() {
    // `--fail 2` means 2 tasks lost in total: a scenario that already crashes 2 tasks of the
    // group is planned exactly as the same scenario without that crash (the evaluations are
    // the same runs), and the output says which fault it replaced.
    let dir = tempfile::tempdir().unwrap();
    let base = MMC
        .replace("duration_s = 60", "duration_s = 40")
        .replace("target_group = \"app\"", "target_group = \"app\"\ntimeout_s = 1")
        .replace(
            "algorithm = \"random\"",
            "algorithm = \"random\"\nhealth_check = { interval_s = 5, timeout_s = 2, unhealthy_threshold = 2 }",
        );
    let crashing = format!(
        "{base}\n[[faults]]\nat_s = 20\nkind = \"crash\"\ntarget_group = \"app\"\ntargets = 2\n"
    );
    let plan = |name: &str, text_: &str| {
        let file = dir.path().join(format!("{name}.toml"));
        fs::write(&file, text_).unwrap();
        let o = simroute(&[
            "plan",
            file.to_str().unwrap(),
            "--target-group",
            "app",
            "--fail",
            "2",
            "--quiet",
            "--format",
            "json",
            "--out",
            dir.path().join(name).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let md = fs::read_to_string(dir.path().join(name).join("plan.md")).unwrap();
        (v, md)
    };
    let (without, _) = plan("without", &base);
    let (with, md) = plan("with", &crashing);
    assert_eq!(without["replaced_faults"], serde_json::json!([]));
    assert_eq!(
        with["replaced_faults"],
        serde_json::json!(["crash of 2 task(s) at 20 s"])
    );
    assert!(
        md.contains("--fail 2 replaces the scenario's own crash of 2 task(s) at 20 s"),
        "{md}"
    );
    assert_eq!(with["recommended"], without["recommended"]);
    assert_eq!(with["evaluations"], without["evaluations"]);
}

/// Two services side by side: `load` to `app` (the M/M/2 tasks above) and `side` to `other`,
/// whose single worker is far too slow for its own SLO.
fn two_groups(slo: &str) -> String {
    format!(
        r#"
[simulation]
name = "two-groups"
seed = 3
duration_s = 30
warmup_s = 5
replications = 3
precision = 0

[[traffic]]
name = "load"
rate_rps = 3000
target_group = "app"

[[traffic]]
name = "side"
rate_rps = 5
target_group = "other"

[target_groups.app]
targets = 4
algorithm = "random"
app = {{ workers = 2, service = {{ dist = "exponential", mean_ms = 2 }} }}

[target_groups.other]
targets = 1
app = {{ workers = 1, service = {{ dist = "constant", ms = 50 }} }}

{slo}
"#
    )
}

#[test]
fn slo_per_route_and_per_target_group_read_their_own_figures() {
    // The pooled p99 is the fast app's (3000 of every 3005 requests); the slow route misses
    // its own p99 of 10 ms (every request takes at least 50 ms) while the pooled check passes.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.toml");
    let slo = "[slo]\np99_ms = 60\n[[slo.route]]\nname = \"side\"\np99_ms = 10\n\
               [[slo.target_group]]\nname = \"app\"\np99_ms = 60\n";
    fs::write(&file, two_groups(slo)).unwrap();
    let out = dir.path().join("run");
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks = v["slo"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3, "{checks:#?}");
    assert_eq!(checks[0]["passed"], serde_json::json!(true));
    assert_eq!(checks[1]["route"], serde_json::json!("side"));
    assert_eq!(checks[1]["passed"], serde_json::json!(false));
    let side_p99 = checks[1]["actual"].as_f64().unwrap();
    // At least the 50 ms service time (more with queueing behind another request).
    assert!(side_p99 >= 50.0, "{side_p99}");
    assert_eq!(checks[2]["target_group"], serde_json::json!("app"));
    assert_eq!(
        checks[2]["actual"],
        v["target_groups"]["app"]["traffic"]["latency_ms"]["p99"]
    );
    assert_eq!(
        v["target_groups"]["app"]["traffic"]["requests"]["offered"],
        v["routes"]["load"]["requests"]["offered"]
    );
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("route side: p99 latency"), "{report}");
    // A name that is neither a route nor a group is bad input, named with its path.
    fs::write(
        &file,
        two_groups("[[slo.target_group]]\nname = \"nope\"\np99_ms = 1\n"),
    )
    .unwrap();
    let o = simroute(&["run", file.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("slo.target_group.0.name") && err.contains("nope"),
        "{err}"
    );
}

#[test]
fn plan_judges_the_group_it_sizes_by_the_checks_that_apply_to_it() {
    // `other` misses its own SLO whatever `app` does; sizing `app` answers to app's checks
    // only, and finds the Erlang C count of the first plan test. Sizing `other` finds nothing.
    let expected = (1..=20u32)
        .find(|&n| mmc_mean_sojourn(2, 3.0 / f64::from(n), 0.5).is_some_and(|w| w <= 2.5))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.toml");
    let slo = "[[slo.target_group]]\nname = \"app\"\nmean_ms = 2.5\n\
               [[slo.target_group]]\nname = \"other\"\np99_ms = 10\n";
    fs::write(&file, two_groups(slo)).unwrap();
    let plan = |group: &str| {
        simroute(&[
            "plan",
            file.to_str().unwrap(),
            "--target-group",
            group,
            "--max-tasks",
            "12",
            "--quiet",
            "--format",
            "json",
            "--out",
            dir.path().join(group).to_str().unwrap(),
        ])
    };
    let o = plan("app");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["recommended"]["tasks"],
        serde_json::json!(expected),
        "{v:#}"
    );
    assert_eq!(
        v["recommended"]["binding"]["check"],
        serde_json::json!("mean_ms (target group app)")
    );
    // Bisection then the neighbours: the count below fails, the one above passes.
    let verdict = |n: u32| {
        v["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["tasks"] == serde_json::json!(n))
            .map(|e| e["verdict"].as_str().unwrap().to_string())
    };
    assert!(verdict(expected - 1).unwrap().ends_with("fail"));
    assert!(verdict(expected + 1).unwrap().ends_with("pass"));
    let o = plan("other");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["recommended"], serde_json::Value::Null);
    assert!(v["evaluations"].as_array().unwrap().len() <= 5, "{v:#}");
}

#[test]
fn latency_of_all_responses_counts_the_failed_ones() {
    // One worker of 10 ms fed 200 requests/s with room for one waiting request: most requests
    // are refused at once, so the ok-only latency (10-20 ms) hides how fast most answers are;
    // the all-responses latency is the mean of every answer, which Little's W also measures.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overload.toml");
    fs::write(
        &file,
        r#"
[simulation]
name = "overload"
duration_s = 20
warmup_s = 2
replications = 2
precision = 0

[[traffic]]
name = "load"
rate_rps = 200
target_group = "app"

[target_groups.app]
targets = 1
app = { workers = 1, queue_limit = 1, service = { dist = "constant", ms = 10 } }
"#,
    )
    .unwrap();
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--format",
        "json",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error_rate"].as_f64().unwrap() > 0.3, "{v:#}");
    let ok = &v["latency_ms"];
    let all = &v["latency_all_ms"];
    let f = |x: &serde_json::Value| x.as_f64().unwrap();
    assert!(f(&ok["p50"]) >= 10.0, "{ok}");
    assert!(f(&all["p50"]) < 1.0, "{all}");
    let w = f(&v["little"]["response_mean_ms"]);
    assert!((f(&all["mean"]) - w).abs() <= 1e-6 * w, "{all} vs {w}");
    assert_eq!(v["routes"]["load"]["latency_all_ms"], *all);
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.path().join("t").to_str().unwrap(),
    ]);
    assert!(text(&o.stdout).contains("all responses (failed too)"));
}

#[test]
fn faults_and_routes_are_on_screen_and_in_the_report() {
    // A fault scenario's own question (when detected, when recovered, how many attempts
    // failed) and each route's error rate are in the terminal table and report.md, not only
    // in summary.json.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faulty.toml");
    let faulty = two_groups("").replace(
        "target_group = \"app\"\n",
        "target_group = \"app\"\ntimeout_s = 1\n",
    ) + "[target_groups.app.health_check]\ninterval_s = 5\ntimeout_s = 2\nunhealthy_threshold = 2\n\
         \n[[faults]]\nat_s = 10\nkind = \"crash\"\ntarget_group = \"app\"\ntargets = 1\n";
    fs::write(&file, faulty).unwrap();
    let out = dir.path().join("out");
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let screen = text(&o.stdout);
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let detected = summary["faults"][0]["detected_after_s"].as_f64().unwrap();
    for doc in [&screen, &report] {
        assert!(
            doc.contains("Faults") && doc.contains("detected after (s)"),
            "{doc}"
        );
        assert!(doc.contains(&format!("{detected:.1}")), "{doc}");
        assert!(doc.contains("Routes") && doc.contains("side"), "{doc}");
    }
}
