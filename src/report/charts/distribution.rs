//! Charts of whole-run distributions: the latency CDF (`latency.csv`), per-stage latency and
//! per-target load (`summary.json`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawResult;
use super::common::*;
use crate::report::load::RunData;
use crate::results::summary::{Fig, Latency, Leaf};
use crate::vocab::SloMetric;

/// Picks one percentile of the latency figures.
type Percentile = fn(&Latency) -> Fig;

/// Percentiles marked on the CDF: label, figure, colour.
const PERCENTILES: [(&str, Percentile, RGBColor); 4] = [
    ("p50", |l| l.p50, TAB_BLUE),
    ("p90", |l| l.p90, TAB_TEAL),
    ("p99", |l| l.p99, TAB_ORANGE),
    ("p99.9", |l| l.p999, TAB_PURPLE),
];

/// Note for charts whose figures are means over replications.
fn replications_note(d: &RunData) -> String {
    match d.summary.replications {
        n if n > 1 => format!("mean of {n} replications"),
        _ => "single replication".into(),
    }
}

/// The tail shares marked across the tail chart: 1% of requests are slower than p99, 0.1%
/// slower than p99.9.
const TAIL_GUIDES: [(&str, f64); 2] = [("p99: 1% slower", 1.0), ("p99.9: 0.1% slower", 0.1)];

/// The latency distribution as its tail: the share of requests slower than each latency
/// (1 − CDF, in percent) on a log axis against latency on a log axis, so the last 1% and
/// 0.1% get as much room as the median; the summary's percentiles as vertical guides, 1% and
/// 0.1% across, the SLO p99 threshold, and for an M/M/c scenario the Erlang C theory.
pub fn latency_cdf<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let measured = format!("{} s", tick(d.summary.measured_s));
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!("successful requests of all replications, measured window {measured}",),
        ),
    )?;
    let marks: Vec<(&str, f64, RGBColor)> = PERCENTILES
        .iter()
        .filter_map(|(label, get, c)| {
            get(&d.summary.figures.traffic.latency_ms).map(|v| (*label, v, *c))
        })
        .collect();
    let slo = slo_threshold(d, SloMetric::P99Ms);
    let theory = super::analytic::Mmc::of_scenario(&d.scenario_toml);
    let mut entries = vec![Entry::new("slower than (1 − CDF)", INK, Swatch::Line)];
    entries.extend(
        marks
            .iter()
            .map(|(l, v, c)| Entry::new(format!("{l} {}", ms(*v)), *c, Swatch::Dashed)),
    );
    if let Some(t) = slo {
        entries.push(Entry::new(
            format!("SLO p99 ≤ {}", ms(t)),
            SLO,
            Swatch::Dashed,
        ));
    }
    if let Some(m) = theory {
        entries.push(Entry::new(m.label(), THEORY, Swatch::Dashed));
    }
    let plot = legend_row(&body, "", &entries)?;
    let tail = tail_points(&d.latency_cdf);
    let (Some(first), Some(last)) = (tail.first(), tail.last()) else {
        return no_data(&plot, "No successful requests: no latency distribution");
    };
    let (lo, hi) = decades(first.0, last.0.max(slo.unwrap_or(0.0)) * 1.01);
    // Down to a decade under the smallest share drawn, and at least to 0.01%, so both guides
    // and the curve below them show.
    let floor = decades(last.1.min(0.01) / 10.0, 100.0).0;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(58)
        .y_label_area_size(88)
        .build_cartesian_2d((lo..hi).log_scale(), (floor..100.0).log_scale())?;
    let x_label = log_labeller();
    let y_label = |v: &f64| {
        let l = log_tick(*v);
        if l.is_empty() {
            l
        } else {
            format!("{}%", significant_pct(*v))
        }
    };
    mesh(&mut chart)
        .x_desc("end-to-end latency (ms, log scale)")
        .y_desc("requests slower (%, log scale)")
        // Asking for many labels makes plotters propose every integer multiple of each decade;
        // `log_tick` then names only 1, 2 and 5, the rest stay as unlabelled ticks.
        .x_labels(LOG_LABELS)
        .x_label_formatter(&x_label)
        .y_labels(LOG_LABELS)
        .y_label_formatter(&y_label)
        .draw()?;
    for &(_, share) in &TAIL_GUIDES {
        chart.draw_series(DashedLineSeries::new(
            [(lo, share), (hi, share)],
            4,
            4,
            MUTED.stroke_width(1),
        ))?;
    }
    for &(_, v, color) in &marks {
        chart.draw_series(DashedLineSeries::new(
            [(v, floor), (v, 100.0)],
            8,
            5,
            color.stroke_width(2),
        ))?;
    }
    if let Some(t) = slo {
        chart.draw_series(DashedLineSeries::new(
            [(t, floor), (t, 100.0)],
            10,
            6,
            SLO.stroke_width(2),
        ))?;
    }
    if let Some(m) = theory {
        let n = 400;
        let curve: Vec<(f64, f64)> = (0..=n)
            .map(|i| lo * (hi / lo).powf(f64::from(i) / f64::from(n)))
            .map(|t| (t, m.sojourn_tail(t) * 100.0))
            .filter(|(_, y)| *y >= floor)
            .collect();
        chart.draw_series(DashedLineSeries::new(curve, 12, 6, THEORY.stroke_width(3)))?;
    }
    chart.draw_series(LineSeries::new(thin(&tail, hi / lo), INK.stroke_width(2)))?;
    label_guides(&chart, &marks, lo)
}

