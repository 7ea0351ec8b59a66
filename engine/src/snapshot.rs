//! Point-in-time snapshots of a shard without fork and without a stall.
//!
//! [`Shard::snapshot_begin`] fixes the moment: the snapshot holds every key
//! as it was then, and the shard's sequence number at that moment is what
//! a log tail replayed on top must start after. The keys are handed to a
//! [`SnapshotSink`] a few at a time by [`Shard::snapshot_step`], which the
//! caller runs between other work, in slab order. A write to a key the
//! walk has not reached yet first hands that key over as it was (the
//! approach of Dragonfly's snapshots: serialize before the first change),
//! so writes are never held up and the snapshot never sees them.
//!
//! The state is a cursor into the slab, the slab's length at the start
//! (slots past it were created later and are not in the snapshot), and one
//! bit per slot below it telling a key already handed over. FLUSHALL and
//! FLUSHDB move the keys they drop into the snapshot instead of freeing
//! them, so they do not serialize anything on the spot either. Extra
//! memory is that bitmap, the dropped keys, and whatever the sink buffers
//! before its owner drains it.

use crate::item::Item;
use crate::value::ValueRef;
use crate::Shard;

/// Receives the keys of a snapshot, in no particular order, each once.
pub trait SnapshotSink {
    /// One key of logical database `db` as it was when the snapshot began,
    /// with its absolute expiry in Unix ms.
    fn entry(&mut self, db: u8, key: &[u8], value: ValueRef<'_>, expire_at: Option<u64>);

    /// Bytes the sink holds that its owner has not drained yet;
    /// [`Shard::snapshot_step`] stops early when they pass its limit.
    fn buffered(&self) -> usize {
        0
    }
}

/// What a step of a snapshot did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keys remain.
    More,
    /// Every key has been handed over; the sink can be finished.
    Done,
}

/// The state of a snapshot in progress, kept by the keyspace.
pub(crate) struct Snap {
    sink: Box<dyn SnapshotSink>,
    /// Slots below `cursor` have been visited.
    cursor: u32,
    /// The slab's length when the snapshot began.
    limit: u32,
    /// Slots at or past `cursor` already handed over (before a write).
    done: Vec<u64>,
    /// Physical → logical database when the snapshot began.
    logical: Vec<u8>,
    /// Keys that expired by this time are left out.
    now_ms: u64,
    /// Chunks of the slab dropped whole by FLUSHALL, in slab order: while
    /// set, the walk reads them instead of the live slab.
    frozen: Option<Vec<Box<[Option<Item>]>>>,
    /// Items dropped by FLUSHDB (or by FLUSHALL before the walk moved
    /// to the frozen chunks) not yet handed over.
    stash: Vec<Item>,
    /// The sequence number the snapshot stands at.
    seq: u64,
}

impl Snap {
    pub(crate) fn new(sink: Box<dyn SnapshotSink>, limit: u32, logical: Vec<u8>, now_ms: u64, seq: u64) -> Snap {
        Snap {
            sink,
            cursor: 0,
            limit,
            done: vec![0; (limit as usize).div_ceil(64)],
            logical,
            now_ms,
            frozen: None,
            stash: Vec::new(),
            seq,
        }
    }

    /// Whether `slot` still holds (in the live slab) a key the snapshot
    /// has to see as it is now.
    #[inline]
    pub(crate) fn pending(&self, slot: u32) -> bool {
        self.frozen.is_none()
            && slot >= self.cursor
            && slot < self.limit
            && self.done[slot as usize / 64] & (1 << (slot % 64)) == 0
    }

    #[inline]
    pub(crate) fn mark(&mut self, slot: u32) {
        if slot < self.limit {
            self.done[slot as usize / 64] |= 1 << (slot % 64);
        }
    }

    /// Hands `item` over (unless it had expired when the snapshot began).
    pub(crate) fn emit(&mut self, item: &Item) {
        hand_over(&mut *self.sink, &self.logical, self.now_ms, item);
    }

