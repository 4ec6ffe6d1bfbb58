//! Charts over simulated time, from `timeseries.csv` (replication 0) and `events.csv`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawResult;
use super::common::*;
use super::markers::{Strip, draw_markers};
use crate::report::load::{RunData, TimeSeries};
use crate::results::summary::Leaf;
use crate::vocab::SloMetric;
use plotters::chart::DualCoordChartContext;
use plotters::coord::types::RangedCoordf64;

/// X axis description shared by the time charts.
const TIME_AXIS: &str = "simulated time (s)";

/// Colour of the offered-load line: faint, it is context for the latency lines.
const OFFERED: RGBColor = RGBColor(0xB4, 0xB4, 0xB4);

/// Width of the right-hand axis labels (the offered load's), pixels.
const RIGHT_AXIS_PX: u32 = 84;

/// p50 and p99 latency per interval, warm-up shaded, SLO p99 threshold, event markers, and the
/// offered load (requests arriving per second) on a right-hand axis of its own, so a latency
/// rise can be read against the load that caused it.
pub fn latency_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let ts = &d.timeseries;
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!(
                "{} · percentiles of successful requests per {}",
                replication_note(d),
                interval_note(d, "the worst p99")
            ),
        ),
    )?;
    // The run's own end, not the merged series' (its last bucket may be short).
    let end = d.timeseries.end_s();
    let x = 0.0..end;
    let events = markers(d, None);
    let strip = Strip::layout(&body, &events, x.clone(), (88, RIGHT_AXIS_PX), 4)?;
    let slo = slo_threshold(d, SloMetric::P99Ms);
    // For an M/M/c scenario, Erlang C's steady-state p50 and p99 (the condition is
    // `analytic::Mmc`'s): what each interval's percentiles scatter around.
    let theory = super::analytic::Mmc::of_scenario(&d.scenario_toml)
        .map(|m| (m.c, m.quantile_ms(0.5), m.quantile_ms(0.99)));
    let mut entries = vec![
        Entry::new("p50", TAB_BLUE, Swatch::Line),
        Entry::new("p99", TAB_ORANGE, Swatch::Line),
    ];
    if let Some(t) = slo {
        entries.push(Entry::new(
            format!("SLO p99 ≤ {}", ms(t)),
            SLO,
            Swatch::Dashed,
        ));
    }
    if let Some((c, p50, p99)) = theory {
        entries.push(Entry::new(
            format!("M/M/{c} theory p50 {}, p99 {}", ms(p50), ms(p99)),
            super::distribution::THEORY,
            Swatch::Dashed,
        ));
    }
    entries.push(Entry::new(
        "offered load (right axis)",
        OFFERED,
        Swatch::Line,
    ));
    entries.extend(strip.legend(&events));
    let plot = legend_row(&body, "", &entries)?;
    let (labels, plot) = strip.split(&plot);

    let w = ts.interval_s();
    let mid: Vec<f64> = ts.t_s.iter().map(|t| t + w / 2.0).collect();
    let values: Vec<f64> = ts
        .p50_ms
        .iter()
        .chain(&ts.p99_ms)
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if values.is_empty() {
        return no_data(&plot, "No successful requests: no latency to show");
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values
        .iter()
        .copied()
        .chain(slo)
        .chain(theory.map(|t| t.2))
        .fold(f64::NEG_INFINITY, f64::max);
    let offered: Vec<f64> = ts
        .offered
        .iter()
        .map(|c| if c.is_finite() { c / w } else { 0.0 })
        .collect();
    let lines = Lines {
        p50: segments(&mid, &ts.p50_ms),
        p99: segments(&mid, &ts.p99_ms),
        offered: steps(&ts.t_s, (w, end), &offered),
        offered_top: (offered.iter().copied().fold(0.0, f64::max) * 1.15).max(1.0),
        slo,
        theory: theory.map(|t| (t.1, t.2)),
        warmup: warmup_s(d),
    };

    let mut builder = ChartBuilder::on(&plot);
    builder
        .x_label_area_size(58)
        .y_label_area_size(88)
        .right_y_label_area_size(RIGHT_AXIS_PX);
    // A linear axis reads best; only when the tail spans more than ~1.5 decades (timeouts next
    // to millisecond medians) does it switch to log, or everything but the spike is flat.
    if hi / lo > 30.0 {
        let (a, b) = decades(lo, hi * 1.05);
        let mut chart = builder
            .build_cartesian_2d(x.clone(), (a..b).log_scale())?
            .set_secondary_coord(x, 0.0..lines.offered_top);
        let y_label = log_labeller();
        mesh(&mut chart)
            .x_desc(TIME_AXIS)
            .y_desc("latency (ms, log scale)")
            .x_label_formatter(&|v| tick(*v))
            .y_labels(LOG_LABELS)
            .y_label_formatter(&y_label)
            .draw()?;
        latency_series(chart, &lines, &events, (a, b), (&strip, &labels))
    } else {
        let top = hi * 1.12;
        let mut chart = builder
            .build_cartesian_2d(x.clone(), 0.0..top)?
            .set_secondary_coord(x, 0.0..lines.offered_top);
        mesh(&mut chart)
            .x_desc(TIME_AXIS)
            .y_desc("latency (ms)")
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .draw()?;
        latency_series(chart, &lines, &events, (0.0, top), (&strip, &labels))
    }
}

