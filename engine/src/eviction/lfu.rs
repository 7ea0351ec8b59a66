//! Approximated LFU, as in Redis (`allkeys-lfu` / `volatile-lfu`).
//!
//! `meta` uses Redis's 24-bit layout: bits 8..24 hold the minute of the last
//! decrement (`ldt`, wrapping at 2^16) and bits 0..8 a logarithmic access
//! counter. New keys start at [`LFU_INIT_VAL`] so they are not evicted before
//! they had a chance to be read; each access first applies the time decay
//! (one point per [`DECAY_MINUTES`] elapsed) and then increments with
//! probability `1 / ((counter - LFU_INIT_VAL) * LOG_FACTOR + 1)`, so 255 is
//! reached after about a million accesses. Victims are picked with the same
//! sampling pool as LRU, the score being `255 - decayed counter`.
//!
//! Time source: the policy keeps a coarse minute counter of its own, read
//! from a monotonic [`Instant`] once every [`REFRESH_EVERY`] hook calls and
//! at every eviction. That keeps decay in real minutes like Redis (which reads
//! its cached `server.unixtime`) at the cost of one clock read per thousand
//! operations; a shard idle for minutes refreshes on its first eviction,
//! which is the only time decay changes a decision. A purely logical "minute"
//! (N operations) would make decay depend on the request rate, which is not
//! what `lfu-decay-time` means. The increments draw from the policy's own
//! seeded generator (the hooks are not handed the shard's), so runs are
//! reproducible as long as they take less than a minute.

use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::lru::EvictionPool;
use super::{EvictionPolicy, KeyspaceView, PolicyKind, Scope};

/// Counter value of a new key (Redis's `LFU_INIT_VAL`).
pub(crate) const LFU_INIT_VAL: u8 = 5;
/// `lfu-log-factor`.
pub(crate) const LOG_FACTOR: f64 = 10.0;
/// `lfu-decay-time`, in minutes.
pub(crate) const DECAY_MINUTES: u16 = 1;
/// Hook calls between two reads of the real clock.
const REFRESH_EVERY: u32 = 1024;

/// `allkeys-lfu` / `volatile-lfu`.
pub(crate) struct Lfu {
    scope: Scope,
    pool: EvictionPool,
    rng: SmallRng,
    /// Source of minutes; `None` when driven by hand in tests.
    start: Option<Instant>,
    /// Minutes since `start`, wrapping at 2^16 like Redis's `ldt`.
    minutes: u16,
    ticks: u32,
}

impl Lfu {
    pub(crate) fn new(scope: Scope) -> Self {
        Lfu {
            scope,
            pool: EvictionPool::new(),
            rng: SmallRng::seed_from_u64(0x4c46_5521_9e37_79b9),
            start: Some(Instant::now()),
            minutes: 0,
            ticks: 0,
        }
    }

    /// A policy whose minutes only move through [`set_minutes`](Self::set_minutes).
    #[cfg(test)]
    pub(crate) fn manual(scope: Scope) -> Self {
        Lfu { start: None, ..Lfu::new(scope) }
    }

    #[cfg(test)]
    pub(crate) fn set_minutes(&mut self, minutes: u16) {
        self.minutes = minutes;
    }

    fn refresh(&mut self) {
        if let Some(start) = self.start {
            self.minutes = (start.elapsed().as_secs() / 60) as u16;
        }
    }

    #[inline]
    fn tick(&mut self) {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks % REFRESH_EVERY == 0 {
            self.refresh();
        }
    }
}

/// Minutes from `ldt` to `now` on the 16-bit wrapping minute clock (Redis's
/// `LFUTimeElapsed`).
#[inline]
fn elapsed(ldt: u16, now: u16) -> u16 {
    if now >= ldt {
        now - ldt
    } else {
        u16::MAX - ldt + now
    }
}

