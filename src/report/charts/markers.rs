//! Event markers on the time charts: translucent vertical lines drawn behind the data, and their
//! labels ("crash 2 × bags", "scale out bags 3→6") in a strip of their own above the plot, so a
//! marker never hides a data point and a label never sits on one.
//!
//! Events close in time of one kind and one group share a label (two crashes in the same
//! second read "crash 2 × bags", not two overlapping labels). Labels are laid out greedily in
//! time order: right of their marker (left of it near the right edge), on the first row where
//! they do not touch the label before; a label that finds no row within the strip's limit is
//! left out, and the legend then names the marker kinds by colour instead.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawResult;
use super::common::{Entry, Swatch, TimeChart, event_color, text_in};
use crate::report::load::Event;

/// Opacity of a marker line: the data drawn over it shows through.
pub const MARKER_ALPHA: f64 = 0.45;
/// Events of one kind and group at most this many pixels after the previous one share a label.
const MERGE_PX: i32 = 48;
/// Height of one row of labels, pixels.
const ROW_PX: u32 = 22;
/// Label text size.
const LABEL_PX: f64 = 15.0;

/// One label before layout: where its (first) marker is and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Time of the first event it names, seconds.
    pub t_s: f64,
    /// Pixel column of that event's marker, relative to the strip's left edge.
    pub x: i32,
    /// Text.
    pub text: String,
    /// Marker colour (the kind's).
    pub color: RGBColor,
}

/// A label after layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The label.
    pub label: Label,
    /// Left edge of its text, pixels from the strip's left edge.
    pub left: i32,
    /// Row, 0 at the top.
    pub row: usize,
}

/// What an event is called on its label: a fault by what it does (`crash`, `hang`), other
/// kinds by their name.
fn what(e: &Event) -> String {
    if e.kind == "fault" && !e.to.is_empty() {
        e.to.replace('_', " ")
    } else {
        e.kind.replace('_', " ")
    }
}

/// The labels of `events` (in time order), `px` giving each time's pixel column: events of one
/// kind and group within [`MERGE_PX`] of the one before share a label that counts the
/// distinct targets, or for scaling gives the desired count before and after.
pub fn describe(events: &[&Event], px: impl Fn(f64) -> i32) -> Vec<Label> {
    // A run of events sharing one label.
    struct Chain<'a> {
        what: String,
        first: &'a Event,
        last: &'a Event,
        last_x: i32,
        x: i32,
        targets: Vec<&'a str>,
    }
    let mut chains: Vec<Chain> = Vec::new();
    for e in events {
        let (w, x) = (what(e), px(e.t_s));
        let open = chains.iter_mut().rev().find(|c| {
            c.what == w && c.first.target_group == e.target_group && x - c.last_x <= MERGE_PX
        });
        match open {
            Some(c) => {
                c.last = e;
                c.last_x = x;
                if !c.targets.contains(&e.target.as_str()) {
                    c.targets.push(&e.target);
                }
            }
            None => chains.push(Chain {
                what: w,
                first: e,
                last: e,
                last_x: x,
                x,
                targets: vec![&e.target],
            }),
        }
    }
    let mut labels: Vec<Label> = chains
        .into_iter()
        .map(|c| {
            let group = &c.first.target_group;
            let scaling = c.first.kind.starts_with("scal");
            let n = c.targets.iter().filter(|t| !t.is_empty()).count();
            let text = if scaling && !c.first.from.is_empty() && !c.last.to.is_empty() {
                format!("{} {group} {}→{}", c.what, c.first.from, c.last.to)
            } else if n > 1 {
                format!("{} {n} × {group}", c.what)
            } else {
                let who = [group.as_str(), c.first.target.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("/");
                format!("{} {who}", c.what)
            };
            Label {
                t_s: c.first.t_s,
                x: c.x,
                text: text.trim_end().to_string(),
                color: event_color(&c.first.kind),
            }
        })
        .collect();
    labels.sort_by(|a, b| a.x.cmp(&b.x).then(a.t_s.total_cmp(&b.t_s)));
    labels
}

