//! A shard: one core's slice of the keyspace, mutated through `&mut` only.
//!
//! This file holds the framework every value type builds on: lookup with lazy
//! expiry, insertion and replacement with memory accounting, the eviction
//! hooks, the mutation stream, stats, active expiry and flushes. The Redis
//! operations themselves live in `types/`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::eviction::{EvictionPolicy, KeyspaceView, PolicyKind};
use crate::item::{Item, NewValue, INLINE_MAX};
use crate::keyspace::{Keyspace, KEY_OVERHEAD};
use crate::mutation::{Arg, Event, Mutation, MutationSink};
use crate::stats::ShardStats;
use crate::types::StrOrigin;
use crate::value::{Kind, Value, ValueRef};

/// Default number of logical databases, as in Redis.
pub const DEFAULT_DATABASES: usize = 16;

/// Per-shard settings.
#[derive(Debug, Clone)]
pub struct ShardConfig {
    /// Number of logical databases (`SELECT 0..databases`), at most 256.
    pub databases: usize,
    /// Memory budget in bytes; 0 means unlimited.
    pub maxmemory: usize,
    /// What to do when over budget.
    pub policy: PolicyKind,
    /// Time source for expiry.
    pub clock: Clock,
    /// Seed for the shard's hash function and sampling.
    pub seed: u64,
}

impl Default for ShardConfig {
    fn default() -> Self {
        ShardConfig {
            databases: DEFAULT_DATABASES,
            maxmemory: 0,
            policy: PolicyKind::NoEviction,
            clock: Clock::System,
            seed: 0x2545_f491_4f6c_dd1d,
        }
    }
}

/// Values that can be stored as strings without an extra copy when the
/// caller already owns them.
pub trait IntoBytes: AsRef<[u8]> {
    /// Converts into shared bytes (copying only borrowed input).
    fn into_bytes(self) -> Bytes;

    /// Whether storing this value means copying it anyway (borrowed
    /// input): then a string of the same length is better overwritten in
    /// place than replaced by a new allocation.
    fn is_borrowed(&self) -> bool {
        false
    }
}

impl IntoBytes for Bytes {
    fn into_bytes(self) -> Bytes {
        self
    }
}
impl IntoBytes for &Bytes {
    fn into_bytes(self) -> Bytes {
        self.clone()
    }
}
impl IntoBytes for &[u8] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
    fn is_borrowed(&self) -> bool {
        true
    }
}
impl<const N: usize> IntoBytes for &[u8; N] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
    fn is_borrowed(&self) -> bool {
        true
    }
}
impl IntoBytes for Vec<u8> {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}
impl IntoBytes for &str {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
    fn is_borrowed(&self) -> bool {
        true
    }
}
impl IntoBytes for String {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

/// One shard of the keyspace.
pub struct Shard {
    id: usize,
    pub(crate) ks: Keyspace,
    clock: Clock,
    policy: Option<Box<dyn EvictionPolicy>>,
    policy_kind: PolicyKind,
    maxmemory: usize,
    used: usize,
    seq: u64,
    sink: Option<Box<dyn MutationSink>>,
    /// The subscriber wants deltas (see [`MutationSink::wants_deltas`]).
    deltas: bool,
    pub(crate) rng: SmallRng,
    stats: Counters,
    /// Unix seconds, refreshed by the active expiry cycle (every 100 ms):
    /// with no eviction policy, the per-key `meta` word holds the last
    /// access in this clock, for `OBJECT IDLETIME`.
    access_clock: u32,
    /// Strings built the way that makes Redis report an encoding their
    /// content alone would not give (`OBJECT ENCODING`), by slot. Usually
    /// empty; any other write to the slot, or its removal, drops the entry.
    str_origin: ahash::HashMap<u32, StrOrigin>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    hits: u64,
    misses: u64,
    expired: u64,
    evicted: u64,
    ops: u64,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shard").field("id", &self.id).field("keys", &self.ks.len()).finish()
    }
}

impl Shard {
    /// An empty shard.
    pub fn new(id: usize, config: ShardConfig) -> Shard {
        let databases = config.databases.clamp(1, 256);
        let mut shard = Shard {
            id,
            ks: Keyspace::new(databases, config.seed ^ id as u64),
            clock: config.clock,
            policy: None,
            policy_kind: PolicyKind::NoEviction,
            maxmemory: config.maxmemory,
            used: 0,
            seq: 0,
            sink: None,
            deltas: false,
            rng: SmallRng::seed_from_u64(config.seed.wrapping_add(id as u64)),
            stats: Counters::default(),
            access_clock: 0,
            str_origin: ahash::HashMap::default(),
        };
        shard.access_clock = shard.clock_secs();
        shard.set_policy(config.policy);
        shard
    }

