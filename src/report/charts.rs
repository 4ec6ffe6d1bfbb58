//! The run's charts, drawn with plotters from [`RunData`] (what the output folder holds) into
//! PNG bytes and SVG text. Pure: the same data gives the same bytes, with no system font or
//! file involved, because the font (DejaVu Sans, `assets/fonts`) is compiled in.
//!
//! | chart | from |
//! |---|---|
//! | latency percentiles over time, fault and scaling markers | `timeseries.csv`, `events.csv`, `[slo]` |
//! | responses and failures by cause over time (stacked) | `timeseries.csv` |
//! | healthy targets per group over time | `timeseries.csv` `healthy_<group>` |
//! | latency tail (1 − CDF), log axes, Erlang C theory for M/M/c | `latency.csv`, `summary.json`, `scenario.toml` |
//! | latency per stage | `summary.json` `stages` |
//! | requests per second of time in service (skew) | `summary.json` `per_target`, `events.csv` |
//!
//! A sweep has one chart of its own, [`sweep`]: p99 latency and error rate per point, each
//! point marked pass or fail against its SLO, bands cut at the axis. A sweep point's charts
//! carry the point in their title ([`Chart::titled`], from [`RunData::point`]).
//! A comparison has two, [`compare`]: the variants' p99 and error rate, and their p99 over time.
//!
//! Every chart is one function generic over the plotters backend, so the PNG and the SVG are
//! the same drawing.

mod analytic;
mod common;
pub mod compare;
mod distribution;
mod markers;
mod raster;
pub mod sweep;
mod time;

use std::sync::Once;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::load::RunData;

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1200;
/// Height of every chart, pixels.
pub const HEIGHT: u32 = 660;

/// The charts of a run, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// p50 and p99 per interval, with warm-up, SLO and event markers.
    LatencyOverTime,
    /// Responses per second stacked by outcome, and failures by cause.
    Throughput,
    /// Healthy targets of each target group over time.
    HealthyTargets,
    /// Share of successful requests slower than each latency (1 − CDF), both axes log.
    LatencyCdf,
    /// Mean and p99 latency of each stage of the path.
    StageLatency,
    /// Requests and utilization per target: how evenly balancing spreads load.
    TargetLoad,
}

impl Chart {
    /// Every chart, in report order.
    pub const ALL: [Chart; 6] = [
        Chart::LatencyOverTime,
        Chart::Throughput,
        Chart::HealthyTargets,
        Chart::LatencyCdf,
        Chart::StageLatency,
        Chart::TargetLoad,
    ];

    /// File name without extension (`chart-latency-over-time`); also the HTML element id.
    pub fn stem(self) -> &'static str {
        match self {
            Chart::LatencyOverTime => "chart-latency-over-time",
            Chart::Throughput => "chart-throughput",
            Chart::HealthyTargets => "chart-healthy-targets",
            Chart::LatencyCdf => "chart-latency-cdf",
            Chart::StageLatency => "chart-stage-latency",
            Chart::TargetLoad => "chart-target-load",
        }
    }

    /// The chart's title, as drawn on it.
    pub fn title(self) -> &'static str {
        match self {
            Chart::LatencyOverTime => "End-to-end latency over time",
            Chart::Throughput => "Responses per second by outcome",
            Chart::HealthyTargets => "Healthy targets per target group",
            Chart::LatencyCdf => "End-to-end latency tail: share of requests slower (1 − CDF)",
            Chart::StageLatency => "Latency per stage of the request path",
            Chart::TargetLoad => "Load per target",
        }
    }

    /// The title drawn on the chart of `d`: [`Chart::title`], then the sweep point when the run
    /// is one (`Load per target · target_groups.bags.targets = 4`), so a point's chart pasted
    /// alone still says which point it is.
    pub fn titled(self, d: &RunData) -> String {
        match super::point_text(&d.point) {
            Some(p) => format!("{} · {p}", self.title()),
            None => self.title().to_string(),
        }
    }

    /// One sentence for the report: what the chart answers.
    pub fn question(self) -> &'static str {
        match self {
            Chart::LatencyOverTime => {
                "Does latency hold steady, and what happens to it at faults and scaling actions?"
            }
            Chart::Throughput => "How much traffic succeeds, and when requests fail, why?",
            Chart::HealthyTargets => {
                "How many targets each group had in service, and when that changed."
            }
            Chart::LatencyCdf => {
                "What share of successful requests take longer than a given time, down to the \
                 slowest 0.1% and beyond (and, for an M/M/c scenario, does it match Erlang C)?"
            }
            Chart::StageLatency => "Which hop of the path the time goes to.",
            Chart::TargetLoad => {
                "Does the balancing algorithm spread requests evenly over targets?"
            }
        }
    }

    /// Draws the chart on any plotters backend.
    fn draw<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
        d: &RunData,
    ) -> DrawResult<DB> {
        fonts();
        let title = self.titled(d);
        let title = title.as_str();
        match self {
            Chart::LatencyOverTime => time::latency_over_time(root, d, title),
            Chart::Throughput => time::throughput(root, d, title),
            Chart::HealthyTargets => time::healthy_targets(root, d, title),
            Chart::LatencyCdf => distribution::latency_cdf(root, d, title),
            Chart::StageLatency => distribution::stage_latency(root, d, title),
            Chart::TargetLoad => distribution::target_load(root, d, title),
        }
    }
}

