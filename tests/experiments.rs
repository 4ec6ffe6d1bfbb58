//! The design-review commands through the real binary: sweep, compare and plan.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

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
    common::binary::read_tree(dir).into_iter().collect()
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
    // 2 tasks (ρ = 1.5) misses the mean-latency SLO: a point that misses makes the exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
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
    assert_eq!(o.status.code(), Some(1));
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
    // The 2-task variant misses the SLO: exit 1, as `run` and `sweep` do.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
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

/// `scenario`'s MMC shortened, for the tests that only look at the outputs' shape.
fn short_scenario(dir: &Path) -> String {
    let file = dir.join("short.toml");
    fs::write(
        &file,
        MMC.replace("duration_s = 60", "duration_s = 12")
            .replace("replications = 4", "replications = 2\nprecision = 0"),
    )
    .unwrap();
    file.to_str().unwrap().to_string()
}

/// Every study command in every `--format`: JSON parses, Markdown has tables, the aligned
/// table has none, and the exit code follows the one table in the README (0 met, 1 missed).
#[test]
fn sweep_compare_and_plan_honour_format_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let file = short_scenario(dir.path());
    let studies: [(&str, Vec<&str>, i32); 7] = [
        // 4 tasks miss the 2.5 ms mean, 8 meet it.
        ("run", vec!["--set", "target_groups.app.targets=8"], 0),
        ("run", vec![], 1),
        // 8 and 10 tasks meet the 2.5 ms mean (M/M/2 per task: 2.3 ms at 8).
        ("sweep", vec!["--vary", "target_groups.app.targets=8,10"], 0),
        // 2 tasks of 2 workers at 3000/s is overloaded (ρ = 1.5): that point misses.
        ("sweep", vec!["--vary", "target_groups.app.targets=2,10"], 1),
        (
            "compare",
            vec![
                "--set",
                "target_groups.app.targets=8",
                "--variant",
                "target_groups.app.targets=10",
            ],
            0,
        ),
        (
            "compare",
            vec![
                "--set",
                "target_groups.app.targets=8",
                "--variant",
                "target_groups.app.targets=2",
            ],
            1,
        ),
        (
            "plan",
            vec!["--target-group", "app", "--max-tasks", "16"],
            0,
        ),
    ];
    for (i, (command, extra, code)) in studies.iter().enumerate() {
        for format in ["table", "json", "markdown"] {
            let out = dir.path().join(format!("{command}-{i}-{format}"));
            let mut args = vec![*command, file.as_str()];
            args.extend(extra.iter().copied());
            args.extend([
                "--quiet",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ]);
            let o = simroute(&args);
            let stdout = text(&o.stdout);
            assert_eq!(
                o.status.code(),
                Some(*code),
                "{args:?}: {}",
                text(&o.stderr)
            );
            // The document each command writes, which `--format json` prints.
            let document = match *command {
                "run" => "summary.json",
                other => &format!("{other}.json"),
            };
            match format {
                "json" => {
                    let v: serde_json::Value = serde_json::from_str(&stdout)
                        .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {stdout}"));
                    assert!(v.is_object() || v.is_array(), "{args:?}");
                    assert_eq!(
                        stdout.as_bytes(),
                        fs::read(out.join(document)).unwrap(),
                        "{args:?}: stdout is {document}"
                    );
                }
                "markdown" => {
                    assert!(stdout.contains("|---|"), "{args:?}: {stdout}");
                    if matches!(*command, "compare" | "plan") {
                        let md = fs::read_to_string(out.join(format!("{command}.md"))).unwrap();
                        assert_eq!(stdout, md, "{args:?}: stdout is {command}.md");
                    }
                }
                _ => {
                    assert!(!stdout.contains("|---|"), "{args:?}: {stdout}");
                    assert!(!stdout.trim().is_empty(), "{args:?}");
                }
            }
        }
    }
    // The exit codes are in every running command's --help.
    for command in ["run", "sweep", "compare", "plan"] {
        let o = simroute(&[command, "--help"]);
        let help = text(&o.stdout);
        assert!(
            help.contains("Exit codes") && help.contains("a sweep point or a compared variant"),
            "{command} --help:\n{help}"
        );
    }
    // Bad input is 2 for each of them, naming the flag, and writes nothing.
    for args in [
        vec!["sweep", file.as_str(), "--vary", "nope"],
        vec!["compare", file.as_str()],
        vec!["plan", file.as_str(), "--target-group", "nope"],
        vec!["sweep", file.as_str(), "--vary", "k=1", "--format", "yaml"],
    ] {
        let o = simroute(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!text(&o.stderr).is_empty(), "{args:?}");
    }
}