/// What the latency chart draws, in its units.
struct Lines {
    p50: Vec<Vec<(f64, f64)>>,
    p99: Vec<Vec<(f64, f64)>>,
    /// Offered requests per second, as steps.
    offered: Vec<(f64, f64)>,
    /// Top of the offered-load axis.
    offered_top: f64,
    slo: Option<f64>,
    /// Erlang C's p50 and p99, ms, for an M/M/c scenario.
    theory: Option<(f64, f64)>,
    warmup: f64,
}

/// The latency chart's coordinates: latency on the left axis, offered load on the right.
type LatencyChart<'a, DB, Y> = DualCoordChartContext<
    'a,
    DB,
    Cartesian2d<RangedCoordf64, Y>,
    Cartesian2d<RangedCoordf64, RangedCoordf64>,
>;

fn latency_series<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    mut chart: LatencyChart<'_, DB, Y>,
    lines: &Lines,
    events: &[&crate::report::load::Event],
    y: (f64, f64),
    (strip, labels): (&Strip, &DrawingArea<DB, Shift>),
) -> DrawResult<DB> {
    let x = chart.x_range();
    chart
        .configure_secondary_axes()
        .label_style(text(LABEL_SIZE))
        .axis_desc_style(text_in(AXIS_SIZE, &MUTED))
        .axis_style(AXIS)
        .y_desc("offered load (requests/s)")
        .y_label_formatter(&|v| count_tick(*v))
        .draw()?;
    shade_warmup(&mut chart, lines.warmup, y)?;
    draw_markers(&mut chart, events, y)?;
    // Behind the latency lines: context, not the subject.
    chart.draw_secondary_series(LineSeries::new(
        lines.offered.iter().copied(),
        OFFERED.stroke_width(1),
    ))?;
    if let Some(t) = lines.slo {
        chart.draw_series(DashedLineSeries::new(
            [(x.start, t), (x.end, t)],
            10,
            6,
            SLO.stroke_width(2),
        ))?;
    }
    for t in lines.theory.iter().flat_map(|&(p50, p99)| [p50, p99]) {
        chart.draw_series(DashedLineSeries::new(
            [(x.start, t), (x.end, t)],
            12,
            6,
            super::distribution::THEORY.stroke_width(2),
        ))?;
    }
    for s in &lines.p99 {
        chart.draw_series(LineSeries::new(
            s.iter().copied(),
            TAB_ORANGE.stroke_width(2),
        ))?;
    }
    for s in &lines.p50 {
        chart.draw_series(LineSeries::new(s.iter().copied(), TAB_BLUE.stroke_width(2)))?;
    }
    strip.draw(labels, &chart)
}

