//! The charts of a comparison. `chart-compare.png`/`.svg`: each variant's p99 latency and
//! error rate (means over the common-random-number replications) with their 95% intervals as
//! bars, the SLO dashed. `chart-compare-latency-over-time.png`/`.svg`: the p99 of each
//! interval of replication 1, one line per variant, overlaid on one time axis, so where a
//! variant's latency parts from the baseline's (a crash, a slow detection) is visible.

use super::common::*;
use super::{DrawResult, render_png, render_svg};
use crate::results::studies::{Value, VariantDoc};
use crate::vocab::SloMetric;
use plotters::coord::Shift;
use plotters::prelude::*;

/// File name of the figures chart without extension.
pub const STEM: &str = "chart-compare";
/// File name of the overlaid latency-over-time chart without extension.
pub const STEM_OVER_TIME: &str = "chart-compare-latency-over-time";

/// What the comparison charts are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct CompareData<'a> {
    /// The baseline scenario's name, for the subtitle.
    pub scenario: &'a str,
    /// The variants' own figures (`compare.json`), baseline first.
    pub variants: &'a [VariantDoc],
    /// Width of an interval of the time series, s.
    pub interval_s: f64,
    /// Per variant, replication 1's time series: `(interval start s, p99 ms)` (NaN where an
    /// interval had no successful response).
    pub p99_over_time: &'a [Vec<(f64, f64)>],
}

/// The figures chart as a PNG.
pub fn png(d: &CompareData<'_>) -> anyhow::Result<Vec<u8>> {
    render_png(STEM, |root| draw_figures(root, d))
}

/// The figures chart as an SVG document.
pub fn svg(d: &CompareData<'_>) -> anyhow::Result<String> {
    render_svg(STEM, |root| draw_figures(root, d))
}

/// The overlaid latency-over-time chart as a PNG.
pub fn png_over_time(d: &CompareData<'_>) -> anyhow::Result<Vec<u8>> {
    render_png(STEM_OVER_TIME, |root| draw_over_time(root, d))
}

/// The overlaid latency-over-time chart as an SVG document.
pub fn svg_over_time(d: &CompareData<'_>) -> anyhow::Result<String> {
    render_svg(STEM_OVER_TIME, |root| draw_over_time(root, d))
}

/// Colour of variant `i`: the baseline blue, then the palette.
fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A label short enough for an axis: each `KEY=VALUE` of a `--variant` keeps the last two
/// segments of its key (`health_check.interval_s=10`), and what is still long is cut with an
/// ellipsis.
fn short(label: &str) -> String {
    const MAX: usize = 34;
    let label = label
        .split(',')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => {
                let parts: Vec<&str> = k.trim().split('.').collect();
                let tail = parts[parts.len().saturating_sub(2)..].join(".");
                format!("{tail}={v}")
            }
            None => kv.trim().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if label.chars().count() <= MAX {
        label
    } else {
        let head: String = label.chars().take(MAX - 1).collect();
        format!("{head}…")
    }
}

/// One panel's figure.
struct Panel {
    get: fn(&VariantDoc) -> Value,
    slo: SloMetric,
    scale: f64,
    desc: &'static str,
    none: &'static str,
}

const P99: Panel = Panel {
    get: |v| v.p99_ms,
    slo: SloMetric::P99Ms,
    scale: 1.0,
    desc: "p99 latency (ms)",
    none: "No latency: no variant had successful requests",
};

const ERRORS: Panel = Panel {
    get: |v| v.error_rate,
    slo: SloMetric::ErrorRate,
    scale: 100.0,
    desc: "error rate (%)",
    none: "No error rate in the variants' summaries",
};

/// Per variant `(mean, half-width)` of `p`, in the panel's unit (`None` when undefined).
fn values(d: &CompareData<'_>, p: &Panel) -> Vec<Option<(f64, f64)>> {
    d.variants
        .iter()
        .map(|v| {
            let Value { value, ci95 } = (p.get)(v);
            Some((value? * p.scale, ci95.unwrap_or(0.0) * p.scale))
        })
        .collect()
}

/// The baseline's whole-run SLO threshold on `metric`, in the panel's unit.
fn slo(d: &CompareData<'_>, p: &Panel) -> Option<f64> {
    d.variants
        .first()?
        .slo
        .as_ref()?
        .threshold(p.slo)
        .map(|t| t * p.scale)
}

