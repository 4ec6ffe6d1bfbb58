//! What every chart shares: colours, text styles, the title block, a legend row drawn above the
//! plot (so a legend never covers data), "no data" panels, and time-axis decorations (warm-up
//! shading, event markers).

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, FONT};
use crate::report::load::{Event, RunData};
use crate::vocab::SloMetric;

/// Body text.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text (subtitles, notes).
pub const MUTED: RGBColor = RGBColor(0x5F, 0x5F, 0x5F);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);
/// Major grid lines.
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Minor grid lines.
pub const GRID_LIGHT: RGBColor = RGBColor(0xF0, 0xF0, 0xF0);
/// Warm-up shading.
pub const WARMUP: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);

// Tableau 10: distinct hues that stay apart for common colour-vision deficiencies.
/// Blue.
pub const TAB_BLUE: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
/// Orange.
pub const TAB_ORANGE: RGBColor = RGBColor(0xF2, 0x8E, 0x2B);
/// Red.
pub const TAB_RED: RGBColor = RGBColor(0xE1, 0x57, 0x59);
/// Teal.
pub const TAB_TEAL: RGBColor = RGBColor(0x76, 0xB7, 0xB2);
/// Green.
pub const TAB_GREEN: RGBColor = RGBColor(0x59, 0xA1, 0x4F);
/// Yellow.
pub const TAB_YELLOW: RGBColor = RGBColor(0xED, 0xC9, 0x48);
/// Purple.
pub const TAB_PURPLE: RGBColor = RGBColor(0xB0, 0x7A, 0xA1);
/// Pink.
pub const TAB_PINK: RGBColor = RGBColor(0xFF, 0x9D, 0xA7);
/// Brown.
pub const TAB_BROWN: RGBColor = RGBColor(0x9C, 0x75, 0x5F);
/// Grey.
pub const TAB_GREY: RGBColor = RGBColor(0xBA, 0xB0, 0xAC);
/// A dark red for the SLO threshold, apart from the data's red.
pub const SLO: RGBColor = RGBColor(0xB0, 0x1E, 0x2A);

/// Colours for series without a fixed meaning (target groups), in order.
pub const PALETTE: [RGBColor; 8] = [
    TAB_BLUE, TAB_ORANGE, TAB_TEAL, TAB_PURPLE, TAB_BROWN, TAB_PINK, TAB_GREEN, TAB_GREY,
];

/// Left margin of every chart, pixels.
const LEFT: i32 = 24;
/// Tick labels.
pub const LABEL_SIZE: f64 = 17.0;
/// Axis descriptions.
pub const AXIS_SIZE: f64 = 18.0;
/// Legend entries.
pub const LEGEND_SIZE: f64 = 17.0;