/// Top: responses per second stacked by outcome (ok, then each failure cause) with the offered
/// rate dashed. Bottom: failures alone by cause, on their own scale, because at a 0.1% error
/// rate they would be a hairline on the top panel.
pub fn throughput<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let ts = &d.timeseries;
    let w = ts.interval_s();
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!(
                "{} · completed requests per second, by {}",
                replication_note(d),
                interval_note(d, "mean rates")
            ),
        ),
    )?;
    if ts.is_empty() {
        return no_data(&body, "No intervals recorded");
    }
    let rate = |v: &Vec<f64>| -> Vec<f64> {
        v.iter()
            .map(|c| if c.is_finite() { c / w } else { 0.0 })
            .collect()
    };
    // Causes that never happened would only clutter the legend.
    let causes: Vec<(String, Vec<f64>, RGBColor)> = ts
        .failures
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| v.iter().any(|c| *c > 0.0))
        .map(|(i, (name, v))| (name.clone(), rate(v), failure_color(name, i)))
        .collect();
    let row_s = w / ts.rows_per_point.max(1) as f64;
    let worst = worst_row_rates(ts, &causes, row_s);
    let events = markers(d, None);
    let warmup = warmup_s(d);
    // The run's own end, not the merged series' (its last bucket may be short).
    let end = d.timeseries.end_s();
    let x = 0.0..end;
    let strip = Strip::layout(&body, &events, x.clone(), (88, 0), 4)?;

    let (top_area, bottom_area) = body.split_vertically(body.dim_in_pixel().1 * 58 / 100);

    // Top panel: everything stacked.
    let ok = rate(&ts.ok);
    let offered = rate(&ts.offered);
    let mut layers: Vec<(String, Vec<f64>, RGBColor)> = vec![("ok".into(), ok, TAB_GREEN)];
    layers.extend(causes.iter().cloned());
    let mut entries: Vec<Entry> = layers
        .iter()
        .map(|(n, _, c)| Entry::new(n.replace('_', " "), *c, Swatch::Block))
        .collect();
    entries.push(Entry::new("offered", INK, Swatch::Line));
    entries.extend(strip.legend(&events));
    let plot = legend_row(&top_area, "All responses", &entries)?;
    let (labels, plot) = strip.split(&plot);
    let stacked = stack(&layers);
    let peak = stacked
        .last()
        .into_iter()
        .flatten()
        .chain(&offered)
        .copied()
        .fold(0.0, f64::max);
    let y_top = (peak * 1.12).max(1.0);
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(40)
        .y_label_area_size(88)
        .build_cartesian_2d(x.clone(), 0.0..y_top)?;
    mesh(&mut chart)
        .y_desc("responses/s")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| count_tick(*v))
        .draw()?;
    shade_warmup(&mut chart, warmup, (0.0, y_top))?;
    // Markers behind the areas: a marker never hides the data (the worst second of a fault
    // sits right at its marker).
    draw_markers(&mut chart, &events, (0.0, y_top))?;
    draw_stack(&mut chart, &ts.t_s, (w, end), &layers, &stacked)?;
    // Solid, not dashed (dashes on a line that turns every pixel read as noise), and stepped
    // like the areas, so it parts from their top edge only where offered and completed differ.
    chart.draw_series(LineSeries::new(
        steps(&ts.t_s, (w, end), &offered),
        INK.stroke_width(1),
    ))?;
    strip.draw(&labels, &chart)?;

    // Bottom panel: failures only.
    let entries: Vec<Entry> = causes
        .iter()
        .map(|(n, _, c)| Entry::new(n.replace('_', " "), *c, Swatch::Block))
        .collect();
    let lead = if ts.rows_per_point > 1 {
        format!(
            "Failures by cause, worst {} s of each {} s",
            tick(row_s),
            tick(w)
        )
    } else {
        "Failures by cause".to_string()
    };
    let plot = legend_row(&bottom_area, &lead, &entries)?;
    if causes.is_empty() {
        return no_data(&plot, "No failed requests in this run");
    }
    let causes = worst;
    let stacked = stack(&causes);
    let peak = stacked
        .last()
        .into_iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max);
    let y_top = (peak * 1.12).max(1.0);
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(58)
        .y_label_area_size(88)
        .build_cartesian_2d(x, 0.0..y_top)?;
    mesh(&mut chart)
        .x_desc(TIME_AXIS)
        .y_desc("failures/s")
        // A short panel: fewer labels keep them apart.
        .y_labels(5)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| count_tick(*v))
        .draw()?;
    shade_warmup(&mut chart, warmup, (0.0, y_top))?;
    // The top panel labels the markers; here they are lines behind the data only.
    draw_markers(&mut chart, &events, (0.0, y_top))?;
    draw_stack(&mut chart, &ts.t_s, (w, end), &causes, &stacked)
}