fn draw_figures<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &CompareData<'_>,
) -> DrawResult<DB> {
    let reps = d.variants.first().map_or(0, |v| v.replications);
    let body = frame(
        root,
        "Variants compared: p99 latency and error rate",
        &format!(
            "{} · {} variants · {reps} paired replications each · bars: 95% confidence interval",
            d.scenario,
            d.variants.len()
        ),
    )?;
    if d.variants.is_empty() {
        return no_data(&body, "No variants in this comparison");
    }
    let mut entries: Vec<Entry> = d
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| Entry::new(short(&v.variant), color(i), Swatch::Block))
        .collect();
    if slo(d, &P99).is_some() || slo(d, &ERRORS).is_some() {
        entries.push(Entry::new("SLO", SLO, Swatch::Dashed));
    }
    let plot = legend_row(&body, "", &entries)?;
    let (left, right) = plot.split_horizontally(plot.dim_in_pixel().0 / 2);
    panel(&left.margin(0, 0, 0, 24), d, &P99)?;
    panel(&right.margin(0, 0, 24, 0), d, &ERRORS)
}

/// One panel: per variant a marker on the mean and a bar over its 95% interval, at its own x
/// position (labelled with the variant), and the SLO dashed across.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &CompareData<'_>,
    p: &Panel,
) -> DrawResult<DB> {
    let vals = values(d, p);
    if vals.iter().all(Option::is_none) {
        return no_data(area, p.none);
    }
    let threshold = slo(d, p);
    let top = vals
        .iter()
        .flatten()
        .map(|(m, ci)| m + ci)
        .chain(threshold)
        .fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top * 1.15 } else { 1.0 };
    let n = d.variants.len();
    let x1 = n as f64 - 0.5;
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(58)
        .y_label_area_size(78)
        .build_cartesian_2d(-0.5..x1, 0.0..top)?;
    let labels: Vec<String> = d.variants.iter().map(|v| short(&v.variant)).collect();
    let x_label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let y_label = |v: &f64| tick(*v);
    mesh(&mut chart)
        .x_labels(n.max(1))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .disable_x_mesh()
        .y_desc(p.desc)
        .draw()?;
    if let Some(t) = threshold {
        chart.draw_series(DashedLineSeries::new(
            [(-0.5, t), (x1, t)],
            10,
            6,
            SLO.stroke_width(2),
        ))?;
    }
    for (i, v) in vals.iter().enumerate() {
        let Some((m, ci)) = *v else { continue };
        let x = i as f64;
        let c = color(i);
        let (lo, hi) = ((m - ci).max(0.0), m + ci);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            c.stroke_width(3),
        )))?;
        for y in [lo, hi] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x - 0.08, y), (x + 0.08, y)],
                c.stroke_width(3),
            )))?;
        }
        chart.draw_series(std::iter::once(Circle::new((x, m), 7, c.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            tick(m),
            (x + 0.1, m),
            text_in(LABEL_SIZE, &INK),
        )))?;
    }
    Ok(())
}

