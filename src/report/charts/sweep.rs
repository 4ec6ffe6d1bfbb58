//! The chart of a sweep (`chart-sweep.png` / `.svg`): p99 latency and error rate against the
//! first varied key, side by side, each point a marker on the mean with its 95% confidence
//! interval shaded and the scenario's SLO threshold dashed. With a second varied key, one line
//! per value of it. When the p99s span decades (an overloaded point beside healthy ones), the
//! latency axis turns logarithmic, or the healthy points and the SLO would flatten onto zero.
//!
//! Each point's marker says whether that point met its SLO (every check of its `summary.json`
//! verdict): a filled disc when it did, a red cross when it did not. The axis is sized by the
//! means and the SLO, not by the widest interval: a band reaching more than [`BAND_ROOM`] times
//! past the highest of them is cut at the axis top and marked there with a triangle, so one
//! two-replication point with an interval of ±1000% cannot squeeze every other point flat.

use std::ops::Range;

use super::common::*;
use super::{DrawResult, render_png, render_svg};
use crate::results::summary::{Fig, Summary, Traffic};
use crate::vocab::SloMetric;
use plotters::coord::Shift;
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// File name of the sweep chart without extension.
pub const STEM: &str = "chart-sweep";

/// What the sweep chart is drawn from: the varied keys, each point's values of them, and each
/// point's `summary.json` document.
#[derive(Debug, Clone, Copy)]
pub struct SweepData<'a> {
    /// The scenario's name, for the title.
    pub scenario: &'a str,
    /// The varied keys in `--vary` order; the first is the x axis.
    pub keys: &'a [String],
    /// Per point, its value of each key (same order as `keys`).
    pub values: &'a [Vec<String>],
    /// Per point, its `summary.json` document.
    pub summaries: &'a [Summary],
}

/// Renders the sweep chart as a PNG (8-bit RGB, [`super::WIDTH`] × [`super::HEIGHT`]).
pub fn png(d: &SweepData<'_>) -> anyhow::Result<Vec<u8>> {
    render_png(STEM, |root| draw(root, d))
}

/// Renders the sweep chart as an SVG document.
pub fn svg(d: &SweepData<'_>) -> anyhow::Result<String> {
    render_svg(STEM, |root| draw(root, d))
}

/// One figure drawn against x: where it lives in `summary.json`, how it is shown.
struct Metric {
    /// The figure (mean, or its half-width in the `ci95` tree).
    get: fn(&Traffic<crate::results::summary::Count>) -> Fig,
    /// The same figure's half-width.
    ci: fn(&Traffic<crate::results::summary::HalfWidth>) -> Fig,
    /// The SLO check metric that bounds it.
    slo: SloMetric,
    /// Multiplier from the document's unit to the axis unit.
    scale: f64,
    /// Axis description.
    desc: &'static str,
    /// Unit after a value in labels.
    unit: &'static str,
    /// Message when no point has the figure.
    none: &'static str,
    /// Drawn on a log axis when its values span more than [`WIDE_SPAN`] (latencies; an error
    /// rate has zeros, which a log axis cannot show).
    log_when_wide: bool,
}

/// Ratio of the top of the drawn values to the smallest mean (or the SLO) beyond which a
/// `log_when_wide` panel is drawn on a log axis: past it, a linear axis squeezes the smaller
/// values into the bottom twentieth of the panel.
const WIDE_SPAN: f64 = 20.0;

/// How far past the highest mean (or the SLO) a confidence band may reach before it is cut at
/// the axis top: on a linear axis this factor of it, on a log axis its square (the same share
/// of a decade-scaled panel).
pub const BAND_ROOM: f64 = 1.5;

/// The left panel: p99 latency in ms.
const P99: Metric = Metric {
    get: |t| t.latency_ms.p99,
    ci: |t| t.latency_ms.p99,
    slo: SloMetric::P99Ms,
    scale: 1.0,
    desc: "p99 latency (ms)",
    unit: " ms",
    none: "No latency: no point had successful requests",
    log_when_wide: true,
};

