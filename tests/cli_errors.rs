//! Bad input through the real binary: every class of mistake exits 2 with one `error:` line that
//! names the field's dotted path and its line in the file (or the `--set` that caused it), never
//! panics, and writes nothing: no new output folder, and an earlier one left byte-for-byte.
//! Also `validate`, and the SLO exit code.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small scenario that runs in milliseconds; each case breaks one thing in it.
const BASE: &str = r#"[simulation]
name = "base"
duration_s = 5
warmup_s = 1

[[traffic]]
name = "reads"
rate_rps = 200
target_group = "api"

[target_groups.api]
targets = 2
app = { workers = 2, service = { dist = "exponential", mean_ms = 2 } }
"#;

fn simroute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simroute"))
        .args(args)
        .output()
        .expect("simroute runs")
}

/// `BASE` with `from` replaced by `to`; fails if `from` is not there, so a case cannot silently
/// test the unchanged scenario.
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no {from:?}");
    BASE.replacen(from, to, 1)
}

/// The 1-based line of `text` holding `needle`, which must be on exactly one line.
fn line_of(text: &str, needle: &str) -> usize {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "{needle:?} should be on exactly one line");
    hits[0]
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `simroute run <dir>/scenario.toml <args>` on `scenario` (or on a file that does not
/// exist when `None`) and checks what all bad input must do: exit 2, `error:` first, no panic,
/// nothing on stdout, no output folder created, and an earlier run's folder untouched.
/// Returns stderr for the case's own checks.
fn run_bad(scenario: Option<&str>, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    if let Some(scenario) = scenario {
        fs::write(&file, scenario).unwrap();
    }
    let good = dir.path().join("good.toml");
    fs::write(&good, BASE).unwrap();
    let outputs = dir.path().join("out");
    let previous = outputs.join("previous");
    let ok = simroute(&[
        "run",
        good.to_str().unwrap(),
        "--quiet",
        "--out",
        previous.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let before = snapshot(&previous);
    assert!(before.len() >= 5, "the good run wrote its files");

    let mut stderrs = Vec::new();
    for out in [&previous, &outputs.join("fresh")] {
        let mut all = vec![
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let o = simroute(&all);
        let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(2), "exit code; stderr: {stderr}");
        assert!(stderr.starts_with("error:"), "stderr: {stderr}");
        assert!(!stderr.contains("panicked") && !stdout.contains("panicked"));
        assert_eq!(stdout, "", "nothing on stdout for bad input");
        stderrs.push(stderr);
    }
    assert_eq!(
        snapshot(&previous),
        before,
        "the earlier results are intact"
    );
    let left: Vec<_> = fs::read_dir(&outputs)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["previous"],
        "no new folder and no temporary leftovers"
    );
    assert_eq!(
        stderrs[0], stderrs[1],
        "the message does not depend on --out"
    );
    stderrs.pop().unwrap()
}

/// The message names `path` and, when the value is in the file, `scenario.toml:LINE:`; when it is
/// not (it came from `--set`), no line at all.
fn assert_points_at(stderr: &str, path: &str, line: Option<usize>) {
    assert!(
        stderr.contains(&format!("`{path}`")),
        "path {path}: {stderr}"
    );
    match line {
        Some(line) => assert!(
            stderr.contains(&format!("scenario.toml:{line}: ")),
            "line {line}: {stderr}"
        ),
        None => assert!(stderr.contains("scenario.toml: "), "no line: {stderr}"),
    }
}

#[test]
fn toml_syntax_error_gives_the_line() {
    let bad = edit("duration_s = 5", "duration_s = = 5");
    let e = run_bad(Some(&bad), &[]);
    assert!(e.contains("TOML syntax error"), "{e}");
    assert!(
        e.contains(&format!("scenario.toml:{}: ", line_of(&bad, "= = 5"))),
        "{e}"
    );
}

#[test]
fn unknown_field_names_the_field_and_the_allowed_ones() {
    let bad = edit("warmup_s = 1", "warmup_s = 1\nwarmpu_s = 2");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "simulation.warmpu_s", Some(line_of(&bad, "warmpu_s")));
    assert!(e.contains("did you mean `warmup_s`?"), "{e}");
    assert!(
        e.contains("`duration_s`, `warmup_s`"),
        "lists the fields: {e}"
    );
    // Once, not `simulation.warmpu_s.warmpu_s`.
    assert!(!e.contains("warmpu_s.warmpu_s"), "{e}");

    let bad = edit("mean_ms = 2 }", "mean_ms = 2, median = 1 }");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "target_groups.api.app.service.median",
        Some(line_of(&bad, "median")),
    );
}