/// What every drawing function returns.
type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart rendered both ways.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Which chart.
    pub chart: Chart,
    /// PNG file bytes.
    pub png: Vec<u8>,
    /// SVG document text.
    pub svg: String,
}

/// Renders every chart of `d`, in [`Chart::ALL`] order.
pub fn render_all(d: &RunData) -> anyhow::Result<Vec<Rendered>> {
    Chart::ALL
        .iter()
        .map(|&chart| {
            Ok(Rendered {
                chart,
                png: png(chart, d)?,
                svg: svg(chart, d)?,
            })
        })
        .collect()
}

/// Renders `chart` as a PNG (8-bit RGB, [`WIDTH`] × [`HEIGHT`]).
pub fn png(chart: Chart, d: &RunData) -> anyhow::Result<Vec<u8>> {
    render_png(chart.stem(), |root| chart.draw(root, d))
}

/// Renders `chart` as an SVG document.
pub fn svg(chart: Chart, d: &RunData) -> anyhow::Result<String> {
    render_svg(chart.stem(), |root| chart.draw(root, d))
}

/// The PNG backend every chart draws on.
type PngArea<'a> = DrawingArea<raster::Raster<'a>, Shift>;
/// The SVG backend every chart draws on.
type SvgArea<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws with `draw` on a white [`WIDTH`] × [`HEIGHT`] raster and encodes it as a PNG
/// (8-bit RGB); `what` names the chart in errors.
fn render_png(
    what: &str,
    draw: impl for<'b> FnOnce(&PngArea<'b>) -> DrawResult<raster::Raster<'b>>,
) -> anyhow::Result<Vec<u8>> {
    fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = raster::Raster::white(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root).map_err(|e| anyhow!("drawing {what}: {e}"))?;
        root.present().map_err(|e| anyhow!("drawing {what}: {e}"))?;
    }
    // Encoded with the `png` crate directly: plotters' own encoder writes only to files.
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // `Fast` is png's fdeflate path; with adaptive row filters the charts are a few percent to
    // 1.6× larger than at `Default` (flate2/miniz, whose per-row writes also zero the output's
    // spare capacity each time) for about a tenth of the time: callgrind counted 1.69 G
    // instructions for a 200,000-customer M/M/4 with its outputs at `Default`, 0.89 G at this.
    // `Best` was 2% smaller than `Default` at 1.4 times its instructions.
    enc.set_compression(png::Compression::Fast);
    enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

/// Draws with `draw` on a [`WIDTH`] × [`HEIGHT`] SVG document; `what` names the chart in
/// errors.
fn render_svg(
    what: &str,
    draw: impl for<'b> FnOnce(&SvgArea<'b>) -> DrawResult<SVGBackend<'b>>,
) -> anyhow::Result<String> {
    fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root).map_err(|e| anyhow!("drawing {what}: {e}"))?;
        root.present().map_err(|e| anyhow!("drawing {what}: {e}"))?;
    }
    out.push('\n');
    Ok(out)
}