    /// This shard's index.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The shard's time source.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Current time in Unix ms, from the shard's clock.
    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Number of logical databases.
    pub fn databases(&self) -> usize {
        self.ks.databases()
    }

    /// Fails with [`Error::DbIndexOutOfRange`] unless `db` is a valid database index.
    pub fn check_db(&self, db: u8) -> Result<()> {
        if (db as usize) < self.ks.databases() {
            Ok(())
        } else {
            Err(Error::DbIndexOutOfRange)
        }
    }

    /// Whether the subscriber wants deltas ([`MutationSink::wants_deltas`]).
    /// A write whose delta needs more than its result (which of its
    /// arguments took effect: the members SADD added) notes that only when
    /// this says so; see [`Noted`](crate::types::Noted).
    #[inline]
    pub(crate) fn wants_deltas(&self) -> bool {
        self.deltas
    }

    /// Subscribes `sink` to this shard's mutation stream, replacing (and
    /// returning) any previous subscriber.
    pub fn subscribe(&mut self, sink: Box<dyn MutationSink>) -> Option<Box<dyn MutationSink>> {
        self.deltas = sink.wants_deltas();
        self.sink.replace(sink)
    }

    /// Adds `sink` to this shard's mutation subscribers: each record goes
    /// to the subscribers in the order they were added.
    pub fn add_sink(&mut self, sink: Box<dyn MutationSink>) {
        let all = match self.sink.take() {
            None => sink,
            Some(prev) => Box::new(crate::mutation::Tee(vec![prev, sink])),
        };
        self.subscribe(all);
    }

    /// Removes the mutation subscriber.
    pub fn unsubscribe(&mut self) -> Option<Box<dyn MutationSink>> {
        self.deltas = false;
        self.sink.take()
    }

    /// The sequence number of the last mutation applied.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Sets the memory budget (0 = unlimited) and evicts down to it if the
    /// policy allows.
    pub fn set_maxmemory(&mut self, bytes: usize) {
        self.maxmemory = bytes;
        let _ = self.make_room();
    }

    /// The memory budget in bytes (0 = unlimited).
    pub fn maxmemory(&self) -> usize {
        self.maxmemory
    }

    /// The current eviction policy.
    pub fn policy(&self) -> PolicyKind {
        self.policy_kind
    }

    /// Installs an eviction policy, registering every existing key with it.
    pub fn set_policy(&mut self, kind: PolicyKind) {
        self.policy_kind = kind;
        self.policy = kind.build();
        if self.policy.is_none() {
            // The words of the previous policy mean nothing now: start every
            // key's idle time afresh.
            let now = self.clock_secs();
            self.access_clock = now;
            for slot in 0..self.ks.slots() as u32 {
                if let Some(it) = self.ks.get_mut(slot) {
                    it.set_meta(now);
                }
            }
        }
        if let Some(p) = self.policy.as_mut() {
            for slot in 0..self.ks.slots() as u32 {
                let Some(it) = self.ks.get(slot) else { continue };
                let hash = self.ks.hash(it.db(), it.key());
                let mut meta = 0;
                p.on_insert(slot, hash, &mut meta);
                if let Some(it) = self.ks.get_mut(slot) {
                    it.set_meta(meta);
                }
            }
        }
    }

    /// Bytes counted against the budget.
    pub fn used_memory(&self) -> usize {
        self.used
    }

    /// A snapshot of the shard's counters.
    pub fn stats(&self) -> ShardStats {
        ShardStats {
            shard: self.id,
            keys: self.ks.len() as u64,
            expiring_keys: self.ks.expiring() as u64,
            used_bytes: self.used as u64,
            table_bytes: self.ks.table_bytes() as u64,
            maxmemory: self.maxmemory as u64,
            hits: self.stats.hits,
            misses: self.stats.misses,
            expired: self.stats.expired,
            evicted: self.stats.evicted,
            ops: self.stats.ops,
            seq: self.seq,
        }
    }

    /// Zeroes the hit/miss/expired/evicted/ops counters (CONFIG RESETSTAT).
    pub fn reset_stats(&mut self) {
        self.stats = Counters::default();
    }

    /// Keys in `db`, including expired keys not yet collected (like DBSIZE).
    pub fn dbsize(&self, db: u8) -> usize {
        self.ks.db_len(db)
    }

    /// Keys with a TTL in `db`.
    pub fn db_expiring(&self, db: u8) -> usize {
        self.ks.db_expires(db)
    }

