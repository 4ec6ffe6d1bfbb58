//! `simroute fit` through the real binary: logs generated here, seeded, from known distributions
//! and rate steps must fit back within the tolerances docs/import.md states; the AWS guide's
//! example entries parse; gzip works; malformed lines are counted with their line numbers; bad
//! input exits 2; the written scenario passes `simroute validate`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

mod common;
use common::binary::run as simroute;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// 2026-03-02T10:00:00Z.
const START: f64 = 1_772_445_600.0;

fn iso(t: f64) -> String {
    let secs = t.floor() as i64;
    let micros = ((t - t.floor()) * 1e6).round() as i64;
    let (secs, micros) = if micros == 1_000_000 {
        (secs + 1, 0)
    } else {
        (secs, micros)
    };
    let day = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // 2026-03-02 is day 20514 since the epoch; the generated logs stay within that day.
    assert_eq!(day, 20_514, "generated times stay on 2026-03-02");
    format!(
        "2026-03-02T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Poisson arrivals over `steps` of (duration_s, rate_rps), the first exactly at START + 1 ms.
fn arrivals(rng: &mut Xoshiro256PlusPlus, steps: &[(f64, f64)]) -> Vec<f64> {
    let mut out = vec![START + 0.001];
    let mut t = 0.001;
    let mut start = 0.0;
    for &(dur, rate) in steps {
        let gap = Exp::new(rate).unwrap();
        if t < start {
            t = start;
        }
        loop {
            let next = t + gap.sample(rng);
            if next >= start + dur {
                break;
            }
            t = next;
            out.push(START + t);
        }
        start += dur;
    }
    out
}

/// One ALB entry as the guide documents it.
fn alb_line(
    at: f64,
    target: &str,
    target_s: &str,
    elb: u16,
    target_status: &str,
    path: &str,
    group: &str,
) -> String {
    let done = at + target_s.parse::<f64>().unwrap_or(0.0).max(0.0) + 0.0004;
    let arn = if group == "-" {
        "-".to_string()
    } else {
        format!(
            "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/{group}/73e2d6bc24d8a067"
        )
    };
    let req_s = if target_s == "-1" { "-1" } else { "0.000" };
    let resp_s = if target_s == "-1" { "-1" } else { "0.000" };
    format!(
        "http {} app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 {target} {req_s} {target_s} {resp_s} {elb} {target_status} 34 366 \"GET http://www.example.com:80{path} HTTP/1.1\" \"curl/7.46.0\" - - {arn} \"Root=1-58337262-36d228ad5d99923122bbe354\" \"-\" \"-\" 0 {} \"forward\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\" TID_1234",
        iso(done),
        iso(at)
    )
}

/// A log of one group with service times drawn from `service` (ms), targets cycling over 3.
fn alb_log(
    seed: u64,
    steps: &[(f64, f64)],
    service: &dyn Fn(&mut Xoshiro256PlusPlus) -> f64,
    group: &str,
) -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let times = arrivals(&mut rng, steps);
    let mut log = String::new();
    for (i, at) in times.iter().enumerate() {
        let ms = service(&mut rng);
        let target = format!("10.0.0.{}:8080", 1 + i % 3);
        let id = 1000 + i % 50;
        writeln!(
            log,
            "{}",
            alb_line(
                *at,
                &target,
                &format!("{:.3}", ms / 1000.0),
                200,
                "200",
                &format!("/orders/{id}"),
                group
            )
        )
        .unwrap();
    }
    log
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, body).unwrap();
    p
}

fn fit_to(kind: &str, logs: &[&Path], out: &Path) -> (toml::Table, String) {
    let mut args = vec!["fit", kind];
    let logs: Vec<String> = logs.iter().map(|p| p.display().to_string()).collect();
    args.extend(logs.iter().map(String::as_str));
    let out_s = out.display().to_string();
    args.extend(["--out", &out_s]);
    let o = simroute(&args);
    assert!(o.status.success(), "fit failed: {}", text(&o.stderr));
    let v = simroute(&["validate", &out_s]);
    assert!(
        v.status.success(),
        "validate failed: {}\n{}",
        text(&v.stderr),
        fs::read_to_string(out).unwrap()
    );
    (
        toml::from_str(&fs::read_to_string(out).unwrap()).unwrap(),
        text(&o.stdout),
    )
}

fn f(v: &toml::Value) -> f64 {
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .unwrap()
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want
}

const STEPS: [(f64, f64); 3] = [(600.0, 10.0), (600.0, 20.0), (600.0, 10.0 / 3.0)];