/// The counter in `meta` after decay (Redis's `LFUDecrAndReturn`).
#[inline]
pub(crate) fn decayed(meta: u32, now: u16) -> u8 {
    let ldt = (meta >> 8) as u16;
    let counter = meta as u8;
    let periods = elapsed(ldt, now) / DECAY_MINUTES;
    counter.saturating_sub(periods.min(255) as u8)
}

/// One logarithmic increment (Redis's `LFULogIncr`).
#[inline]
fn log_incr(counter: u8, rng: &mut SmallRng) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * LOG_FACTOR + 1.0);
    if rng.gen::<f64>() < p {
        counter + 1
    } else {
        counter
    }
}

#[inline]
fn pack(minutes: u16, counter: u8) -> u32 {
    ((minutes as u32) << 8) | counter as u32
}

impl EvictionPolicy for Lfu {
    fn kind(&self) -> PolicyKind {
        match self.scope {
            Scope::AllKeys => PolicyKind::AllKeysLfu,
            Scope::Volatile => PolicyKind::VolatileLfu,
        }
    }

    #[inline]
    fn on_insert(&mut self, _slot: u32, _key_hash: u64, meta: &mut u32) {
        self.tick();
        *meta = pack(self.minutes, LFU_INIT_VAL);
    }

    #[inline]
    fn on_access(&mut self, _slot: u32, meta: &mut u32) {
        self.tick();
        let counter = log_incr(decayed(*meta, self.minutes), &mut self.rng);
        *meta = pack(self.minutes, counter);
    }

    #[inline]
    fn on_remove(&mut self, _slot: u32, _key_hash: u64, _meta: u32) {}

    fn clear(&mut self) {
        self.pool.clear();
    }

    fn victim(&mut self, keys: &KeyspaceView<'_>, rng: &mut SmallRng) -> Option<u32> {
        self.refresh();
        let now = self.minutes;
        self.pool.victim(self.scope, keys, rng, |meta| 255 - decayed(meta, now) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_start_at_init_val() {
        let mut lfu = Lfu::manual(Scope::AllKeys);
        lfu.set_minutes(42);
        let mut meta = u32::MAX;
        lfu.on_insert(0, 0, &mut meta);
        assert_eq!(meta, pack(42, LFU_INIT_VAL));
        assert_eq!(lfu.kind(), PolicyKind::AllKeysLfu);
        assert_eq!(Lfu::manual(Scope::Volatile).kind(), PolicyKind::VolatileLfu);
    }

    #[test]
    fn counter_grows_logarithmically_and_saturates() {
        let mut lfu = Lfu::manual(Scope::AllKeys);
        let mut meta = 0;
        lfu.on_insert(0, 0, &mut meta);
        // The first access above LFU_INIT_VAL always counts (p = 1).
        lfu.on_access(0, &mut meta);
        assert_eq!(meta as u8, LFU_INIT_VAL + 1);
        for _ in 0..1000 {
            lfu.on_access(0, &mut meta);
        }
        let c = meta as u8;
        // Redis's table for factor 10: 1K hits give a counter around 18.
        assert!((12..=24).contains(&c), "counter {c} after 1000 hits");
        let mut sat = pack(0, 255);
        lfu.on_access(0, &mut sat);
        assert_eq!(sat as u8, 255);
    }

    #[test]
    fn counter_decays_one_point_per_minute() {
        let mut lfu = Lfu::manual(Scope::AllKeys);
        lfu.set_minutes(10);
        let meta = pack(10, 20);
        assert_eq!(decayed(meta, 10), 20);
        assert_eq!(decayed(meta, 13), 17);
        assert_eq!(decayed(meta, 100), 0);
        // Across the 16-bit wrap of the minute clock.
        assert_eq!(decayed(pack(u16::MAX - 1, 20), 2), 17);
        // An access applies the decay before incrementing and restamps ldt.
        let mut m = pack(10, 20);
        lfu.set_minutes(15);
        lfu.on_access(0, &mut m);
        assert_eq!(m >> 8, 15);
        assert!((15..=16).contains(&(m as u8)), "{}", m as u8);
    }
}
