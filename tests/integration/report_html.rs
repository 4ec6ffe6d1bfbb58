//! `report.html` renders in a real browser with every chart: headless Chromium loads the page,
//! and both its DOM and a screenshot are checked. CI installs Chromium (`.ci/run`); without
//! it the test says why it skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use simroute::report::charts::Chart;

use crate::util::*;

/// Chromium on PATH (Debian's package installs `chromium`).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `extra` flags; its stdout. Killed after a minute so a
/// wedged browser fails the test instead of hanging CI.
fn headless(browser: &Path, page: &Path, extra: &[String], profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait on chromium") {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("reader thread")
}

#[test]
fn report_html_renders_every_chart_in_chromium() {
    let Some(browser) = chromium() else {
        // Written past the test harness's capture so the skip is visible in every log.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED report_html_renders_every_chart_in_chromium: no `chromium` on PATH \
             (`.ci/run` installs it: apt-get install -y chromium)"
        );
        return;
    };
    let page = finished_run().join("report.html");
    let work = scratch("chromium");

    let dom = headless(
        &browser,
        &page,
        &["--dump-dom".into()],
        &work.join("profile-dom"),
    );
    assert!(
        dom.contains("<h2 id=\"charts\">Charts</h2>"),
        "page did not load: {dom:.200}"
    );
    for chart in Chart::ALL {
        let id = format!("id=\"{}\"", chart.stem());
        let at = dom
            .find(&id)
            .unwrap_or_else(|| panic!("{} missing from the DOM", chart.stem()));
        // The figure's inline SVG was parsed as SVG, with its data shapes, before the next
        // figure begins.
        let figure = &dom[at..];
        let figure = &figure[..figure.find("</figure>").expect("figure closes")];
        assert!(
            figure.contains("<svg"),
            "{} has no <svg> in the DOM",
            chart.stem()
        );
        assert!(
            figure.contains("<polyline") || figure.contains("<polygon") || figure.contains("<rect"),
            "{} has no shapes in the DOM",
            chart.stem()
        );
    }

    // Pixels: the page is painted, charts included (a tall window takes them all in).
    let shot = work.join("report.png");
    headless(
        &browser,
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,7000".into(),
        ],
        &work.join("profile-shot"),
    );
    let (w, h, rgb) = decode_png(&std::fs::read(&shot).expect("screenshot written"));
    assert_eq!((w, h), (1280, 7000));
    let painted = colourful_pixels(&rgb, w, 0);
    assert!(
        painted > 100_000,
        "only {painted} coloured pixels: charts did not paint"
    );
}