/// Lays `labels` (sorted by `x`) out on at most `max_rows` rows of a strip `width` pixels wide;
/// `text_w` measures a text. Returns the placed labels and how many found no room.
pub fn place(
    labels: Vec<Label>,
    width: i32,
    text_w: impl Fn(&str) -> i32,
    max_rows: usize,
) -> (Vec<Placed>, usize) {
    // Right edge (with a gap) of the last label on each row.
    let mut rows: Vec<i32> = Vec::new();
    let mut placed = Vec::new();
    let mut dropped = 0;
    for label in labels {
        let w = text_w(&label.text);
        let right = label.x + 5;
        let left_of = label.x - 5 - w;
        // Right of the marker where it fits the strip, else left of it (near the right edge),
        // on the first row where it clears the label before.
        let free = |left: i32| rows.iter().position(|&edge| left > edge);
        let sides: Vec<i32> = [right, left_of]
            .into_iter()
            .filter(|&l| l >= 0 && l + w <= width)
            .collect();
        let choice = sides
            .iter()
            .map(|&l| (free(l).unwrap_or(rows.len()), l))
            .min_by_key(|&(row, _)| row);
        let Some((row, left)) = choice.filter(|&(row, _)| row < max_rows) else {
            dropped += 1;
            continue;
        };
        if row == rows.len() {
            rows.push(i32::MIN);
        }
        rows[row] = left + w + 8;
        placed.push(Placed { label, left, row });
    }
    (placed, dropped)
}

/// The marker labels of one time panel, laid out for its width.
pub struct Strip {
    placed: Vec<Placed>,
    dropped: usize,
    rows: usize,
}

impl Strip {
    /// Lays out the labels of `events` for a chart drawn on `area` over times `x`, whose plot
    /// starts `y_label_px` from the area's left edge and ends `right_px` from its right edge
    /// (the label areas); at most `max_rows` rows.
    pub fn layout<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        events: &[&Event],
        x: std::ops::Range<f64>,
        (y_label_px, right_px): (u32, u32),
        max_rows: usize,
    ) -> Result<Strip, DrawingAreaErrorKind<DB::ErrorType>> {
        let width = area.dim_in_pixel().0 as i32;
        let plot_w = f64::from((width - y_label_px as i32 - right_px as i32).max(1));
        let span = (x.end - x.start).max(1e-9);
        let px = |t: f64| y_label_px as i32 + ((t - x.start) / span * plot_w).round() as i32;
        let style = text_in(LABEL_PX, &super::common::INK);
        let mut widths = Vec::new();
        for l in describe(events, px) {
            let w = area.estimate_text_size(&l.text, &style)?.0 as i32;
            widths.push((l, w));
        }
        let measured: Vec<(String, i32)> =
            widths.iter().map(|(l, w)| (l.text.clone(), *w)).collect();
        let (placed, dropped) = place(
            widths.into_iter().map(|(l, _)| l).collect(),
            width,
            |t| measured.iter().find(|(s, _)| s == t).map_or(0, |(_, w)| *w),
            max_rows,
        );
        let rows = placed.iter().map(|p| p.row + 1).max().unwrap_or(0);
        Ok(Strip {
            placed,
            dropped,
            rows,
        })
    }

    /// Legend entries naming the marker kinds by colour, when some labels found no room (with
    /// every marker labelled, the labels say it all).
    pub fn legend(&self, events: &[&Event]) -> Vec<Entry> {
        if self.dropped == 0 {
            return Vec::new();
        }
        let mut kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
            .into_iter()
            .map(|k| Entry::new(k.replace('_', " "), event_color(k), Swatch::Line))
            .collect()
    }

    /// Splits `area` into the strip (on top) and the rest, where the chart goes.
    #[allow(clippy::type_complexity)]
    pub fn split<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
        let h = if self.rows == 0 {
            0
        } else {
            self.rows as u32 * ROW_PX + 6
        };
        area.split_vertically(h)
    }

    /// Draws the labels on `strip` (from [`Strip::split`]), each with a leader down to where its
    /// marker starts; `chart` is the chart drawn below, which places the markers.
    pub fn draw<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
        &self,
        strip: &DrawingArea<DB, Shift>,
        chart: &TimeChart<'_, DB, Y>,
    ) -> DrawResult<DB> {
        let ox = strip.get_base_pixel().0;
        let bottom = strip.dim_in_pixel().1 as i32;
        let style = text_in(LABEL_PX, &super::common::INK);
        let y_any = chart.y_range().start;
        for p in &self.placed {
            let x = chart.backend_coord(&(p.label.t_s, y_any)).0 - ox;
            let y = p.row as i32 * ROW_PX as i32 + 2;
            strip.draw(&PathElement::new(
                vec![(x, y + 2), (x, bottom)],
                p.label.color.mix(MARKER_ALPHA).stroke_width(2),
            ))?;
            let left = p.left + (x - p.label.x);
            strip.draw(&Text::new(p.label.text.clone(), (left, y), style.clone()))?;
        }
        Ok(())
    }
}