    /// Removes expired keys in deadline order until none is due or `budget`
    /// has passed; returns how many were removed. Meant to run between
    /// batches of requests so no shard stalls for long.
    pub fn active_expire(&mut self, budget: Duration) -> usize {
        let start = Instant::now();
        let now = self.now_ms();
        self.access_clock = (now / 1000) as u32;
        let mut removed = 0;
        while let Some(&(at, slot)) = self.ks.expires.first() {
            if at >= now {
                break;
            }
            self.remove_slot(slot, Event::Expired);
            removed += 1;
            if removed % 32 == 0 && start.elapsed() >= budget {
                break;
            }
        }
        removed
    }

    /// Whether some key's TTL has passed but it is still stored.
    pub fn has_due_keys(&self) -> bool {
        self.ks.expires.first().is_some_and(|&(at, _)| at < self.now_ms())
    }

    /// Removes every key of `db`.
    pub fn flushdb(&mut self, db: u8) -> usize {
        let n = self.drain(Some(db));
        self.emit_bare(db, Event::FlushDb);
        n
    }

    /// Removes every key of every database.
    pub fn flushall(&mut self) -> usize {
        let n = self.drain(None);
        self.emit_bare(0, Event::FlushAll);
        n
    }

    /// `SWAPDB a b` on this shard: the two databases trade contents in
    /// O(1). Clients keep their selected index, so they see the other
    /// data from now on.
    pub fn swapdb(&mut self, a: u8, b: u8) -> Result<()> {
        self.check_db(a)?;
        self.check_db(b)?;
        if a != b {
            self.ks.swap_dbs(a, b);
            self.emit_bare(a, Event::SwapDb { with: b });
        }
        Ok(())
    }

    fn drain(&mut self, db: Option<u8>) -> usize {
        let Shard { ks, policy, used, .. } = self;
        let mut freed = 0;
        let n = ks.drain_db(db, |slot, it| {
            freed += item_bytes(it);
            if db.is_some() {
                if let Some(p) = policy.as_mut() {
                    p.on_remove(slot, 0, it.meta());
                }
            }
        });
        if db.is_none() {
            if let Some(p) = policy.as_mut() {
                p.clear();
            }
        }
        *used = used.saturating_sub(freed);
        if !self.str_origin.is_empty() {
            let ks = &self.ks;
            self.str_origin.retain(|slot, _| ks.get(*slot).is_some());
        }
        n
    }

    /// The kind of the live value at `key`, without touching stats or the
    /// eviction policy (for type checks before multi-key operations).
    pub fn kind_of(&mut self, db: u8, key: &[u8]) -> Option<Kind> {
        let slot = self.lookup(db, key)?;
        Some(self.item(slot).kind())
    }

    /// `MEMORY USAGE`: the bytes `key` counts against the memory budget
    /// (index entry, item allocation and boxed value), or `None` when it
    /// does not exist. Does not touch stats or the eviction policy.
    pub fn memory_usage(&mut self, db: u8, key: &[u8]) -> Option<usize> {
        let slot = self.lookup(db, key)?;
        Some(item_bytes(self.item(slot)))
    }

    /// `CLUSTER COUNTKEYSINSLOT`: live keys of `db` in hash slot `slot`.
    /// Scans the shard's keys (O(keys)): no per-slot index is kept.
    pub fn count_keys_in_slot(&mut self, db: u8, slot: u16) -> usize {
        let mut n = 0;
        self.scan_slots(db, 0, usize::MAX, |sh, s| {
            if crate::routing::keyslot(sh.key_of(s)) == slot {
                n += 1;
            }
        });
        n
    }

    /// `CLUSTER GETKEYSINSLOT`: up to `count` live keys of `db` in hash slot
    /// `slot`, in storage order. Scans the shard's keys (O(keys)).
    pub fn keys_in_slot(&mut self, db: u8, slot: u16, count: usize) -> Vec<Bytes> {
        let mut out = Vec::new();
        if count == 0 {
            return out;
        }
        let now = self.now_ms();
        for pos in 0..self.ks.slots() as u32 {
            let Some(it) = self.ks.get(pos) else { continue };
            if it.db() == db && it.expire().is_none_or(|at| at >= now) && crate::routing::keyslot(it.key()) == slot {
                out.push(Bytes::copy_from_slice(it.key()));
                if out.len() == count {
                    break;
                }
            }
        }
        out
    }

    // ----- framework for value-type operations -----------------------------

    /// Slot of a live `key` in `db`; removes it first if its TTL has passed.
    #[inline]
    pub(crate) fn lookup(&mut self, db: u8, key: &[u8]) -> Option<u32> {
        let slot = self.ks.find(db, key)?;
        if let Some(at) = self.ks.get(slot)?.expire() {
            if at < self.now_ms() {
                self.remove_slot(slot, Event::Expired);
                return None;
            }
        }
        Some(slot)
    }