/// A text style of `size` pixels in ink.
pub fn text(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

/// A text style of `size` pixels in `color`.
pub fn text_in(size: f64, color: &RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(color)
}

/// White or ink, whichever contrasts more with `fill` (WCAG relative luminance): white on
/// blue, ink on orange.
pub fn text_on(fill: &RGBColor) -> RGBColor {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let lum = |c: &RGBColor| 0.2126 * channel(c.0) + 0.7152 * channel(c.1) + 0.0722 * channel(c.2);
    let fill = lum(fill);
    let on_white = 1.05 / (fill + 0.05);
    let on_ink = (fill + 0.05) / (lum(&INK) + 0.05);
    if on_white >= on_ink { WHITE } else { INK }
}

/// A fixed colour per failure cause, so a cause looks the same in every run's charts.
pub fn failure_color(cause: &str, fallback_index: usize) -> RGBColor {
    match cause {
        "throttled_429" => TAB_ORANGE,
        "unauthorized_401" => TAB_PURPLE,
        "forbidden_403" => TAB_PINK,
        "not_found_404" => TAB_GREY,
        "internal_error_500" => TAB_BROWN,
        "bad_gateway_502" => TAB_RED,
        "unavailable_503" => RGBColor(0x8C, 0x2D, 0x2D),
        "gateway_timeout_504" => TAB_YELLOW,
        "client_timeout" => RGBColor(0x2F, 0x4B, 0x7C),
        _ => PALETTE[fallback_index % PALETTE.len()],
    }
}

/// A colour per event kind for markers.
pub fn event_color(kind: &str) -> RGBColor {
    if kind.contains("fault") || kind.contains("crash") {
        TAB_RED
    } else if kind.contains("scal") {
        TAB_PURPLE
    } else if kind.starts_with("dereg") {
        TAB_BROWN
    } else if kind.starts_with("reg") || kind == "task_start" {
        TAB_TEAL
    } else if kind == "task_stop" {
        TAB_BROWN
    } else if kind == "zone" {
        TAB_PINK
    } else if kind == "cloud_map" {
        TAB_GREEN
    } else if kind == "anomaly" {
        TAB_YELLOW
    } else {
        // Health transitions and ECS container health: the grey of a state change.
        MUTED
    }
}

/// Title text size, pixels, and the smallest it shrinks to so a long title (a sweep point's
/// chart names its point) still fits the chart's width.
const TITLE_SIZE: (f64, f64) = (26.0, 17.0);

/// Paints the background, the title and a subtitle line; returns the area below them.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let room = root.dim_in_pixel().0 as i32 - 2 * LEFT;
    let mut size = TITLE_SIZE.0;
    let bold = |size: f64| (FONT, size, FontStyle::Bold).into_font().color(&INK);
    while size > TITLE_SIZE.1 && root.estimate_text_size(title, &bold(size))?.0 as i32 > room {
        size -= 1.0;
    }
    // A smaller title keeps its baseline: its top moves down by what it lost.
    let top = 18 + (0.76 * (TITLE_SIZE.0 - size)).round() as i32;
    root.draw(&Text::new(title.to_string(), (LEFT, top), bold(size)))?;
    root.draw(&Text::new(
        subtitle.to_string(),
        (LEFT, 56),
        text_in(17.0, &MUTED),
    ))?;
    // Legends and the y-axis description start under the title's first letter.
    Ok(root.split_vertically(88).1.margin(0, 16, LEFT, 28))
}

/// The standard subtitle: scenario, seed and what part of the run the chart shows.
pub fn subtitle(d: &RunData, what: &str) -> String {
    format!("{} · seed {} · {what}", d.summary.scenario, d.summary.seed)
}

/// "replication 1 of 4" when the run had several; time series come from replication 0 only.
pub fn replication_note(d: &RunData) -> String {
    match d.summary.replications {
        n if n > 1 => format!("replication 1 of {n}"),
        _ => "single replication".into(),
    }
}

/// The threshold of the SLO check on `metric`, when the scenario has one.
pub fn slo_threshold(d: &RunData, metric: SloMetric) -> Option<f64> {
    d.summary.slo.as_ref()?.threshold(metric)
}

/// Warm-up length in seconds: simulated minus measured time.
pub fn warmup_s(d: &RunData) -> f64 {
    d.summary.warmup_s()
}

/// How a legend entry's swatch is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled square (areas, bars).
    Block,
    /// A solid line (series).
    Line,
    /// A dashed line (references: SLO, offered load, means).
    Dashed,
    /// A filled disc (a point marker).
    Dot,
    /// A cross on a white disc (a point marker that failed a check).
    Cross,
}

/// One legend entry.
pub struct Entry {
    /// Text.
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// Swatch shape.
    pub swatch: Swatch,
}

impl Entry {
    /// An entry.
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Self {
        Entry {
            label: label.into(),
            color,
            swatch,
        }
    }
}

/// Height of a legend row, pixels.
pub const LEGEND_ROW: u32 = 34;

