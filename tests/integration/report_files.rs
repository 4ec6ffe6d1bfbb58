//! `simroute run` writes every chart (PNG and SVG, with data drawn) and report.{md,html};
//! `simroute report DIR` rebuilds them byte for byte and refuses folders that are not runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use simroute::report::charts::{Chart, HEIGHT, WIDTH};

use crate::util::*;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn run_writes_every_chart_as_png_and_svg_with_data_drawn() {
    let dir = finished_run();
    for chart in Chart::ALL {
        let stem = chart.stem();
        let png =
            fs::read(dir.join(format!("{stem}.png"))).unwrap_or_else(|e| panic!("{stem}.png: {e}"));
        let (w, h, rgb) = decode_png(&png);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{stem}.png size");
        // Below the title and legend: an empty frame has no saturated pixels at all.
        let data = colourful_pixels(&rgb, w, 130);
        assert!(data > 3_000, "{stem}.png has only {data} data pixels");

        let svg = fs::read_to_string(dir.join(format!("{stem}.svg")))
            .unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
        assert_well_formed_svg(&svg);
        assert!(svg.contains(&format!("viewBox=\"0 0 {WIDTH} {HEIGHT}\"")));
        assert!(svg.contains(chart.title()), "{stem}.svg lacks its title");
        let shapes = ["<polyline", "<polygon", "<rect"]
            .iter()
            .map(|t| svg.matches(t).count())
            .sum::<usize>();
        assert!(shapes > 10, "{stem}.svg has {shapes} shapes");
    }
    // The series that carry the data have many points, not just a frame.
    let cdf = fs::read_to_string(dir.join("chart-latency-cdf.svg")).unwrap();
    let most_points = cdf
        .split("<polyline")
        .skip(1)
        .map(|p| p.split("points=\"").nth(1).unwrap_or("").split(' ').count())
        .max()
        .unwrap_or(0);
    assert!(most_points > 100, "CDF line has {most_points} points");
    let throughput = fs::read_to_string(dir.join("chart-throughput.svg")).unwrap();
    assert!(
        throughput.contains("unauthorized 401"),
        "the petstore's 401s are a failure cause"
    );
}

#[test]
fn reports_hold_every_chart_and_need_no_other_file() {
    let dir = finished_run();
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for chart in Chart::ALL {
        assert!(
            md.contains(&format!("]({}.png)", chart.stem())),
            "report.md links {}",
            chart.stem()
        );
        assert!(html.contains(&format!("<figure class=\"chart\" id=\"{}\">", chart.stem())));
    }
    assert_eq!(
        html.matches("<svg ").count(),
        Chart::ALL.len(),
        "one inline SVG per chart"
    );
    // The SVG namespace is an identifier, not a fetch.
    let page = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for external in [
        "<script", "<link", "<img", "src=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!page.contains(external), "report.html refers to {external}");
    }
    for section in ["SLO", "Charts", "Figures", "Events", "Scenario as run"] {
        assert!(html.contains(section), "report.html lacks {section}");
        assert!(md.contains(section), "report.md lacks {section}");
    }
    // The scenario as run, verbatim (escaped) in both.
    let toml = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let first = toml.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(md.contains(first));
    assert!(html.contains(&first.replace('"', "&quot;")));
}

#[test]
fn report_rebuilds_the_same_files_in_place() {
    let original = finished_run();
    let dir = copy_run(original, "rebuild");
    // Charts and reports gone, a file of the user's own added: report restores the first and
    // keeps the second.
    for name in files(&dir).keys() {
        if name.starts_with("chart-") || name.starts_with("report.") {
            fs::remove_file(dir.join(name)).unwrap();
        }
    }
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let o = run(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut expected = files(original);
    expected.insert("notes.txt".into(), b"mine".to_vec());
    let rebuilt = files(&dir);
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &expected {
        assert!(
            &rebuilt[name] == bytes,
            "{name} differs after simroute report"
        );
    }
    let leftovers = fs::read_dir(dir.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary folders left beside the run");
}

#[test]
fn report_refuses_what_is_not_a_finished_run() {
    let empty = scratch("not-a-run");
    let o = run(&["report", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not a simroute output folder: summary.json is missing"),
        "{err}"
    );
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0, "nothing written");

    let missing = empty.join("nope");
    let o = run(&["report", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());

    // A damaged run is left exactly as it was.
    let dir = copy_run(finished_run(), "damaged");
    fs::write(dir.join("timeseries.csv"), "t_s,ok\n1,2\n").unwrap();
    let before = files(&dir);
    let o = run(&["report", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("timeseries.csv") && err.contains("no offered column"),
        "{err}"
    );
    assert!(files(&dir) == before, "a refused folder is untouched");
}
