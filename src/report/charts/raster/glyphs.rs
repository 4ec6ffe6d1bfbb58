//! Glyph outlines and rasterized glyphs, kept per thread. A chart draws the same glyph at the
//! same place over and over (tick labels of equal width, the axis titles and subtitle every
//! chart of a run shares), and outlining and rasterizing it again gives the same coverage every
//! time; a glyph at a new place is rasterized from its kept outline (parsing it from the font
//! again gives the same curves).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ab_glyph::{Font, FontRef, Glyph, Outline, OutlinedGlyph, ScaleFont};

/// A glyph's coverage as `OutlinedGlyph::draw` reports it, only the pixels with some.
#[derive(Debug, PartialEq)]
pub struct Coverage {
    /// The pixel bounds' top-left corner, truncated to whole pixels as the backend places it.
    pub min: (i32, i32),
    /// `(x, y, coverage)` from `min`, in `draw`'s order; coverage above zero, not yet capped
    /// at one.
    pub pixels: Vec<(u16, u16, f32)>,
}

/// Everything the coverage depends on, bit for bit: the font, scale, glyph and its exact
/// position (rasterization is in f32, so only an identical position is the same glyph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    bold: bool,
    id: u16,
    scale: (u32, u32),
    position: (u32, u32),
}

/// Distinct placed glyphs kept before the cache starts over: a chart draws a few hundred, a
/// sweep's many charts share most of theirs. Starting over only costs rasterizing again.
const CAPACITY: usize = 8192;

#[derive(Default)]
struct Cache {
    /// Outlines by font (bold or not) and glyph: a few dozen, never dropped.
    outlines: HashMap<(bool, u16), Option<Outline>>,
    coverage: HashMap<Key, Option<Rc<Coverage>>>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
}

/// The coverage of `glyph` in `font` (`bold` says which of the two fonts it is); `None` for a
/// glyph without an outline (a space).
pub fn coverage(font: &FontRef<'static>, bold: bool, glyph: Glyph) -> Option<Rc<Coverage>> {
    let key = Key {
        bold,
        id: glyph.id.0,
        scale: (glyph.scale.x.to_bits(), glyph.scale.y.to_bits()),
        position: (glyph.position.x.to_bits(), glyph.position.y.to_bits()),
    };
    CACHE.with_borrow_mut(|c| {
        if let Some(hit) = c.coverage.get(&key) {
            return hit.clone();
        }
        let outline = c
            .outlines
            .entry((bold, glyph.id.0))
            .or_insert_with(|| font.outline(glyph.id))
            .clone();
        let drawn = outline.map(|o| Rc::new(rasterize(font, glyph, o)));
        if c.coverage.len() >= CAPACITY {
            c.coverage.clear();
        }
        c.coverage.insert(key, drawn.clone());
        drawn
    })
}

/// What `font.outline_glyph(glyph)` and its `draw` give, from the glyph's `outline`.
fn rasterize(font: &FontRef<'static>, glyph: Glyph, outline: Outline) -> Coverage {
    let scale_factor = font.as_scaled(glyph.scale).scale_factor();
    let outlined = OutlinedGlyph::new(glyph, outline, scale_factor);
    let bounds = outlined.px_bounds();
    let mut pixels = Vec::new();
    outlined.draw(|px, py, coverage| {
        if coverage > 0.0 {
            pixels.push((px as u16, py as u16, coverage));
        }
    });
    Coverage {
        min: (bounds.min.x as i32, bounds.min.y as i32),
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::{PxScale, point};

    fn regular() -> FontRef<'static> {
        FontRef::try_from_slice(crate::report::charts::REGULAR).unwrap()
    }

    #[test]
    fn a_kept_glyph_is_the_one_rasterized_again() {
        let font = regular();
        let glyph = |x: f32| {
            font.glyph_id('g')
                .with_scale_and_position(PxScale::from(16.3), point(x, 12.7))
        };
        let first = coverage(&font, false, glyph(3.25)).unwrap();
        let again = coverage(&font, false, glyph(3.25)).unwrap();
        assert!(Rc::ptr_eq(&first, &again), "the second lookup is kept");
        let outlined = font.outline_glyph(glyph(3.25)).unwrap();
        let mut pixels = Vec::new();
        outlined.draw(|x, y, c| {
            if c > 0.0 {
                pixels.push((x as u16, y as u16, c));
            }
        });
        let min = outlined.px_bounds().min;
        assert_eq!(
            *again,
            Coverage {
                min: (min.x as i32, min.y as i32),
                pixels
            },
            "as ab_glyph outlines and draws it"
        );
        let moved = coverage(&font, false, glyph(3.5)).unwrap();
        assert_ne!(*moved, *first, "a quarter pixel over is another glyph");
        assert!(coverage(&font, false, font.glyph_id(' ').with_scale(16.3)).is_none());
    }

    #[test]
    fn coverage_of_a_glyph_stays_as_recorded() {
        // The charts' PNG bytes are hashed by the golden test; this pins the rasterizer's
        // output for one glyph so a change shows here first.
        let font = regular();
        let glyph = font
            .glyph_id('1')
            .with_scale_and_position(PxScale::from(20.0), point(0.5, 15.0));
        let c = rasterize(&font, glyph.clone(), font.outline(glyph.id).unwrap());
        let total: f32 = c.pixels.iter().map(|p| p.2.min(1.0)).sum();
        assert_eq!(c.min, (2, 2));
        // 60 pixels covering 33.57 pixels' worth, to the bit.
        assert_eq!((c.pixels.len(), total.to_bits()), (60, 1_107_706_788));
    }
}
