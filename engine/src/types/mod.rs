//! Redis value types and the engine operations on them, one file per type.
//! Each file defines the collection type (where there is one) and the
//! operations as methods on [`Shard`](crate::Shard), so embedded users and the
//! server share one implementation.

mod hash;
mod keys;
mod list;
mod set;
mod string;
mod zset;

pub use hash::Hash;
pub use keys::*;
pub use list::*;
pub use set::Set;
pub use string::*;
pub use zset::*;

/// Redis's index sanitising for LRANGE/LTRIM/ZRANGE-style `start..=stop`
/// pairs (negative counts from the end): the half-open range they select in
/// a sequence of `len` elements, or `None` when it selects nothing.
#[inline]
pub(crate) fn index_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { start.saturating_add(n) } else { start }.max(0);
    let stop = if stop < 0 { stop.saturating_add(n) } else { stop };
    if start > stop || start >= n {
        return None;
    }
    Some((start as usize, stop.min(n - 1) as usize + 1))
}

/// What of a write's arguments took effect (the members SADD added, the
/// fields HDEL removed): always counted, and kept only when the shard's
/// subscriber wants deltas (`Shard::wants_deltas`), whose
/// commands name just those. Without such a subscriber it never allocates.
pub(crate) struct Noted<T> {
    keep: bool,
    count: usize,
    items: Vec<T>,
}

impl<T> Default for Noted<T> {
    fn default() -> Self {
        Noted::new(false)
    }
}

impl<T> Noted<T> {
    /// Counts, and keeps what is noted when `keep`.
    #[inline]
    pub(crate) fn new(keep: bool) -> Self {
        Noted { keep, count: 0, items: Vec::new() }
    }

    /// Notes one argument that took effect.
    #[inline]
    pub(crate) fn note(&mut self, item: T) {
        self.count += 1;
        if self.keep {
            self.items.push(item);
        }
    }

    /// How many were noted.
    #[inline]
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// What was noted, in order (empty unless kept).
    #[inline]
    pub(crate) fn items(&self) -> &[T] {
        &self.items
    }
}