    /// Keeps `item`, dropped from the keyspace, to hand over later.
    pub(crate) fn stash(&mut self, item: Item) {
        self.stash.push(item);
    }

    /// FLUSHALL dropped the whole slab: the walk goes on over `chunks`.
    pub(crate) fn freeze(&mut self, chunks: Vec<Box<[Option<Item>]>>) {
        self.frozen = Some(chunks);
    }

    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    pub(crate) fn into_sink(self) -> Box<dyn SnapshotSink> {
        self.sink
    }
}

/// Runs the walk over `live` (the slab's cells, read through `cell`) for up
/// to `budget` slots or until the sink holds `max_buffered` bytes.
pub(crate) fn walk<'a>(
    snap: &mut Snap,
    cell: impl Fn(u32) -> Option<&'a Item>,
    budget: usize,
    max_buffered: usize,
) -> Step {
    let mut visited = 0;
    while let Some(item) = snap.stash.pop() {
        snap.emit(&item);
        visited += 1;
        if visited >= budget || snap.sink.buffered() >= max_buffered {
            return Step::More;
        }
    }
    while snap.cursor < snap.limit {
        let slot = snap.cursor;
        snap.cursor += 1;
        if snap.done[slot as usize / 64] & (1 << (slot % 64)) != 0 {
            continue;
        }
        let item = match &snap.frozen {
            Some(chunks) => frozen_cell(chunks, slot),
            None => cell(slot),
        };
        if let Some(item) = item {
            hand_over(&mut *snap.sink, &snap.logical, snap.now_ms, item);
        }
        visited += 1;
        if visited >= budget || snap.sink.buffered() >= max_buffered {
            break;
        }
    }
    if snap.cursor >= snap.limit && snap.stash.is_empty() {
        Step::Done
    } else {
        Step::More
    }
}

fn hand_over(sink: &mut dyn SnapshotSink, logical: &[u8], now_ms: u64, item: &Item) {
    let expire = item.expire();
    if expire.is_some_and(|at| at <= now_ms) {
        return;
    }
    let db = logical.get(item.db() as usize).copied().unwrap_or(item.db());
    sink.entry(db, item.key(), item.value(), expire);
}

fn frozen_cell(chunks: &[Box<[Option<Item>]>], slot: u32) -> Option<&Item> {
    let chunk = chunks.get((slot >> crate::keyspace::CHUNK_BITS) as usize)?;
    chunk.get(slot as usize & ((1 << crate::keyspace::CHUNK_BITS) - 1))?.as_ref()
}

/// Why a snapshot could not begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a snapshot of this shard is already in progress")]
pub struct SnapshotBusy;

impl Shard {
    /// Begins a snapshot of every key of this shard as it is now, handed
    /// to `sink` by [`snapshot_step`](Self::snapshot_step). Returns the
    /// shard's sequence number at this moment: the snapshot holds every
    /// write up to it and none after it.
    pub fn snapshot_begin(&mut self, sink: Box<dyn SnapshotSink>) -> Result<u64, SnapshotBusy> {
        let now = self.now_ms();
        let seq = self.seq();
        self.ks.begin_snapshot(sink, now, seq)?;
        Ok(seq)
    }

    /// Hands over up to `budget` more keys (stopping early once the sink
    /// holds `max_buffered` bytes). After [`Step::Done`] the snapshot is
    /// over; take the sink back with [`snapshot_end`](Self::snapshot_end).
    pub fn snapshot_step(&mut self, budget: usize, max_buffered: usize) -> Step {
        self.ks.step_snapshot(budget, max_buffered)
    }

    /// Ends the snapshot (whether or not every key was handed over) and
    /// gives its sink back.
    pub fn snapshot_end(&mut self) -> Option<Box<dyn SnapshotSink>> {
        self.ks.end_snapshot()
    }

    /// The sequence number of the snapshot in progress, if one is.
    pub fn snapshot_seq(&self) -> Option<u64> {
        self.ks.snapshot_seq()
    }
}

#[cfg(test)]
mod tests;