/// The family every chart text uses. The PNG draws it with the embedded DejaVu Sans; in SVG it
/// is a CSS font list, so a browser without DejaVu falls back to its own sans-serif.
const FONT: &str = "DejaVu Sans, sans-serif";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters once per process: with the `ab_glyph` feature
/// plotters has no font until one is registered, and text would fail to draw.
fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (style, bytes) in [(FontStyle::Normal, REGULAR), (FontStyle::Bold, BOLD)] {
            if plotters::style::register_font(FONT, style, bytes).is_err() {
                panic!("the embedded DejaVu Sans font does not parse");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::{Event, TimeSeries};
    use crate::results::summary::{
        Count, Group, SloCheckResult, SloVerdict, Stage, Summary, Target, testing,
    };
    use crate::vocab::SloMetric;

    /// The summary of [`sample`]: two replications, three stages, two groups, a missed SLO.
    fn sample_summary() -> Summary {
        let mut s = testing::summary("sample", 2);
        s.seed = 3;
        s.simulated_s = 120.0;
        s.measured_s = 100.0;
        let t = &mut s.figures.traffic;
        t.requests.offered = Count::Exact(24000);
        t.requests.ok = Count::Exact(23800);
        t.throughput_rps = Some(198.0);
        t.error_rate = Some(0.008);
        let l = &mut t.latency_ms;
        (l.mean, l.p50, l.p90, l.p99, l.p999, l.max) = (
            Some(50.0),
            Some(40.0),
            Some(90.0),
            Some(160.0),
            Some(230.0),
            Some(400.0),
        );
        let stage = |mean, p50, p99| Stage {
            mean: Some(mean),
            p50: Some(p50),
            p99: Some(p99),
            p_wait: None,
        };
        s.figures.stages = [
            ("gateway".to_string(), stage(4.0, 3.9, 8.0)),
            ("load_balancer".to_string(), stage(0.1, 0.1, 0.1)),
            ("app_service".to_string(), stage(45.0, 38.0, 150.0)),
        ]
        .into();
        let group = |targets: &[(u64, f64)]| Group {
            traffic: testing::traffic(Count::Exact(0)),
            targets: Count::Exact(targets.len() as u64),
            healthy_min: Count::Exact(0),
            healthy_mean: None,
            utilization: None,
            requests: Count::Exact(0),
            health_transitions: Count::Exact(0),
            probes: Count::Exact(0),
            tasks_started: Count::Exact(0),
            max_queue: Count::Exact(0),
            per_target: targets
                .iter()
                .map(|&(r, u)| Target {
                    requests: Count::Exact(r),
                    utilization: Some(u),
                    max_queue: Count::Exact(0),
                })
                .collect(),
        };
        s.figures.target_groups = [
            (
                "web".to_string(),
                group(&[(8000, 0.4), (9000, 0.45), (6800, 0.35)]),
            ),
            ("api".to_string(), group(&[(100, 0.02), (100, 0.02)])),
        ]
        .into();
        s.ci95.as_mut().unwrap().traffic.latency_ms.p99 = Some(2.5);
        let check = |metric, threshold, actual, passed| SloCheckResult {
            metric,
            route: None,
            target_group: None,
            threshold,
            actual: Some(actual),
            passed,
        };
        s.slo = Some(SloVerdict {
            passed: false,
            checks: vec![
                check(SloMetric::P99Ms, 250.0, 160.0, true),
                check(SloMetric::ErrorRate, 0.001, 0.008, false),
            ],
        });
        s
    }

    /// A small run with every feature a chart can show: warm-up, failures of two causes, a gap
    /// without successful responses, a lost target, a fault and a scaling event, an SLO.
    pub(crate) fn sample() -> RunData {
        let n = 120;
        let t_s: Vec<f64> = (0..n).map(f64::from).collect();
        let wave = |i: usize, base: f64, amp: f64| base + amp * ((i as f64) / 7.0).sin();
        let mut p50: Vec<f64> = (0..n as usize).map(|i| wave(i, 40.0, 5.0)).collect();
        let mut p99: Vec<f64> = (0..n as usize).map(|i| wave(i, 150.0, 30.0)).collect();
        p50[70] = f64::NAN;
        p99[70] = f64::NAN;
        let failures = |from: usize, to: usize, v: f64| -> Vec<f64> {
            (0..n as usize)
                .map(|i| if (from..to).contains(&i) { v } else { 0.0 })
                .collect()
        };
        let failed: Vec<(String, Vec<f64>)> = vec![
            ("unavailable_503".into(), failures(60, 75, 12.0)),
            ("client_timeout".into(), failures(65, 80, 4.0)),
            ("throttled_429".into(), vec![0.0; n as usize]),
        ];
        RunData {
            summary: sample_summary(),
            timeseries: TimeSeries {
                offered: vec![200.0; n as usize],
                ok: (0..n as usize).map(|i| wave(i, 190.0, 8.0)).collect(),
                worst_failures: failed.clone(),
                failures: failed,
                p50_ms: p50,
                p99_ms: p99,
                in_flight: vec![10.0; n as usize],
                healthy: vec![
                    (
                        "web".into(),
                        (0..n as usize)
                            .map(|i| if (60..90).contains(&i) { 2.0 } else { 3.0 })
                            .collect(),
                    ),
                    ("api".into(), vec![2.0; n as usize]),
                ],
                registered: vec![
                    ("web".into(), vec![3.0; n as usize]),
                    ("api".into(), vec![2.0; n as usize]),
                ],
                t_s,
                rows_per_point: 1,
            },
            latency_cdf: (1..=400)
                .map(|i| (f64::from(i), f64::from(i) / 400.0))
                .collect(),
            events: vec![
                Event {
                    t_s: 60.0,
                    kind: "fault".into(),
                    target_group: "web".into(),
                    target: "1".into(),
                    to: "crashed".into(),
                    ..Event::default()
                },
                Event {
                    t_s: 62.0,
                    kind: "health_transition".into(),
                    target_group: "web".into(),
                    target: "1".into(),
                    ..Event::default()
                },
                Event {
                    t_s: 90.0,
                    kind: "scaling".into(),
                    target_group: "web".into(),
                    ..Event::default()
                },
            ],
            scenario_toml: "[simulation]\nname = \"sample\"\n".into(),
            point: Vec::new(),
        }
    }

    /// A run with nothing to draw: no intervals, no latency, no stages, no targets.
    fn empty() -> RunData {
        RunData {
            summary: testing::summary("empty", 1),
            timeseries: TimeSeries::default(),
            latency_cdf: Vec::new(),
            events: Vec::new(),
            scenario_toml: String::new(),
            point: Vec::new(),
        }
    }

    /// Decodes a PNG into (width, height, RGB bytes).
    pub(crate) fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(png_bytes)
            .read_info()
            .expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// Saturated pixels below the title block: data (text and grid are grey).
    pub(crate) fn colourful_pixels(rgb: &[u8], width: u32) -> usize {
        rgb.chunks(3)
            .enumerate()
            .filter(|(i, _)| (*i as u32 / width) > 130)
            .filter(|(_, p)| {
                let (max, min) = (p.iter().max().unwrap(), p.iter().min().unwrap());
                max - min > 60
            })
            .count()
    }

    #[test]
    fn every_chart_draws_its_data() {
        let d = sample();
        for chart in Chart::ALL {
            let (w, h, rgb) = decode(&png(chart, &d).unwrap());
            assert_eq!((w, h), (WIDTH, HEIGHT));
            let coloured = colourful_pixels(&rgb, w);
            assert!(coloured > 2_000, "{}: {coloured} data pixels", chart.stem());
            let svg = svg(chart, &d).unwrap();
            assert!(svg.starts_with("<svg"), "{}", chart.stem());
            let shapes = ["<polyline", "<polygon", "<rect"]
                .iter()
                .map(|t| svg.matches(t).count())
                .sum::<usize>();
            assert!(shapes > 5, "{}: {shapes} shapes", chart.stem());
            assert!(
                svg.contains(chart.title()),
                "{} has its title",
                chart.stem()
            );
        }
    }

    #[test]
    fn markers_and_slo_are_drawn_and_labelled() {
        let d = sample();
        let doc = svg(Chart::LatencyOverTime, &d).unwrap();
        assert!(doc.contains("crashed web/1") && doc.contains("scaling web"));
        assert!(
            !doc.contains("health transition"),
            "health steps are not markers"
        );
        assert!(doc.contains("SLO p99 ≤ 250 ms"));
        let doc = svg(Chart::Throughput, &d).unwrap();
        assert!(doc.contains("unavailable 503") && doc.contains("client timeout"));
        assert!(
            !doc.contains("throttled 429"),
            "causes that never happened stay out"
        );
        let doc = svg(Chart::LatencyCdf, &d).unwrap();
        assert!(doc.contains("log scale") && doc.contains("p99.9"));
    }

    #[test]
    fn markers_at_one_time_are_set_side_by_side() {
        let mut d = sample();
        // A scale-out and the task start it causes, in the same second.
        d.events = ["scale_out", "task_start", "task_start"]
            .iter()
            .map(|kind| Event {
                t_s: 90.0,
                kind: kind.to_string(),
                target_group: "web".into(),
                ..Event::default()
            })
            .collect();
        let doc = svg(Chart::LatencyOverTime, &d).unwrap();
        // The x of each marker line of `colour` (the full plot height; a label's short leader
        // in the strip above is not a marker).
        let first_x = |colour: RGBColor| -> Vec<i32> {
            let stroke = format!(
                "stroke=\"#{:02X}{:02X}{:02X}\"",
                colour.0, colour.1, colour.2
            );
            doc.split("<polyline")
                .filter(|p| p.contains(&stroke))
                .filter_map(|p| {
                    let points = p.split("points=\"").nth(1)?.split('"').next()?;
                    let xy: Vec<Vec<i32>> = points
                        .split_whitespace()
                        .map(|pt| pt.split(',').filter_map(|v| v.parse().ok()).collect())
                        .collect();
                    let (a, b) = (xy.first()?, xy.last()?);
                    ((a[1] - b[1]).abs() > 200).then_some(a[0])
                })
                .collect()
        };
        let (scale, start) = (first_x(common::TAB_PURPLE), first_x(common::TAB_TEAL));
        assert_eq!(scale.len(), 1, "one scale-out marker");
        assert_eq!(start.len(), 1, "two task starts at one place: one marker");
        assert_eq!(
            start[0] - scale[0],
            3,
            "the task start beside the scale-out"
        );
    }

    #[test]
    fn markers_are_translucent_and_drawn_behind_the_data() {
        let d = sample();
        let hex = |c: RGBColor| format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
        for (chart, data) in [
            (
                Chart::LatencyOverTime,
                format!("{} stroke-width=\"2\"", hex(common::TAB_ORANGE)),
            ),
            (Chart::Throughput, "<polygon".to_string()),
        ] {
            let doc = svg(chart, &d).unwrap();
            let marker = format!("opacity=\"0.45\" {}", hex(common::TAB_RED));
            let fault = doc.find(&marker).expect("a translucent fault marker");
            let first_data = doc.find(&data).expect("data");
            assert!(fault < first_data, "{}: marker before data", chart.stem());
        }
    }

    #[test]
    fn a_run_with_nothing_to_draw_says_so() {
        let d = empty();
        for chart in Chart::ALL {
            let (w, h, _) = decode(&png(chart, &d).unwrap());
            assert_eq!((w, h), (WIDTH, HEIGHT));
            let svg = svg(chart, &d).unwrap();
            assert!(
                svg.contains("No "),
                "{} explains why it is empty",
                chart.stem()
            );
        }
    }

    #[test]
    fn a_sweep_points_charts_are_titled_with_its_point() {
        let mut d = sample();
        d.point = vec![
            ("target_groups.bags.targets".into(), "4".into()),
            (
                "target_groups.bags.algorithm".into(),
                "\"round_robin\"".into(),
            ),
        ];
        let named = "target_groups.bags.targets = 4, target_groups.bags.algorithm = round_robin";
        // The size the title is drawn at, from the SVG (plotters scales font sizes by 1/1.24).
        let title_size = |svg: &str, title: &str| -> f64 {
            let at = svg.find(&format!(">\n{title}\n")).expect("title drawn");
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let size = tag.split("font-size=\"").nth(1).unwrap().split('"').next();
            size.unwrap().parse::<f64>().unwrap() * 1.24
        };
        for chart in Chart::ALL {
            let title = format!("{} · {named}", chart.title());
            assert_eq!(chart.titled(&d), title);
            let svg = svg(chart, &d).unwrap();
            let size = title_size(&svg, &title);
            // Shrunk to fit the chart's width, never below the floor.
            assert!((17.0..=26.0).contains(&size), "{}: {size}", chart.stem());
            let room = f64::from(WIDTH) - 48.0;
            // DejaVu Sans Bold averages under 0.7 em a character.
            if title.chars().count() as f64 * 0.7 * 26.0 > room {
                assert!(size < 26.0, "{}: a long title is shrunk", chart.stem());
            }
            decode(&png(chart, &d).unwrap());
        }
        d.point.clear();
        let plain = svg(Chart::LatencyOverTime, &d).unwrap();
        assert!((title_size(&plain, Chart::LatencyOverTime.title()) - 26.0).abs() < 1e-6);
        assert_eq!(Chart::TargetLoad.titled(&d), "Load per target");
    }

    #[test]
    fn merged_failures_are_drawn_at_their_worst_rows_rate() {
        let mut d = sample();
        // As if each point stood for two 0.5 s rows: the sums stay, and one row of one point
        // had 300 of its 12 + 300 failures.
        let ts = &mut d.timeseries;
        ts.rows_per_point = 2;
        ts.failures[0].1[62] = 312.0;
        ts.worst_failures = ts.failures.clone();
        ts.worst_failures[0].1[62] = 300.0;
        let doc = svg(Chart::Throughput, &d).unwrap();
        assert!(doc.contains("Failures by cause, worst 0.5 s of each 1 s"));
        // 300 failures in a 0.5 s row: 600/s, so the failures axis reaches 600 (the mean
        // rate of that point is 312/s).
        assert!(
            doc.contains("\n600\n"),
            "failures axis reaches the worst row's rate"
        );
        d.timeseries.rows_per_point = 1;
        d.timeseries.worst_failures = d.timeseries.failures.clone();
        let doc = svg(Chart::Throughput, &d).unwrap();
        assert!(doc.contains("\nFailures by cause\n") && !doc.contains("\n600\n"));
    }

    #[test]
    fn an_mmc_scenario_gets_erlang_c_reference_lines() {
        let mut d = sample();
        let plain = svg(Chart::LatencyOverTime, &d).unwrap();
        assert!(
            !plain.contains("theory"),
            "no reference for a non-M/M/c run"
        );
        d.scenario_toml = include_str!("../../scenarios/mmc.toml").into();
        // mmc.toml: λ = 3.2/ms, μ = 1/ms, c = 4; the mean sojourn is 1.7455 ms.
        let doc = svg(Chart::LatencyOverTime, &d).unwrap();
        assert!(
            doc.contains("M/M/4 theory p50 1.3 ms, p99 6.9 ms"),
            "legend"
        );
        let green = format!(
            "stroke=\"#{:02X}{:02X}{:02X}\"",
            common::TAB_GREEN.0,
            common::TAB_GREEN.1,
            common::TAB_GREEN.2
        );
        assert!(
            doc.matches(&green).count() > 10,
            "dashed theory lines drawn"
        );
        let doc = svg(Chart::LatencyCdf, &d).unwrap();
        assert!(doc.contains("M/M/4 theory (Erlang C), ρ = 0.80: mean 1.7 ms, p99 6.9 ms"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let d = sample();
        for chart in [Chart::LatencyCdf, Chart::TargetLoad] {
            assert_eq!(png(chart, &d).unwrap(), png(chart, &d).unwrap());
            assert_eq!(svg(chart, &d).unwrap(), svg(chart, &d).unwrap());
        }
    }
}