#[test]
fn wrong_type_says_what_was_expected_in_toml_words() {
    let bad = edit("rate_rps = 200", "rate_rps = \"fast\"");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "traffic.0.rate_rps", Some(line_of(&bad, "fast")));
    assert!(
        e.contains("must be a number (got the string \"fast\")"),
        "{e}"
    );

    let bad = edit("targets = 2", "targets = 2.5");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "target_groups.api.targets", Some(line_of(&bad, "2.5")));
    assert!(e.contains("must be a whole number"), "{e}");
}

#[test]
fn unknown_choice_lists_the_allowed_ones() {
    let bad = edit("rate_rps = 200", "rate_rps = 200\narrival = \"bursty\"");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "traffic.0.arrival", Some(line_of(&bad, "bursty")));
    assert!(e.contains("\"poisson\", \"constant\""), "{e}");
}

#[test]
fn missing_required_field_points_at_its_table() {
    let bad = edit("duration_s = 5\n", "");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "simulation.duration_s",
        Some(line_of(&bad, "[simulation]")),
    );
    assert!(e.contains("required"), "{e}");
}

#[test]
fn negative_and_zero_rates_are_rejected() {
    for rate in ["-5", "0"] {
        let bad = edit("rate_rps = 200", &format!("rate_rps = {rate}"));
        let e = run_bad(Some(&bad), &[]);
        assert_points_at(&e, "traffic.0.rate_rps", Some(line_of(&bad, "rate_rps")));
        assert!(
            e.contains(&format!("must be greater than 0 (got {rate})")),
            "{e}"
        );
    }
}

/// Balancing options: automatic target weights need `weighted_random` (A5); slow start is 0 or
/// 30–900 s and not with least outstanding requests (A1); `cross_zone` needs a load balancer.
#[test]
fn balancing_options_are_checked() {
    let cases = [
        (
            "automatic_target_weights = true\n",
            "automatic_target_weights",
            "needs algorithm = \"weighted_random\"",
        ),
        ("slow_start_s = 10\n", "slow_start_s", "from 30 to 900"),
        (
            "algorithm = \"least_outstanding\"\nslow_start_s = 60\n",
            "slow_start_s",
            "not LeastOutstanding",
        ),
        (
            "cross_zone = false\n",
            "cross_zone",
            "only to a target group behind a load balancer",
        ),
    ];
    for (extra, field, message) in cases {
        let bad = edit("targets = 2\n", &format!("targets = 2\n{extra}"));
        let e = run_bad(Some(&bad), &[]);
        let needle = format!("{field} =");
        assert_points_at(
            &e,
            &format!("target_groups.api.{field}"),
            Some(line_of(&bad, &needle)),
        );
        assert!(e.contains(message), "{e}");
    }
}

#[test]
fn warmup_must_end_before_the_run_does() {
    for warmup in ["5", "7"] {
        let bad = edit("warmup_s = 1", &format!("warmup_s = {warmup}"));
        let e = run_bad(Some(&bad), &[]);
        assert_points_at(&e, "simulation.warmup_s", Some(line_of(&bad, "warmup_s")));
        assert!(e.contains("less than duration_s"), "{e}");
    }
}