    /// Loads the entry of `key` into the CPU cache, with no other effect (no
    /// statistics, no expiry, no access time).
    ///
    /// A lookup is a chain of dependent memory loads (hash index, slot,
    /// item, boxed value) that mostly miss the cache, and it dominates the
    /// CPU time of simple commands. A caller holding several requests (a
    /// pipeline) calls this for each of their keys back to back, before
    /// running them: the processor then overlaps the misses of different
    /// keys instead of paying them one after the other.
    #[inline]
    pub fn prefetch(&self, db: u8, key: &[u8]) {
        if let Some(item) = self.ks.find(db, key).and_then(|slot| self.ks.get(slot)) {
            if let Some(Value::Str(s)) = item.boxed_value() {
                std::hint::black_box(s.first());
            }
        }
    }

    /// Lookup for a read command: counts an op, a hit or miss, and touches
    /// the key for the eviction policy.
    #[inline]
    pub(crate) fn lookup_read(&mut self, db: u8, key: &[u8]) -> Option<u32> {
        self.stats.ops += 1;
        match self.lookup(db, key) {
            Some(slot) => {
                self.stats.hits += 1;
                self.touch(slot);
                Some(slot)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// [`lookup_read`](Self::lookup_read) that also checks the value's kind.
    #[inline]
    pub(crate) fn lookup_read_kind(&mut self, db: u8, key: &[u8], kind: Kind) -> Result<Option<u32>> {
        match self.lookup_read(db, key) {
            Some(slot) if self.item(slot).kind() != kind => Err(Error::WrongType),
            other => Ok(other),
        }
    }

    /// Lookup for a write command: counts an op and touches the key.
    #[inline]
    pub(crate) fn lookup_write(&mut self, db: u8, key: &[u8]) -> Option<u32> {
        self.stats.ops += 1;
        let slot = self.lookup(db, key)?;
        self.touch(slot);
        Some(slot)
    }

    /// [`lookup_write`](Self::lookup_write) that also checks the value's kind.
    #[inline]
    pub(crate) fn lookup_write_kind(&mut self, db: u8, key: &[u8], kind: Kind) -> Result<Option<u32>> {
        match self.lookup_write(db, key) {
            Some(slot) if self.item(slot).kind() != kind => Err(Error::WrongType),
            other => Ok(other),
        }
    }

    #[inline]
    fn touch(&mut self, slot: u32) {
        match self.policy.as_mut() {
            Some(p) => {
                if let Some(it) = self.ks.get_mut(slot) {
                    let mut meta = it.meta();
                    p.on_access(slot, &mut meta);
                    it.set_meta(meta);
                }
            }
            None => {
                // Last access in coarse seconds; written at most once a
                // second per key.
                let now = self.access_clock;
                if let Some(it) = self.ks.get_mut(slot) {
                    if it.meta() != now {
                        it.set_meta(now);
                    }
                }
            }
        }
    }

    /// Lookup for a read that must not count as an access for the
    /// eviction policy or idle time (EXISTS, TYPE, TTL, as Redis's
    /// `LOOKUP_NOTOUCH`); counts an op and a hit or miss.
    #[inline]
    pub(crate) fn lookup_read_notouch(&mut self, db: u8, key: &[u8]) -> Option<u32> {
        self.stats.ops += 1;
        let slot = self.lookup(db, key);
        if slot.is_some() {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
        slot
    }

    /// Seconds since the last access to `key`, for `OBJECT IDLETIME`:
    /// `None` when it is missing, `Some(None)` when an eviction policy is
    /// installed (policies keep their own per-key state, not a time).
    /// Accesses are stamped with the clock [`active_expire`](Self::active_expire)
    /// refreshes, as the runtime does every 100 ms; a shard driven by hand
    /// must call it too for idle times to advance.
    pub fn idle_secs(&mut self, db: u8, key: &[u8]) -> Option<Option<u64>> {
        let slot = self.lookup(db, key)?;
        if self.policy.is_some() {
            return Some(None);
        }
        let last = self.item(slot).meta();
        Some(Some(u64::from(self.clock_secs().saturating_sub(last))))
    }

    /// The eviction policy's per-key word for `key` (`None` when missing),
    /// e.g. the LFU counter in its low byte for `OBJECT FREQ`.
    pub fn policy_meta(&mut self, db: u8, key: &[u8]) -> Option<u32> {
        let slot = self.lookup(db, key)?;
        Some(self.item(slot).meta())
    }

    fn clock_secs(&self) -> u32 {
        (self.now_ms() / 1000) as u32
    }

    /// The item in a slot returned by a lookup. Panics on a vacant slot,
    /// which would be an engine bug (slots are only used right after lookup).
    #[inline]
    pub(crate) fn item(&self, slot: u32) -> &Item {
        self.ks.get(slot).expect("slot from a lookup is occupied")
    }

    /// The value in `slot`.
    #[inline]
    pub(crate) fn value(&self, slot: u32) -> ValueRef<'_> {
        self.item(slot).value()
    }

    /// The expiry of the key in `slot`.
    #[inline]
    pub(crate) fn expire_of(&self, slot: u32) -> Option<u64> {
        self.item(slot).expire()
    }

    /// The key in `slot`.
    #[inline]
    pub(crate) fn key_of(&self, slot: u32) -> &[u8] {
        self.item(slot).key()
    }

    /// Ensures the shard is within its memory budget before a write that may
    /// allocate, evicting per policy; fails with the OOM error otherwise.
    #[inline]
    pub(crate) fn make_room(&mut self) -> Result<()> {
        if self.maxmemory == 0 || self.used <= self.maxmemory {
            return Ok(());
        }
        self.evict_until_within_budget()
    }

    #[cold]
    fn evict_until_within_budget(&mut self) -> Result<()> {
        while self.used > self.maxmemory {
            let victim = match self.policy.as_mut() {
                Some(p) => p.victim(&KeyspaceView { ks: &self.ks }, &mut self.rng),
                None => None,
            };
            let Some(slot) = victim.filter(|&s| self.ks.get(s).is_some()) else {
                return Err(Error::OutOfMemory);
            };
            self.remove_slot(slot, Event::Evicted);
            self.stats.evicted += 1;
        }
        Ok(())
    }

    /// Stores a new key (the caller has checked it is absent) holding a
    /// string, inline when short.
    pub(crate) fn insert_str(&mut self, db: u8, key: &[u8], value: impl IntoBytes, expire: Option<u64>) -> u32 {
        let db = self.ks.phys(db);
        let item = if value.as_ref().len() <= INLINE_MAX {
            Item::new(db, key, Kind::String, NewValue::Inline(value.as_ref()), expire, 0)
        } else {
            Item::new(db, key, Kind::String, NewValue::Boxed(Box::new(Value::Str(value.into_bytes()))), expire, 0)
        };
        self.insert_item(item)
    }

    /// Stores a new key (the caller has checked it is absent) holding `value`.
    pub(crate) fn insert_value(&mut self, db: u8, key: &[u8], value: Value, expire: Option<u64>) -> u32 {
        let db = self.ks.phys(db);
        let item = match value {
            Value::Str(b) if b.len() <= INLINE_MAX => Item::new(db, key, Kind::String, NewValue::Inline(&b), expire, 0),
            v => Item::new(db, key, v.kind(), NewValue::Boxed(Box::new(v)), expire, 0),
        };
        self.insert_item(item)
    }

    fn insert_item(&mut self, mut item: Item) -> u32 {
        self.used += item_bytes(&item);
        if self.policy.is_none() {
            item.set_meta(self.access_clock);
        }
        let slot = self.ks.insert(item);
        if let Some(p) = self.policy.as_mut() {
            if let Some(it) = self.ks.get(slot) {
                let hash = self.ks.hash(it.db(), it.key());
                let mut meta = 0;
                p.on_insert(slot, hash, &mut meta);
                if let Some(it) = self.ks.get_mut(slot) {
                    it.set_meta(meta);
                }
            }
        }
        self.emit_slot(slot);
        slot
    }

    /// Replaces the value of the key in `slot` with a string.
    pub(crate) fn replace_str(&mut self, slot: u32, value: impl IntoBytes, expire: Option<u64>) {
        self.replace_str_delta(slot, value, expire, |_| {});
    }

    /// [`replace_str`](Self::replace_str) that describes the change:
    /// `delta` writes the command that redoes it on the string as it was
    /// (APPEND, SETRANGE), as for [`emit_slot_delta`](Self::emit_slot_delta).
    pub(crate) fn replace_str_delta<'x>(
        &mut self,
        slot: u32,
        value: impl IntoBytes,
        expire: Option<u64>,
        delta: impl FnOnce(&mut Vec<Arg<'x>>),
    ) {
        self.forget_origin(slot);
        if let Some(it) = self.ks.write(slot) {
            if it.expire() == expire
                && (it.overwrite_inline(value.as_ref())
                    || (value.is_borrowed() && overwrite_boxed_str(it, value.as_ref())))
            {
                self.emit_slot_delta(slot, delta);
                return;
            }
        }
        let mut sizes = (0usize, 0usize);
        self.ks.replace(slot, |old| {
            sizes.0 = item_bytes(&old);
            let it = if value.as_ref().len() <= INLINE_MAX {
                old.with_value(Kind::String, NewValue::Inline(value.as_ref()), expire)
            } else {
                old.with_value(Kind::String, NewValue::Boxed(Box::new(Value::Str(value.into_bytes()))), expire)
            };
            sizes.1 = item_bytes(&it);
            it
        });
        self.used = (self.used + sizes.1).saturating_sub(sizes.0);
        self.emit_slot_delta(slot, delta);
    }

    /// Records how the string in `slot` was built (after the write).
    pub(crate) fn set_origin(&mut self, slot: u32, origin: StrOrigin) {
        self.str_origin.insert(slot, origin);
    }

    /// How the string at `key` was built, when that matters for its
    /// reported encoding (see [`StrOrigin`]); `None` otherwise or when
    /// missing. Leaves stats alone.
    pub fn str_origin(&mut self, db: u8, key: &[u8]) -> Option<StrOrigin> {
        let slot = self.lookup(db, key)?;
        self.str_origin.get(&slot).copied()
    }

    #[inline]
    fn forget_origin(&mut self, slot: u32) {
        if !self.str_origin.is_empty() {
            self.str_origin.remove(&slot);
        }
    }

    /// Replaces the value of the key in `slot`.
    pub(crate) fn replace_value(&mut self, slot: u32, value: Value, expire: Option<u64>) {
        self.forget_origin(slot);
        if let Value::Str(b) = value {
            return self.replace_str(slot, b, expire);
        }
        let kind = value.kind();
        let mut delta = (0usize, 0usize);
        self.ks.replace(slot, |old| {
            delta.0 = item_bytes(&old);
            let it = old.with_value(kind, NewValue::Boxed(Box::new(value)), expire);
            delta.1 = item_bytes(&it);
            it
        });
        self.used = (self.used + delta.1).saturating_sub(delta.0);
        self.emit_slot(slot);
    }

    /// Sets or clears the expiry of the key in `slot`.
    pub(crate) fn set_expire(&mut self, slot: u32, expire: Option<u64>) {
        let mut delta = (0usize, 0usize);
        self.ks.replace(slot, |old| {
            delta.0 = old.alloc_size();
            let it = old.with_expire(expire);
            delta.1 = it.alloc_size();
            it
        });
        self.used = (self.used + delta.1).saturating_sub(delta.0);
        self.emit_slot_delta(slot, |args| match expire {
            Some(at) => args.extend([Arg::Bytes(b"PEXPIREAT"), Arg::Key, Arg::Uint(at)]),
            None => args.extend([Arg::Bytes(b"PERSIST"), Arg::Key]),
        });
    }

    /// Runs `f` on the boxed collection in `slot`. `f` returns its result and
    /// whether it changed the value; a change is accounted and emitted, and a
    /// collection left empty is deleted (as Redis does).
    ///
    /// Only for collection kinds: strings are replaced with
    /// [`replace_str`](Self::replace_str).
    pub(crate) fn modify<R>(&mut self, slot: u32, f: impl FnOnce(&mut Value) -> (R, bool)) -> R {
        self.modify_delta(slot, f, |_, _| {})
    }

    /// [`modify`](Self::modify) that describes the change: `delta` gets
    /// `f`'s result and writes the command that redoes the change (the key
    /// as [`Arg::Key`]; what it takes from the result as [`Arg::Owned`])
    /// on the value as it was (see [`Mutation::delta`]). It runs only when
    /// the subscriber wants deltas, and only when `f` changed the value
    /// and left it non-empty (an emptied collection is recorded as a
    /// delete).
    pub(crate) fn modify_delta<'x, R>(
        &mut self,
        slot: u32,
        f: impl FnOnce(&mut Value) -> (R, bool),
        delta: impl FnOnce(&R, &mut Vec<Arg<'x>>),
    ) -> R {
        self.modify_delta_reading(slot, f, |result, _, args| delta(result, args))
    }

    /// [`modify_delta`](Self::modify_delta) whose `delta` also reads the
    /// value after the change: for writes that moved their arguments into
    /// the value (LSET, HSETNX, HINCRBY), whose delta takes them back from
    /// there as [`Arg::Owned`].
    pub(crate) fn modify_delta_reading<'x, R>(
        &mut self,
        slot: u32,
        f: impl FnOnce(&mut Value) -> (R, bool),
        delta: impl FnOnce(&R, ValueRef<'_>, &mut Vec<Arg<'x>>),
    ) -> R {
        let Some(value) = self.ks.write(slot).and_then(Item::value_mut) else {
            panic!("modify on a slot without a boxed value");
        };
        let before = value.mem_usage();
        let (result, changed) = f(value);
        if !changed {
            return result;
        }
        let after = value.mem_usage();
        let empty = value.is_empty_collection();
        self.used = (self.used + after).saturating_sub(before);
        if empty {
            self.remove_slot(slot, Event::Delete);
        } else {
            self.emit_slot_delta_reading(slot, |value, args| delta(&result, value, args));
        }
        result
    }

    /// Deletes the key in `slot` because a command removed it.
    pub(crate) fn delete_slot(&mut self, slot: u32) {
        self.remove_slot(slot, Event::Delete);
    }

    /// Removes and returns the item in `slot` without emitting anything; for
    /// moves within the shard (RENAME) that emit their own records.
    pub(crate) fn take_value(&mut self, slot: u32) -> Option<(Value, Option<u64>)> {
        let it = self.ks.get(slot)?;
        let value = it.value().to_value();
        let expire = it.expire();
        self.remove_slot(slot, Event::Delete);
        Some((value, expire))
    }

    fn remove_slot(&mut self, slot: u32, event: Event<'_>) {
        self.forget_origin(slot);
        let Some(item) = self.ks.remove(slot) else { return };
        self.used = self.used.saturating_sub(item_bytes(&item));
        if let Some(p) = self.policy.as_mut() {
            p.on_remove(slot, self.ks.hash(item.db(), item.key()), item.meta());
        }
        if matches!(event, Event::Expired) {
            self.stats.expired += 1;
        }
        self.seq += 1;
        if let Some(sink) = self.sink.as_mut() {
            let db = self.ks.logical(item.db());
            sink.record(&Mutation { shard: self.id, seq: self.seq, db, key: item.key(), event, delta: None });
        }
    }

    /// Emits a `Write` record for the key in `slot`, the whole value
    /// standing for the change.
    #[inline]
    fn emit_slot(&mut self, slot: u32) {
        self.emit_slot_delta(slot, |_| {});
    }

    /// Emits a `Write` record for the key in `slot`; when the subscriber
    /// wants deltas, `delta` writes the command that redoes the change, the
    /// key as [`Arg::Key`] (leaving the vector empty means "the whole
    /// value").
    #[inline]
    pub(crate) fn emit_slot_delta<'x>(&mut self, slot: u32, delta: impl FnOnce(&mut Vec<Arg<'x>>)) {
        self.emit_slot_delta_reading(slot, |_, args| delta(args));
    }

