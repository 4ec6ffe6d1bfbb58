//! The PNG backend: plotters' bitmap backend with text drawn by this module.
//!
//! plotters 0.3.7's `ab_glyph` text drops each glyph's left side bearing and puts the baseline
//! half a font size below the anchor, so letters sit unevenly ("servic e") and text rides high
//! against legend swatches. Here glyphs are placed at their proper pen positions with kerning,
//! at the same em size and anchor offsets the SVG backend writes (`font-size = size / 1.24`,
//! baseline `0.76em` below a top anchor), so the PNG and the SVG agree.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

use super::{BOLD, REGULAR};

/// A [`BitMapBackend`] that draws text itself (see the module note).
pub struct Raster<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> Raster<'a> {
    /// Draws into an RGB buffer of `size` pixels.
    pub fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        Raster {
            inner: BitMapBackend::with_buffer(buf, size),
        }
    }
}

fn font(style: FontStyle) -> &'static FontRef<'static> {
    static FONTS: OnceLock<(FontRef<'static>, FontRef<'static>)> = OnceLock::new();
    let (regular, bold) = FONTS.get_or_init(|| {
        let parse = |b| FontRef::try_from_slice(b).expect("the embedded DejaVu Sans parses");
        (parse(REGULAR), parse(BOLD))
    });
    match style {
        FontStyle::Bold => bold,
        _ => regular,
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    /// Thick lines segment by segment with round joins. plotters widens a whole path into one
    /// polygon with mitred joins, and where a dense series doubles back within a pixel or two
    /// the inner mitre runs off far past the data: spikes that are not in the numbers.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let width = style.stroke_width();
        let color = style.color();
        if width <= 1 || color.alpha == 0.0 {
            return self.inner.draw_path(path, style);
        }
        let mut points: Vec<BackendCoord> = path.into_iter().collect();
        points.dedup();
        let half = f64::from(width) / 2.0;
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
            let len = dx.hypot(dy);
            let (nx, ny) = (-dy / len * half, dx / len * half);
            let corner = |p: BackendCoord, s: f64| {
                (
                    (f64::from(p.0) + s * nx).round() as i32,
                    (f64::from(p.1) + s * ny).round() as i32,
                )
            };
            self.inner.fill_polygon(
                [
                    corner(a, 1.0),
                    corner(b, 1.0),
                    corner(b, -1.0),
                    corner(a, -1.0),
                ],
                &color,
            )?;
        }
        if points.len() > 2 {
            let radius = (half.round() as u32).max(1);
            for &p in &points[1..points.len() - 1] {
                self.inner.draw_circle(p, radius, &color, true)?;
            }
        }
        if points.len() == 1 {
            self.inner
                .draw_circle(points[0], (half.round() as u32).max(1), &color, true)?;
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let font = font(style.style());
        let em = (style.size() / 1.24) as f32;
        let units = font.units_per_em().unwrap_or(2048.0);
        let scaled = font.as_scaled(PxScale::from(em * font.height_unscaled() / units));

        // Pen positions with kerning, then the run's width for horizontal anchoring.
        let mut glyphs: Vec<(GlyphId, f32)> = Vec::with_capacity(text.len());
        let mut x = 0f32;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            glyphs.push((id, x));
            x += scaled.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -x / 2.0,
            HPos::Right => -x,
        };
        // The SVG backend's `dy`: 0.76em, 0.5ex, -0.5ex. DejaVu's x-height is 0.547em.
        let half_ex = 0.5 * 0.547 * em;
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => half_ex,
            VPos::Bottom => -half_ex,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        for (id, gx) in glyphs {
            let glyph = id.with_scale_and_position(scaled.scale(), point(dx + gx, baseline));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // spaces
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|px, py, coverage| pixels.push((px, py, coverage)));
            for (px, py, coverage) in pixels {
                if coverage <= 0.0 {
                    continue;
                }
                let ox = bounds.min.x as i32 + px as i32;
                let oy = bounds.min.y as i32 + py as i32;
                let (tx, ty) = transform.transform(ox, oy);
                let (x, y) = (pos.0 + tx, pos.1 + ty);
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    self.inner.draw_pixel(
                        (x, y),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }
}
