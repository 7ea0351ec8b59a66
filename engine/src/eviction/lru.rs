//! Approximated LRU, the way Redis does it: no list to maintain on every
//! access, just a timestamp per key, random sampling at eviction time and a
//! small pool of the best candidates kept across evictions.
//!
//! * `meta` holds the key's last-access stamp from a *logical* clock: a
//!   counter bumped on every insert and access. It costs no clock read on the
//!   hot path, and orders accesses exactly (Redis's 24-bit clock has one
//!   second resolution). Idle time is `clock - stamp` in wrapping arithmetic,
//!   so a key left untouched for more than 2^32 accesses looks fresh again,
//!   the same kind of wrap Redis has after 194 days.
//! * Each eviction samples [`SAMPLES`] keys into an [`EvictionPool`] of
//!   [`POOL_SIZE`] candidates sorted by idle time and evicts the idlest.
//!   Candidates remember the `meta` they had when sampled; one whose `meta`
//!   has changed since (accessed, or its slot reused by another key) is
//!   dropped, so a recently used key is never evicted on stale information.

use rand::rngs::SmallRng;

use super::{EvictionPolicy, KeyspaceView, PolicyKind, Scope};

/// Keys sampled per eviction (Redis's default `maxmemory-samples`).
pub(crate) const SAMPLES: usize = 5;
/// Candidates kept between evictions (Redis's `EVPOOL_SIZE`).
pub(crate) const POOL_SIZE: usize = 16;
/// Sampling rounds before giving up on the pool and evicting a fresh sample.
const MAX_ROUNDS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Candidate {
    slot: u32,
    /// The key's `meta` when sampled: the candidate is only valid while the
    /// slot still holds this exact word.
    meta: u32,
    /// Higher is a better victim (idle time, or `255 - counter` for LFU).
    score: u64,
}

/// Redis's eviction pool: the best candidates seen so far, sorted by score,
/// best (highest) last.
#[derive(Debug, Default)]
pub(crate) struct EvictionPool {
    entries: Vec<Candidate>,
}

impl EvictionPool {
    pub(crate) fn new() -> Self {
        EvictionPool { entries: Vec::with_capacity(POOL_SIZE) }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a candidate unless the pool is full of better ones.
    fn offer(&mut self, c: Candidate) {
        if let Some(i) = self.entries.iter().position(|e| e.slot == c.slot) {
            if self.entries[i].meta == c.meta {
                return;
            }
            // The old entry describes an earlier state (or an earlier key) of
            // this slot and can never be valid again.
            self.entries.remove(i);
        }
        let mut pos = self.entries.partition_point(|e| e.score < c.score);
        if self.entries.len() >= POOL_SIZE {
            if pos == 0 {
                return;
            }
            self.entries.remove(0);
            pos -= 1;
        }
        self.entries.insert(pos, c);
    }

    /// Samples keys in `scope` into the pool and returns the best candidate
    /// that is still valid, scoring keys by `score(meta)`.
    pub(crate) fn victim(
        &mut self,
        scope: Scope,
        keys: &KeyspaceView<'_>,
        rng: &mut SmallRng,
        score: impl Fn(u32) -> u64,
    ) -> Option<u32> {
        let mut last_sampled = None;
        for _ in 0..MAX_ROUNDS {
            let mut sampled = false;
            for _ in 0..SAMPLES {
                let Some(slot) = scope.sample(keys, rng) else { break };
                let Some(meta) = keys.meta(slot) else { continue };
                sampled = true;
                last_sampled = Some(slot);
                self.offer(Candidate { slot, meta, score: score(meta) });
            }
            while let Some(c) = self.entries.pop() {
                if keys.meta(c.slot) == Some(c.meta) && scope.allows(keys, c.slot) {
                    return Some(c.slot);
                }
            }
            if !sampled {
                // Nothing in scope (empty keyspace, or no key with a TTL).
                return None;
            }
        }
        // Unreachable in practice (a fresh sample is always valid), but never
        // fail an eviction that has a candidate.
        last_sampled.filter(|&s| scope.allows(keys, s))
    }
}

/// `allkeys-lru` / `volatile-lru`.
pub(crate) struct Lru {
    scope: Scope,
    clock: u32,
    pool: EvictionPool,
}

impl Lru {
    pub(crate) fn new(scope: Scope) -> Self {
        Lru { scope, clock: 0, pool: EvictionPool::new() }
    }

    #[inline]
    fn tick(&mut self) -> u32 {
        self.clock = self.clock.wrapping_add(1);
        self.clock
    }
}

impl EvictionPolicy for Lru {
    fn kind(&self) -> PolicyKind {
        match self.scope {
            Scope::AllKeys => PolicyKind::AllKeysLru,
            Scope::Volatile => PolicyKind::VolatileLru,
        }
    }

    #[inline]
    fn on_insert(&mut self, _slot: u32, _key_hash: u64, meta: &mut u32) {
        *meta = self.tick();
    }

    #[inline]
    fn on_access(&mut self, _slot: u32, meta: &mut u32) {
        *meta = self.tick();
    }

    #[inline]
    fn on_remove(&mut self, _slot: u32, _key_hash: u64, _meta: u32) {}

    fn clear(&mut self) {
        self.pool.clear();
    }

    fn victim(&mut self, keys: &KeyspaceView<'_>, rng: &mut SmallRng) -> Option<u32> {
        let now = self.clock;
        self.pool.victim(self.scope, keys, rng, |stamp| now.wrapping_sub(stamp) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(slot: u32, score: u64) -> Candidate {
        Candidate { slot, meta: slot, score }
    }

    #[test]
    fn pool_keeps_the_best_sorted_and_bounded() {
        let mut pool = EvictionPool::new();
        for (i, score) in [5u64, 1, 9, 3, 7].into_iter().enumerate() {
            pool.offer(cand(i as u32, score));
        }
        let scores: Vec<u64> = pool.entries.iter().map(|c| c.score).collect();
        assert_eq!(scores, [1, 3, 5, 7, 9]);
        for i in 0..40u32 {
            pool.offer(cand(100 + i, 100 + i as u64));
        }
        assert_eq!(pool.len(), POOL_SIZE);
        assert_eq!(pool.entries.first().map(|c| c.score), Some(124));
        assert_eq!(pool.entries.last().map(|c| c.score), Some(139));
        // Worse than everything in a full pool: ignored.
        pool.offer(cand(7, 0));
        assert!(pool.entries.iter().all(|c| c.slot != 7));
    }

    #[test]
    fn pool_replaces_a_stale_entry_for_the_same_slot() {
        let mut pool = EvictionPool::new();
        pool.offer(Candidate { slot: 3, meta: 10, score: 50 });
        pool.offer(Candidate { slot: 3, meta: 10, score: 60 });
        assert_eq!(pool.len(), 1);
        pool.offer(Candidate { slot: 3, meta: 11, score: 2 });
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.entries[0].meta, 11);
    }

    #[test]
    fn stamps_increase_on_every_touch() {
        let mut lru = Lru::new(Scope::AllKeys);
        let (mut a, mut b) = (u32::MAX, u32::MAX);
        lru.on_insert(0, 0, &mut a);
        lru.on_insert(1, 0, &mut b);
        assert!(b > a);
        lru.on_access(0, &mut a);
        assert!(a > b);
        assert_eq!(lru.kind(), PolicyKind::AllKeysLru);
        assert_eq!(Lru::new(Scope::Volatile).kind(), PolicyKind::VolatileLru);
    }
}