/// The right panel: error rate, drawn in percent.
const ERRORS: Metric = Metric {
    get: |t| t.error_rate,
    ci: |t| t.error_rate,
    slo: SloMetric::ErrorRate,
    scale: 100.0,
    desc: "error rate (%)",
    unit: "%",
    none: "No error rate in the points' summaries",
    log_when_wide: false,
};

/// One point of a line.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pt {
    /// Position on the x axis.
    x: f64,
    /// The figure's mean over replications, in the axis unit.
    mean: f64,
    /// Its 95% half-width (0 when unknown).
    ci: f64,
    /// Whether the point met its SLO; `None` without an `[slo]`.
    pass: Option<bool>,
}

/// One line: its legend label and its points in x order.
struct Series {
    label: String,
    points: Vec<Pt>,
}

/// The x axis: the position of each point, and how positions are labelled.
struct XAxis {
    /// Per point, its x position (the value, or the category's index).
    pos: Vec<f64>,
    /// Categories in first-seen order, when the values are not all numbers.
    categories: Option<Vec<String>>,
}

impl XAxis {
    /// Positions from the first key's values: numbers when all parse, else categories.
    fn new(d: &SweepData<'_>) -> XAxis {
        let first: Vec<&str> = d
            .values
            .iter()
            .map(|v| v.first().map_or("", String::as_str))
            .collect();
        let numbers: Option<Vec<f64>> = first
            .iter()
            .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        match numbers {
            Some(pos) if !pos.is_empty() => XAxis {
                pos,
                categories: None,
            },
            _ => {
                let mut cats: Vec<String> = Vec::new();
                let pos = first
                    .iter()
                    .map(|v| {
                        let v = v.trim_matches('"');
                        let i = cats.iter().position(|c| c == v).unwrap_or_else(|| {
                            cats.push(v.to_string());
                            cats.len() - 1
                        });
                        i as f64
                    })
                    .collect();
                XAxis {
                    pos,
                    categories: Some(cats),
                }
            }
        }
    }

    /// The axis range, with room either side so end markers are not cut by the frame.
    fn range(&self) -> (f64, f64) {
        if let Some(c) = &self.categories {
            return (-0.5, c.len() as f64 - 0.5);
        }
        let lo = self.pos.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.pos.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo { (hi - lo) * 0.06 } else { 1.0 };
        (lo - pad, hi + pad)
    }

    /// Where ticks go: at the sweep's own values (thinned to at most a dozen), so an axis of
    /// target counts reads 2 3 4 5 rather than 2 2.5 3.
    fn ticks(&self) -> Vec<f64> {
        let mut v: Vec<f64> = match &self.categories {
            Some(c) => (0..c.len()).map(|i| i as f64).collect(),
            None => self.pos.clone(),
        };
        v.sort_by(f64::total_cmp);
        v.dedup();
        let step = v.len().div_ceil(12).max(1);
        v.into_iter().step_by(step).collect()
    }

    /// The tick label at position `x`.
    fn label(&self, x: f64) -> String {
        match &self.categories {
            Some(c) => c.get(x.round() as usize).cloned().unwrap_or_default(),
            None => tick(x),
        }
    }
}

/// A linear f64 axis whose ticks are given points (the sweep's values) with no light lines
/// between them.
struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

impl ValueFormatter<f64> for Ticked {
    fn format(value: &f64) -> String {
        tick(*value)
    }
}

/// A panel's y axis: linear from zero, or logarithmic from a whole decade up to the values.
enum YAxis {
    Linear(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl YAxis {
    /// The axis for `lines` (and the SLO threshold `slo`) of `metric`: from the means and the
    /// SLO, with room for the bands up to [`BAND_ROOM`] past the highest of them.
    fn new(lines: &[Series], slo: Option<f64>, metric: &Metric) -> YAxis {
        let means = || lines.iter().flat_map(|s| s.points.iter().map(|p| p.mean));
        let highest = means().chain(slo).fold(0.0, f64::max);
        let band_top = lines
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.mean + p.ci))
            .chain(slo)
            .fold(0.0, f64::max);
        let smallest = means().chain(slo).fold(f64::INFINITY, f64::min);
        if metric.log_when_wide && smallest > 0.0 && highest / smallest > WIDE_SPAN {
            // From a whole decade below, so the smallest value sits above a labelled line; the
            // top is the band's own, as on the linear axis (rounding it up to a decade can waste
            // a fifth of the panel).
            let top = band_top.min(highest * BAND_ROOM * BAND_ROOM);
            let (lo, _) = decades(smallest, top);
            return YAxis::Log((lo..top * 1.25).log_scale().into());
        }
        let top = if highest > 0.0 {
            band_top.min(highest * BAND_ROOM)
        } else {
            band_top
        };
        // An all-zero figure (no errors anywhere) still gets an axis that reads as zero.
        let top = if top > 0.0 { top * 1.12 } else { 1.0 };
        YAxis::Linear((0.0..top).into())
    }