/// Draws `lead` (bold, optional) and the entries left to right on one row at the top of
/// `area`, wrapping onto a second row if needed; returns the area below the legend. Legends live
/// above the plot rather than inside it, so they never hide data.
pub fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lead: &str,
    entries: &[Entry],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let style = text(LEGEND_SIZE);
    let width = area.dim_in_pixel().0 as i32;
    let (mut x, mut y) = (0i32, 6i32);
    let mut rows = 1;
    if !lead.is_empty() {
        let bold = (FONT, LEGEND_SIZE, FontStyle::Bold).into_font().color(&INK);
        area.draw(&Text::new(lead.to_string(), (x, y), bold.clone()))?;
        x += area.estimate_text_size(lead, &bold)?.0 as i32 + 18;
    }
    for e in entries {
        let w = 34 + area.estimate_text_size(&e.label, &style)?.0 as i32 + 24;
        if x + w > width && x > 0 {
            x = 0;
            y += LEGEND_ROW as i32 - 6;
            rows += 1;
        }
        // Swatches centred on the x-height of the label: the baseline sits 0.76 em below the
        // text's top, and the middle of lower-case letters half an ex (0.27 em) above that.
        let mid = y + (0.49 * LEGEND_SIZE / 1.24).round() as i32;
        match e.swatch {
            Swatch::Block => area.draw(&Rectangle::new(
                [(x, mid - 8), (x + 22, mid + 8)],
                e.color.filled(),
            ))?,
            Swatch::Line => area.draw(&PathElement::new(
                vec![(x, mid), (x + 24, mid)],
                e.color.stroke_width(3),
            ))?,
            Swatch::Dashed => {
                for s in [0, 10, 20] {
                    area.draw(&PathElement::new(
                        vec![(x + s, mid), (x + s + 6, mid)],
                        e.color.stroke_width(3),
                    ))?;
                }
            }
            Swatch::Dot => area.draw(&Circle::new((x + 11, mid), 6, e.color.filled()))?,
            Swatch::Cross => {
                area.draw(&Circle::new((x + 11, mid), 8, MUTED.stroke_width(2)))?;
                area.draw(&Cross::new((x + 11, mid), 5, e.color.stroke_width(3)))?;
            }
        }
        area.draw(&Text::new(e.label.clone(), (x + 34, y), style.clone()))?;
        x += w;
    }
    Ok(area.split_vertically(LEGEND_ROW * rows + (rows - 1) * 2).1)
}

/// Writes `message` centred in `area` (a chart with nothing to show says so instead of drawing
/// an empty frame).
pub fn no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, message: &str) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        GRID.stroke_width(1),
    ))?;
    let style = text_in(20.0, &MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
}

/// A count or rate tick label: thousands as `k`, so an axis reads `5k 10k 15k`, not
/// `5000 10k 15k`.
pub fn count_tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", tick(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", tick(v / 1e3))
    } else {
        tick(v)
    }
}

/// A tick label: integers plainly, large values in thousands, small ones with enough decimals.
/// Whole thousands from 10 000 are written in k too, so one axis reads `50k 100k 200k`, not
/// `50000 100k 200k`.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.0}M", v / 1e6)
    } else if a >= 1e5 || (a >= 1e4 && (v / 1e3).fract().abs() < 1e-9) {
        format!("{:.0}k", v / 1e3)
    } else if (v - v.round()).abs() < 1e-9 || a >= 10.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_string()
    }
}

/// A latency for labels: `163.6 ms`, `1.25 s`, `0.300 ms`.
pub fn ms(v: f64) -> String {
    if v == 0.0 {
        "0 ms".into()
    } else if v >= 10_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 1.0 {
        format!("{v:.1} ms")
    } else {
        // Three significant digits: 0.745 ms, 0.028 ms, 0.6 ms.
        format!("{} ms", crate::report::significant(v, 3))
    }
}

/// Label count to request on a log axis so that plotters proposes every multiple of each decade
/// (see [`log_tick`]).
pub const LOG_LABELS: usize = 30;

/// Labels on a log axis only at 1, 2 and 5 times a power of ten; plotters proposes every
/// integer multiple, and those crowd each other at the top of each decade.
pub fn log_tick(v: f64) -> String {
    if v <= 0.0 {
        return String::new();
    }
    let mantissa = v / 10f64.powf(v.log10().floor());
    let near = |m: f64| (mantissa - m).abs() < 1e-6 || (mantissa - m * 10.0).abs() < 1e-5;
    if near(1.0) || near(2.0) || near(5.0) {
        tick(v)
    } else {
        String::new()
    }
}