/// n ≈ 20,000 at median 40 ms, σ 0.5, rounded to 1 ms as ALB writes them: median within 3%,
/// σ within 5%; the rate steps at 600 s and 1200 s found exactly, each rate within 10%.
#[test]
fn alb_lognormal_and_rate_steps_fit_back() {
    let dir = tempdir();
    let ln = LogNormal::new(40f64.ln(), 0.5).unwrap();
    let log = alb_log(1, &STEPS, &|r| ln.sample(r), "orders");
    let n = log.lines().count();
    assert!((19_000..21_000).contains(&n), "{n} entries");
    let path = write(dir.path(), "orders.log", &log);
    let (sc, table) = fit_to("alb", &[&path], &dir.path().join("fitted.toml"));
    let app = &sc["target_groups"]["orders"]["app"];
    let service = &app["service"];
    assert_eq!(service["dist"].as_str(), Some("lognormal"), "{table}");
    assert!(rel(f(&service["median_ms"]), 40.0) < 0.03, "{service:?}");
    assert!(rel(f(&service["sigma"]), 0.5) < 0.05, "{service:?}");
    assert_eq!(
        sc["target_groups"]["orders"]["targets"].as_integer(),
        Some(3)
    );
    let traffic = sc["traffic"].as_array().unwrap();
    assert_eq!(traffic.len(), 1);
    assert_eq!(traffic[0]["name"].as_str(), Some("GET /orders/{id}"));
    assert_eq!(traffic[0]["target_group"].as_str(), Some("orders"));
    let profile = traffic[0]["profile"].as_array().unwrap();
    let at: Vec<f64> = profile.iter().map(|p| f(&p["at_s"])).collect();
    assert_eq!(at, vec![0.0, 600.0, 1200.0], "{table}");
    for (p, (_, rate)) in profile.iter().zip(STEPS) {
        assert!(rel(f(&p["rate_rps"]), rate) < 0.10, "{p:?} vs {rate}");
    }
    // The table gives the parameters with intervals and the KS distance.
    assert!(table.contains("* lognormal  median_ms"), "{table}");
    assert!(table.contains("KS D"), "{table}");
    assert!(sc["simulation"]["duration_s"].as_integer().unwrap() >= 1799);
}

/// Gamma data (shape 2, mean 30 ms): gamma is chosen, mean within 3%, shape within 5%.
#[test]
fn alb_gamma_fits_back() {
    let dir = tempdir();
    let g = Gamma::new(2.0, 15.0).unwrap();
    let log = alb_log(2, &[(1000.0, 20.0)], &|r| g.sample(r), "orders");
    let path = write(dir.path(), "g.log", &log);
    let (sc, table) = fit_to("alb", &[&path], &dir.path().join("g.toml"));
    let service = &sc["target_groups"]["orders"]["app"]["service"];
    assert_eq!(service["dist"].as_str(), Some("gamma"), "{table}");
    assert!(rel(f(&service["mean_ms"]), 30.0) < 0.03, "{service:?}");
    assert!(rel(f(&service["shape"]), 2.0) < 0.05, "{service:?}");
    // One rate throughout: a constant rate_rps, not a profile.
    let traffic = &sc["traffic"].as_array().unwrap()[0];
    assert!(traffic.get("profile").is_none(), "{table}");
    assert!(rel(f(&traffic["rate_rps"]), 20.0) < 0.05, "{traffic:?}");
}

/// Two modes far apart: neither family fits, the samples are written beside the scenario.
#[test]
fn alb_bimodal_falls_back_to_empirical() {
    let dir = tempdir();
    let fast = LogNormal::new(2f64.ln(), 0.2).unwrap();
    let slow = LogNormal::new(200f64.ln(), 0.2).unwrap();
    let mut i = 0u32;
    let service = move |r: &mut Xoshiro256PlusPlus| {
        i += 1;
        if i.is_multiple_of(4) {
            slow.sample(r)
        } else {
            fast.sample(r)
        }
    };
    let cell = std::cell::RefCell::new(service);
    let log = alb_log(3, &[(500.0, 10.0)], &|r| (cell.borrow_mut())(r), "cache");
    let path = write(dir.path(), "b.log", &log);
    let (sc, table) = fit_to("alb", &[&path], &dir.path().join("b.toml"));
    let service = &sc["target_groups"]["cache"]["app"]["service"];
    assert_eq!(service["dist"].as_str(), Some("empirical"), "{table}");
    let file = dir.path().join(service["file"].as_str().unwrap());
    let csv = fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("latency_ms\n"));
    assert!(csv.lines().count() > 1000);
}