    /// The lowest value drawn: band edges below it are cut there.
    fn floor(&self) -> f64 {
        match self {
            YAxis::Linear(_) => 0.0,
            YAxis::Log(c) => c.range().start,
        }
    }

    /// The highest value drawn: band edges above it are cut there.
    fn ceiling(&self) -> f64 {
        match self {
            YAxis::Linear(c) => c.range().end,
            YAxis::Log(c) => c.range().end,
        }
    }

    fn is_log(&self) -> bool {
        matches!(self, YAxis::Log(_))
    }
}

impl Ranged for YAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match self {
            YAxis::Linear(c) => c.map(value, limit),
            YAxis::Log(c) => c.map(value, limit),
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match self {
            YAxis::Linear(c) => c.key_points(hint),
            YAxis::Log(c) => c.key_points(hint),
        }
    }

    fn range(&self) -> Range<f64> {
        match self {
            YAxis::Linear(c) => c.range(),
            YAxis::Log(c) => c.range(),
        }
    }
}

impl ValueFormatter<f64> for YAxis {
    fn format(value: &f64) -> String {
        tick(*value)
    }
}

/// Last segments of keys that count things (targets, workers, ...): their axis says "count".
const COUNTS: [&str; 8] = [
    "targets",
    "min_targets",
    "max_targets",
    "workers",
    "replications",
    "connections",
    "concurrency",
    "capacity",
];

/// The x-axis description: the key, with a unit when its name carries one.
fn key_desc(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    let unit = [
        ("_ms", "ms"),
        ("_s", "s"),
        ("_rps", "requests/s"),
        ("_bytes", "bytes"),
    ]
    .iter()
    .find(|(suffix, _)| last.ends_with(suffix))
    .map(|(_, u)| *u)
    .or(COUNTS.contains(&last).then_some("count"));
    match unit {
        Some(u) => format!("{key} ({u})"),
        None => key.to_string(),
    }
}

/// The lines of `metric`: one per combination of the keys after the first, in first-seen order.
fn series(d: &SweepData<'_>, x: &XAxis, metric: &Metric) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for ((values, doc), &px) in d.values.iter().zip(d.summaries).zip(&x.pos) {
        let label = values.get(1..).unwrap_or(&[]).join(" · ");
        let idx = out
            .iter()
            .position(|s| s.label == label)
            .unwrap_or_else(|| {
                out.push(Series {
                    label: label.clone(),
                    points: Vec::new(),
                });
                out.len() - 1
            });
        let mean = (metric.get)(&doc.figures.traffic);
        let ci = doc
            .ci95
            .as_ref()
            .and_then(|c| (metric.ci)(&c.traffic))
            .filter(|c| c.is_finite())
            .unwrap_or(0.0);
        if let Some(m) = mean.filter(|m| m.is_finite()) {
            out[idx].points.push(Pt {
                x: px,
                mean: m * metric.scale,
                ci: ci * metric.scale,
                pass: doc.slo.as_ref().map(|v| v.passed),
            });
        }
    }
    for s in &mut out {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    out
}