/// Draws event markers as translucent vertical lines over the whole plot height; call it before
/// the data, so the data is drawn over them. Events of different kinds within a few pixels (a
/// scale-out and the task start it causes) are set side by side, 3 px apart, so one does not
/// hide the other; repeats of one kind there are drawn once. `events` are in time order.
pub fn draw_markers<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut TimeChart<'_, DB, Y>,
    events: &[&Event],
    (y0, y1): (f64, f64),
) -> DrawResult<DB> {
    const SPREAD_PX: i32 = 3;
    let area = chart.plotting_area();
    let (ox, oy) = area.get_base_pixel();
    let plain = area.strip_coord_spec();
    let mut cluster_x = i32::MIN;
    let mut kinds: Vec<&str> = Vec::new();
    for e in events {
        let (px, top) = area.map_coordinate(&(e.t_s, y1));
        let (_, bottom) = area.map_coordinate(&(e.t_s, y0));
        if px.saturating_sub(cluster_x) > SPREAD_PX {
            cluster_x = px;
            kinds.clear();
        }
        if kinds.contains(&e.kind.as_str()) {
            continue;
        }
        let x = px - ox + SPREAD_PX * kinds.len() as i32;
        kinds.push(&e.kind);
        plain.draw(&PathElement::new(
            vec![(x, top - oy), (x, bottom - oy)],
            event_color(&e.kind).mix(MARKER_ALPHA).stroke_width(2),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t_s: f64, kind: &str, group: &str, target: &str, from: &str, to: &str) -> Event {
        Event {
            t_s,
            kind: kind.into(),
            target_group: group.into(),
            target: target.into(),
            from: from.into(),
            to: to.into(),
            ..Event::default()
        }
    }

    /// scale-out.toml's events (health transitions left out, as the charts leave them out).
    fn scale_out() -> Vec<Event> {
        vec![
            ev(840.0, "scale_out", "bags", "", "3", "4"),
            ev(840.0, "task_start", "bags", "3", "", "starting"),
            ev(900.0, "scale_out", "bags", "", "4", "6"),
            ev(900.0, "task_start", "bags", "4", "", "starting"),
            ev(900.0, "task_start", "bags", "5", "", "starting"),
            ev(1000.0, "fault", "bags", "0", "ok", "crash"),
            ev(1000.0, "fault", "bags", "1", "ok", "crash"),
            ev(1058.1, "task_start", "bags", "6", "", "starting"),
            ev(1061.0, "task_start", "bags", "7", "", "starting"),
            ev(1172.4, "task_stop", "bags", "0", "running", "stopping"),
            ev(1202.4, "task_stop", "bags", "0", "stopping", "stopped"),
            ev(1211.1, "task_stop", "bags", "1", "running", "stopping"),
            ev(1241.1, "task_stop", "bags", "1", "stopping", "stopped"),
        ]
    }

    #[test]
    fn close_events_of_one_kind_share_a_label_that_counts_targets() {
        let events = scale_out();
        let refs: Vec<&Event> = events.iter().collect();
        // 1800 s on about 1060 px.
        let labels = describe(&refs, |t| (t * 0.59).round() as i32);
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "scale out bags 3→6",
                "task start 3 × bags",
                "crash 2 × bags",
                "task start 2 × bags",
                "task stop 2 × bags",
            ]
        );
        assert_eq!(labels[2].color, event_color("fault"));
        // A lone event names its target.
        let one = [ev(5.0, "fault", "web", "1", "ok", "hang")];
        let refs: Vec<&Event> = one.iter().collect();
        assert_eq!(describe(&refs, |t| t as i32)[0].text, "hang web/1");
    }

    #[test]
    fn labels_take_the_first_free_row_and_overflow_is_counted() {
        let label = |x: i32, text: &str| Label {
            t_s: f64::from(x),
            x,
            text: text.into(),
            color: BLACK,
        };
        let w = |t: &str| t.len() as i32 * 10;
        let labels = vec![
            label(100, "aaaaaaaaaa"), // 105..205
            label(150, "bbbbb"),      // overlaps a: row 1
            label(160, "ccccc"),      // overlaps a and b: row 2
            label(170, "ddddd"),      // no row left of 3
            label(300, "eeeee"),      // free again: row 0
            label(310, "gg"),         // clears b on row 1
            label(980, "fffff"),      // near the right edge: left of its marker
        ];
        let (placed, dropped) = place(labels, 1000, w, 3);
        let rows: Vec<(&str, usize, i32)> = placed
            .iter()
            .map(|p| (p.label.text.as_str(), p.row, p.left))
            .collect();
        assert_eq!(
            rows,
            [
                ("aaaaaaaaaa", 0, 105),
                ("bbbbb", 1, 155),
                ("ccccc", 2, 165),
                ("eeeee", 0, 305),
                ("gg", 1, 315),
                ("fffff", 0, 925),
            ]
        );
        assert_eq!(dropped, 1);
    }
}
