//! A slab of live items (requests) addressed by `u32` index, with a generation counter per slot.
//!
//! Events carry a [`Handle`] (index + generation) instead of a pointer. When an item is removed its
//! slot's generation is bumped, so an event still in the queue for it (a client timeout whose
//! request already finished) is recognised as stale when popped and dropped: lazy cancellation,
//! with no search through the queue. Slots are reused through a free list, so a long run
//! allocates only up to its peak number of requests in flight.

/// Index plus generation of an item in a [`Slab`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    /// Slot index.
    pub index: u32,
    /// Generation of the slot when the handle was made.
    pub generation: u32,
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Items in reusable slots; see the module documentation.
pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slab<T> {
    /// An empty slab.
    pub fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Stores `value` and returns its handle.
    #[inline]
    pub fn insert(&mut self, value: T) -> Handle {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.value = Some(value);
            Handle {
                index,
                generation: slot.generation,
            }
        } else {
            let index = u32::try_from(self.slots.len()).expect("more than 4 billion live requests");
            self.slots.push(Slot {
                generation: 0,
                value: Some(value),
            });
            Handle {
                index,
                generation: 0,
            }
        }
    }

    /// The item behind `handle`, or `None` if it was removed (the handle is stale).
    #[inline]
    pub fn get(&self, handle: Handle) -> Option<&T> {
        let slot = self.slots.get(handle.index as usize)?;
        if slot.generation == handle.generation {
            slot.value.as_ref()
        } else {
            None
        }
    }

    /// Mutable access to the item behind `handle`, or `None` if the handle is stale.
    #[inline]
    pub fn get_mut(&mut self, handle: Handle) -> Option<&mut T> {
        let slot = self.slots.get_mut(handle.index as usize)?;
        if slot.generation == handle.generation {
            slot.value.as_mut()
        } else {
            None
        }
    }

    /// Removes the item behind `handle`, making every outstanding handle to it stale.
    #[inline]
    pub fn remove(&mut self, handle: Handle) -> Option<T> {
        let slot = self.slots.get_mut(handle.index as usize)?;
        if slot.generation != handle.generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(handle.index);
        self.len -= 1;
        Some(value)
    }

    /// Removes the item behind `handle` like [`Slab::remove`], without moving it out (the
    /// caller has read what it needs). Returns whether it was live.
    #[inline]
    pub fn discard(&mut self, handle: Handle) -> bool {
        let Some(slot) = self.slots.get_mut(handle.index as usize) else {
            return false;
        };
        if slot.generation != handle.generation || slot.value.is_none() {
            return false;
        }
        slot.value = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(handle.index);
        self.len -= 1;
        true
    }

    /// Handles of the live items, in slot order. For rare whole-population scans (a target
    /// failing, a fault starting), never per event.
    pub fn handles(&self) -> impl Iterator<Item = Handle> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.value.is_some())
            .map(|(i, s)| Handle {
                index: i as u32,
                generation: s.generation,
            })
    }

    /// Number of live items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no item is live.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of slots ever allocated (the peak number of live items).
    pub fn capacity_used(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_handles_go_stale_and_slots_are_reused() {
        let mut slab = Slab::new();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_eq!(slab.get(a), Some(&"a"));
        assert_eq!(slab.remove(a), Some("a"));
        assert_eq!(slab.get(a), None);
        assert_eq!(slab.remove(a), None);
        let c = slab.insert("c");
        assert_eq!(c.index, a.index, "the freed slot is reused");
        assert_ne!(c.generation, a.generation);
        assert_eq!(slab.get(a), None, "an old handle never sees the new item");
        assert_eq!(slab.get(b), Some(&"b"));
        assert_eq!(slab.len(), 2);
        assert_eq!(slab.capacity_used(), 2);
        let live: Vec<Handle> = slab.handles().collect();
        assert_eq!(live, vec![c, b]);
    }

    #[test]
    fn discarded_handles_go_stale_and_their_slot_is_reused() {
        let mut slab = Slab::new();
        let c = slab.insert("c");
        assert!(slab.discard(c));
        assert!(!slab.discard(c));
        assert_eq!(slab.get(c), None);
        assert!(slab.is_empty());
        let d = slab.insert("d");
        assert_eq!(d.index, c.index);
        assert_ne!(d.generation, c.generation);
        assert_eq!(slab.get(d), Some(&"d"));
    }
}