/// A compare of scale-out's fault: the fault figures and per-route error rates beside the
/// headline figures, in the terminal table, compare.md and compare.json, and two charts.
#[test]
fn compare_reports_fault_and_route_figures_and_draws_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let scale_out = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/scale-out.toml");
    let o = simroute(&[
        "compare",
        scale_out,
        "--variant",
        "target_groups.bags.health_check.interval_s=10",
        "--replications",
        "3",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    // scale-out misses its SLO (the crash at the peak) in both variants.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    let md = fs::read_to_string(out.join("compare.md")).unwrap();
    for part in [
        "detected after (s)",
        "recovered after (s)",
        "failed attempts",
        "requests lost",
        "ANY /bags/{proxy+}",
        "ANY /ingests/{proxy+}",
    ] {
        assert!(table.contains(part), "table lacks {part}:\n{table}");
        assert!(md.contains(part), "compare.md lacks {part}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    let variants = json["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    let detect = |v: &serde_json::Value| {
        v["faults"][0]["detected_after_s"]["value"]
            .as_f64()
            .unwrap()
    };
    // 10 s checks notice the crash sooner than the NLB's 30 s default.
    assert!(detect(&variants[1]) < detect(&variants[0]), "{json}");
    for v in variants {
        assert!(v["requests_lost"]["value"].as_f64().unwrap() > 0.0);
        assert!(v["faults"][0]["failed_attempts"]["ci95"].is_number());
        let bags = &v["routes"]["ANY /bags/{proxy+}"]["error_rate"];
        assert!(bags["value"].as_f64().unwrap() > 0.0, "{v}");
        assert_eq!(v["slo_passed"], serde_json::json!(false));
    }
    // The variant's setting is typed: the number 10, not the string "10".
    assert_eq!(
        variants[1]["settings"]["target_groups.bags.health_check.interval_s"],
        serde_json::json!(10)
    );
    for stem in ["chart-compare", "chart-compare-latency-over-time"] {
        let png_bytes = fs::read(out.join(format!("{stem}.png"))).unwrap();
        let mut reader = png::Decoder::new(png_bytes.as_slice()).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1200, 660), "{stem}");
        let coloured = buf[..info.buffer_size()]
            .chunks(3)
            .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
            .count();
        assert!(coloured > 1_000, "{stem}: {coloured} data pixels");
        let svg = fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.contains("baseline") && svg.contains("health_check.interval_s=10"),
            "{stem}"
        );
    }
    let svg = fs::read_to_string(out.join("chart-compare.svg")).unwrap();
    assert!(svg.contains("p99 latency (ms)") && svg.contains("error rate (%)"));
    let svg = fs::read_to_string(out.join("chart-compare-latency-over-time.svg")).unwrap();
    // The crash's timeouts beside ~150 ms p99s: a log axis, so both stay readable.
    assert!(svg.contains("p99 latency (ms, log scale)"));
}

/// One `figures.csv` row, read by column name as pandas would.
#[derive(Debug, serde::Deserialize)]
struct FigureRow {
    scenario: String,
    study: String,
    point: String,
    name: String,
    value: Option<f64>,
    ci95: Option<f64>,
    unit: String,
}

fn figures(dir: &Path) -> (Vec<String>, Vec<FigureRow>) {
    let mut reader = csv::Reader::from_path(dir.join("figures.csv")).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.deserialize().map(|r| r.unwrap()).collect();
    (header, rows)
}

