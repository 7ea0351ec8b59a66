//! S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction",
//! SOSP'23): a small FIFO that filters one-hit wonders, a main FIFO run as a
//! 2-bit CLOCK, and a ghost FIFO of recently evicted key hashes.
//!
//! * New keys enter the small queue, or the main queue if their hash is in
//!   the ghost (they were evicted from small recently and came back).
//! * Evicting from small: a key accessed while in small moves to main;
//!   otherwise it is evicted and its hash goes to the ghost.
//! * Evicting from main: a key with a non-zero frequency is reinserted at
//!   the tail with its frequency decremented; otherwise it is evicted.
//! * The small queue targets 10% of the keys currently tracked (the budget is
//!   in bytes, so queue sizes are kept in entries), main the rest, and the
//!   ghost holds as many hashes as main's target.
//! * As in the reference implementation, until the first eviction a new key
//!   goes to main once small is at its target, so the keys inserted while the
//!   shard filled up are not all demoted at once.
//!
//! Per-key state and validation. `meta` is `[count: 8 bits][tag: 24 bits]`.
//! The tag is a per-policy insertion counter; queue entries are
//! `(slot, tag, base)` and an entry is only acted upon while its slot still
//! holds a key with the same tag, so entries left behind by deleted or
//! expired keys (whose slots the keyspace reuses) are skipped, never
//! mistaken for the slot's new key. Removal therefore costs nothing.
//!
//! `victim` sees the keyspace read-only, so it cannot decrement a frequency
//! stored in `meta`. Instead `meta` holds a wrapping count of accesses and
//! each queue entry remembers the count already consumed (`base`): the
//! key's frequency is `min(count - base, 3)`, "decrement and reinsert" is
//! "reinsert with `base = count - (freq - 1)`", and moving to main resets it
//! (`base = count`), as in the reference implementation. This is exact unless
//! a key gets 256 or more accesses between two visits of the queue head, in
//! which case its count may wrap and look smaller (at worst a very hot key is
//! evicted once and comes straight back).
//!
//! Stale entries are swept as the queues rotate under eviction. When keys
//! come and go without evictions (shard under budget), the queues could grow
//! without bound, so they are compacted at the next eviction once stale
//! entries outnumber live ones, and dropped entirely (to be rebuilt from the
//! keyspace at the next eviction) if they reach four times the live count
//! with no eviction to compact them.

use std::collections::VecDeque;

use hashbrown::HashTable;
use rand::rngs::SmallRng;

use super::{EvictionPolicy, KeyspaceView, PolicyKind};

const TAG_BITS: u32 = 24;
const TAG_MASK: u32 = (1 << TAG_BITS) - 1;
/// Accesses while in small needed to move to main instead of being evicted.
pub(crate) const MOVE_TO_MAIN: u8 = 1;
/// Frequency cap (the paper's 2-bit counter).
const MAX_FREQ: u8 = 3;
/// Share of tracked keys the small queue targets, in percent.
const SMALL_PERCENT: usize = 10;
/// Stale entries tolerated on top of the live count before compacting.
const STALE_SLACK: usize = 1024;

#[inline]
fn tag(meta: u32) -> u32 {
    meta & TAG_MASK
}

#[inline]
fn count(meta: u32) -> u8 {
    (meta >> TAG_BITS) as u8
}

/// A queued key: its slot, the tag it had when queued, and the access count
/// already consumed.
#[derive(Debug, Clone, Copy)]
struct Entry {
    slot: u32,
    word: u32,
}

impl Entry {
    #[inline]
    fn new(slot: u32, tag: u32, base: u8) -> Self {
        Entry { slot, word: tag | (base as u32) << TAG_BITS }
    }

    #[inline]
    fn tag(self) -> u32 {
        tag(self.word)
    }

    #[inline]
    fn base(self) -> u8 {
        count(self.word)
    }

    /// The key's current `meta` if the slot still holds the key this entry
    /// was queued for.
    #[inline]
    fn current(self, keys: &KeyspaceView<'_>) -> Option<u32> {
        keys.meta(self.slot).filter(|&m| tag(m) == self.tag())
    }

    /// Accesses since the entry was queued (minus consumed credit).
    #[inline]
    fn freq(self, meta: u32) -> u8 {
        count(meta).wrapping_sub(self.base())
    }
}

/// FIFO of key hashes with O(1) membership: a ring of hashes plus a table of
/// the ring positions (as sequence numbers) of the hashes still present.
#[derive(Default)]
struct Ghost {
    ring: VecDeque<u64>,
    index: HashTable<u32>,
    next_seq: u32,
}

impl Ghost {
    #[inline]
    fn front_seq(&self) -> u32 {
        self.next_seq.wrapping_sub(self.ring.len() as u32)
    }