/// The theory line's colour (here and on latency over time).
pub const THEORY: RGBColor = TAB_GREEN;

/// A share in percent for an axis label: `100`, `1`, `0.1`, `0.001`.
fn significant_pct(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        crate::report::significant(v, 1)
    }
}

/// `latency.csv`'s `(ms, F)` as `(ms, 100·(1 − F))`: the share slower than each latency in
/// percent. The last bucket (F = 1, nothing slower) has no place on a log axis and is left
/// out, as are rows without a positive latency.
pub fn tail_points(cdf: &[(f64, f64)]) -> Vec<(f64, f64)> {
    cdf.iter()
        .filter(|(ms, f)| ms.is_finite() && *ms > 0.0 && f.is_finite())
        .map(|&(ms, f)| (ms, (1.0 - f) * 100.0))
        .filter(|&(_, share)| share > 0.0)
        .collect()
}

/// Drops points within a fraction of a pixel of the last one kept (they add nothing but bytes
/// to the SVG); `x_span` is the latency axis' hi / lo. Both axes are logarithmic.
fn thin(points: &[(f64, f64)], x_span: f64) -> Vec<(f64, f64)> {
    let span = x_span.log10();
    let mut thinned: Vec<(f64, f64)> = Vec::with_capacity(points.len().min(4000));
    for (i, &(x, y)) in points.iter().enumerate() {
        let keep = match thinned.last() {
            None => true,
            Some(&(px, py)) => {
                i + 1 == points.len()
                    || (x / px).log10() / span > 1e-3
                    || (y / py).log10().abs() > 2e-3
            }
        };
        if keep {
            thinned.push((x, y));
        }
    }
    thinned
}

/// Names each percentile guide at its foot (a label that would touch its left neighbour moves
/// up a row), and the 1% and 0.1% guides at the left edge.
fn label_guides<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &ChartContext<'_, DB, Cartesian2d<plotters::coord::combinators::LogCoord<f64>, Y>>,
    marks: &[(&str, f64, RGBColor)],
    lo: f64,
) -> DrawResult<DB> {
    let area = chart.plotting_area();
    let base = area.get_base_pixel();
    let plain = area.strip_coord_spec();
    let y_floor = chart.y_range().start;
    for &(label, share) in &TAIL_GUIDES {
        let (px, py) = chart.backend_coord(&(lo, share));
        plain.draw(&Text::new(
            label,
            (px - base.0 + 6, py - base.1 - 18),
            text_in(14.0, &MUTED),
        ))?;
    }
    let style = text(15.0).pos(Pos::new(HPos::Center, VPos::Bottom));
    let mut spans = Vec::with_capacity(marks.len());
    for &(label, v, _) in marks {
        let (px, _) = chart.backend_coord(&(v, y_floor));
        let w = plain.estimate_text_size(label, &style)?.0 as i32 + 8;
        spans.push((px - base.0, w));
    }
    let rows = label_rows(&spans);
    for (&(label, v, color), (&(x, w), row)) in marks.iter().zip(spans.iter().zip(rows)) {
        let (_, py) = chart.backend_coord(&(v, y_floor));
        let y = py - base.1 - 6 - row as i32 * 24;
        plain.draw(&Rectangle::new(
            [(x - w / 2, y - 19), (x + w / 2, y + 3)],
            WHITE.filled(),
        ))?;
        plain.draw(&Rectangle::new(
            [(x - w / 2, y - 19), (x + w / 2, y + 3)],
            color.stroke_width(1),
        ))?;
        plain.draw(&Text::new(label, (x, y), style.clone()))?;
    }
    Ok(())
}