/// The guide's example entries (HTTP, HTTPS, HTTP/2, WebSockets, Lambda) all parse.
#[test]
fn aws_documented_examples_parse() {
    let dir = tempdir();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/alb-doc-examples.log");
    let (sc, table) = fit_to("alb", &[&fixture], &dir.path().join("doc.toml"));
    assert!(table.contains("7 entries from 1 file"), "{table}");
    assert!(!table.contains("malformed"), "{table}");
    // The failed Lambda call: 502 from the ALB with no target status.
    assert!(
        table.contains("answered by the ALB itself: 502 ×1"),
        "{table}"
    );
    assert!(sc["target_groups"].get("my-targets").is_some());
}

fn gzip(body: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(body.as_bytes()).unwrap();
    e.finish().unwrap()
}

/// The same log split over a plain and two gzip files (one of two concatenated members) fits
/// exactly as the single plain file does.
#[test]
fn gz_and_many_files() {
    let dir = tempdir();
    let ln = LogNormal::new(25f64.ln(), 0.4).unwrap();
    let log = alb_log(4, &[(300.0, 20.0)], &|r| ln.sample(r), "orders");
    let lines: Vec<&str> = log.lines().collect();
    let third = lines.len() / 3;
    let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
    let plain = write(dir.path(), "all.log", &log);
    let a = write(dir.path(), "a.log", &join(&lines[..third]));
    let b = dir.path().join("b.log.gz");
    fs::write(&b, gzip(&join(&lines[third..2 * third]))).unwrap();
    // Two gzip members back to back, as `cat x.gz y.gz` makes; no .gz in the name.
    let c = dir.path().join("c.log");
    let mid = 2 * third + (lines.len() - 2 * third) / 2;
    let mut bytes = gzip(&join(&lines[2 * third..mid]));
    bytes.extend(gzip(&join(&lines[mid..])));
    fs::write(&c, bytes).unwrap();
    let (one, _) = fit_to("alb", &[&plain], &dir.path().join("one.toml"));
    let (many, table) = fit_to("alb", &[&a, &b, &c], &dir.path().join("many.toml"));
    assert!(
        table.contains(&format!("{} entries from 3 files", lines.len())),
        "{table}"
    );
    assert_eq!(one["target_groups"], many["target_groups"]);
    assert_eq!(one["traffic"], many["traffic"]);
}

/// Malformed lines are skipped, counted and listed with file and line; the rest still fits.
#[test]
fn malformed_lines_are_counted_with_line_numbers() {
    let dir = tempdir();
    let ln = LogNormal::new(25f64.ln(), 0.4).unwrap();
    let log = alb_log(5, &[(100.0, 10.0)], &|r| ln.sample(r), "orders");
    let mut lines: Vec<String> = log.lines().map(String::from).collect();
    lines.insert(2, "this is not a log entry".into()); // line 3
    lines.insert(9, lines[8].replace(" 200 200 ", " 200 abc ")); // line 10
    lines.insert(20, lines[19].replacen("http 2026", "http 2026-13", 1)); // line 21
    let path = write(dir.path(), "m.log", &(lines.join("\n") + "\n"));
    let (_, table) = fit_to("alb", &[&path], &dir.path().join("m.toml"));
    let name = path.display().to_string();
    assert!(table.contains("malformed lines: 3"), "{table}");
    assert!(table.contains(&format!("{name}:3: ")), "{table}");
    assert!(
        table.contains(&format!("{name}:10: target_status_code")),
        "{table}"
    );
    assert!(table.contains(&format!("{name}:21: time")), "{table}");
}

/// The ALB's own answers and `-1` times are counted, not fitted.
#[test]
fn alb_own_answers_and_unreached_targets_are_counted() {
    let dir = tempdir();
    let ln = LogNormal::new(25f64.ln(), 0.4).unwrap();
    let mut log = alb_log(6, &[(100.0, 10.0)], &|r| ln.sample(r), "orders");
    for i in 0..7 {
        let at = START + 10.0 + f64::from(i);
        log.push_str(&alb_line(at, "-", "-1", 503, "-", "/orders/1", "orders"));
        log.push('\n');
    }
    for i in 0..4 {
        let at = START + 20.0 + f64::from(i);
        log.push_str(&alb_line(
            at,
            "10.0.0.1:8080",
            "0.020",
            500,
            "500",
            "/orders/1",
            "orders",
        ));
        log.push('\n');
    }
    let path = write(dir.path(), "o.log", &log);
    let (sc, table) = fit_to("alb", &[&path], &dir.path().join("o.toml"));
    assert!(
        table.contains("answered by the ALB itself: 503 ×7"),
        "{table}"
    );
    assert!(
        table.contains("never reached a target (-1 processing times): 7"),
        "{table}"
    );
    assert!(table.contains("5xx 4"), "{table}");
    let er = f(&sc["target_groups"]["orders"]["app"]["error_rate"]);
    let answered = log.lines().count() - 7;
    assert!((er - 4.0 / answered as f64).abs() < 1e-4, "{er}");
}