/// A line's confidence band between `floor` and `ceiling`: the outline of the shaded polygon
/// (upper edge left to right, lower edge back), and the x of every point whose band was cut at
/// the ceiling.
fn band(points: &[Pt], floor: f64, ceiling: f64) -> (Vec<(f64, f64)>, Vec<f64>) {
    let clip = |v: f64| v.clamp(floor, ceiling);
    let outline = points
        .iter()
        .map(|p| (p.x, clip(p.mean + p.ci)))
        .chain(points.iter().rev().map(|p| (p.x, clip(p.mean - p.ci))))
        .collect();
    let cut = points
        .iter()
        .filter(|p| p.mean + p.ci > ceiling)
        .map(|p| p.x)
        .collect();
    (outline, cut)
}

/// How many points met their SLO, of how many were judged (points without an `[slo]` are not).
fn verdicts(d: &SweepData<'_>) -> (usize, usize) {
    let judged: Vec<bool> = d
        .summaries
        .iter()
        .filter_map(|s| s.slo.as_ref().map(|v| v.passed))
        .collect();
    (judged.iter().filter(|&&p| p).count(), judged.len())
}

/// The threshold of SLO check `metric`, from the first point whose summary has one.
fn slo(d: &SweepData<'_>, metric: SloMetric) -> Option<f64> {
    d.summaries
        .iter()
        .find_map(|doc| doc.slo.as_ref()?.threshold(metric))
}

/// Colour of line `i`: a single line is blue, several take the palette in order.
fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The whole chart: title block, legend, and the two panels side by side.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &SweepData<'_>) -> DrawResult<DB> {
    let reps = d.summaries.first().map(|s| s.replications);
    let reps = match reps {
        Some(n) if n > 1 => format!("mean of {n} replications per point"),
        _ => "single replication per point".into(),
    };
    let (met, judged) = verdicts(d);
    let verdict = if judged > 0 {
        format!(" · {met} of {judged} meet the SLO")
    } else {
        String::new()
    };
    let x = XAxis::new(d);
    let slos = [
        slo(d, P99.slo),
        slo(d, ERRORS.slo).map(|t| t * ERRORS.scale),
    ];
    let cut = [(&P99, slos[0]), (&ERRORS, slos[1])]
        .into_iter()
        .any(|(metric, t)| {
            let lines = series(d, &x, metric);
            let top = YAxis::new(&lines, t, metric).ceiling();
            lines
                .iter()
                .flat_map(|s| &s.points)
                .any(|p| p.mean + p.ci > top)
        });
    let body = frame(
        root,
        &format!("Sweep: {}", d.scenario),
        &format!(
            "{} points{verdict} · {reps} · shaded: 95% confidence interval{}",
            d.summaries.len(),
            if cut {
                ", cut at the axis top (▲)"
            } else {
                ""
            }
        ),
    )?;
    if d.summaries.is_empty() || d.keys.is_empty() {
        return no_data(&body, "No points in this sweep");
    }
    let lines = series(d, &x, &P99);

    let mut entries: Vec<Entry> = if lines.len() > 1 {
        lines
            .iter()
            .enumerate()
            .map(|(i, s)| Entry::new(s.label.clone(), color(i), Swatch::Line))
            .collect()
    } else {
        vec![Entry::new("mean", color(0), Swatch::Line)]
    };
    // With several lines each band takes its line's tint; the swatch stays neutral.
    let band = if lines.len() > 1 { MUTED } else { color(0) };
    entries.push(Entry::new("95% CI", tint(band), Swatch::Block));
    if slos.iter().any(Option::is_some) {
        entries.push(Entry::new("SLO", SLO, Swatch::Dashed));
    }
    if judged > 0 {
        let dot = if lines.len() > 1 { INK } else { color(0) };
        entries.push(Entry::new("meets SLO", dot, Swatch::Dot));
        entries.push(Entry::new("misses SLO", SLO, Swatch::Cross));
    }
    let lead = if lines.len() > 1 {
        d.keys[1..]
            .iter()
            .map(|k| key_desc(k))
            .collect::<Vec<_>>()
            .join(" · ")
    } else {
        String::new()
    };
    let plot = legend_row(&body, &lead, &entries)?;
    let (left, right) = plot.split_horizontally(plot.dim_in_pixel().0 / 2);
    panel(&left.margin(0, 0, 0, 24), d, &x, &P99, slos[0])?;
    panel(&right.margin(0, 0, 24, 0), d, &x, &ERRORS, slos[1])
}