/// The failures panel's layers: when rows were merged, each point is its worst row's rate
/// (`row_s` seconds a row), so the worst second of a fault (scale-out: 2,912 failures/s) is
/// drawn at its height, not averaged with its quiet neighbours; `causes` (mean rates) where no
/// worst rows were kept.
fn worst_row_rates(
    ts: &TimeSeries,
    causes: &[(String, Vec<f64>, RGBColor)],
    row_s: f64,
) -> Vec<(String, Vec<f64>, RGBColor)> {
    causes
        .iter()
        .map(|(name, mean, c)| {
            let rows = ts.worst_failures.iter().find(|(n, _)| n == name);
            let v = rows.map_or_else(
                || mean.clone(),
                |(_, v)| {
                    v.iter()
                        .map(|x| if x.is_finite() { x / row_s } else { 0.0 })
                        .collect()
                },
            );
            (name.clone(), v, *c)
        })
        .collect()
}

/// Running sums of `layers`: `out[k][i]` is the top of layer `k` at point `i`.
fn stack(layers: &[(String, Vec<f64>, RGBColor)]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
    for (_, v, _) in layers {
        let below = out.last();
        out.push(
            v.iter()
                .enumerate()
                .map(|(i, y)| y + below.map_or(0.0, |b| b[i]))
                .collect(),
        );
    }
    out
}

/// Each layer as a polygon between its bottom and top, so layers never overdraw each other.
fn draw_stack<DB: DrawingBackend>(
    chart: &mut TimeChart<'_, DB, plotters::coord::types::RangedCoordf64>,
    starts: &[f64],
    width: (f64, f64),
    layers: &[(String, Vec<f64>, RGBColor)],
    stacked: &[Vec<f64>],
) -> DrawResult<DB> {
    for (k, (_, _, color)) in layers.iter().enumerate() {
        let top = steps(starts, width, &stacked[k]);
        let mut pts = top.clone();
        match k {
            0 => pts.extend([(top[top.len() - 1].0, 0.0), (top[0].0, 0.0)]),
            _ => pts.extend(steps(starts, width, &stacked[k - 1]).into_iter().rev()),
        }
        chart.draw_series(std::iter::once(Polygon::new(pts, color.mix(0.85).filled())))?;
        chart.draw_series(LineSeries::new(top, color.stroke_width(1)))?;
    }
    Ok(())
}

/// A per-interval value as a staircase: flat over each interval `[start, start + width)`, the
/// last one cut at the run's `end`. Counts belong to the whole interval, and steps reach both
/// ends of the time axis.
fn steps(starts: &[f64], (width, end): (f64, f64), values: &[f64]) -> Vec<(f64, f64)> {
    starts
        .iter()
        .zip(values)
        .flat_map(|(&t, &v)| [(t, v), ((t + width).min(end), v)])
        .collect()
}