fn draw_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &CompareData<'_>,
) -> DrawResult<DB> {
    let body = frame(
        root,
        "Variants compared: p99 latency over time",
        &format!(
            "{} · replication 1 of each variant (same seed: same arrivals) · p99 of each interval",
            d.scenario
        ),
    )?;
    let finite = |s: &Vec<(f64, f64)>| s.iter().any(|p| p.1.is_finite());
    if !d.p99_over_time.iter().any(finite) {
        return no_data(&body, "No latency: no variant had successful requests");
    }
    let mut entries: Vec<Entry> = d
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| Entry::new(short(&v.variant), color(i), Swatch::Line))
        .collect();
    let threshold = slo(d, &P99);
    if threshold.is_some() {
        entries.push(Entry::new("SLO (p99)", SLO, Swatch::Dashed));
    }
    let plot = legend_row(&body, "", &entries)?;
    let all = d.p99_over_time.iter().flatten();
    let end = all.clone().map(|p| p.0).fold(0.0_f64, f64::max)
        + if d.variants.is_empty() {
            1.0
        } else {
            d.interval_s.max(0.0)
        };
    let finite: Vec<f64> = all
        .map(|p| p.1)
        .filter(|v| v.is_finite() && *v > 0.0)
        .chain(threshold)
        .collect();
    let hi = finite.iter().copied().fold(0.0_f64, f64::max);
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let mut builder = ChartBuilder::on(&plot);
    builder.x_label_area_size(52).y_label_area_size(88);
    let x = 0.0..end.max(1.0);
    // A linear axis reads best; when a variant's spike (timeouts beside millisecond p99s)
    // spans more than 30×, the axis turns logarithmic, or every other line lies on zero.
    if lo > 0.0 && hi / lo > 30.0 {
        let (a, b) = decades(lo, hi * 1.05);
        let mut chart = builder.build_cartesian_2d(x, (a..b).log_scale())?;
        let y_label = log_labeller();
        mesh(&mut chart)
            .x_label_formatter(&|v| tick(*v))
            .y_labels(LOG_LABELS)
            .y_label_formatter(&y_label)
            .x_desc("simulated time (s)")
            .y_desc("p99 latency (ms, log scale)")
            .draw()?;
        over_time_lines(&mut chart, d, threshold, end)
    } else {
        let top = if hi > 0.0 { hi * 1.1 } else { 1.0 };
        let mut chart = builder.build_cartesian_2d(x, 0.0..top)?;
        mesh(&mut chart)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .x_desc("simulated time (s)")
            .y_desc("p99 latency (ms)")
            .draw()?;
        over_time_lines(&mut chart, d, threshold, end)
    }
}

/// The SLO line and one p99 line per variant, the baseline drawn last (on top: the variants
/// part from it).
fn over_time_lines<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    d: &CompareData<'_>,
    threshold: Option<f64>,
    end: f64,
) -> DrawResult<DB> {
    if let Some(t) = threshold {
        chart.draw_series(DashedLineSeries::new(
            [(0.0, t), (end, t)],
            10,
            6,
            SLO.stroke_width(2),
        ))?;
    }
    for (i, s) in d.p99_over_time.iter().enumerate().rev() {
        let (xs, ys): (Vec<f64>, Vec<f64>) = s.iter().copied().unzip();
        for seg in segments(&xs, &ys) {
            chart.draw_series(LineSeries::new(seg, color(i).stroke_width(2)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    type Data = (Vec<VariantDoc>, Vec<Vec<(f64, f64)>>);

    fn data(n: usize) -> Data {
        let v = |value: f64| Value {
            value: Some(value),
            ci95: Some(value / 10.0),
        };
        let variants = (0..n)
            .map(|i| VariantDoc {
                variant: format!("variant {i}"),
                settings: Default::default(),
                replications: 5,
                slo_passed: None,
                slo: None,
                throughput_rps: v(100.0),
                error_rate: v(0.01 * i as f64),
                p99_ms: v(100.0 + 50.0 * i as f64),
                requests_lost: v(0.0),
                faults: Vec::new(),
                routes: Default::default(),
            })
            .collect();
        let series = (0..n)
            .map(|i| {
                (0..60)
                    .map(|t| (f64::from(t), 90.0 + 10.0 * i as f64 + f64::from(t % 7)))
                    .collect()
            })
            .collect();
        (variants, series)
    }

    #[test]
    fn both_charts_draw_one_mark_per_variant() {
        let (variants, series) = data(3);
        let d = CompareData {
            scenario: "x",
            variants: &variants,
            interval_s: 1.0,
            p99_over_time: &series,
        };
        let figures = svg(&d).unwrap();
        for v in &variants {
            assert!(
                figures.contains(v.variant.as_str()),
                "{} labelled",
                v.variant
            );
        }
        // A filled marker per variant and panel.
        assert_eq!(figures.matches("<circle").count(), 6, "{figures}");
        let over = svg_over_time(&d).unwrap();
        assert!(over.contains("simulated time (s)"));
        assert!(over.matches("<polyline").count() >= 3);
        assert!(png(&d).unwrap().starts_with(b"\x89PNG"));
        assert!(png_over_time(&d).unwrap().starts_with(b"\x89PNG"));
    }

    #[test]
    fn long_labels_are_cut() {
        let s = short(&"k".repeat(60));
        assert_eq!(s.chars().count(), 34);
        assert!(s.ends_with('…'));
        assert_eq!(
            short("target_groups.bags.health_check.interval_s=10"),
            "health_check.interval_s=10"
        );
        assert_eq!(short("a.b.c=1,d=2"), "b.c=1, d=2");
    }
}