#[test]
fn unknown_target_group_lists_the_defined_ones() {
    let bad = edit("target_group = \"api\"", "target_group = \"apj\"");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "traffic.0.target_group", Some(line_of(&bad, "apj")));
    assert!(
        e.contains("unknown target group \"apj\" (defined: api)"),
        "{e}"
    );
}

#[test]
fn missing_empirical_file_names_the_file() {
    let bad = edit(
        "dist = \"exponential\", mean_ms = 2",
        "dist = \"empirical\", file = \"no-such-samples.csv\"",
    );
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "target_groups.api.app.service.file",
        Some(line_of(&bad, "no-such-samples.csv")),
    );
    assert!(e.contains("no-such-samples.csv"), "{e}");
}

#[test]
fn mixture_weights_must_sum_to_one() {
    let bad = edit(
        "{ dist = \"exponential\", mean_ms = 2 }",
        "{ dist = \"mixture\", components = [\n  { weight = 0.5, dist = \"constant\", ms = 1 },\n  { weight = 0.4, dist = \"constant\", ms = 9 } ] }",
    );
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "target_groups.api.app.service.components",
        Some(line_of(&bad, "components")),
    );
    assert!(e.contains("sum to 1 (they sum to 0.9)"), "{e}");
}

#[test]
fn set_errors_name_the_set_argument() {
    let cases = [
        // An unknown field.
        (
            "simulation.durationn_s=5",
            "simulation.durationn_s",
            "did you mean `duration_s`?",
        ),
        // An array index past the end, and one that is not a number.
        (
            "traffic.3.rate_rps=5",
            "traffic.3.rate_rps",
            "index 3 is out of range",
        ),
        (
            "traffic.reads.rate_rps=5",
            "traffic.reads.rate_rps",
            "must be an index",
        ),
        // A target group that does not exist: --set does not create named entries.
        (
            "target_groups.apj.targets=5",
            "target_groups.apj.targets",
            "(defined: `api`)",
        ),
        // A known field with a value that breaks its rule or its type.
        (
            "traffic.0.rate_rps=-1",
            "traffic.0.rate_rps",
            "must be greater than 0",
        ),
        (
            "traffic.0.rate_rps=fast",
            "traffic.0.rate_rps",
            "must be a number",
        ),
    ];
    for (set, path, rule) in cases {
        let e = run_bad(Some(BASE), &["--set", set]);
        assert_points_at(&e, path, None);
        assert!(e.contains(&format!("(set by --set {set})")), "{e}");
        assert!(e.contains(rule), "{rule}: {e}");
    }
    let e = run_bad(Some(BASE), &["--set", "no-equals-sign"]);
    assert!(e.contains("`no-equals-sign`"), "{e}");
}

#[test]
fn set_that_changes_part_of_a_value_keeps_the_line_and_names_the_set() {
    let mixture = edit(
        "{ dist = \"exponential\", mean_ms = 2 }",
        "{ dist = \"mixture\", components = [\n  { weight = 0.5, dist = \"constant\", ms = 1 },\n  { weight = 0.5, dist = \"constant\", ms = 9 } ] }",
    );
    let set = "target_groups.api.app.service.components.1.weight=0.4";
    let e = run_bad(Some(&mixture), &["--set", set]);
    assert_points_at(
        &e,
        "target_groups.api.app.service.components",
        Some(line_of(&mixture, "components")),
    );
    assert!(e.contains(&format!("(set by --set {set})")), "{e}");
}

/// `--seed` (and `--set` of a field the file lacks) adds a line to the text before it is parsed;
/// lines must still be those of the file as written.
#[test]
fn overrides_do_not_shift_line_numbers() {
    let bad = edit("rate_rps = 200", "rate_rps = -5");
    let line = line_of(&bad, "rate_rps");
    for args in [
        &["--seed", "9"][..],
        &[
            "--set",
            "simulation.timeseries_interval_s=2",
            "--replications",
            "2",
        ][..],
    ] {
        let e = run_bad(Some(&bad), args);
        assert_points_at(&e, "traffic.0.rate_rps", Some(line));
    }
}