/// Colour of the running-tasks line.
const RUNNING: RGBColor = INK;

/// One panel per target group (small multiples: groups with the same count would hide each
/// other on shared axes): healthy count as a filled step, registered targets dashed, and the
/// running tasks (from `events.csv`) as a thin step, so the gap between a task starting and it
/// taking traffic reads off one panel.
pub fn healthy_targets<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let ts = &d.timeseries;
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!(
                "{} · targets passing health checks, per {}; running tasks from events",
                replication_note(d),
                interval_note(d, "the fewest healthy")
            ),
        ),
    )?;
    if ts.healthy.is_empty() || ts.is_empty() {
        return no_data(&body, "No target groups in this scenario");
    }
    let n = ts.healthy.len();
    let panels = body.split_evenly((n, 1));
    for (k, panel) in panels.iter().enumerate().take(n) {
        healthy_panel(panel, d, ts, k, k + 1 == n)?;
    }
    Ok(())
}

/// The panel of the `k`-th group of `ts`; `last` carries the time axis.
fn healthy_panel<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    d: &RunData,
    ts: &TimeSeries,
    k: usize,
    last: bool,
) -> DrawResult<DB> {
    let (group, counts) = &ts.healthy[k];
    let w = ts.interval_s();
    let end = d.timeseries.end_s();
    let color = PALETTE[k % PALETTE.len()];
    let initial = d
        .summary
        .figures
        .target_groups
        .get(group)
        .and_then(|g| g.targets.value());
    // Registered targets over time (they change with scaling, replacement and draining);
    // output folders without the column fall back to the starting count.
    let registered: Vec<f64> = match ts.registered.iter().find(|(g, _)| g == group) {
        Some((_, r)) => r.clone(),
        None => initial.map_or_else(Vec::new, |r| vec![r; counts.len()]),
    };
    let running = initial.map_or_else(Vec::new, |i| running_tasks(&d.events, group, i, end));
    let events = markers(d, Some(group));
    let strip = Strip::layout(panel, &events, 0.0..end, (88, 0), 3)?;
    let mut entries = vec![Entry::new("healthy", color, Swatch::Block)];
    if !registered.is_empty() {
        entries.push(Entry::new("registered", MUTED, Swatch::Dashed));
    }
    if !running.is_empty() {
        entries.push(Entry::new("running tasks", RUNNING, Swatch::Line));
    }
    entries.extend(strip.legend(&events));
    let plot = legend_row(panel, group, &entries)?;
    let (labels, plot) = strip.split(&plot);
    let most = counts
        .iter()
        .chain(&registered)
        .copied()
        .chain(running.iter().map(|p| p.1))
        .filter(|c| c.is_finite())
        .fold(1.0, f64::max);
    let y_top = most.ceil() + 0.5;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(if last { 58 } else { 34 })
        .y_label_area_size(88)
        .margin_bottom(if last { 0 } else { 10 })
        .build_cartesian_2d(0.0..end, 0.0..y_top)?;
    let integer = |v: &f64| {
        if (v - v.round()).abs() < 1e-9 {
            tick(*v)
        } else {
            String::new()
        }
    };
    let mut m = mesh(&mut chart);
    m.y_desc("targets")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&integer)
        // One label per whole target on small groups; plotters thins them out on big ones.
        .y_labels((y_top.ceil() as usize + 1).clamp(2, 8));
    if last {
        m.x_desc(TIME_AXIS);
    }
    m.draw()?;
    shade_warmup(&mut chart, warmup_s(d), (0.0, y_top))?;
    draw_markers(&mut chart, &events, (0.0, y_top))?;
    // The count at an interval's end holds over that interval: drawn as steps.
    let stairs = corners(
        ts.t_s
            .iter()
            .zip(counts)
            .filter(|(_, c)| c.is_finite())
            .flat_map(|(&t, &c)| [(t, c), ((t + w).min(end), c)])
            .collect(),
    );
    let mut area = stairs.clone();
    area.push((end, 0.0));
    area.push((0.0, 0.0));
    chart.draw_series(std::iter::once(Polygon::new(
        area,
        color.mix(0.25).filled(),
    )))?;
    // Registered under healthy: while all targets are healthy the data line covers the
    // reference, and the dashes show through exactly where targets are missing.
    if !registered.is_empty() {
        let steps: Vec<(f64, f64)> = ts
            .t_s
            .iter()
            .zip(&registered)
            .filter(|(_, r)| r.is_finite())
            .flat_map(|(&t, &r)| [(t, r), ((t + w).min(end), r)])
            .collect();
        chart.draw_series(DashedLineSeries::new(
            corners(steps),
            10,
            6,
            MUTED.stroke_width(2),
        ))?;
    }
    chart.draw_series(LineSeries::new(stairs, color.stroke_width(3)))?;
    // Last and thin: it is exact (event times, not interval ends), and it must show over the
    // healthy line where the two agree.
    chart.draw_series(LineSeries::new(running, RUNNING.stroke_width(1)))?;
    strip.draw(&labels, &chart)
}