    /// Removes `hash` if present; true if it was.
    fn take(&mut self, hash: u64) -> bool {
        if self.index.is_empty() {
            return false;
        }
        let front = self.front_seq();
        let Ghost { ring, index, .. } = self;
        match index.find_entry(hash, |&s| ring.get(s.wrapping_sub(front) as usize) == Some(&hash)) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    /// Appends `hash`, dropping the oldest hashes beyond `cap`. Hashes taken
    /// out by a ghost hit leave a dead ring element behind; they do not count
    /// against `cap`, but the ring is kept within twice `cap`.
    fn add(&mut self, hash: u64, cap: usize) {
        if cap == 0 {
            return;
        }
        self.take(hash);
        let seq = self.next_seq;
        self.ring.push_back(hash);
        self.next_seq = seq.wrapping_add(1);
        let front = self.front_seq();
        let Ghost { ring, index, .. } = self;
        index.insert_unique(hash, seq, |&s| ring.get(s.wrapping_sub(front) as usize).copied().unwrap_or(0));
        while self.index.len() > cap || self.ring.len() > 2 * cap {
            self.pop_front();
        }
    }

    fn pop_front(&mut self) {
        let front = self.front_seq();
        let Some(hash) = self.ring.pop_front() else { return };
        if let Ok(entry) = self.index.find_entry(hash, |&s| s == front) {
            entry.remove();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.index.len()
    }
}

/// The `s3fifo` policy.
pub(crate) struct S3Fifo {
    small: VecDeque<Entry>,
    main: VecDeque<Entry>,
    ghost: Ghost,
    /// Keys tracked: inserted minus removed.
    live: usize,
    next_tag: u32,
    has_evicted: bool,
    /// The queues were dropped; rebuild them from the keyspace.
    rebuild: bool,
}

impl S3Fifo {
    pub(crate) fn new() -> Self {
        S3Fifo {
            small: VecDeque::new(),
            main: VecDeque::new(),
            ghost: Ghost::default(),
            live: 0,
            next_tag: 0,
            has_evicted: false,
            rebuild: false,
        }
    }

    #[inline]
    fn small_target(&self) -> usize {
        (self.live * SMALL_PERCENT / 100).max(1)
    }

    #[inline]
    fn main_target(&self) -> usize {
        self.live.saturating_sub(self.small_target())
    }

    #[inline]
    fn queued(&self) -> usize {
        self.small.len() + self.main.len()
    }

    fn evict_small(&mut self, keys: &KeyspaceView<'_>) -> Option<u32> {
        while let Some(e) = self.small.pop_front() {
            let Some(meta) = e.current(keys) else { continue };
            if e.freq(meta) >= MOVE_TO_MAIN {
                self.main.push_back(Entry::new(e.slot, e.tag(), count(meta)));
                continue;
            }
            if let Some(hash) = keys.key_hash(e.slot) {
                let cap = self.main_target();
                self.ghost.add(hash, cap);
            }
            return Some(e.slot);
        }
        None
    }

    fn evict_main(&mut self, keys: &KeyspaceView<'_>) -> Option<u32> {
        while let Some(e) = self.main.pop_front() {
            let Some(meta) = e.current(keys) else { continue };
            let freq = e.freq(meta).min(MAX_FREQ);
            if freq > 0 {
                self.main.push_back(Entry::new(e.slot, e.tag(), count(meta).wrapping_sub(freq - 1)));
                continue;
            }
            return Some(e.slot);
        }
        None
    }

    /// Drops entries whose key is gone.
    fn compact(&mut self, keys: &KeyspaceView<'_>) {
        self.small.retain(|e| e.current(keys).is_some());
        self.main.retain(|e| e.current(keys).is_some());
    }

    /// Requeues every key in the keyspace (in slot order, into main with no
    /// frequency credit) and resynchronises the live count.
    fn rebuild_from(&mut self, keys: &KeyspaceView<'_>) {
        self.small.clear();
        self.main.clear();
        for slot in 0..keys.slots() as u32 {
            if let Some(meta) = keys.meta(slot) {
                self.main.push_back(Entry::new(slot, tag(meta), count(meta)));
            }
        }
        self.live = keys.len();
        self.rebuild = false;
    }

    /// Checks the queues against the keyspace: every key has exactly one
    /// current entry, and the live count matches.
    #[cfg(test)]
    pub(crate) fn check(&self, keys: &KeyspaceView<'_>) -> Result<(), String> {
        if self.live != keys.len() {
            return Err(format!("live {} but {} keys", self.live, keys.len()));
        }
        if self.rebuild {
            return Ok(());
        }
        let mut seen = vec![0u8; keys.slots()];
        for e in self.small.iter().chain(self.main.iter()) {
            if e.current(keys).is_some() {
                seen[e.slot as usize] += 1;
            }
        }
        for slot in 0..keys.slots() as u32 {
            let want = u8::from(keys.meta(slot).is_some());
            if seen[slot as usize] != want {
                return Err(format!("slot {slot}: {} current entries, want {want}", seen[slot as usize]));
            }
        }
        if self.ghost.len() > self.ghost.ring.len() {
            return Err("ghost index larger than its ring".into());
        }
        Ok(())
    }

    /// `(small, main, ghost)` queue lengths, stale entries included.
    #[cfg(test)]
    pub(crate) fn lens(&self) -> (usize, usize, usize) {
        (self.small.len(), self.main.len(), self.ghost.len())
    }
}

impl EvictionPolicy for S3Fifo {
    fn kind(&self) -> PolicyKind {
        PolicyKind::S3Fifo
    }

    fn on_insert(&mut self, slot: u32, key_hash: u64, meta: &mut u32) {
        self.live += 1;
        let t = self.next_tag;
        self.next_tag = (t + 1) & TAG_MASK;
        *meta = t;
        if self.rebuild {
            return;
        }
        let e = Entry::new(slot, t, 0);
        if self.ghost.take(key_hash) || (!self.has_evicted && self.small.len() >= self.small_target()) {
            self.main.push_back(e);
        } else {
            self.small.push_back(e);
        }
        if self.queued() > 4 * (self.live + STALE_SLACK) {
            self.small = VecDeque::new();
            self.main = VecDeque::new();
            self.rebuild = true;
        }
    }

    #[inline]
    fn on_access(&mut self, _slot: u32, meta: &mut u32) {
        *meta = tag(*meta) | (count(*meta).wrapping_add(1) as u32) << TAG_BITS;
    }

    #[inline]
    fn on_remove(&mut self, _slot: u32, _key_hash: u64, _meta: u32) {
        self.live = self.live.saturating_sub(1);
    }

    fn clear(&mut self) {
        *self = S3Fifo::new();
    }

    fn victim(&mut self, keys: &KeyspaceView<'_>, _rng: &mut SmallRng) -> Option<u32> {
        if self.rebuild || self.live != keys.len() {
            self.rebuild_from(keys);
        } else if self.queued() > 2 * self.live + STALE_SLACK {
            self.compact(keys);
        }
        self.has_evicted = true;
        if self.main.len() <= self.main_target() && !self.small.is_empty() {
            if let Some(slot) = self.evict_small(keys) {
                return Some(slot);
            }
        }
        if let Some(slot) = self.evict_main(keys).or_else(|| self.evict_small(keys)) {
            return Some(slot);
        }
        if keys.is_empty() {
            return None;
        }
        // Keys exist but none is queued: only possible if the hooks were
        // not called for some key. Requeue everything rather than fail.
        self.rebuild_from(keys);
        self.evict_main(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghost_is_a_bounded_fifo_set() {
        let mut g = Ghost::default();
        for h in 0..10u64 {
            g.add(h * 7919, 4);
        }
        assert_eq!(g.len(), 4);
        assert!(!g.take(0));
        assert!(g.take(9 * 7919));
        assert!(!g.take(9 * 7919));
        assert_eq!(g.len(), 3);
        // Re-adding a present hash refreshes it instead of duplicating it.
        g.add(8 * 7919, 4);
        g.add(8 * 7919, 4);
        assert_eq!(g.len(), 3);
        for h in 100..103u64 {
            g.add(h, 4);
        }
        assert!(g.take(8 * 7919), "refreshed hash must outlive older ones");
        assert!(!g.take(6 * 7919));
    }

    #[test]
    fn ghost_survives_sequence_wrap() {
        let mut g = Ghost { next_seq: u32::MAX - 3, ..Ghost::default() };
        for h in 0..20u64 {
            g.add(h + 1, 8);
        }
        assert_eq!(g.len(), 8);
        for h in 13..=20u64 {
            assert!(g.take(h), "{h}");
        }
        assert_eq!(g.len(), 0);
    }

    #[test]
    fn access_counts_wrap_without_touching_the_tag() {
        let mut p = S3Fifo::new();
        let mut meta = u32::MAX;
        p.on_insert(0, 1, &mut meta);
        assert_eq!(meta, 0);
        for _ in 0..300 {
            p.on_access(0, &mut meta);
        }
        assert_eq!(tag(meta), 0);
        assert_eq!(count(meta), (300 % 256) as u8);
        let e = Entry::new(0, 0, 250);
        assert_eq!(e.freq(meta), 44u8.wrapping_sub(250));
    }

    #[test]
    fn tags_advance_and_wrap_within_their_bits() {
        let mut p = S3Fifo::new();
        p.next_tag = TAG_MASK;
        let (mut a, mut b) = (0, 0);
        p.on_insert(0, 1, &mut a);
        p.on_insert(1, 2, &mut b);
        assert_eq!((a, b), (TAG_MASK, 0));
        assert_eq!(p.kind(), PolicyKind::S3Fifo);
    }
}
