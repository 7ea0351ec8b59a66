//! Eviction under a per-shard memory budget: one trait, one file per policy.
//!
//! The shard owns the keys; a policy only keeps its own bookkeeping (per-item
//! `meta` word, queues, ghost entries) and, when the shard is over budget,
//! names a victim slot. The shard removes the victim and reports it back
//! through [`EvictionPolicy::on_remove`].
//!
//! Policies: `lru.rs` (Redis's sampled LRU with an eviction pool), `lfu.rs`
//! (Redis's logarithmic LFU with decay), `random.rs`, `ttl.rs` (nearest
//! expiry, exact) and `s3fifo.rs` (S3-FIFO). `victim` only sees the keyspace
//! read-only, so state a policy must change at eviction time lives in the
//! policy itself (queues, pool), never in `meta`.

use rand::rngs::SmallRng;
use rand::Rng;

use crate::keyspace::Keyspace;

#[cfg(test)]
mod harness;
mod lfu;
mod lru;
mod random;
mod s3fifo;
mod ttl;

/// Which keys a sampling policy may pick: all of them, or only those with a
/// TTL (the `volatile-*` policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    AllKeys,
    Volatile,
}

impl Scope {
    /// One random candidate from the keys this scope may evict.
    #[inline]
    pub(crate) fn sample(self, keys: &KeyspaceView<'_>, rng: &mut SmallRng) -> Option<u32> {
        match self {
            Scope::AllKeys => keys.random_slot(rng),
            Scope::Volatile => keys.random_volatile(rng),
        }
    }

    /// Whether the key in `slot` may be evicted under this scope (it exists
    /// and, for `Volatile`, still has a TTL).
    #[inline]
    pub(crate) fn allows(self, keys: &KeyspaceView<'_>, slot: u32) -> bool {
        match self {
            Scope::AllKeys => keys.meta(slot).is_some(),
            Scope::Volatile => matches!(keys.expire(slot), Some(Some(_))),
        }
    }
}

/// Which keys a policy may evict, and how it picks them (Redis's
/// `maxmemory-policy` names, plus `s3fifo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyKind {
    /// Never evict: writes that need memory fail with the OOM error.
    #[default]
    NoEviction,
    /// Approximated LRU over all keys.
    AllKeysLru,
    /// Approximated LFU over all keys.
    AllKeysLfu,
    /// Random key.
    AllKeysRandom,
    /// Approximated LRU among keys with a TTL.
    VolatileLru,
    /// Approximated LFU among keys with a TTL.
    VolatileLfu,
    /// Random key among keys with a TTL.
    VolatileRandom,
    /// The key with the nearest expiry.
    VolatileTtl,
    /// S3-FIFO (small/main FIFO queues and a ghost queue) over all keys.
    S3Fifo,
}

impl PolicyKind {
    /// Every policy, in documentation order.
    pub const ALL: [PolicyKind; 9] = [
        PolicyKind::NoEviction,
        PolicyKind::AllKeysLru,
        PolicyKind::AllKeysLfu,
        PolicyKind::AllKeysRandom,
        PolicyKind::VolatileLru,
        PolicyKind::VolatileLfu,
        PolicyKind::VolatileRandom,
        PolicyKind::VolatileTtl,
        PolicyKind::S3Fifo,
    ];

    /// The `maxmemory-policy` name.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::NoEviction => "noeviction",
            PolicyKind::AllKeysLru => "allkeys-lru",
            PolicyKind::AllKeysLfu => "allkeys-lfu",
            PolicyKind::AllKeysRandom => "allkeys-random",
            PolicyKind::VolatileLru => "volatile-lru",
            PolicyKind::VolatileLfu => "volatile-lfu",
            PolicyKind::VolatileRandom => "volatile-random",
            PolicyKind::VolatileTtl => "volatile-ttl",
            PolicyKind::S3Fifo => "s3fifo",
        }
    }

    /// Parses a `maxmemory-policy` name (case-insensitive).
    pub fn parse(name: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// Builds the policy, or `None` for `noeviction`.
    pub fn build(self) -> Option<Box<dyn EvictionPolicy>> {
        Some(match self {
            PolicyKind::NoEviction => return None,
            PolicyKind::AllKeysLru => Box::new(lru::Lru::new(Scope::AllKeys)),
            PolicyKind::VolatileLru => Box::new(lru::Lru::new(Scope::Volatile)),
            PolicyKind::AllKeysLfu => Box::new(lfu::Lfu::new(Scope::AllKeys)),
            PolicyKind::VolatileLfu => Box::new(lfu::Lfu::new(Scope::Volatile)),
            PolicyKind::AllKeysRandom => Box::new(random::Random::new(Scope::AllKeys)),
            PolicyKind::VolatileRandom => Box::new(random::Random::new(Scope::Volatile)),
            PolicyKind::VolatileTtl => Box::new(ttl::VolatileTtl),
            PolicyKind::S3Fifo => Box::new(s3fifo::S3Fifo::new()),
        })
    }

    /// True for the `volatile-*` policies, which only evict keys with a TTL.
    pub fn is_volatile(self) -> bool {
        matches!(
            self,
            PolicyKind::VolatileLru | PolicyKind::VolatileLfu | PolicyKind::VolatileRandom | PolicyKind::VolatileTtl
        )
    }
}