/// Only the corners of a staircase: counts hold for long stretches, and the SVG stays small.
fn corners(stairs: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    stairs
        .iter()
        .enumerate()
        .filter(|&(i, p)| {
            i == 0 || i + 1 == stairs.len() || stairs[i - 1].1 != p.1 || stairs[i + 1].1 != p.1
        })
        .map(|(_, p)| *p)
        .collect()
}

/// Running tasks of `group` over `0..end` as a staircase: `initial` tasks at the start, one
/// more at each `task_start` event and one fewer when a `task_stop` reaches `stopped` (a task
/// is running, for this count, from ECS starting it until it has stopped: starting, running and
/// draining tasks all hold capacity).
pub fn running_tasks(
    events: &[crate::report::load::Event],
    group: &str,
    initial: f64,
    end: f64,
) -> Vec<(f64, f64)> {
    let mut n = initial;
    let mut out = vec![(0.0, n)];
    for e in events.iter().filter(|e| e.target_group == group) {
        let step = match (e.kind.as_str(), e.to.as_str()) {
            ("task_start", _) => 1.0,
            ("task_stop", "stopped") => -1.0,
            _ => continue,
        };
        let t = e.t_s.clamp(0.0, end);
        out.push((t, n));
        n += step;
        out.push((t, n));
    }
    out.push((end, n));
    out
}

/// "1 s interval", or for a long run merged as it was read "0.01 s interval, drawn 5.12 s at a
/// time (the worst p99)", so the reader knows what a point stands for.
fn interval_note(d: &RunData, keeps: &str) -> String {
    let ts = &d.timeseries;
    let w = ts.interval_s();
    match ts.rows_per_point {
        0 | 1 => format!("{} s interval", tick(w)),
        k => format!(
            "{} s interval, drawn {} s at a time ({keeps})",
            tick(w / k as f64),
            tick(w)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_tasks_count_starts_and_completed_stops() {
        let ev = |t_s: f64, kind: &str, group: &str, to: &str| crate::report::load::Event {
            t_s,
            kind: kind.into(),
            target_group: group.into(),
            to: to.into(),
            ..Default::default()
        };
        let events = [
            ev(10.0, "task_start", "web", "starting"),
            ev(10.0, "task_start", "api", "starting"),
            ev(20.0, "fault", "web", "crash"),
            ev(30.0, "task_stop", "web", "stopping"),
            ev(60.0, "task_stop", "web", "stopped"),
        ];
        assert_eq!(
            running_tasks(&events, "web", 3.0, 100.0),
            [
                (0.0, 3.0),
                (10.0, 3.0),
                (10.0, 4.0),
                (60.0, 4.0),
                (60.0, 3.0),
                (100.0, 3.0)
            ],
            "a stopping task still runs until it has stopped; other groups do not count"
        );
    }
}
