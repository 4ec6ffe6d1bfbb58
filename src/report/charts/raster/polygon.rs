//! plotters' polygon scan (plotters-backend 0.3.7, `rasterizer::fill_polygon`) pixel for pixel,
//! without its per-scan-line work that does not change a pixel: it rebuilt and re-sorted the
//! active edges into a fresh vector on every line, cloned edges while pairing them, and
//! recomputed an edge's crossing (a division) at every comparison. The spans and edge pixels
//! it hands to the backend, their order and their alphas are the same, so the bitmap is too.

use plotters_backend::BackendCoord;

/// What a scan emits, in plotters' order for each pair of edges: the span between them, then
/// the partly covered pixel at each end.
pub trait Spans {
    /// All vertices on one vertical or horizontal line: plotters draws the bounding line,
    /// `from` to `to`, with the polygon's style.
    fn degenerate(&mut self, from: BackendCoord, to: BackendCoord);
    /// Column `x`, rows `from` to `to` (`to` may be `from - 1`; see the backend).
    fn column(&mut self, x: i32, from: i32, to: i32);
    /// Row `y`, columns `from` to `to`.
    fn row(&mut self, y: i32, from: i32, to: i32);
    /// One pixel at `alpha` times the polygon's (zero or less draws nothing).
    fn pixel(&mut self, at: BackendCoord, alpha: f64);
}

/// An edge as plotters' scan holds it, in sweep coordinates: `master` is the scanned axis (x
/// for a horizontal sweep, which draws columns), `slave` the other.
struct Edge {
    epoch: u32,
    total_epoch: u32,
    slave_begin: i32,
    slave_end: i32,
    /// `slave_pos()` at the current epoch, kept so sorting does not divide.
    slave: f64,
}

impl Edge {
    /// `None` for an edge along the scan line (plotters skips those).
    fn new(from: BackendCoord, to: BackendCoord) -> Option<Edge> {
        let (from, to) = if from.0 > to.0 {
            (to, from)
        } else {
            (from, to)
        };
        if from.0 == to.0 {
            return None;
        }
        let mut e = Edge {
            epoch: 0,
            total_epoch: (to.0 - from.0) as u32,
            slave_begin: from.1,
            slave_end: to.1,
            slave: 0.0,
        };
        e.slave = e.slave_pos();
        Some(e)
    }

    /// Scan lines left before the edge ends.
    fn master_pos(&self) -> i32 {
        (self.total_epoch - self.epoch) as i32
    }

    /// Where the edge crosses the current scan line: plotters' expression, operation for
    /// operation.
    fn slave_pos(&self) -> f64 {
        f64::from(self.slave_begin)
            + (i64::from(self.slave_end - self.slave_begin) * i64::from(self.epoch)) as f64
                / f64::from(self.total_epoch)
    }
}

/// Scans `vertices` as plotters does and emits its spans and edge pixels to `out`.
pub fn fill<S: Spans>(vertices: &[BackendCoord], out: &mut S) {
    let Some(&(x0, y0)) = vertices.first() else {
        return;
    };
    let (mut x_span, mut y_span) = ((x0, x0), (y0, y0));
    for &(x, y) in vertices {
        x_span = (x_span.0.min(x), x_span.1.max(x));
        y_span = (y_span.0.min(y), y_span.1.max(y));
    }
    if x_span.0 == x_span.1 || y_span.0 == y_span.1 {
        out.degenerate((x_span.0, y_span.0), (x_span.1, y_span.1));
        return;
    }
    let horizontal_sweep = x_span.1 - x_span.0 > y_span.1 - y_span.0;
    // Sweep coordinates: (master, slave).
    let sweep = |&(x, y): &BackendCoord| if horizontal_sweep { (x, y) } else { (y, x) };
    let mut edges: Vec<(BackendCoord, BackendCoord)> = vertices
        .iter()
        .zip(vertices.iter().skip(1).chain(&vertices[..1]))
        .map(|(a, b)| (sweep(a), sweep(b)))
        .collect();
    // Stable, like plotters' `sort_by_key`, so edges starting together keep their order.
    edges.sort_by_key(|(a, b)| a.0.min(b.0));
    for e in &mut edges {
        if e.0.0 > e.1.0 {
            std::mem::swap(&mut e.0, &mut e.1);
        }
    }
    let (low, high) = if horizontal_sweep { x_span } else { y_span };

    let mut idx = 0;
    let mut active: Vec<Edge> = Vec::new();
    for sweep_line in low..=high {
        // Finished edges leave; the others step on, in the same order.
        active.retain_mut(|e| {
            if e.master_pos() > 0 {
                e.epoch += 1;
                e.slave = e.slave_pos();
                true
            } else {
                false
            }
        });
        while idx < edges.len() && edges[idx].0.0 <= sweep_line {
            active.extend(Edge::new(edges[idx].0, edges[idx].1));
            idx += 1;
        }
        // Stable like plotters' `sort`; no crossing is NaN, as its `unwrap` requires.
        active.sort_by(|a, b| a.slave.partial_cmp(&b.slave).expect("finite crossings"));

        let (mut first, mut second): (Option<usize>, Option<usize>) = (None, None);
        for i in 0..active.len() {
            if first.is_none() {
                first = Some(i);
            } else if second.is_none() {
                second = Some(i);
            }
            let (Some(a), Some(b)) = (first, second) else {
                continue;
            };
            let (ea, eb) = (&active[a], &active[b]);
            let (a_ends, b_ends) = (ea.master_pos() == 0, eb.master_pos() == 0);
            if a_ends && !b_ends {
                (first, second) = (Some(b), None);
                continue;
            }
            if !a_ends && b_ends {
                second = None;
                continue;
            }
            let (from, to) = (ea.slave, eb.slave);
            (first, second) = (None, None);
            if a_ends && b_ends && to - from > 1.0 {
                continue;
            }
            if horizontal_sweep {
                out.column(sweep_line, from.ceil() as i32, to.floor() as i32);
                out.pixel((sweep_line, from.floor() as i32), from.ceil() - from);
                out.pixel((sweep_line, to.ceil() as i32), to - to.floor());
            } else {
                out.row(sweep_line, from.ceil() as i32, to.floor() as i32);
                out.pixel((from.floor() as i32, sweep_line), from.ceil() - from);
                // plotters' right-hand pixel here has alpha `to.floor() - to`, never positive:
                // the bitmap never draws it.
            }
        }
    }
}