/// A point's marker on its line of colour `c`: a filled disc ringed in white when the point
/// met its SLO (or there is none), a red cross on a white disc ringed in `c` when it did not.
fn point_marker<DB: DrawingBackend, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, YAxis>>,
    at: (f64, f64),
    c: RGBColor,
    pass: Option<bool>,
) -> DrawResult<DB> {
    if pass == Some(false) {
        chart.draw_series(std::iter::once(Circle::new(at, 8, WHITE.filled())))?;
        chart.draw_series(std::iter::once(Circle::new(at, 8, c.stroke_width(2))))?;
        chart.draw_series(std::iter::once(Cross::new(at, 5, SLO.stroke_width(3))))?;
    } else {
        chart.draw_series(std::iter::once(Circle::new(at, 6, c.filled())))?;
        chart.draw_series(std::iter::once(Circle::new(at, 6, WHITE.stroke_width(2))))?;
    }
    Ok(())
}

/// `c` lightened towards white, for confidence bands (opaque, so PNG and SVG look alike).
fn tint(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * 0.22 + 255.0 * 0.78).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// One panel: `metric` against the first key, bands, lines, markers and the SLO line.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &SweepData<'_>,
    x: &XAxis,
    metric: &Metric,
    slo: Option<f64>,
) -> DrawResult<DB> {
    let lines = series(d, x, metric);
    if lines.iter().all(|s| s.points.is_empty()) {
        return no_data(area, metric.none);
    }
    let y = YAxis::new(&lines, slo, metric);
    let (floor, ceiling, log) = (y.floor(), y.ceiling(), y.is_log());
    let all_zero = lines
        .iter()
        .flat_map(|s| &s.points)
        .all(|p| p.mean == 0.0 && p.ci == 0.0);
    let (x0, x1) = x.range();
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(58)
        .y_label_area_size(78)
        .build_cartesian_2d(
            Ticked {
                inner: (x0..x1).into(),
                ticks: x.ticks(),
            },
            y,
        )?;
    let x_label = |v: &f64| x.label(*v);
    let log_label = log_labeller();
    let y_label = |v: &f64| if log { log_label(v) } else { tick(*v) };
    let y_desc = if log {
        metric.desc.replace(')', ", log scale)")
    } else {
        metric.desc.to_string()
    };
    let mut mesh = mesh(&mut chart);
    if log {
        // Many labels make plotters propose every multiple of each decade; `log_tick` names
        // only 1, 2 and 5 of them.
        mesh.y_labels(LOG_LABELS);
    }
    mesh.x_desc(key_desc(&d.keys[0]))
        .y_desc(y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()?;
    // Bands first, so every line and marker sits on top of every band.
    let mut cut: Vec<(f64, RGBColor)> = Vec::new();
    for (i, s) in lines.iter().enumerate() {
        let (outline, clipped) = band(&s.points, floor, ceiling);
        cut.extend(clipped.into_iter().map(|x| (x, color(i))));
        if s.points.len() > 1 {
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                tint(color(i)).filled(),
            )))?;
        } else if let [(px, hi), (_, lo)] = outline[..] {
            // A lone point's interval is an error bar.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(px, lo), (px, hi)],
                tint(color(i)).stroke_width(8),
            )))?;
        }
    }
    if let Some(t) = slo {
        chart.draw_series(DashedLineSeries::new(
            [(x0, t), (x1, t)],
            10,
            6,
            SLO.stroke_width(2),
        ))?;
    }
    if let Some(t) = slo {
        // Named at the right end, just above the line, on white so a band does not show through;
        // drawn before the lines and markers, so it never hides a point.
        let area = chart.plotting_area();
        let base = area.get_base_pixel();
        let (px, py) = chart.backend_coord(&(x1, t));
        let plain = area.strip_coord_spec();
        let style = text_in(15.0, &SLO).pos(Pos::new(HPos::Right, VPos::Bottom));
        let label = format!("SLO ≤ {}{}", tick(t), metric.unit);
        let w = plain.estimate_text_size(&label, &style)?.0 as i32;
        let (lx, ly) = (px - base.0 - 6, (py - base.1 - 4).max(18));
        plain.draw(&Rectangle::new(
            [(lx - w - 3, ly - 18), (lx + 3, ly + 1)],
            WHITE.filled(),
        ))?;
        plain.draw(&Text::new(label, (lx, ly), style))?;
    }
    for (i, s) in lines.iter().enumerate() {
        let c = color(i);
        chart.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.x, p.mean)),
            c.stroke_width(3),
        ))?;
        for p in &s.points {
            point_marker(&mut chart, (p.x, p.mean), c, p.pass)?;
        }
    }
    // A band cut at the top: a triangle on the axis top where it leaves the panel.
    chart.draw_series(cut.iter().map(|&(px, c)| {
        EmptyElement::at((px, ceiling)) + TriangleMarker::new((0, 8), 7, c.filled())
    }))?;
    if all_zero {
        // Every point at zero: say so, rather than leave the reader to squint at the axis.
        let (w, h) = chart.plotting_area().dim_in_pixel();
        chart.plotting_area().strip_coord_spec().draw(&Text::new(
            "0 at every point",
            (w as i32 / 2, h as i32 / 2),
            text_in(17.0, &MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{colourful_pixels, decode};
    use super::*;
    use crate::results::summary::testing;
    use crate::results::summary::{SloCheckResult, SloVerdict};

    fn doc(p99: f64, ci: f64, err: f64) -> Summary {
        let mut s = testing::summary("s", 3);
        s.figures.traffic.latency_ms.p99 = Some(p99);
        s.figures.traffic.error_rate = Some(err);
        let c = s.ci95.as_mut().unwrap();
        c.traffic.latency_ms.p99 = Some(ci);
        c.traffic.error_rate = Some(err / 4.0);
        let check = |metric, threshold: f64, actual: f64| SloCheckResult {
            metric,
            route: None,
            target_group: None,
            threshold,
            actual: Some(actual),
            passed: actual <= threshold,
        };
        s.slo = Some(SloVerdict {
            passed: p99 <= 120.0 && err <= 0.01,
            checks: vec![
                check(SloMetric::P99Ms, 120.0, p99),
                check(SloMetric::ErrorRate, 0.01, err),
            ],
        });
        s
    }

    #[test]
    fn one_key_draws_bands_markers_and_slo() {
        let keys = vec!["target_groups.app.targets".to_string()];
        let values: Vec<Vec<String>> = (2..=5).map(|t| vec![t.to_string()]).collect();
        let summaries: Vec<Summary> = (2..=5)
            .map(|t| doc(400.0 / f64::from(t), 8.0, 0.02 / f64::from(t)))
            .collect();
        let d = SweepData {
            scenario: "storage",
            keys: &keys,
            values: &values,
            summaries: &summaries,
        };
        let (w, h, rgb) = decode(&png(&d).unwrap());
        assert_eq!((w, h), (super::super::WIDTH, super::super::HEIGHT));
        let coloured = colourful_pixels(&rgb, w);
        assert!(coloured > 3_000, "{coloured} data pixels");
        let doc = svg(&d).unwrap();
        assert!(doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"));
        assert!(doc.contains("Sweep: storage"));
        assert!(doc.contains("SLO ≤ 120 ms") && doc.contains("SLO ≤ 1%"));
        assert!(
            doc.matches("#B01E2A").count() >= 4,
            "dashed SLO lines drawn"
        );
        assert!(doc.contains("p99 latency (ms)") && doc.contains("error rate (%)"));
        assert!(doc.matches("<polygon").count() >= 2, "CI bands");
        assert!(doc.matches("<circle").count() >= 16, "markers");
        assert_eq!(png(&d).unwrap(), png(&d).unwrap(), "deterministic");
    }

    #[test]
    fn a_second_key_gives_one_line_per_value_and_categories_work() {
        let keys = vec!["algorithm".to_string(), "targets".to_string()];
        let mut values = Vec::new();
        let mut summaries = Vec::new();
        for a in ["\"round_robin\"", "\"least_outstanding\""] {
            for t in [2, 4] {
                values.push(vec![a.to_string(), t.to_string()]);
                summaries.push(doc(100.0 / f64::from(t), 3.0, 0.0));
            }
        }
        let d = SweepData {
            scenario: "s",
            keys: &keys,
            values: &values,
            summaries: &summaries,
        };
        let doc = svg(&d).unwrap();
        assert!(doc.contains("round_robin") && doc.contains("least_outstanding"));
        assert!(
            doc.contains("\ntargets (count)\n"),
            "legend names the second key"
        );
        let (_, _, rgb) = decode(&png(&d).unwrap());
        assert!(colourful_pixels(&rgb, super::super::WIDTH) > 2_000);
    }

    #[test]
    fn p99s_spanning_decades_go_on_a_log_axis() {
        let keys = vec!["target_groups.app.targets".to_string()];
        let values: Vec<Vec<String>> = (3..=6).map(|t| vec![t.to_string()]).collect();
        // An overloaded first point (15 s, with a wide interval) beside healthy ones (~150 ms).
        let p99 = [15_000.0, 900.0, 160.0, 150.0];
        let summaries: Vec<Summary> = p99.iter().map(|&p| doc(p, p / 3.0, 0.0)).collect();
        let d = SweepData {
            scenario: "s",
            keys: &keys,
            values: &values,
            summaries: &summaries,
        };
        let lines = series(&d, &XAxis::new(&d), &P99);
        let y = YAxis::new(&lines, Some(120.0), &P99);
        assert!(y.is_log());
        assert_eq!(
            y.range(),
            100.0..25_000.0,
            "from the SLO's decade to the band's top"
        );
        let drawn = svg(&d).unwrap();
        assert!(drawn.contains("p99 latency (ms, log scale)"));
        for decade in ["100", "1000", "10k"] {
            assert!(
                drawn.contains(&format!("\n{decade}\n")),
                "decade {decade} labelled"
            );
        }
        decode(&png(&d).unwrap());

        // Within a factor of 20: linear from zero, as before; an error rate never goes log.
        let near: Vec<Summary> = [400.0, 200.0, 130.0, 100.0]
            .iter()
            .map(|&p| doc(p, 8.0, 0.0))
            .collect();
        let d = SweepData {
            summaries: &near,
            ..d
        };
        let lines = series(&d, &XAxis::new(&d), &P99);
        assert!(!YAxis::new(&lines, Some(120.0), &P99).is_log());
        assert!(svg(&d).unwrap().contains("p99 latency (ms)"));
        let wide_errors = vec![Series {
            label: String::new(),
            points: [(1.0, 0.001), (2.0, 5.0)]
                .map(|(x, mean)| Pt {
                    x,
                    mean,
                    ci: 0.0,
                    pass: None,
                })
                .to_vec(),
        }];
        assert!(!YAxis::new(&wide_errors, None, &ERRORS).is_log());
    }

    /// A sweep over `targets` 2..=5 whose points have these p99s, half-widths and error rates.
    fn sweep_of(points: &[(f64, f64, f64)]) -> (Vec<String>, Vec<Vec<String>>, Vec<Summary>) {
        let keys = vec!["target_groups.app.targets".to_string()];
        let values = (2..)
            .take(points.len())
            .map(|t| vec![format!("{t}")])
            .collect();
        let docs = points.iter().map(|&(p, ci, e)| doc(p, ci, e)).collect();
        (keys, values, docs)
    }

    #[test]
    fn a_band_is_cut_at_the_axis_and_the_cut_is_marked() {
        let pt = |x, mean, ci| Pt {
            x,
            mean,
            ci,
            pass: None,
        };
        let points = [
            pt(1.0, 100.0, 20.0),
            pt(2.0, 150.0, 5000.0),
            pt(3.0, 5.0, 30.0),
        ];
        let (outline, cut) = band(&points, 0.0, 300.0);
        assert_eq!(
            outline,
            vec![
                (1.0, 120.0),
                (2.0, 300.0),
                (3.0, 35.0),
                (3.0, 0.0),
                (2.0, 0.0),
                (1.0, 80.0)
            ],
            "upper edge at most the ceiling, lower edge at least the floor"
        );
        assert_eq!(cut, vec![2.0], "only the point whose band leaves the top");
        assert_eq!(band(&points, 0.0, 1e6).1, Vec::<f64>::new());

        // Two replications at one point: p99 150 ± 174,275 ms. The axis follows the means and
        // the SLO, not that interval; the band is cut there and the cut is drawn and named.
        let (keys, values, docs) = sweep_of(&[
            (160.0, 4.0, 0.0),
            (150.0, 174_275.0, 0.0),
            (140.0, 3.0, 0.0),
        ]);
        let d = SweepData {
            scenario: "s",
            keys: &keys,
            values: &values,
            summaries: &docs,
        };
        let lines = series(&d, &XAxis::new(&d), &P99);
        let y = YAxis::new(&lines, Some(120.0), &P99);
        assert!(!y.is_log(), "means within a factor of 20: linear");
        assert!(
            (y.ceiling() - 160.0 * BAND_ROOM * 1.12).abs() < 1e-9,
            "{}",
            y.ceiling()
        );
        let drawn = svg(&d).unwrap();
        assert!(drawn.contains("cut at the axis top (▲)"));
        let blue = "fill=\"#4E79A7\"";
        let triangles = drawn
            .split("<polygon")
            .skip(1)
            .filter(|p| {
                p.contains(blue)
                    && p.split("points=\"").nth(1).is_some_and(|q| {
                        q.split('"').next().unwrap().split_whitespace().count() == 3
                    })
            })
            .count();
        assert_eq!(triangles, 1, "one triangle where the band is cut");
        decode(&png(&d).unwrap());

        // Nothing cut: nothing said.
        let (keys, values, docs) = sweep_of(&[(160.0, 4.0, 0.0), (150.0, 30.0, 0.0)]);
        let d = SweepData {
            scenario: "s",
            keys: &keys,
            values: &values,
            summaries: &docs,
        };
        assert!(!svg(&d).unwrap().contains("cut at the axis top"));
    }

    #[test]
    fn each_point_says_whether_it_met_its_slo() {
        // The SLO of `doc` is p99 ≤ 120 ms and errors ≤ 1%: the first point misses both, the
        // second only the error rate, the last two pass.
        let (keys, values, docs) = sweep_of(&[
            (400.0, 8.0, 0.05),
            (110.0, 8.0, 0.02),
            (100.0, 8.0, 0.0),
            (90.0, 8.0, 0.0),
        ]);
        let d = SweepData {
            scenario: "s",
            keys: &keys,
            values: &values,
            summaries: &docs,
        };
        assert_eq!(verdicts(&d), (2, 4));
        let drawn = svg(&d).unwrap();
        assert!(drawn.contains("4 points · 2 of 4 meet the SLO"));
        assert!(drawn.contains("meets SLO") && drawn.contains("misses SLO"));
        // A cross is two lines in the SLO red, 3 px wide: two failing points on two panels,
        // and the legend's swatch.
        let crosses = drawn
            .matches("<line opacity=\"1\" stroke=\"#B01E2A\" stroke-width=\"3\"")
            .count();
        assert_eq!(crosses, 2 * (2 * 2 + 1), "{crosses} cross strokes");

        // Without an [slo], no point is judged and the legend says nothing of it.
        let bare: Vec<Summary> = docs
            .iter()
            .cloned()
            .map(|mut s| {
                s.slo = None;
                s
            })
            .collect();
        let d = SweepData {
            summaries: &bare,
            ..d
        };
        assert_eq!(verdicts(&d), (0, 0));
        let drawn = svg(&d).unwrap();
        assert!(!drawn.contains("meets SLO") && !drawn.contains("meet the SLO"));
        assert!(!drawn.contains("<line opacity=\"1\" stroke=\"#B01E2A\""));
    }

    #[test]
    fn no_points_says_so() {
        let d = SweepData {
            scenario: "s",
            keys: &[],
            values: &[],
            summaries: &[],
        };
        assert!(svg(&d).unwrap().contains("No points"));
        decode(&png(&d).unwrap());
    }
}