    /// [`emit_slot_delta`](Self::emit_slot_delta) whose `delta` also reads
    /// the value as it is now (after the write).
    #[inline]
    fn emit_slot_delta_reading<'x>(&mut self, slot: u32, delta: impl FnOnce(ValueRef<'_>, &mut Vec<Arg<'x>>)) {
        self.seq += 1;
        if let Some(sink) = self.sink.as_mut() {
            if let Some(it) = self.ks.get(slot) {
                let event = Event::Write { value: it.value(), expire_at: it.expire() };
                let db = self.ks.logical(it.db());
                let mut args = Vec::new();
                if self.deltas {
                    delta(it.value(), &mut args);
                }
                let delta = (!args.is_empty()).then_some(&args[..]);
                sink.record(&Mutation { shard: self.id, seq: self.seq, db, key: it.key(), event, delta });
            }
        }
    }

    fn emit_bare(&mut self, db: u8, event: Event<'_>) {
        self.seq += 1;
        if let Some(sink) = self.sink.as_mut() {
            sink.record(&Mutation { shard: self.id, seq: self.seq, db, key: b"", event, delta: None });
        }
    }

    /// Iterates occupied slots from `cursor` (a slab position) in `db`,
    /// calling `f(slot)` for up to `count` live keys; returns the next cursor
    /// (0 when the scan is complete). Expired keys are skipped.
    pub(crate) fn scan_slots(&mut self, db: u8, cursor: u64, count: usize, mut f: impl FnMut(&Shard, u32)) -> u64 {
        let now = self.now_ms();
        let db = self.ks.phys(db);
        let mut pos = cursor as usize;
        let end = self.ks.slots();
        let mut seen = 0;
        while pos < end && seen < count {
            if let Some(it) = self.ks.get(pos as u32) {
                if it.db() == db && it.expire().is_none_or(|at| at >= now) {
                    f(self, pos as u32);
                    seen += 1;
                }
            }
            pos += 1;
        }
        if pos >= end {
            0
        } else {
            pos as u64
        }
    }

    /// A uniformly random live key of `db`, if any.
    pub(crate) fn random_slot(&mut self, db: u8) -> Option<u32> {
        if self.ks.db_len(db) == 0 {
            return None;
        }
        let db = self.ks.phys(db);
        let now = self.now_ms();
        let view = KeyspaceView { ks: &self.ks };
        for _ in 0..128 {
            let slot = view.random_slot(&mut self.rng)?;
            let it = self.ks.get(slot)?;
            if it.db() == db && it.expire().is_none_or(|at| at >= now) {
                return Some(slot);
            }
        }
        // Sparse database: fall back to a scan from a random point.
        let live: Vec<u32> = (0..self.ks.slots() as u32)
            .filter(|&s| self.ks.get(s).is_some_and(|it| it.db() == db && it.expire().is_none_or(|at| at >= now)))
            .collect();
        if live.is_empty() {
            None
        } else {
            Some(live[rand::Rng::gen_range(&mut self.rng, 0..live.len())])
        }
    }
}