/// `figures.csv` beside `summary.csv` in run, sweep and compare folders: one header for all
/// (they concatenate), every figure with its half-width and unit, the same values as
/// `summary.json`, and sweep points and compared variants labelled.
#[test]
fn figures_csv_is_long_typed_and_concatenates() {
    let dir = tempfile::tempdir().unwrap();
    let file = short_scenario(dir.path());
    let run = dir.path().join("run");
    let o = simroute(&["run", &file, "--quiet", "--out", run.to_str().unwrap()]);
    // 4 tasks miss the 2.5 ms mean: exit 1, outputs written.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let sweep = dir.path().join("sweep");
    let o = simroute(&[
        "sweep",
        &file,
        "--vary",
        "target_groups.app.targets=8,10",
        "--vary",
        "target_groups.app.algorithm=\"random\",\"round_robin\"",
        "--quiet",
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cmp = dir.path().join("cmp");
    let o = simroute(&[
        "compare",
        &file,
        "--set",
        "target_groups.app.targets=8",
        "--variant",
        "target_groups.app.targets=10",
        "--quiet",
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let (h_run, run_rows) = figures(&run);
    let (h_sweep, sweep_rows) = figures(&sweep);
    let (h_cmp, cmp_rows) = figures(&cmp);
    assert_eq!(
        h_run,
        [
            "scenario", "study", "point", "name", "value", "ci95", "unit"
        ]
    );
    assert_eq!(
        (&h_run, &h_run),
        (&h_sweep, &h_cmp),
        "one header: the files concatenate"
    );

    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("summary.json")).unwrap()).unwrap();
    let p99 = run_rows
        .iter()
        .find(|r| r.name == "latency_ms.p99")
        .unwrap();
    assert_eq!(p99.value, summary["latency_ms"]["p99"].as_f64());
    assert_eq!(p99.ci95, summary["ci95"]["latency_ms"]["p99"].as_f64());
    assert_eq!(
        (p99.unit.as_str(), p99.study.as_str(), p99.point.as_str()),
        ("ms", "run", "")
    );
    assert_eq!(p99.scenario, "mm2-tasks");
    let offered = run_rows
        .iter()
        .find(|r| r.name == "requests.offered")
        .unwrap();
    assert_eq!(offered.value, summary["requests"]["offered"].as_f64());
    assert_eq!(offered.unit, "count");
    let er = run_rows.iter().find(|r| r.name == "error_rate").unwrap();
    assert_eq!(er.unit, "fraction");
    // No string-valued or metadata rows: every row is a figure.
    assert!(
        run_rows
            .iter()
            .all(|r| !r.name.starts_with("scenario") && !r.name.is_empty())
    );

    // The sweep: each of the four points labelled by its folder name.
    let mut points: Vec<&str> = sweep_rows.iter().map(|r| r.point.as_str()).collect();
    points.dedup();
    assert_eq!(points.len(), 4, "{points:?}");
    assert!(
        points.contains(&"target_groups.app.targets=10,target_groups.app.algorithm=%22random%22")
    );
    assert!(sweep_rows.iter().all(|r| r.study == "sweep"));
    assert!(cmp_rows.iter().any(|r| r.point == "baseline"));
    assert!(
        cmp_rows
            .iter()
            .any(|r| r.point == "target_groups.app.targets=10" && r.study == "compare")
    );

    // Typed values: sweep.json's points hold numbers and strings, summary.csv's columns the
    // values without TOML quotes.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(sweep.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        json[0]["point"]["target_groups.app.targets"],
        serde_json::json!(8)
    );
    assert_eq!(
        json[0]["point"]["target_groups.app.algorithm"],
        serde_json::json!("random")
    );
    let mut reader = csv::Reader::from_path(sweep.join("summary.csv")).unwrap();
    #[derive(serde::Deserialize)]
    struct Point {
        #[serde(rename = "vary.target_groups.app.targets")]
        targets: u32,
        #[serde(rename = "vary.target_groups.app.algorithm")]
        algorithm: String,
    }
    let rows: Vec<Point> = reader.deserialize().map(|r| r.unwrap()).collect();
    assert_eq!(rows[0].targets, 8);
    assert_eq!(rows[1].algorithm, "round_robin");
}

/// Booleans and numbers from `--vary`/`--variant` stay booleans and numbers: in `sweep.json`,
/// in `summary.csv`'s `vary.*` columns (read by name into a `bool` and an `f64`) and in
/// `compare.json`'s settings.
#[test]
fn sweep_and_compare_values_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let file = short_scenario(dir.path());
    let sweep = dir.path().join("sweep");
    let o = simroute(&[
        "sweep",
        &file,
        "--set",
        "target_groups.app.targets=8",
        "--vary",
        "target_groups.app.connection_termination=false,true",
        "--vary",
        "target_groups.app.deregistration_delay_s=0.5",
        "--quiet",
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert!(o.status.code().unwrap() <= 1, "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(sweep.join("sweep.json")).unwrap()).unwrap();
    let points: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["point"])
        .collect();
    assert_eq!(
        points,
        [
            &serde_json::json!({"target_groups.app.connection_termination": false,
                                "target_groups.app.deregistration_delay_s": 0.5}),
            &serde_json::json!({"target_groups.app.connection_termination": true,
                                "target_groups.app.deregistration_delay_s": 0.5}),
        ]
    );
    #[derive(serde::Deserialize)]
    struct Point {
        #[serde(rename = "vary.target_groups.app.connection_termination")]
        termination: bool,
        #[serde(rename = "vary.target_groups.app.deregistration_delay_s")]
        delay: f64,
    }
    let mut reader = csv::Reader::from_path(sweep.join("summary.csv")).unwrap();
    let rows: Vec<Point> = reader.deserialize().map(|r| r.unwrap()).collect();
    assert_eq!(
        rows.iter()
            .map(|r| (r.termination, r.delay))
            .collect::<Vec<_>>(),
        [(false, 0.5), (true, 0.5)]
    );

    let cmp = dir.path().join("cmp");
    let o = simroute(&[
        "compare",
        &file,
        "--variant",
        "target_groups.app.connection_termination=true,target_groups.app.algorithm=round_robin",
        "--quiet",
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert!(o.status.code().unwrap() <= 1, "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(cmp.join("compare.json")).unwrap()).unwrap();
    assert_eq!(
        json["variants"][1]["settings"],
        serde_json::json!({"target_groups.app.connection_termination": true,
                           "target_groups.app.algorithm": "round_robin"}),
        "{json:#}"
    );
}

/// `simroute report` reads `events.csv` by its types: a target that is not a task index (the
/// `bags-3` style of a hand-edited or foreign file) is refused, exit 2, naming the file.
#[test]
fn report_refuses_an_events_csv_whose_target_is_not_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let file = short_scenario(dir.path());
    let out = dir.path().join("run");
    let o = simroute(&["run", &file, "--quiet", "--out", out.to_str().unwrap()]);
    assert!(o.status.code().unwrap() <= 1, "{}", text(&o.stderr));
    let events = out.join("events.csv");
    let header = fs::read_to_string(&events)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    fs::write(
        &events,
        format!("{header}\n1.0,fault,app,app-3,running,crashed,,,crash\n"),
    )
    .unwrap();
    let o = simroute(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("events.csv") && err.contains("app-3"), "{err}");
}

/// `events.csv`: targets are whole numbers (empty for a group's events), states in
/// `from`/`to`, the desired counts of scaling events in `from_count`/`to_count`.
#[test]
fn events_csv_has_integer_targets_and_separate_count_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scaling.toml");
    fs::write(
        &file,
        r#"
[simulation]
name = "scaling"
seed = 21
duration_s = 900

[[traffic]]
name = "users"
target_group = "app"
profile = [{ at_s = 0, rate_rps = 10 }, { at_s = 200, rate_rps = 64 }]

[target_groups.app]
targets = 2
health_check = { protocol = "tcp" }
autoscaling = { min_tasks = 2, max_tasks = 6, target_cpu_percent = 50 }
app = { workers = 2, service = { dist = "exponential", mean_ms = 50 } }

[[faults]]
at_s = 100
kind = "crash"
target_group = "app"
targets = 1
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.code().unwrap() <= 1, "{}", text(&o.stderr));
    #[derive(serde::Deserialize)]
    struct Row {
        kind: String,
        target: Option<u32>,
        from: String,
        to: String,
        from_count: Option<u32>,
        to_count: Option<u32>,
    }
    let mut reader = csv::Reader::from_path(out.join("events.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "t_s",
            "kind",
            "target_group",
            "target",
            "from",
            "to",
            "from_count",
            "to_count",
            "detail"
        ]
    );
    // Every target cell parses as an integer (or is empty): the typed read cannot fail.
    let rows: Vec<Row> = reader.deserialize().map(|r| r.unwrap()).collect();
    let scale_out: Vec<&Row> = rows.iter().filter(|r| r.kind == "scale_out").collect();
    assert!(!scale_out.is_empty(), "the ramp scales out");
    for r in &scale_out {
        assert!(r.from.is_empty() && r.to.is_empty());
        assert!(r.to_count.unwrap() > r.from_count.unwrap());
        assert_eq!(r.target, None);
    }
    let fault = rows.iter().find(|r| r.kind == "fault").unwrap();
    assert!(fault.target.is_some() && !fault.to.is_empty() && fault.to_count.is_none());
    // The report shows the counts where the states would be, and rebuilds byte for byte.
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    let first = scale_out[0];
    assert!(
        md.contains(&format!(
            "| {} | {} |",
            first.from_count.unwrap(),
            first.to_count.unwrap()
        )),
        "report.md shows the scaling counts"
    );
    let before = read_all(&out);
    let o = simroute(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        before,
        read_all(&out),
        "simroute report rebuilds the same bytes"
    );
}

/// `[pricing]`: plan prints and writes each count's cost per month, from the explicit task
/// size and prices; without it no cost appears; a size Fargate does not offer is refused.
#[test]
fn plan_shows_the_cost_of_each_count_only_when_priced() {
    let dir = tempfile::tempdir().unwrap();
    let plain = short_scenario(dir.path());
    let priced = dir.path().join("priced.toml");
    let pricing = "\n[pricing]\nvcpu_per_task = 0.5\nmemory_gib_per_task = 1\n\
                   usd_per_vcpu_hour = 0.04048\nusd_per_gib_hour = 0.004445\n";
    fs::write(&priced, fs::read_to_string(&plain).unwrap() + pricing).unwrap();
    let out = dir.path().join("plan");
    let o = simroute(&[
        "plan",
        priced.to_str().unwrap(),
        "--target-group",
        "app",
        "--max-tasks",
        "16",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("cost_usd_per_month"), "{stdout}");
    // (0.5 × 0.04048 + 1 × 0.004445) × 730 h = 18.02 USD per task-month.
    assert!(stdout.contains("18.02 USD per task-month"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("plan.json")).unwrap()).unwrap();
    let per_task = json["pricing"]["usd_per_task_month"].as_f64().unwrap();
    assert!((per_task - 18.02005).abs() < 1e-6, "{per_task}");
    assert_eq!(json["pricing"]["hours_per_month"], serde_json::json!(730.0));
    for e in json["evaluations"].as_array().unwrap() {
        let tasks = e["tasks"].as_f64().unwrap();
        let cost = e["cost_usd_per_month"].as_f64().unwrap();
        assert!((cost - tasks * per_task).abs() < 1e-6, "{e}");
    }
    let csv_text = fs::read_to_string(out.join("plan.csv")).unwrap();
    assert!(
        csv_text
            .lines()
            .next()
            .unwrap()
            .ends_with(",cost_usd_per_month")
    );

    // No [pricing]: no cost anywhere.
    let out = dir.path().join("plain");
    let o = simroute(&[
        "plan",
        &plain,
        "--target-group",
        "app",
        "--max-tasks",
        "16",
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!text(&o.stdout).contains("cost_usd_per_month"));
    assert!(
        !fs::read_to_string(out.join("plan.csv"))
            .unwrap()
            .contains("cost")
    );

    // A task size Fargate does not have: exit 2, the field named, nothing written.
    let bad = dir.path().join("bad.toml");
    fs::write(
        &bad,
        fs::read_to_string(&priced)
            .unwrap()
            .replace("memory_gib_per_task = 1", "memory_gib_per_task = 8"),
    )
    .unwrap();
    let out = dir.path().join("bad");
    let o = simroute(&[
        "plan",
        bad.to_str().unwrap(),
        "--target-group",
        "app",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("pricing.memory_gib_per_task"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
}

/// The README, its lines joined: the sentences it quotes from the binary's output.
fn readme() -> String {
    let text = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The README's planner example as a new user runs it: `--fail 2` replaces scale-out's own
/// crash, the runner-up's reason is the figure that failed it (the bags group's p99, not the
/// error rate that passes with room), and the README's answer, runner-up and search order
/// are what the binary prints.
#[test]
fn the_readme_planner_example_prints_what_the_readme_says() {
    let dir = tempfile::tempdir().unwrap();
    let scale_out = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/scale-out.toml");
    let out = dir.path().join("plan");
    let o = simroute(&[
        "plan",
        scale_out,
        "--target-group",
        "bags",
        "--fail",
        "2",
        "--at-peak",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout
            .contains("--fail 2 replaces the scenario's own crash of 2 task(s) at 1000 s of bags"),
        "{stdout}"
    );
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("plan.json")).unwrap()).unwrap();
    let tasks = |e: &serde_json::Value| e["tasks"].as_u64().unwrap();
    let (rec, ru) = (&plan["recommended"], &plan["runner_up"]);
    assert_eq!(tasks(ru) + 1, tasks(rec), "{plan:#}");
    assert_eq!(ru["binding"]["check"], "p99_ms (target group bags)");
    let edge = ru["binding"]["at_interval_edge"].as_f64().unwrap();
    assert!(edge > 250.0, "the runner-up fails on it: {edge}");
    let order: Vec<String> = plan["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| tasks(e).to_string())
        .collect();
    let readme = readme();
    let answer = format!(
        "the answer is {} tasks; the runner-up, {}, fails on the bags group's own p99 ({edge:.0} ms \
         at the 95% bound against 250)",
        tasks(rec),
        tasks(ru)
    );
    assert!(readme.contains(&answer), "README should say: {answer}");
    // 6, 7, 9, 13 doubling; 11, 10 bisecting; 12 the neighbour confirmed.
    assert_eq!(order.len(), 7, "{order:?}");
    let search = format!(
        "The search doubles its steps from the Erlang C guess ({}), bisects ({}) and confirms \
         the neighbour above ({})",
        order[..4].join(", "),
        order[4..6].join(", "),
        order[6]
    );
    assert!(readme.contains(&search), "README should say: {search}");
}

/// scale-out by default: replications stop by precision (the count and the precision reached
/// printed), the pooled p99's 95% half-width is within 25% of its value (the issue's bar), the
/// maximum has no interval, the bimodal bags p99 is warned of on screen and in summary.json,
/// and the README's "scale-out runs N: p99 P ± H ms" is what the binary gives.
#[test]
fn scale_out_stops_by_precision_and_warns_of_bimodal_replications() {
    let dir = tempfile::tempdir().unwrap();
    let scale_out = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/scale-out.toml");
    let out = dir.path().join("run");
    let o = simroute(&["run", scale_out, "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let doc: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let n = doc["replications"].as_u64().unwrap();
    let p99 = doc["latency_ms"]["p99"].as_f64().unwrap();
    let half = doc["ci95"]["latency_ms"]["p99"].as_f64().unwrap();
    assert!(half <= 0.25 * p99, "p99 {p99} ± {half}");
    assert!(doc["ci95"]["latency_ms"]["max"].is_null());
    assert!(
        stdout.contains(&format!("{n} replications"))
            && stdout.contains("widest relative 95% half-width"),
        "{stdout}"
    );
    let warnings = doc["precision"]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("bimodal")),
        "{warnings:?}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("warning:") && l.contains("bimodal")),
        "{stdout}"
    );
    let quoted = format!("scale-out runs {n}: p99 {p99:.0} ± {half:.0} ms");
    assert!(readme().contains(&quoted), "README should say: {quoted}");
}

/// A rare failure over two replications: its interval is wider than its value, and the run
/// says so on screen and in summary.json rather than print a range that goes negative.
#[test]
fn an_interval_wider_than_its_value_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rare.toml");
    let rare = fs::read_to_string(short_scenario(dir.path()))
        .unwrap()
        .replace("targets = 4", "targets = 8")
        .replace(
            "mean_ms = 2 } }",
            "mean_ms = 2 }, dependency = { latency = { dist = \"constant\", ms = 0.1 }, \
             error_rate = 0.0001 } }",
        );
    fs::write(&file, rare).unwrap();
    let out = dir.path().join("run");
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let (m, h) = (
        doc["error_rate"].as_f64().unwrap(),
        doc["ci95"]["error_rate"].as_f64().unwrap(),
    );
    assert!(m > 0.0 && h > m, "error rate {m} ± {h}");
    let wide = |s: &str| s.starts_with("error_rate: the 95% interval") && s.contains("wider than");
    assert!(
        doc["precision"]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| wide(w.as_str().unwrap())),
        "{}",
        doc["precision"]
    );
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l.strip_prefix("warning: ").is_some_and(wide)),
        "{}",
        text(&o.stdout)
    );
}

/// Off a terminal (a pipe here, CI logs in use) plan reports each count as it is judged, on
/// stderr: one line per evaluation in plan.json, in its order; `--quiet` silences them.
#[test]
fn plan_reports_each_count_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = short_scenario(dir.path());
    let out = dir.path().join("plan");
    let args = |quiet: bool| {
        let mut a = vec![
            "plan",
            file.as_str(),
            "--target-group",
            "app",
            "--max-tasks",
            "16",
            "--out",
            out.to_str().unwrap(),
        ];
        if quiet {
            a.push("--quiet");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |quiet: bool| {
        let a = args(quiet);
        simroute(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = run(false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("plan.json")).unwrap()).unwrap();
    let expected: Vec<String> = plan["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "planning app: {} tasks {}",
                e["tasks"],
                e["verdict"].as_str().unwrap()
            )
        })
        .collect();
    let stderr = text(&o.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("planning app: "))
        .collect();
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "{line} vs {want}");
    }
    let o = run(true);
    assert_eq!(o.status.code(), Some(0));
    assert!(!text(&o.stderr).contains("planning"), "{}", text(&o.stderr));
}

#[test]
fn each_routes_stage_means_are_on_screen_and_in_the_report() {
    // three-ways.toml sends one route through an NLB, one through an ALB and one through Cloud
    // Map: the pooled load_balancer stage mixes them, the per-route means part them (the ALB
    // adds its own latency; Cloud Map's discovery path has no NLB hop).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/three-ways.toml");
    let o = simroute(&[
        "run",
        scenario.to_str().unwrap(),
        "--quiet",
        "--set",
        "simulation.duration_s=320",
        "--set",
        "simulation.warmup_s=10",
        "--set",
        "simulation.precision=0",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        text(&o.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let lb = |route: &str| {
        summary["route_stages"][route]["load_balancer"]
            .as_f64()
            .unwrap_or_else(|| panic!("no load_balancer mean for {route}: {summary:#}"))
    };
    let (nlb, alb) = (lb("GET /nlb/{proxy+}"), lb("GET /alb/{proxy+}"));
    assert!(alb > nlb + 0.5, "ALB {alb} ms vs NLB {nlb} ms");
    // The pooled mean lies between the routes' means.
    let pooled = summary["stages"]["load_balancer"]["mean"].as_f64().unwrap();
    assert!(nlb.min(alb) < pooled && pooled < nlb.max(alb), "{pooled}");
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    for doc in [text(&o.stdout), report] {
        assert!(doc.contains("Stage means by route (ms)"), "{doc}");
        assert!(doc.contains(&format!("{alb:.3}")), "{doc}");
    }
}