/// Read-only view of a shard's keys that policies sample from.
pub struct KeyspaceView<'a> {
    pub(crate) ks: &'a Keyspace,
}

impl KeyspaceView<'_> {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.ks.len()
    }

    /// True when the shard holds no keys.
    pub fn is_empty(&self) -> bool {
        self.ks.len() == 0
    }

    /// Upper bound (exclusive) of slot numbers; some slots may be vacant.
    pub fn slots(&self) -> usize {
        self.ks.slots()
    }

    /// The `meta` word of the key in `slot`, or `None` if the slot is vacant.
    pub fn meta(&self, slot: u32) -> Option<u32> {
        self.ks.get(slot).map(|it| it.meta())
    }

    /// The expiry of the key in `slot`: `None` if vacant, `Some(None)` if the
    /// key has no TTL.
    pub fn expire(&self, slot: u32) -> Option<Option<u64>> {
        self.ks.get(slot).map(|it| it.expire())
    }

    /// The hash of the key in `slot` (stable for the key's lifetime, the same
    /// value passed to [`EvictionPolicy::on_insert`]).
    pub fn key_hash(&self, slot: u32) -> Option<u64> {
        self.ks.get(slot).map(|it| self.ks.hash(it.db(), it.key()))
    }

    /// A uniformly random occupied slot (a bounded number of probes; `None`
    /// only when the keyspace is empty or very sparse).
    pub fn random_slot(&self, rng: &mut SmallRng) -> Option<u32> {
        let n = self.ks.slots();
        if self.ks.len() == 0 || n == 0 {
            return None;
        }
        for _ in 0..64 {
            let s = rng.gen_range(0..n) as u32;
            if self.ks.get(s).is_some() {
                return Some(s);
            }
        }
        (0..n as u32).find(|&s| self.ks.get(s).is_some())
    }

    /// A random slot among keys with a TTL.
    ///
    /// Uniform when keys with a TTL are a sizeable share of the keyspace
    /// (random slots are probed for one); otherwise a random point in
    /// (deadline, slot) order, which favours keys after gaps in that order
    /// but never sticks to one key, even when all deadlines are equal.
    pub fn random_volatile(&self, rng: &mut SmallRng) -> Option<u32> {
        let first = self.ks.expires.first()?.0;
        let last = self.ks.expires.last()?.0;
        if self.ks.expires.len() * 8 >= self.ks.len() {
            for _ in 0..16 {
                let s = self.random_slot(rng)?;
                if self.ks.get(s).is_some_and(|it| it.expire().is_some()) {
                    return Some(s);
                }
            }
        }
        // A random deadline, then a random slot among the keys sharing the
        // first deadline at or after it.
        let at = if last > first { rng.gen_range(first..=last) } else { first };
        let &(deadline, lo) = self.ks.expires.range((at, 0)..).next()?;
        let hi = self.ks.expires.range(..=(deadline, u32::MAX)).next_back().map_or(lo, |&(_, s)| s);
        let pivot = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
        self.ks.expires.range((deadline, pivot)..).next().map(|&(_, s)| s)
    }

    /// The slot of the key that expires soonest.
    pub fn soonest_expiring(&self) -> Option<u32> {
        self.ks.expires.first().map(|&(_, s)| s)
    }
}

/// An eviction policy. The shard calls the hooks for every key it stores,
/// reads, writes and removes while the policy is installed.
///
/// Contract:
/// * `on_insert` MUST initialise `meta` (it is the policy's per-key state).
/// * `victim` MUST return an occupied slot or `None`; it MUST NOT return a
///   key the policy is not allowed to evict (e.g. a key without TTL for a
///   volatile policy). `None` means nothing can be evicted, and the write
///   fails with the OOM error.
/// * After `victim` returns `Some(slot)`, the shard removes that key and calls
///   `on_remove` for it before asking again.
pub trait EvictionPolicy: Send {
    /// The `maxmemory-policy` this implements.
    fn kind(&self) -> PolicyKind;

    /// A key was stored in `slot`.
    fn on_insert(&mut self, slot: u32, key_hash: u64, meta: &mut u32);

    /// The key in `slot` was read or written.
    fn on_access(&mut self, slot: u32, meta: &mut u32);

    /// The key in `slot` was removed (deleted, expired or evicted).
    fn on_remove(&mut self, slot: u32, key_hash: u64, meta: u32);

    /// Every key was removed at once (FLUSHALL).
    fn clear(&mut self);

    /// Picks the next key to evict.
    fn victim(&mut self, keys: &KeyspaceView<'_>, rng: &mut SmallRng) -> Option<u32>;
}