/// Rows for boxed labels centred at `x` and `w` wide (in x order), stacked upwards: each on
/// the lowest row where it clears the label before it there; when none of
/// [`LABEL_ROWS`] is clear, the row whose last label ends furthest left.
fn label_rows(spans: &[(i32, i32)]) -> Vec<usize> {
    let mut right = [i32::MIN; LABEL_ROWS];
    spans
        .iter()
        .map(|&(x, w)| {
            let left = x - w / 2;
            let row = (0..LABEL_ROWS)
                .find(|&r| left > right[r])
                .unwrap_or_else(|| (0..LABEL_ROWS).min_by_key(|&r| right[r]).unwrap_or(0));
            right[row] = x + w / 2 + 4;
            row
        })
        .collect()
}

/// Rows of percentile labels at the foot of the tail chart.
const LABEL_ROWS: usize = 3;

/// Human name of a stage key: `app_queue` → `app queue`.
fn stage_label(key: &str) -> String {
    key.replace('_', " ")
}

/// Horizontal bars per stage in path order: mean and p99, values written at the bar ends.
pub fn stage_latency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!(
                "{} · time per visit; the authorizer runs only on cache misses",
                replications_note(d)
            ),
        ),
    )?;
    let entries = [
        Entry::new("mean", TAB_BLUE, Swatch::Block),
        Entry::new("p99", TAB_ORANGE, Swatch::Block),
    ];
    let plot = legend_row(&body, "", &entries)?;
    let stages: Vec<(String, f64, f64)> = d
        .summary
        .figures
        .stages
        .iter()
        .map(|(k, v)| {
            let f = |x: Fig| x.unwrap_or(f64::NAN);
            (k.clone(), f(v.mean), f(v.p99))
        })
        .filter(|(_, mean, p99)| mean.is_finite() || p99.is_finite())
        .collect();
    if stages.is_empty() {
        return no_data(&plot, "No stage timings in summary.json");
    }
    let n = stages.len();
    let peak = stages
        .iter()
        .flat_map(|(_, a, b)| [*a, *b])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-3);
    // Room right of the longest bar for its value label.
    let x_top = peak * 1.18;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(58)
        .y_label_area_size(150)
        .margin_right(20)
        // Row r is the band r..r+1; stages run top to bottom in path order.
        .build_cartesian_2d(0.0..x_top, 0.0..n as f64)?;
    mesh(&mut chart)
        .disable_y_mesh()
        .x_desc("latency (ms)")
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .draw()?;
    let values = text(15.0).pos(Pos::new(HPos::Left, VPos::Center));
    let names = text(LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
    let base = plot.get_base_pixel();
    for (i, (key, mean, p99)) in stages.iter().enumerate() {
        let row = (n - 1 - i) as f64;
        // Category labels are drawn by hand: plotters' segmented axes misplace a single band.
        let (ax, ay) = chart.backend_coord(&(0.0, row + 0.5));
        plot.draw(&Text::new(
            stage_label(key),
            (ax - base.0 - 10, ay - base.1),
            names.clone(),
        ))?;
        // Mean in the upper half of the band, p99 in the lower, with a gap around each pair.
        for (v, color, lo, hi) in [
            (*mean, TAB_BLUE, row + 0.5, row + 0.88),
            (*p99, TAB_ORANGE, row + 0.12, row + 0.5),
        ] {
            if !v.is_finite() {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, lo), (v, hi)],
                color.filled(),
            )))?;
            // Centred on the bar by its digits (cap height), not its x-height: 2 px higher.
            chart.draw_series(std::iter::once(
                EmptyElement::at((v, (lo + hi) / 2.0)) + Text::new(ms(v), (6, -2), values.clone()),
            ))?;
        }
    }
    Ok(())
}

