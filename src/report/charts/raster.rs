//! The PNG backend: plotters' bitmap backend with text drawn by this module.
//!
//! plotters 0.3.7's `ab_glyph` text drops each glyph's left side bearing and puts the baseline
//! half a font size below the anchor, so letters sit unevenly ("servic e") and text rides high
//! against legend swatches. Here glyphs are placed at their proper pen positions with kerning,
//! at the same em size and anchor offsets the SVG backend writes (`font-size = size / 1.24`,
//! baseline `0.76em` below a top anchor), so the PNG and the SVG agree.

mod glyphs;
mod polygon;

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

use super::{BOLD, REGULAR};

/// A [`BitMapBackend`] that draws text itself (see the module note), and draws the pixels of
/// polygons (areas, thick lines) and text into the buffer directly: plotters' bitmap backend
/// takes them one call, bounds check and blend setup at a time.
pub struct Raster<'a> {
    buf: &'a mut [u8],
    size: (u32, u32),
    /// Nothing drawn yet: every pixel is still the white `buf` came in.
    blank: bool,
}

impl<'a> Raster<'a> {
    /// Draws into `buf`, a white (all 255) RGB buffer of `size` pixels. A chart's first
    /// drawing is its white background over the whole raster, and that is left out: it would
    /// write every byte again with the value it has.
    pub fn white(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        debug_assert!(buf.iter().all(|&b| b == 255), "a white buffer");
        Raster {
            buf,
            size,
            blank: true,
        }
    }

    /// The pixels, to draw on.
    fn canvas(&mut self) -> &mut [u8] {
        self.blank = false;
        self.buf
    }

    /// plotters' bitmap backend on the pixels, for what it draws as fast as this can.
    fn bitmap(&mut self) -> BitMapBackend<'_> {
        let size = self.size;
        BitMapBackend::with_buffer(self.canvas(), size)
    }

    /// Byte offset of pixel `(x, y)`, `None` outside the raster.
    fn offset(&self, (x, y): BackendCoord) -> Option<usize> {
        let (w, h) = self.size;
        (x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h)
            .then(|| 3 * (y as usize * w as usize + x as usize))
    }
}

/// plotters' bitmap blend of one channel (`plotters_bitmap::bitmap_pixel::blend`) towards
/// `new` by `a`/256, rounding towards the old value.
fn blend(prev: &mut u8, new: u8, a: u64) {
    if new > *prev {
        *prev += (u64::from(new - *prev) * a / 256) as u8;
    } else {
        *prev -= (u64::from(*prev - new) * a / 256) as u8;
    }
}

/// One pixel as plotters' bitmap `draw_pixel` sets it: opaque from alpha 255/256, nothing at
/// alpha zero or less, otherwise blended by alpha in 256ths, rounded down.
fn put(px: &mut [u8], (r, g, b): (u8, u8, u8), alpha: f64) {
    if alpha >= 1.0 - 1.0 / 256.0 {
        px.copy_from_slice(&[r, g, b]);
    } else if alpha > 0.0 {
        // Positive, so truncating is the bitmap's `floor` (without a call to libm's).
        let a = (alpha * 256.0) as u64;
        blend(&mut px[0], r, a);
        blend(&mut px[1], g, a);
        blend(&mut px[2], b, a);
    }
}

/// A polygon's spans drawn on a raster as plotters' bitmap backend draws them (see
/// [`polygon`]).
struct PolygonFill<'r, 'a, S> {
    raster: &'r mut Raster<'a>,
    style: &'r S,
    color: BackendColor,
    /// A column blends pixel after pixel of the same colour (the background, a grid line):
    /// the last input and what it blended to.
    last: Option<([u8; 3], [u8; 3])>,
}

impl<S: BackendStyle> polygon::Spans for PolygonFill<'_, '_, S> {
    fn degenerate(&mut self, from: BackendCoord, to: BackendCoord) {
        // The bitmap never fails to draw.
        let _ = self.raster.bitmap().draw_line(from, to, self.style);
    }