#[test]
fn missing_scenario_file() {
    let e = run_bad(None, &[]);
    assert!(
        e.contains("scenario.toml: cannot read the scenario file"),
        "{e}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = simroute(&["run", "x.toml", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("error:"));
}

#[test]
fn validate_prints_the_resolved_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    fs::write(&file, BASE).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let printed = text(&o.stdout);
    for default in [
        "seed = 1",
        "replications = 1",
        "timeseries_interval_s = 1.0",
        "method = \"GET\"",
        "path = \"/\"",
        "arrival = \"poisson\"",
        "algorithm = \"round_robin\"",
        "queue_limit = \"unbounded\"",
    ] {
        assert!(printed.contains(default), "{default} in:\n{printed}");
    }
    // What it prints is itself a valid scenario, and a fixed point.
    let resolved = dir.path().join("resolved.toml");
    fs::write(&resolved, &printed).unwrap();
    let again = simroute(&["validate", resolved.to_str().unwrap()]);
    assert_eq!(text(&again.stdout), printed);

    let o = simroute(&[
        "validate",
        file.to_str().unwrap(),
        "--set",
        "target_groups.api.app.queue_limit=10",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("queue_limit = 10"));
}

#[test]
fn validate_rejects_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    let bad = edit("rate_rps = 200", "rate_rps = -5");
    fs::write(&file, &bad).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stdout), "");
    let e = text(&o.stderr);
    assert!(e.starts_with("error:") && !e.contains("panicked"), "{e}");
    assert_points_at(&e, "traffic.0.rate_rps", Some(line_of(&bad, "rate_rps")));
}

#[test]
fn missed_slo_exits_1_and_still_writes_outputs() {
    for (p99_ms, code) in [("0.001", 1), ("100000", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scenario.toml");
        fs::write(&file, format!("{BASE}\n[slo]\np99_ms = {p99_ms}\n")).unwrap();
        let out = dir.path().join("out");
        let o = simroute(&[
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(code), "{}", text(&o.stderr));
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["slo"]["passed"], serde_json::json!(code == 0));
        for f in [
            "summary.csv",
            "timeseries.csv",
            "latency.csv",
            "scenario.toml",
        ] {
            assert!(out.join(f).is_file(), "{f} written");
        }
    }
}

/// An HTTP API whose one route reaches an ALB HTTPS listener with path rules; each ALB case
/// below breaks one thing in it.
const ALB: &str = r#"[simulation]
name = "alb"
duration_s = 5

[[traffic]]
name = "pets"
path = "/pets/1"
rate_rps = 50

[gateway]
kind = "http"

[[gateway.routes]]
route = "ANY /{proxy+}"
integration = { load_balancer = "internal", port = 443, tls_server_name = "api.example.com" }

[load_balancers.internal]
kind = "alb"

[[load_balancers.internal.listeners]]
port = 443
default_action = { fixed_response = { status = 404 } }
rules = [
  { priority = 10, conditions = { path = ["/pets*"] }, action = { target_group = "pets" } },
  { priority = 20, conditions = { path = ["/food*"] }, action = { target_group = "food" } },
]

[target_groups.pets]
targets = 2
app = { workers = 2, service = { dist = "exponential", mean_ms = 2 } }

[target_groups.food]
targets = 2
app = { workers = 2, service = { dist = "exponential", mean_ms = 2 } }
"#;

fn alb_edit(from: &str, to: &str) -> String {
    assert!(ALB.contains(from), "ALB has no {from:?}");
    ALB.replacen(from, to, 1)
}

#[test]
fn alb_scenario_is_valid_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alb.toml");
    fs::write(&file, ALB).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr), "", "no warning with a TLS config");
    // `validate` shows the defaults the run used.
    let shown = text(&o.stdout);
    assert!(shown.contains("idle_timeout_s = 60"), "{shown}");
    assert!(shown.contains("protocol = \"https\""), "{shown}");
}