/// One bar of the target-load chart: a target of a group.
struct Bar {
    group: usize,
    index: usize,
    requests: f64,
    utilization: f64,
    /// Seconds of the measured window the task was in service.
    life_s: f64,
}

/// Seconds of the window `from..to` each of a group's `n` targets was in service, from
/// `events.csv`: a target serves from the start (the `initial` targets) or, for a task started
/// later, from its first `health` transition to `healthy` after its `task_start` (the minutes
/// of container start and health checks before it got a request are not its life; a group
/// with no health events for it counts from the `task_start`), until its `task_stop` reaches
/// `stopped`, or a crash fault ends it (or the end).
pub fn lifetimes(
    events: &[crate::report::load::Event],
    group: &str,
    (initial, n): (usize, usize),
    (from, to): (f64, f64),
) -> Vec<f64> {
    let mut span: Vec<(f64, f64)> = (0..n)
        .map(|i| if i < initial { (0.0, to) } else { (to, to) })
        .collect();
    // Per target: started, and not yet healthy since.
    let mut awaiting = vec![false; n];
    for e in events.iter().filter(|e| e.target_group == group) {
        let Some(i) = e.target.parse::<usize>().ok().filter(|&i| i < n) else {
            continue;
        };
        let s = &mut span[i];
        match (e.kind.as_str(), e.to.as_str()) {
            ("task_start", _) => {
                *s = (e.t_s, to);
                awaiting[i] = true;
            }
            ("health", "healthy") if awaiting[i] => {
                s.0 = e.t_s.min(s.1);
                awaiting[i] = false;
            }
            ("task_stop", "stopped") => s.1 = s.1.min(e.t_s),
            // A crashed task serves nothing from the crash on, though ECS stops it later.
            ("fault", "crash" | "app_crash" | "task_exit") => s.1 = s.1.min(e.t_s),
            _ => {}
        }
    }
    span.iter()
        .map(|&(a, b)| (b.min(to) - a.max(from)).max(0.0))
        .collect()
}

/// The groups' names, a bar per target, and each group's even rate (its requests per second
/// of task life: what every target would get if balancing were even).
fn per_target(d: &RunData) -> (Vec<String>, Vec<Bar>, Vec<f64>) {
    let mut groups: Vec<String> = Vec::new();
    let mut bars: Vec<Bar> = Vec::new();
    let window = (d.summary.warmup_s(), d.summary.simulated_s);
    for (name, g) in &d.summary.figures.target_groups {
        let initial = g.targets.value().unwrap_or(0.0).round() as usize;
        let life = lifetimes(&d.events, name, (initial, g.per_target.len()), window);
        for (index, t) in g.per_target.iter().enumerate() {
            bars.push(Bar {
                group: groups.len(),
                index,
                requests: t.requests.value().unwrap_or(0.0),
                utilization: t.utilization.unwrap_or(f64::NAN),
                life_s: life[index],
            });
        }
        groups.push(name.clone());
    }
    let even: Vec<f64> = (0..groups.len())
        .map(|g| {
            let (r, l) = bars
                .iter()
                .filter(|b| b.group == g)
                .fold((0.0, 0.0), |(r, l), b| (r + b.requests, l + b.life_s));
            if l > 0.0 { r / l } else { 0.0 }
        })
        .collect();
    (groups, bars, even)
}

/// A bar's requests per second of its task's life against its group's even rate (1× = even).
fn relative(b: &Bar, even: &[f64]) -> f64 {
    if even[b.group] > 0.0 && b.life_s > 0.0 {
        b.requests / b.life_s / even[b.group]
    } else {
        0.0
    }
}

/// How long a bar's task ran, when that was not the whole window: `ran 742 s`.
fn lived(b: &Bar, window_s: f64) -> Option<String> {
    (b.life_s < window_s - 0.5).then(|| format!("for {} s", b.life_s.round()))
}

