//! A sweep's charts through the binary: every point's charts and reports are titled with their
//! point, the sweep chart marks which points met their SLO, and a confidence band wider than
//! the axis is cut there and marked; `simroute report` redraws all of it byte for byte.

use std::fs;
use std::path::Path;

use super::util::{copy_tree, decode_png, read_tree, run, scratch};

/// Poisson traffic at 3300/s over 4 to 6 tasks of two 2-ms exponential workers: 4 tasks run at
/// 82% utilization, where two replications' p99s differ by half their mean, so the p99 SLO of
/// 20 ms fails there with a very wide interval; 5 and 6 tasks meet it.
const SCENARIO: &str = r#"
[simulation]
name = "mm2-tasks"
seed = 3
duration_s = 30
warmup_s = 5
replications = 2

[[traffic]]
name = "load"
rate_rps = 3300
target_group = "app"

[target_groups.app]
targets = 4
algorithm = "random"
app = { workers = 2, service = { dist = "exponential", mean_ms = 2 } }

[slo]
p99_ms = 20
"#;

/// Runs the sweep into a fresh folder named `name`; returns the output folder.
fn sweep(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let file = dir.join("mm2.toml");
    fs::write(&file, SCENARIO).unwrap();
    let out = dir.join("out");
    let o = run(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "target_groups.app.targets=4..6",
        "--replications",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    // One point misses the SLO (the chart marks it), so the sweep exits 1.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// `summary.csv` rows: (targets, p99 ms, its 95% half-width, SLO passed).
fn rows(out: &Path) -> Vec<(u32, f64, f64, bool)> {
    let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (k, p99, ci, passed) = (
        col("vary.target_groups.app.targets"),
        col("latency_ms.p99"),
        col("ci95.latency_ms.p99"),
        col("slo.passed"),
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[k].parse().unwrap(),
                r[p99].parse().unwrap(),
                r[ci].parse().unwrap(),
                r[passed].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn each_point_chart_and_report_is_titled_with_its_point() {
    let out = sweep("sweep-point-titles");
    for targets in 4..=6 {
        let point = out.join(format!("points/target_groups.app.targets={targets}"));
        let named = format!("target_groups.app.targets = {targets}");
        let mut charts = 0;
        for entry in fs::read_dir(&point).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("chart-") && name.ends_with(".svg") {
                let svg = fs::read_to_string(&path).unwrap();
                assert!(
                    svg.contains(&format!(" · {named}\n")),
                    "{name} names {named}"
                );
                charts += 1;
            }
            if name.starts_with("chart-") && name.ends_with(".png") {
                let (w, h, _) = decode_png(&fs::read(&path).unwrap());
                assert_eq!((w, h), (1200, 660), "{name}");
            }
        }
        assert_eq!(charts, 6, "every chart of the point");
        let md = fs::read_to_string(point.join("report.md")).unwrap();
        assert!(
            md.starts_with(&format!("# simroute report: mm2-tasks · {named}\n")),
            "{}",
            md.lines().next().unwrap()
        );
        let html = fs::read_to_string(point.join("report.html")).unwrap();
        assert!(html.contains(&format!("<h1>mm2-tasks · {named}</h1>")));
    }

    // The sweep's folder rebuilt: every file the same; one point's folder rebuilt alone (its
    // parent's sweep.json names its point): its charts and reports still the same.
    let copy = scratch("sweep-point-titles-rebuilt").join("out");
    copy_tree(&out, &copy);
    let o = run(&["report", copy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read_tree(&copy), read_tree(&out));
    let point = copy.join("points/target_groups.app.targets=5");
    let o = run(&["report", point.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = read_tree(&out.join("points/target_groups.app.targets=5"));
    for (name, bytes) in read_tree(&point) {
        if name.starts_with("chart-") || name.starts_with("report.") {
            assert!(
                before[&name] == bytes,
                "{name} differs after report on the point"
            );
        }
    }
}

#[test]
fn the_sweep_chart_marks_pass_and_fail_and_cuts_a_band_at_the_axis() {
    let out = sweep("sweep-pass-fail");
    let rows = rows(&out);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![4, 5, 6]);
    let met = rows.iter().filter(|r| r.3).count();
    assert!(
        (1..3).contains(&met),
        "the scenario has points on both sides of the SLO: {rows:?}"
    );
    let svg = fs::read_to_string(out.join("chart-sweep.svg")).unwrap();
    assert!(
        svg.contains(&format!("3 points · {met} of 3 meet the SLO")),
        "subtitle counts the points that met the SLO"
    );
    assert!(svg.contains("meets SLO") && svg.contains("misses SLO"));
    // A failed point is a red cross (two lines) on both panels; the legend has one more.
    let crosses = svg
        .matches("<line opacity=\"1\" stroke=\"#B01E2A\" stroke-width=\"3\"")
        .count();
    assert_eq!(crosses, 2 * (2 * (3 - met) + 1), "{crosses} cross strokes");

    // The p99 axis is sized by the means and the SLO (a linear axis here: they are within a
    // factor of 20); a band reaching past 1.5 times the highest of them is cut at the top.
    assert!(!svg.contains("log scale"));
    let highest = rows.iter().map(|r| r.1).fold(20.0, f64::max);
    let band_top = rows.iter().map(|r| r.1 + r.2).fold(20.0, f64::max);
    let ceiling = band_top.min(highest * 1.5) * 1.12;
    let cut = rows.iter().filter(|r| r.1 + r.2 > ceiling).count();
    assert_eq!(
        cut, 1,
        "the 4-task point's two replications give a band past the axis: {rows:?}"
    );
    assert!(svg.contains("cut at the axis top (▲)"));
    let triangles = svg
        .split("<polygon")
        .skip(1)
        .filter(|p| {
            p.split("points=\"")
                .nth(1)
                .and_then(|q| q.split('"').next())
                .is_some_and(|q| q.split_whitespace().count() == 3)
        })
        .count();
    assert_eq!(triangles, cut, "one triangle per cut band");
    // Every band vertex inside the panel: no y above the plot's top edge.
    let band = svg
        .split("<polygon")
        .nth(1)
        .and_then(|p| p.split("points=\"").nth(1))
        .and_then(|q| q.split('"').next())
        .unwrap();
    let top_edge = svg
        .split("<polyline")
        .filter_map(|p| p.split("points=\"").nth(1)?.split('"').next())
        .find_map(|q| {
            // The y axis line: one x, two ys, the first the plot's top.
            let pts: Vec<(i32, i32)> = q
                .split_whitespace()
                .filter_map(|xy| {
                    let (x, y) = xy.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            (pts.len() == 2 && pts[0].0 == pts[1].0 && pts[1].1 - pts[0].1 > 300)
                .then_some(pts[0].1)
        })
        .unwrap();
    for xy in band.split_whitespace() {
        let y: i32 = xy.split(',').nth(1).unwrap().parse().unwrap();
        assert!(
            y >= top_edge,
            "band vertex {xy} above the plot top {top_edge}"
        );
    }
}