#[test]
fn alb_rule_mistakes_name_the_rule() {
    let cases = [
        // A rule forwarding to a group that does not exist.
        (
            alb_edit("target_group = \"food\" }", "target_group = \"fod\" }"),
            "load_balancers.internal.listeners.0.rules.1.action.target_group",
            "fod",
            "unknown target group",
        ),
        // Two rules with one priority.
        (
            alb_edit("priority = 20", "priority = 10"),
            "load_balancers.internal.listeners.0.rules.1.priority",
            "priority = 10, conditions = { path = [\"/food",
            "already has priority 10",
        ),
        // A rule with no condition.
        (
            alb_edit("conditions = { path = [\"/food*\"] }", "conditions = {}"),
            "load_balancers.internal.listeners.0.rules.1.conditions",
            "conditions = {}",
            "at least one condition",
        ),
        // Priority out of range.
        (
            alb_edit("priority = 20", "priority = 50001"),
            "load_balancers.internal.listeners.0.rules.1.priority",
            "50001",
            "1 to 50000",
        ),
        // Two actions in one.
        (
            alb_edit(
                "action = { target_group = \"food\" }",
                "action = { target_group = \"food\", redirect = { status = 301 } }",
            ),
            "load_balancers.internal.listeners.0.rules.1.action",
            "redirect = { status = 301 }",
            "exactly one of",
        ),
        // A fixed response with a 3xx (AWS allows 2xx, 4xx, 5xx).
        (
            alb_edit("status = 404", "status = 302"),
            "load_balancers.internal.listeners.0.default_action.fixed_response.status",
            "status = 302",
            "2xx",
        ),
        // A lower-case method: compared case-sensitively, AWS allows A-Z only.
        (
            alb_edit("path = [\"/food*\"]", "method = [\"get\"]"),
            "load_balancers.internal.listeners.0.rules.1.conditions.method.0",
            "method = [\"get\"]",
            "A-Z",
        ),
        // An ALB listener speaks HTTP or HTTPS, not TCP.
        (
            alb_edit(
                "port = 443\ndefault_action",
                "port = 443\nprotocol = \"tcp\"\ndefault_action",
            ),
            "load_balancers.internal.listeners.0.protocol",
            "protocol = \"tcp\"",
            "TCP listeners are NLB's",
        ),
        // An ALB has no TCP health checks.
        (
            alb_edit(
                "[target_groups.pets]\ntargets = 2",
                "[target_groups.pets]\ntargets = 2\nhealth_check = { protocol = \"tcp\" }",
            ),
            "target_groups.pets.health_check.protocol",
            "health_check = { protocol = \"tcp\" }",
            "TCP checks are NLB's",
        ),
        // The idle timeout's range.
        (
            alb_edit("kind = \"alb\"", "kind = \"alb\"\nidle_timeout_s = 4001"),
            "load_balancers.internal.idle_timeout_s",
            "idle_timeout_s = 4001",
            "1 to 4000",
        ),
    ];
    for (bad, path, needle, message) in cases {
        let e = run_bad(Some(&bad), &[]);
        assert_points_at(&e, path, Some(line_of(&bad, needle)));
        assert!(e.contains(message), "{message:?}: {e}");
    }
}