/// One bar per target: requests sent to it per second of its task's life, relative to its
/// group's even rate (1× = perfectly even), so skew reads the same in a busy group and a quiet
/// one, and a task that lived half the run does not read as half the load. Bars are coloured by group and
/// carry their request count above and worker utilization inside.
pub fn target_load<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RunData,
    title: &str,
) -> DrawResult<DB> {
    let body = frame(
        root,
        title,
        &subtitle(
            d,
            &format!(
                "{} · requests per second in service (healthy until stopped) against an even split{}",
                replications_note(d),
                if d.summary.replications > 1 {
                    " (service times from replication 1's events)"
                } else {
                    ""
                }
            ),
        ),
    )?;
    let (groups, bars, share) = per_target(d);
    let relative = |b: &Bar| relative(b, &share);
    let mut entries: Vec<Entry> = groups
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let busiest = bars
                .iter()
                .filter(|b| b.group == g)
                .map(&relative)
                .fold(0.0, f64::max);
            let label = if share[g] > 0.0 {
                format!("{name} (busiest {busiest:.2}×)")
            } else {
                format!("{name} (no requests)")
            };
            Entry::new(label, PALETTE[g % PALETTE.len()], Swatch::Block)
        })
        .collect();
    entries.push(Entry::new("even rate (1×)", INK, Swatch::Dashed));
    let plot = legend_row(&body, "", &entries)?;
    if bars.is_empty() {
        return no_data(&plot, "No per-target figures in summary.json");
    }
    let n = bars.len();
    let peak = bars.iter().map(&relative).fold(1.0, f64::max);
    // Headroom for the request counts above the bars.
    let y_top = peak * 1.15;
    // With many targets, label every k-th bar so the labels stay apart.
    let every = n.div_ceil(24);
    // "group index" under each bar when every such label fits its bar's band; else only the
    // index (the bar's colour names its group in the legend), so labels never run together.
    let band_px = f64::from(plot.dim_in_pixel().0.saturating_sub(88)) / n as f64 * every as f64;
    let mut widest = 0;
    for b in &bars {
        let label = format!("{} {}", groups[b.group], b.index);
        widest = widest.max(plot.estimate_text_size(&label, &text(LABEL_SIZE))?.0);
    }
    let full_names = f64::from(widest) + 8.0 <= band_px;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(58)
        .y_label_area_size(88)
        // Bar i fills the band i..i+1.
        .build_cartesian_2d(0.0..n as f64, 0.0..y_top)?;
    mesh(&mut chart)
        .disable_x_mesh()
        .x_desc(if full_names {
            "target (group and index)"
        } else {
            "target (index; group by colour)"
        })
        .y_desc("requests/s in service ÷ even (×)")
        .x_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .y_label_formatter(&|v| format!("{}×", tick(*v)))
        .draw()?;
    // Bars two thirds of their band, but never slabs: at most 140 px wide.
    let band_px = f64::from(chart.plotting_area().dim_in_pixel().0) / n as f64;
    let half = (band_px * 0.66).min(140.0) / band_px / 2.0;
    // The reference goes behind the bars: it shows between them, and labels inside the bars
    // never sit on it.
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 1.0), (n as f64, 1.0)],
        8,
        5,
        INK.stroke_width(2),
    ))?;
    let above = text(15.0).pos(Pos::new(HPos::Center, VPos::Bottom));
    let names = text(LABEL_SIZE).pos(Pos::new(HPos::Center, VPos::Top));
    let base = plot.get_base_pixel();
    for (i, b) in bars.iter().enumerate() {
        let color = PALETTE[b.group % PALETTE.len()];
        let inside = text_in(15.0, &text_on(&color)).pos(Pos::new(HPos::Center, VPos::Top));
        let y = relative(b);
        let x = i as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x + 0.5 - half, 0.0), (x + 0.5 + half, y)],
            color.filled(),
        )))?;
        // Category labels are drawn by hand: plotters' segmented axes misplace a single band.
        if i % every == 0 {
            let (lx, ly) = chart.backend_coord(&(x + 0.5, 0.0));
            let label = if full_names {
                format!("{} {}", groups[b.group], b.index)
            } else {
                b.index.to_string()
            };
            plot.draw(&Text::new(
                label,
                (lx - base.0, ly - base.1 + 10),
                names.clone(),
            ))?;
        }
        if n > 24 {
            continue;
        }
        let requests = crate::report::count(b.requests);
        let busy = b
            .utilization
            .is_finite()
            .then(|| format!("{:.0}% busy", b.utilization * 100.0));
        let at = (x + 0.5, y);
        let bottom = chart.backend_coord(&(x, 0.0)).1;
        let top = chart.backend_coord(&at).1;
        let lines: Vec<String> = [
            Some(requests.clone()),
            busy.clone(),
            lived(b, d.summary.measured_s),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Inside the bar's top when it is tall enough for its lines; above it otherwise.
        if bottom - top > 22 * lines.len() as i32 + 20 {
            for (k, line) in lines.into_iter().enumerate() {
                chart.draw_series(std::iter::once(
                    EmptyElement::at(at) + Text::new(line, (0, 8 + 22 * k as i32), inside.clone()),
                ))?;
            }
        } else {
            let label = lines.join(" · ");
            chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Text::new(label, (0, -6), above.clone()),
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_lives_from_its_start_until_it_has_stopped() {
        let ev = |t_s: f64, kind: &str, target: &str, to: &str| crate::report::load::Event {
            t_s,
            kind: kind.into(),
            target_group: "web".into(),
            target: target.into(),
            to: to.into(),
            ..Default::default()
        };
        let events = [
            ev(40.0, "task_stop", "0", "stopping"),
            ev(70.0, "task_stop", "0", "stopped"),
            ev(70.0, "task_start", "2", "starting"),
            ev(80.0, "health", "1", "unhealthy"),
            ev(90.0, "fault", "2", "crash"),
            ev(100.0, "task_stop", "2", "stopped"),
        ];
        // Two tasks from the start, a third started later; window 10..110 s.
        let life = lifetimes(&events, "web", (2, 3), (10.0, 110.0));
        assert_eq!(life, [60.0, 100.0, 20.0]);
        // The third passes its health checks at 75 s: it serves from then, not from its
        // start; a later healthy transition (after an unhealthy spell) does not move it.
        let mut checked = events.to_vec();
        checked.insert(3, ev(75.0, "health", "2", "healthy"));
        checked.insert(4, ev(85.0, "health", "2", "healthy"));
        let life = lifetimes(&checked, "web", (2, 3), (10.0, 110.0));
        assert_eq!(life, [60.0, 100.0, 15.0]);
        // The initial tasks' own first healthy transition (in the warm-up) changes nothing.
        checked.insert(0, ev(12.0, "health", "0", "healthy"));
        assert_eq!(lifetimes(&checked, "web", (2, 3), (10.0, 110.0))[0], 60.0);
        // Equal rates while alive: an even split, whatever the lifetimes.
        let bar = |index: usize, life_s: f64| Bar {
            group: 0,
            index,
            requests: 5.0 * life_s,
            utilization: f64::NAN,
            life_s,
        };
        let bars = [bar(0, 60.0), bar(1, 100.0), bar(2, 20.0)];
        let even = [bars.iter().map(|b| b.requests).sum::<f64>() / 180.0];
        for b in &bars {
            assert!((relative(b, &even) - 1.0).abs() < 1e-12);
        }
        assert_eq!(lived(&bars[2], 100.0).as_deref(), Some("for 20 s"));
        assert_eq!(lived(&bars[1], 100.0), None);
    }

    #[test]
    fn percentile_labels_stack_without_overlapping() {
        // p50 alone; p90, p99 and p99.9 within a label's width of each other (a sweep point
        // near saturation): three rows, none over another.
        assert_eq!(
            label_rows(&[(100, 40), (400, 40), (420, 40), (440, 60)]),
            [0, 0, 1, 2]
        );
        // Apart: all on the bottom row.
        assert_eq!(label_rows(&[(100, 40), (200, 40), (300, 40)]), [0, 0, 0]);
        // More than the rows hold: the row free soonest.
        assert_eq!(
            label_rows(&[(100, 40), (101, 40), (102, 40), (103, 40)]),
            [0, 1, 2, 0]
        );
    }

    #[test]
    fn the_tail_is_the_share_slower_in_percent_without_the_last_bucket() {
        let cdf = [
            (0.0, 0.1),
            (1.0, 0.5),
            (2.0, 0.99),
            (4.0, 0.999),
            (8.0, 1.0),
        ];
        let tail = tail_points(&cdf);
        let expect = [(1.0, 50.0), (2.0, 1.0), (4.0, 0.1)];
        assert_eq!(tail.len(), expect.len());
        for ((x, y), (ex, ey)) in tail.iter().zip(expect) {
            assert_eq!(*x, ex);
            assert!((y - ey).abs() < 1e-9, "{y} vs {ey}");
        }
    }
}