#[test]
fn bad_input_exits_2() {
    let dir = tempdir();
    let missing = dir.path().join("nope.log");
    let o = simroute(&["fit", "alb", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("nope.log"),
        "{err}"
    );

    let junk = write(dir.path(), "junk.log", "hello\nworld\n");
    let o = simroute(&["fit", "alb", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("junk.log: no readable alb access log entry"),
        "{err}"
    );
    assert!(err.contains("line 1:") && err.contains("line 2:"), "{err}");

    let empty = write(dir.path(), "empty.log", "");
    let o = simroute(&["fit", "apigateway", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("empty"), "{}", text(&o.stderr));

    // One good file does not excuse an unreadable one, and nothing is written.
    let good =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/alb-doc-examples.log");
    let out = dir.path().join("x.toml");
    let o = simroute(&[
        "fit",
        "alb",
        good.to_str().unwrap(),
        junk.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());

    // Months of logs in 1 s intervals would be millions of counters per route: refused.
    let o = simroute(&["fit", "alb", good.to_str().unwrap(), "--interval-s", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("give a larger --interval-s"),
        "{}",
        text(&o.stderr)
    );
    let o = simroute(&["fit", "alb", good.to_str().unwrap(), "--interval-s", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

/// API Gateway JSON logs: integration latency per route, the gateway's overhead and the
/// authorizer's latency fit back; 4xx from the gateway are counted; the scenario validates.
#[test]
fn apigateway_fits_back() {
    let dir = tempdir();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let integration = LogNormal::new(30f64.ln(), 0.4).unwrap();
    let overhead = Gamma::new(4.0f64, 1.0).unwrap(); // mean 4 ms
    let auth = LogNormal::new(12f64.ln(), 0.3).unwrap();
    let mut log = String::new();
    let times = arrivals(&mut rng, &[(900.0, 15.0), (900.0, 30.0)]);
    let mut throttled = 0;
    for (i, at) in times.iter().enumerate() {
        let epoch_ms = (at * 1000.0).round() as i64;
        if i.is_multiple_of(5) {
            let a = auth.sample(&mut rng).round().max(1.0);
            if i.is_multiple_of(50) {
                // Rejected by the authorizer: no integration.
                writeln!(log, r#"{{"requestId":"r{i}","requestTimeEpoch":"{epoch_ms}","routeKey":"PUT /orders/{{id}}","status":"401","integrationLatency":"-","responseLatency":"{}","authorizer.latency":"{a}"}}"#, a + 1.0).unwrap();
                throttled += 1;
                continue;
            }
            let il = integration.sample(&mut rng).round().max(1.0);
            let ov = overhead.sample(&mut rng).round();
            writeln!(log, r#"{{"requestId":"r{i}","requestTimeEpoch":"{epoch_ms}","routeKey":"PUT /orders/{{id}}","status":"200","integrationLatency":"{il}","responseLatency":"{}","authorizer.latency":"{a}"}}"#, il + ov + a).unwrap();
        } else {
            let il = integration.sample(&mut rng).round().max(1.0);
            let ov = overhead.sample(&mut rng).round();
            writeln!(log, r#"{{"requestId":"r{i}","requestTimeEpoch":"{epoch_ms}","routeKey":"GET /orders/{{id}}","status":"200","integrationLatency":"{il}","responseLatency":"{}"}}"#, il + ov).unwrap();
        }
    }
    assert!(throttled > 10);
    let path = write(dir.path(), "api.log", &log);
    let (sc, table) = fit_to("apigateway", &[&path], &dir.path().join("api.toml"));
    let gw = &sc["gateway"];
    assert_eq!(gw["kind"].as_str(), Some("http"));
    // The overhead (response − integration − authorizer latency): gamma with mean 4 ms,
    // rounded to whole ms.
    let lat = &gw["latency"];
    let mean = match lat["dist"].as_str() {
        Some("gamma") => f(&lat["mean_ms"]),
        Some("lognormal") => f(&lat["median_ms"]) * (f(&lat["sigma"]).powi(2) / 2.0).exp(),
        other => panic!("overhead fitted as {other:?}: {table}"),
    };
    assert!(rel(mean, 4.0) < 0.05, "{lat:?}");
    let auth_lat = &gw["authorizer"]["latency"];
    assert_eq!(auth_lat["dist"].as_str(), Some("lognormal"), "{table}");
    assert!(rel(f(&auth_lat["median_ms"]), 12.0) < 0.05, "{auth_lat:?}");
    let routes = gw["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    let put = routes
        .iter()
        .find(|r| r["route"].as_str() == Some("PUT /orders/{id}"))
        .unwrap();
    assert_eq!(put["auth"].as_bool(), Some(true));
    let get_tg = sc["target_groups"]["get-orders-id"]["app"]["service"].clone();
    assert_eq!(get_tg["dist"].as_str(), Some("lognormal"), "{table}");
    assert!(rel(f(&get_tg["median_ms"]), 30.0) < 0.03, "{get_tg:?}");
    assert!(rel(f(&get_tg["sigma"]), 0.4) < 0.05, "{get_tg:?}");
    let traffic = sc["traffic"].as_array().unwrap();
    let get = traffic
        .iter()
        .find(|t| t["name"].as_str() == Some("GET /orders/{id}"))
        .unwrap();
    let at: Vec<f64> = get["profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| f(&p["at_s"]))
        .collect();
    assert_eq!(at, vec![0.0, 900.0], "{table}");
    assert!(
        table.contains("answered by the gateway itself: 401 ×"),
        "{table}"
    );
    assert!(table.contains("authorizer latency"), "{table}");
}

/// --into keeps the scenario's comments and other fields, replaces the service and the rate.
#[test]
fn into_merges_and_keeps_comments() {
    let dir = tempdir();
    let ln = LogNormal::new(40f64.ln(), 0.5).unwrap();
    let log = alb_log(8, &STEPS, &|r| ln.sample(r), "orders");
    let path = write(dir.path(), "orders.log", &log);
    let scenario = write(
        dir.path(),
        "mine.toml",
        r#"# My orders service, before the logs came in.
[simulation]
name = "mine"
duration_s = 1800

[[traffic]]
name = "reads" # what the team calls it
method = "GET"
path = "/orders/17"
rate_rps = 1
target_group = "orders"

[target_groups.orders]
targets = 6 # six tasks in production
app = { workers = 8, queue_limit = 50, service = { dist = "constant", ms = 5 } }
"#,
    );
    let out = dir.path().join("merged.toml");
    let o = simroute(&[
        "fit",
        "alb",
        path.to_str().unwrap(),
        "--into",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let merged = fs::read_to_string(&out).unwrap();
    assert!(
        merged.contains("# My orders service, before the logs came in."),
        "{merged}"
    );
    assert!(merged.contains("# six tasks in production"), "{merged}");
    assert!(
        merged.contains("name = \"reads\" # what the team calls it"),
        "{merged}"
    );
    let sc: toml::Table = toml::from_str(&merged).unwrap();
    let app = &sc["target_groups"]["orders"]["app"];
    assert_eq!(app["workers"].as_integer(), Some(8));
    assert_eq!(app["queue_limit"].as_integer(), Some(50));
    assert_eq!(app["service"]["dist"].as_str(), Some("lognormal"));
    let t = &sc["traffic"].as_array().unwrap()[0];
    assert!(t.get("rate_rps").is_none());
    assert_eq!(t["profile"].as_array().unwrap().len(), 3);
    let v = simroute(&["validate", out.to_str().unwrap()]);
    assert!(v.status.success(), "{}", text(&v.stderr));
    assert!(
        text(&o.stdout).contains("route GET /orders/{id}: rate merged"),
        "{}",
        text(&o.stdout)
    );
}

/// Without --out the scenario goes to stdout and the table to stderr.
#[test]
fn stdout_is_the_scenario() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/alb-doc-examples.log");
    let o = simroute(&["fit", "alb", fixture.to_str().unwrap()]);
    assert!(o.status.success());
    let sc: toml::Table = toml::from_str(&text(&o.stdout)).unwrap();
    assert!(sc.contains_key("simulation"));
    assert!(text(&o.stderr).contains("target group my-targets"));
}