    /// The bitmap's `draw_line` of a one-pixel vertical line: opaque, it fills rows `from` to
    /// `to` whichever is larger (so `to = from - 1` fills two); translucent, it blends rows
    /// `from` up to but not including `to + 1`, each pixel alone (as its `blend_rect_fast`
    /// does a rectangle one pixel wide).
    fn column(&mut self, x: i32, from: i32, to: i32) {
        let (w, h) = (self.raster.size.0 as i32, self.raster.size.1 as i32);
        if x < 0 || x >= w {
            return;
        }
        let BackendColor { alpha, rgb } = self.color;
        let stride = 3 * w as usize;
        let base = 3 * x as usize;
        let buf = self.raster.canvas();
        if alpha >= 1.0 {
            let (y0, y1) = (from.min(to).max(0), from.max(to).min(h - 1));
            for y in y0..=y1 {
                let i = base + y as usize * stride;
                buf[i..i + 3].copy_from_slice(&[rgb.0, rgb.1, rgb.2]);
            }
            return;
        }
        let a = alpha.clamp(0.0, 1.0);
        let (y0, y1) = (from.min(to + 1).max(0), from.max(to + 1).min(h));
        if a == 0.0 || y0 >= y1 {
            return;
        }
        // Positive, so truncating is the bitmap's `floor`.
        let a = (256.0 * a) as u64;
        let (start, end) = (base + y0 as usize * stride, base + y1 as usize * stride);
        let mut last = self.last;
        for i in (start..end).step_by(stride) {
            let px = &mut buf[i..i + 3];
            let old = [px[0], px[1], px[2]];
            match last {
                Some((seen, blended)) if seen == old => px.copy_from_slice(&blended),
                _ => {
                    blend(&mut px[0], rgb.0, a);
                    blend(&mut px[1], rgb.1, a);
                    blend(&mut px[2], rgb.2, a);
                    last = Some((old, [px[0], px[1], px[2]]));
                }
            }
        }
        self.last = last;
    }

    /// Rows blend eight pixels at a time in the bitmap (rounding differently from `blend`),
    /// so a translucent row is left to it; an opaque row is only its colour.
    fn row(&mut self, y: i32, from: i32, to: i32) {
        let color = self.color;
        if color.alpha < 1.0 {
            let _ = self.raster.bitmap().draw_line((from, y), (to, y), &color);
            return;
        }
        let (w, h) = (self.raster.size.0 as i32, self.raster.size.1 as i32);
        let (x0, x1) = (from.min(to + 1).max(0), from.max(to + 1).min(w));
        if y < 0 || y >= h || x0 >= x1 {
            return;
        }
        let start = 3 * (y as usize * w as usize + x0 as usize);
        let (r, g, b) = color.rgb;
        let buf = self.raster.canvas();
        for px in buf[start..start + 3 * (x1 - x0) as usize].chunks_exact_mut(3) {
            px.copy_from_slice(&[r, g, b]);
        }
    }