/// Bytes a stored item counts against the budget.
#[inline]
/// Overwrites a long string value with `v` of the same length, in its own
/// buffer, when nothing else shares that buffer. Overwriting a key with a
/// value of the same size is the common case of caches, and replacing the
/// buffer instead (allocate, copy, free the old one) cost about 10% more CPU
/// per SET of 4 KiB values.
fn overwrite_boxed_str(item: &mut Item, v: &[u8]) -> bool {
    let Some(Value::Str(b)) = item.value_mut() else { return false };
    if b.len() != v.len() || !b.is_unique() {
        return false;
    }
    match std::mem::take(b).try_into_mut() {
        Ok(mut m) => {
            m.copy_from_slice(v);
            *b = m.freeze();
            true
        }
        Err(shared) => {
            *b = shared;
            false
        }
    }
}

fn item_bytes(item: &Item) -> usize {
    let boxed = item.boxed_value().map_or(0, |v| std::mem::size_of::<Value>() + v.mem_usage());
    KEY_OVERHEAD + item.alloc_size() + boxed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::keyslot;
    use crate::types::{Expiry, SetOptions};

    fn shard() -> (Shard, Clock) {
        let clock = Clock::manual(1_000_000);
        (Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() }), clock)
    }

    #[test]
    fn memory_usage_grows_with_the_value_and_ignores_missing_keys() {
        let (mut s, _) = shard();
        assert_eq!(s.memory_usage(0, b"k"), None);
        s.set(0, b"k", &b"v"[..], SetOptions::default()).unwrap();
        let small = s.memory_usage(0, b"k").unwrap();
        assert!(small > 1);
        s.set(0, b"k", vec![b'x'; 10_000], SetOptions::default()).unwrap();
        let big = s.memory_usage(0, b"k").unwrap();
        assert!(big >= small + 10_000, "{big} vs {small}");
        assert_eq!(s.memory_usage(1, b"k"), None, "another database");
        // Every key's usage adds up to the shard's accounting.
        s.set(0, b"other", &b"value"[..], SetOptions::default()).unwrap();
        let total = s.memory_usage(0, b"k").unwrap() + s.memory_usage(0, b"other").unwrap();
        assert_eq!(total, s.used_memory());
    }

    #[test]
    fn keys_by_hash_slot() {
        let (mut s, clock) = shard();
        // {user1000} keys share slot 3443; "foo" is in 12182.
        for k in [&b"{user1000}.a"[..], b"{user1000}.b", b"user1000", b"foo"] {
            s.set(0, k, &b"v"[..], SetOptions::default()).unwrap();
        }
        s.set(1, b"{user1000}.c", &b"v"[..], SetOptions::default()).unwrap();
        assert_eq!(keyslot(b"user1000"), 3443);
        assert_eq!(s.count_keys_in_slot(0, 3443), 3);
        assert_eq!(s.count_keys_in_slot(1, 3443), 1);
        assert_eq!(s.count_keys_in_slot(0, 12182), 1);
        assert_eq!(s.count_keys_in_slot(0, 0), 0);
        let mut keys = s.keys_in_slot(0, 3443, 10);
        keys.sort();
        assert_eq!(
            keys,
            vec![
                Bytes::from_static(b"user1000"),
                Bytes::from_static(b"{user1000}.a"),
                Bytes::from_static(b"{user1000}.b")
            ]
        );
        assert_eq!(s.keys_in_slot(0, 3443, 2).len(), 2);
        assert!(s.keys_in_slot(0, 3443, 0).is_empty());
        // Expired keys are not counted.
        s.set(0, b"{user1000}.ttl", &b"v"[..], SetOptions { expiry: Some(Expiry::Px(10)), ..SetOptions::default() })
            .unwrap();
        assert_eq!(s.count_keys_in_slot(0, 3443), 4);
        clock.advance(20);
        assert_eq!(s.count_keys_in_slot(0, 3443), 3);
        assert_eq!(s.keys_in_slot(0, 3443, 10).len(), 3);
    }
}