/// A [`log_tick`] formatter that leaves a repeated value blank: plotters proposes the top
/// decade twice (as the last multiple of the decade below and as a decade of its own), and
/// the label drawn twice over itself comes out smeared.
pub fn log_labeller() -> impl Fn(&f64) -> String {
    let last = std::cell::Cell::new(f64::NAN);
    move |v: &f64| {
        if *v == last.get() {
            return String::new();
        }
        last.set(*v);
        log_tick(*v)
    }
}

/// Powers of ten that enclose `lo..hi` (a log axis that starts and ends on a labelled decade).
pub fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf(lo.max(1e-6).log10().floor());
    let mut hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    (lo, hi)
}

/// Splits a series at NaN values: an interval without data breaks the line instead of being
/// drawn as zero or bridged.
pub fn segments(xs: &[f64], ys: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (&x, &y) in xs.iter().zip(ys) {
        if y.is_finite() {
            out.last_mut().expect("never empty").push((x, y));
        } else if !out.last().expect("never empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Events drawn as markers on time charts: everything but health transitions (those show as
/// steps in the healthy-targets chart), optionally only those of target group `group`.
pub fn markers<'a>(d: &'a RunData, group: Option<&str>) -> Vec<&'a Event> {
    d.events
        .iter()
        .filter(|e| !e.is_health_transition() && e.t_s.is_finite())
        .filter(|e| group.is_none_or(|g| e.target_group.is_empty() || e.target_group == g))
        .collect()
}

/// A time chart's coordinates: seconds on x, any f64 axis on y.
pub type TimeChart<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>;

/// Shades the warm-up (statistics ignore it) and labels it.
pub fn shade_warmup<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut TimeChart<'_, DB, Y>,
    warmup_s: f64,
    (y0, y1): (f64, f64),
) -> DrawResult<DB> {
    if warmup_s <= 0.0 {
        return Ok(());
    }
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, y0), (warmup_s, y1)],
        WARMUP.filled(),
    )))?;
    let area = chart.plotting_area();
    let (px, _) = area.map_coordinate(&(warmup_s, y1));
    let (p0, top) = area.map_coordinate(&(0.0, y1));
    let style = text_in(15.0, &MUTED);
    let label = "warm-up";
    // Only labelled where it fits: a short warm-up on a long run is a sliver.
    if area.estimate_text_size(label, &style)?.0 as i32 + 12 < px - p0 {
        // `map_coordinate` gives backend pixels; the plain area draws relative to its corner.
        let (ox, oy) = area.get_base_pixel();
        area.strip_coord_spec()
            .draw(&Text::new(label, (p0 - ox + 6, top - oy + 6), style))?;
    }
    Ok(())
}

/// A mesh in the house style: grey grid, readable labels, short ticks.
pub fn mesh<'a, 'b, DB, X, Y>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: Ranged + ValueFormatter<<X as Ranged>::ValueType>,
    Y: Ranged + ValueFormatter<<Y as Ranged>::ValueType>,
{
    let mut m = chart.configure_mesh();
    m.label_style(text(LABEL_SIZE))
        .axis_desc_style(text(AXIS_SIZE))
        .bold_line_style(GRID)
        .light_line_style(GRID_LIGHT)
        .axis_style(AXIS)
        // One light line between labelled ones: plotters' default of up to ten turns the
        // background into hatching.
        .max_light_lines(1)
        .set_all_tick_mark_size(6);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_alike_along_one_axis() {
        let labels: Vec<String> = [0.0, 0.25, 2.5, 250.0, 5000.0, 12_500.0, 50_000.0, 100_000.0]
            .iter()
            .map(|&v| tick(v))
            .collect();
        assert_eq!(
            labels,
            ["0", "0.25", "2.5", "250", "5000", "12500", "50k", "100k"],
            "whole thousands from 10 000 in k; others exact"
        );
        assert_eq!(tick(2e6), "2M");
        let decade: Vec<String> = [10_000.0, 20_000.0, 30_000.0, 50_000.0]
            .iter()
            .map(|&v| log_tick(v))
            .collect();
        assert_eq!(decade, ["10k", "20k", "", "50k"], "1, 2 and 5 labelled");
    }
}