#[test]
fn container_health_check_is_within_the_ecs_ranges() {
    // ECS task definition `healthCheck`: interval 5–300 s, timeout 2–60 s, retries 1–10,
    // startPeriod 0–300 s (reference §5, E2).
    for (field, value, says) in [
        ("retries", "0", "must be from 1 to 10"),
        ("retries", "11", "must be from 1 to 10"),
        ("interval_s", "4", "must be from 5 to 300 s"),
        ("timeout_s", "61", "must be from 2 to 60 s"),
        ("start_period_s", "301", "must be from 0 to 300 s"),
    ] {
        let bad = edit(
            "targets = 2",
            &format!(
                "targets = 2\nservice = {{ container_health_check = {{ {field} = {value} }} }}"
            ),
        );
        let e = run_bad(Some(&bad), &[]);
        assert_points_at(
            &e,
            &format!("target_groups.api.service.container_health_check.{field}"),
            Some(line_of(&bad, "container_health_check")),
        );
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn nlb_listener_with_alb_features_is_refused() {
    let nlb = alb_edit("kind = \"alb\"", "kind = \"nlb\"");
    let e = run_bad(Some(&nlb), &[]);
    assert_points_at(
        &e,
        "load_balancers.internal.listeners.0.rules",
        Some(line_of(&nlb, "rules = [")),
    );
    assert!(e.contains("an NLB listener has no rules"), "{e}");
    // Without the rules, the default action is the next ALB-only thing.
    let start = nlb.find("rules = [").unwrap();
    let end = start + nlb[start..].find("]\n\n").unwrap() + 2;
    let nlb = format!("{}{}", &nlb[..start], &nlb[end..]);
    let e = run_bad(Some(&nlb), &[]);
    assert_points_at(
        &e,
        "load_balancers.internal.listeners.0.default_action",
        Some(line_of(&nlb, "default_action")),
    );
}

#[test]
fn dns_discovery_needs_a_cloud_map_service() {
    let bad = edit(
        "target_group = \"api\"",
        "target_group = \"api\"\ndiscovery = \"dns\"",
    );
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "traffic.0.discovery", Some(line_of(&bad, "discovery")));
    assert!(e.contains("has no `cloud_map`"), "{e}");

    let bad = edit(
        "target_group = \"api\"",
        "target_group = \"api\"\ndiscovery = \"cloud_map\"",
    );
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(&e, "traffic.0.discovery", Some(line_of(&bad, "discovery")));
    assert!(e.contains("API Gateway's way in"), "{e}");

    let bad = edit("targets = 2", "targets = 2\ncloud_map = { dns_ttl_s = -1 }");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "target_groups.api.cloud_map.dns_ttl_s",
        Some(line_of(&bad, "cloud_map")),
    );
}

/// `BASE` behind an API Gateway of `kind` whose one route integrates `integration`, with
/// `group_extra` added to the target group.
fn gateway_case(kind: &str, integration: &str, group_extra: &str) -> String {
    let mut s = edit(
        "target_group = \"api\"",
        "method = \"GET\"\npath = \"/pets\"",
    );
    s = s.replace("targets = 2", &format!("targets = 2\n{group_extra}"));
    s.push_str(&format!(
        "\n[gateway]\nkind = \"{kind}\"\n\n[[gateway.routes]]\nroute = \"GET /pets\"\nintegration = {integration}\n"
    ));
    s
}