    fn pixel(&mut self, at: BackendCoord, alpha: f64) {
        if let Some(i) = self.raster.offset(at) {
            let color = self.color.mix(alpha);
            put(&mut self.raster.canvas()[i..i + 3], color.rgb, color.alpha);
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
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        if let Some(i) = self.offset(point) {
            put(&mut self.canvas()[i..i + 3], color.rgb, color.alpha);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.bitmap().draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        // White over a raster that is all white still changes nothing (`bottom_right` is
        // exclusive here, as in the bitmap's fill).
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let (lo, hi) = (
            (
                upper_left.0.min(bottom_right.0),
                upper_left.1.min(bottom_right.1),
            ),
            (
                upper_left.0.max(bottom_right.0),
                upper_left.1.max(bottom_right.1),
            ),
        );
        let color = style.color();
        if self.blank
            && fill
            && color.alpha >= 1.0
            && color.rgb == (255, 255, 255)
            && lo.0 <= 0
            && lo.1 <= 0
            && hi.0 >= w
            && hi.1 >= h
        {
            return Ok(());
        }
        self.bitmap()
            .draw_rect(upper_left, bottom_right, style, fill)
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
            return self.bitmap().draw_path(path, style);
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
            self.fill_polygon(
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
                self.draw_circle(p, radius, &color, true)?;
            }
        }
        if points.len() == 1 {
            self.draw_circle(points[0], (half.round() as u32).max(1), &color, true)?;
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
        self.bitmap().draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let vertices: Vec<BackendCoord> = vert.into_iter().collect();
        let color = style.color();
        polygon::fill(
            &vertices,
            &mut PolygonFill {
                raster: self,
                style,
                color,
                last: None,
            },
        );
        Ok(())
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.bitmap().blit_bitmap(pos, size, src)
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
        let mut pens: Vec<(GlyphId, f32)> = Vec::with_capacity(text.len());
        let mut x = 0f32;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            pens.push((id, x));
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
        let bold = matches!(style.style(), FontStyle::Bold);
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let buf = self.canvas();
        for (id, gx) in pens {
            let glyph = id.with_scale_and_position(scaled.scale(), point(dx + gx, baseline));
            let Some(coverage) = glyphs::coverage(font, bold, glyph) else {
                continue; // spaces
            };
            let (bx, by) = coverage.min;
            for &(px, py, c) in &coverage.pixels {
                let (tx, ty) = transform.transform(bx + i32::from(px), by + i32::from(py));
                let (x, y) = (pos.0 + tx, pos.1 + ty);
                if x >= 0 && y >= 0 && x < w && y < h {
                    let i = 3 * (y as usize * w as usize + x as usize);
                    let alpha = color.alpha * f64::from(c.min(1.0));
                    put(&mut buf[i..i + 3], color.rgb, alpha);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (u32, u32) = (64, 48);

    /// A white buffer with grey and coloured lines across it, so blends meet more than white.
    fn background() -> Vec<u8> {
        let mut buf = vec![255u8; 3 * (SIZE.0 * SIZE.1) as usize];
        let mut b = BitMapBackend::with_buffer(&mut buf, SIZE);
        for y in (0..48).step_by(7) {
            b.draw_line((0, y), (63, y), &RGBColor(0xDD, 0xDD, 0xDD))
                .unwrap();
        }
        b.draw_line((0, 0), (63, 47), &RGBColor(0x4E, 0x79, 0xA7))
            .unwrap();
        drop(b);
        buf
    }

    /// xorshift: the same shapes every run.
    fn shapes() -> impl FnMut(i32, i32) -> i32 {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        move |lo, hi| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            lo + (s % (hi - lo + 1) as u64) as i32
        }
    }

    #[test]
    fn polygons_fill_as_plotters_bitmap_fills_them() {
        let mut next = shapes();
        for round in 0..400 {
            let n = next(1, 9) as usize;
            // Wide, tall and off-raster shapes: both sweeps and the clipping.
            let (sx, sy) = match round % 3 {
                0 => (90, 12),
                1 => (10, 70),
                _ => (80, 60),
            };
            let vertices: Vec<BackendCoord> =
                (0..n).map(|_| (next(-10, sx), next(-10, sy))).collect();
            let alpha = [1.0, 0.85, 0.25, 0.6, 0.999][round % 5];
            let color = BackendColor {
                alpha,
                rgb: (0x59, 0xA1, 0x4F),
            };
            let (mut ours, mut plotters) = (background(), background());
            let mut raster = Raster {
                buf: &mut ours,
                size: SIZE,
                blank: false,
            };
            raster.fill_polygon(vertices.clone(), &color).unwrap();
            BitMapBackend::with_buffer(&mut plotters, SIZE)
                .fill_polygon(vertices.clone(), &color)
                .unwrap();
            assert!(ours == plotters, "{vertices:?} at alpha {alpha}");
        }
    }

    #[test]
    fn pixels_blend_as_plotters_bitmap_blends_them() {
        let mut next = shapes();
        let (mut ours, mut plotters) = (background(), background());
        let mut raster = Raster::white(&mut ours, SIZE);
        let mut bitmap = BitMapBackend::with_buffer(&mut plotters, SIZE);
        for _ in 0..5000 {
            let at = (next(-2, 66), next(-2, 50));
            let color = BackendColor {
                alpha: f64::from(next(-10, 266)) / 256.0,
                rgb: (next(0, 255) as u8, next(0, 255) as u8, next(0, 255) as u8),
            };
            raster.draw_pixel(at, color).unwrap();
            bitmap.draw_pixel(at, color).unwrap();
        }
        drop(bitmap);
        assert!(ours == plotters);
    }

    #[test]
    fn a_white_background_is_not_painted_again_but_any_other_is() {
        let white = |alpha| BackendColor {
            alpha,
            rgb: (255, 255, 255),
        };
        let mut buf = vec![255u8; 3 * (SIZE.0 * SIZE.1) as usize];
        let mut raster = Raster::white(&mut buf, SIZE);
        raster
            .draw_rect((0, 0), (64, 48), &white(1.0), true)
            .unwrap();
        assert!(raster.blank, "white on white is left out");
        raster.draw_pixel((3, 4), white(0.0)).unwrap();
        raster
            .draw_rect((0, 0), (64, 48), &RGBColor(9, 9, 9), true)
            .unwrap();
        raster
            .draw_rect((0, 0), (64, 48), &white(1.0), true)
            .unwrap();
        assert!(!raster.blank);
        assert!(buf.iter().all(|&b| b == 255), "painted black, then white");
        let mut raster = Raster::white(&mut buf, SIZE);
        raster
            .draw_rect((0, 0), (64, 48), &RGBColor(9, 9, 9), true)
            .unwrap();
        assert!(buf.iter().all(|&b| b == 9), "another colour is painted");
    }
}