#[test]
fn cloud_map_integrations_are_for_http_apis_with_a_cloud_map_service() {
    let cm = "{ target_group = \"api\", discovery = \"cloud_map\" }";
    // The good case loads.
    let good = gateway_case("http", cm, "cloud_map = {}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    fs::write(&file, &good).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let bad = gateway_case("rest", cm, "cloud_map = {}");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "gateway.routes.0.integration.discovery",
        Some(line_of(&bad, "discovery")),
    );
    assert!(e.contains("only HTTP APIs integrate with Cloud Map"), "{e}");

    let bad = gateway_case("http", cm, "");
    let e = run_bad(Some(&bad), &[]);
    assert_points_at(
        &e,
        "gateway.routes.0.integration.discovery",
        Some(line_of(&bad, "discovery")),
    );
    assert!(e.contains("has no `cloud_map` service"), "{e}");

    let dns = "{ target_group = \"api\", discovery = \"dns\" }";
    let bad = gateway_case("http", dns, "cloud_map = {}");
    let e = run_bad(Some(&bad), &[]);
    assert!(e.contains("use \"cloud_map\""), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Values at the edges of their types (issue 18): simulated time is whole nanoseconds in a u64,
// counts are u32, TOML integers are i64. Each is refused by name, exit 2, never a panic or hang.

/// Time fields past what the clock holds (a year at most) or below its resolution (1 ns).
#[test]
fn times_the_clock_cannot_hold_are_refused_by_name() {
    for (from, to, path) in [
        (
            "warmup_s = 1",
            "warmup_s = 1\ntimeseries_interval_s = 1e-300",
            "simulation.timeseries_interval_s",
        ),
        (
            "duration_s = 5",
            "duration_s = 1e308",
            "simulation.duration_s",
        ),
        (
            "duration_s = 5",
            "duration_s = 1e15",
            "simulation.duration_s",
        ),
        (
            "duration_s = 5",
            "duration_s = 9223372036854775807",
            "simulation.duration_s",
        ),
        (
            "rate_rps = 200",
            "rate_rps = 200\ntimeout_s = 9223372036854775807",
            "traffic.0.timeout_s",
        ),
        (
            "mean_ms = 2",
            "mean_ms = 1e-300",
            "target_groups.api.app.service.mean_ms",
        ),
        (
            "targets = 2",
            "targets = 2\nhealth_check = { interval_s = 1e-300 }",
            "target_groups.api.health_check.interval_s",
        ),
        (
            "targets = 2",
            "targets = 2\nhealth_check = { new_target_delay_s = 1e15 }",
            "target_groups.api.health_check.new_target_delay_s",
        ),
        (
            "targets = 2",
            "targets = 2\nsidecar = { proxy_read_timeout_s = 1e308 }",
            "target_groups.api.sidecar.proxy_read_timeout_s",
        ),
    ] {
        let bad = edit(from, to);
        let e = run_bad(Some(&bad), &[]);
        let value_line = line_of(&bad, to.lines().last().unwrap());
        assert_points_at(&e, path, Some(value_line));
        assert!(
            e.contains("at most") || e.contains("resolution") || e.contains("from 5 to 300"),
            "{path}: the message says the limit: {e}"
        );
    }
}

/// A count near `u32::MAX` is refused, naming the documented limit, before anything is sized
/// by it (a group of 4294967295 targets would need tens of gigabytes). The target limit is ELB's
/// "Targets per Target Group per Region (instances or IP addresses): 1,000"
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html>).
#[test]
fn counts_past_their_documented_limit_are_refused_before_allocating() {
    for (from, to, path, limit) in [
        (
            "targets = 2",
            "targets = 4294967295",
            "target_groups.api.targets",
            "targets per target group",
        ),
        (
            "rate_rps = 200",
            "rate_rps = 4294967295",
            "traffic.0.rate_rps",
            "per second",
        ),
        (
            "warmup_s = 1",
            "warmup_s = 1\nreplications = 4294967295",
            "simulation.replications",
            "replications of one run",
        ),
        (
            "rate_rps = 200",
            "rate_rps = 200\nclients = 4294967295",
            "traffic.0.clients",
            "clients of one source",
        ),
    ] {
        let bad = edit(from, to);
        let started = std::time::Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scenario.toml");
        fs::write(&file, &bad).unwrap();
        let o = simroute(&["validate", file.to_str().unwrap()]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {e}");
        let key = path.rsplit('.').next().unwrap();
        assert_points_at(
            &e,
            path,
            Some(line_of(&bad, &format!("{key} = 4294967295"))),
        );
        assert!(e.contains(limit), "{path} names its limit: {e}");
        assert!(started.elapsed().as_secs() < 5, "refused at once");
    }
}

/// TOML integers are signed 64-bit: a seed of 2^63 is refused alike from the file (with its
/// line), by `--seed` and by `--set`, by `validate` and `run`; 2^63 - 1 is accepted everywhere
/// and written back as given.
#[test]
fn seeds_past_toml_integers_are_refused_alike_everywhere() {
    let big = edit("warmup_s = 1", "warmup_s = 1\nseed = 9223372036854775808");
    let e = run_bad(Some(&big), &[]);
    assert_points_at(&e, "simulation.seed", Some(line_of(&big, "seed =")));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    fs::write(&file, &big).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("`simulation.seed`"));
    let e = run_bad(Some(BASE), &["--seed", "9223372036854775808"]);
    assert!(e.contains("--seed"), "{e}");
    let e = run_bad(
        Some(BASE),
        &["--set", "simulation.seed=9223372036854775808"],
    );
    assert!(e.contains("`simulation.seed`"), "{e}");

    let max = edit("warmup_s = 1", "warmup_s = 1\nseed = 9223372036854775807");
    fs::write(&file, &max).unwrap();
    let o = simroute(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("seed = 9223372036854775807"));
    let out = dir.path().join("out");
    let o = simroute(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "simulation.duration_s=2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let written = fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(written.contains("seed = 9223372036854775807"), "{written}");
}

/// The snippet under the message: `--> scenario.toml:LINE:COL`, the source line, and a caret
/// line whose `^`s sit under `under` in that source line.
fn assert_caret(stderr: &str, bad: &str, under: &str) {
    let line = line_of(bad, under);
    let source = bad.lines().nth(line - 1).unwrap();
    let col = source.find(under).unwrap() + 1;
    assert!(
        stderr.contains(&format!("scenario.toml:{line}:{col}\n")),
        "--> line {line} column {col}: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with(source) && l.contains(" | "))
        .unwrap_or_else(|| panic!("the source line {source:?} is shown: {stderr}"));
    let gutter = lines[at].len() - source.len();
    let caret = &lines[at + 1][gutter..];
    assert_eq!(
        caret.find('^'),
        Some(col - 1),
        "the caret is under {under:?}: {stderr}"
    );
}

#[test]
fn diagnostics_show_the_source_line_with_a_caret() {
    // A TOML syntax error: the caret where the parser stopped.
    let bad = edit("duration_s = 5", "duration_s = = 5");
    assert_caret(&run_bad(Some(&bad), &[]), &bad, "= 5");
    // An unknown field.
    let bad = edit("warmup_s = 1", "warmup_s = 1\nwarmpu_s = 2");
    assert_caret(&run_bad(Some(&bad), &[]), &bad, "warmpu_s = 2");
    // A value out of range.
    let bad = edit("rate_rps = 200", "rate_rps = -5");
    let e = run_bad(Some(&bad), &[]);
    assert_caret(&e, &bad, "rate_rps = -5");
    assert!(e.contains("^^^^^^^^^^^^^ traffic.0.rate_rps"), "{e}");
    // A dangling reference.
    let bad = edit("target_group = \"api\"", "target_group = \"apj\"");
    assert_caret(&run_bad(Some(&bad), &[]), &bad, "target_group = \"apj\"");
}

#[test]
fn a_duplicate_key_names_the_key() {
    let bad = edit("warmup_s = 1", "warmup_s = 1\nwarmup_s = 2");
    let e = run_bad(Some(&bad), &[]);
    assert!(e.contains("duplicate key `warmup_s`"), "{e}");
    assert_caret(&e, &bad, "warmup_s = 2");
}

#[test]
fn vary_errors_name_vary() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    fs::write(&file, BASE).unwrap();
    let o = simroute(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "traffic.0.rate_rps=100,-1",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("(set by --vary traffic.0.rate_rps=-1)"), "{e}");
    assert!(!dir.path().join("out").exists());
}
