//! The shared eviction test-suite: every [`PolicyKind`] runs the same generic
//! checks through a real [`Shard`] (budget, OOM, volatile rules, churn with
//! slot reuse, flushes, policy switches), plus policy-specific quality checks
//! and a Zipf hit-ratio simulation.
//!
//! Writes go through the shard's primitives the way a `SET` does
//! (`make_room`, then `lookup_write` and `insert_str`/`replace_str`), reads
//! through `lookup_read`.

use std::collections::HashMap;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::s3fifo::S3Fifo;
use super::{EvictionPolicy, KeyspaceView, PolicyKind};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::shard::{Shard, ShardConfig};

const NOW: u64 = 1_700_000_000_000;
const FAR: u64 = NOW + 1_000_000_000;
const VALUE: &[u8] = b"0123456789abcdef";

fn shard(kind: PolicyKind, maxmemory: usize) -> Shard {
    Shard::new(0, ShardConfig { maxmemory, policy: kind, clock: Clock::manual(NOW), ..ShardConfig::default() })
}

fn key(i: usize) -> Vec<u8> {
    format!("key:{i:07}").into_bytes()
}

/// A `SET key VALUE [PXAT ttl]`.
fn set(sh: &mut Shard, k: &[u8], ttl: Option<u64>) -> Result<()> {
    sh.make_room()?;
    match sh.lookup_write(0, k) {
        Some(slot) => sh.replace_str(slot, VALUE, ttl),
        None => {
            sh.insert_str(0, k, VALUE, ttl);
        }
    }
    Ok(())
}

fn get(sh: &mut Shard, k: &[u8]) -> bool {
    sh.lookup_read(0, k).is_some()
}

fn del(sh: &mut Shard, k: &[u8]) -> bool {
    match sh.lookup_write(0, k) {
        Some(slot) => {
            sh.delete_slot(slot);
            true
        }
        None => false,
    }
}

/// Present without touching stats, the policy, or lazy expiry.
fn present(sh: &Shard, k: &[u8]) -> bool {
    sh.ks.find(0, k).is_some()
}

/// Bytes one of our keys costs, with or without a TTL.
fn item_bytes(ttl: bool) -> usize {
    let mut sh = shard(PolicyKind::NoEviction, 0);
    sh.insert_str(0, &key(0), VALUE, ttl.then_some(FAR));
    sh.used_memory()
}

/// TTL to give keys so that the policy may evict them.
fn evictable_ttl(kind: PolicyKind) -> Option<u64> {
    kind.is_volatile().then_some(FAR)
}

// ----- generic suite ---------------------------------------------------------

fn suite(kind: PolicyKind) {
    budget_is_respected(kind);
    churn_with_slot_reuse(kind, 1);
    churn_with_slot_reuse(kind, 2);
    flushes_and_policy_switches(kind);
    if kind == PolicyKind::NoEviction {
        noeviction_fails_with_oom();
    }
    if kind.is_volatile() {
        volatile_spares_persistent_keys(kind);
    }
    if kind == PolicyKind::VolatileTtl {
        volatile_ttl_evicts_nearest_expiry_first();
    }
}

/// After every write, memory exceeds the budget by at most the item just
/// written, and evicting policies never fail a write.
fn budget_is_respected(kind: PolicyKind) {
    let ttl = evictable_ttl(kind);
    let per = item_bytes(ttl.is_some());
    let budget = 100 * per + per / 2;
    let mut sh = shard(kind, budget);
    let mut rng = SmallRng::seed_from_u64(7);
    let mut failed = 0;
    for i in 0..3000 {
        let before = sh.used_memory();
        match set(&mut sh, &key(i), ttl) {
            Ok(()) => {}
            Err(e) => {
                assert_eq!(e, Error::OutOfMemory);
                assert_eq!(kind, PolicyKind::NoEviction, "{kind:?} failed a write");
                assert_eq!(sh.used_memory(), before, "a failed write changed memory");
                failed += 1;
            }
        }
        assert!(sh.used_memory() <= budget + per, "{kind:?}: used {} > budget {budget} + {per}", sh.used_memory());
        if i % 3 == 0 {
            let j = rng.gen_range(0..=i);
            get(&mut sh, &key(j));
        }
    }
    if kind == PolicyKind::NoEviction {
        assert!(failed > 2500);
        assert_eq!(sh.stats().evicted, 0);
    } else {
        assert!(sh.stats().keys <= 101, "{kind:?} holds {} keys", sh.stats().keys);
        assert!(sh.stats().keys >= 95, "{kind:?} evicted too much: {} keys", sh.stats().keys);
        assert_eq!(sh.stats().evicted + sh.stats().keys, 3000);
    }
}

fn noeviction_fails_with_oom() {
    let per = item_bytes(false);
    let mut sh = shard(PolicyKind::NoEviction, 10 * per);
    // Under budget (and at it) writes succeed; the first write finding the
    // shard over budget fails.
    for i in 0..11 {
        set(&mut sh, &key(i), None).unwrap();
    }
    assert_eq!(set(&mut sh, &key(11), None), Err(Error::OutOfMemory));
    assert_eq!(set(&mut sh, &key(0), None), Err(Error::OutOfMemory), "overwrites need room too");
    assert_eq!(sh.stats().keys, 11);
    assert_eq!(sh.stats().evicted, 0);
    assert!((0..11).all(|i| present(&sh, &key(i))));
    // Reads and deletes still work, and free room for writes.
    assert!(get(&mut sh, &key(3)));
    assert!(del(&mut sh, &key(3)));
    assert!(del(&mut sh, &key(4)));
    set(&mut sh, &key(11), None).unwrap();
    // Lowering the budget under noeviction removes nothing.
    sh.set_maxmemory(per);
    assert_eq!(sh.stats().keys, 10);
    assert_eq!(set(&mut sh, &key(12), None), Err(Error::OutOfMemory));
}

/// Volatile policies evict only keys with a TTL, and fail with OOM once
/// none is left.
fn volatile_spares_persistent_keys(kind: PolicyKind) {
    let per = item_bytes(true);
    let budget = 100 * per;
    let mut sh = shard(kind, budget);
    for i in 0..60 {
        set(&mut sh, &key(i), None).unwrap();
    }
    for i in 1000..1500 {
        set(&mut sh, &key(i), Some(FAR + i as u64)).unwrap();
        if i % 2 == 0 {
            get(&mut sh, &key(i % 60));
        }
    }
    assert!((0..60).all(|i| present(&sh, &key(i))), "{kind:?} evicted a key without TTL");
    assert!(sh.stats().evicted > 400);
    // Persistent writes consume the remaining volatile keys, then fail.
    let mut i = 60;
    let err = loop {
        match set(&mut sh, &key(i), None) {
            Ok(()) => i += 1,
            Err(e) => break e,
        }
        assert!(i < 1000, "{kind:?} never ran out of room");
    };
    assert_eq!(err, Error::OutOfMemory);
    assert_eq!(sh.stats().expiring_keys, 0);
    assert!((0..i).all(|j| present(&sh, &key(j))), "{kind:?} evicted a key without TTL");
    assert_eq!(sh.stats().keys as usize, i);
    // Keys that only got a TTL later are fair game again.
    let slot = sh.lookup_write(0, &key(5)).unwrap();
    sh.set_expire(slot, Some(FAR));
    set(&mut sh, &key(i), None).unwrap();
    assert!(!present(&sh, &key(5)));
}

fn volatile_ttl_evicts_nearest_expiry_first() {
    let per = item_bytes(true);
    let mut sh = shard(PolicyKind::VolatileTtl, 50 * per);
    let mut order: Vec<usize> = (0..50).collect();
    order.shuffle(&mut SmallRng::seed_from_u64(3));
    for (i, &rank) in order.iter().enumerate() {
        set(&mut sh, &key(i), Some(FAR + rank as u64 * 1000)).unwrap();
    }
    let by_deadline: Vec<usize> = {
        let mut v: Vec<usize> = (0..50).collect();
        v.sort_by_key(|&i| order[i]);
        v
    };
    // The shard is exactly at budget: the next write fits without eviction.
    // Later writes (same size, later deadlines) each evict exactly one key,
    // the one with the nearest deadline.
    set(&mut sh, &key(1000), Some(FAR + 1_000_000)).unwrap();
    assert_eq!(sh.stats().evicted, 0);
    for (n, &victim) in by_deadline.iter().enumerate().take(40) {
        set(&mut sh, &key(1001 + n), Some(FAR + 1_000_001 + n as u64)).unwrap();
        assert_eq!(sh.stats().evicted, n as u64 + 1);
        assert!(!present(&sh, &key(victim)), "eviction {n}: key {victim} should be gone");
        for &later in &by_deadline[n + 1..] {
            assert!(present(&sh, &key(later)), "eviction {n}: key {later} evicted too early");
        }
    }
}

/// Random sets (with and without TTL), reads, deletes, expiries and flushes
/// over a small key space, so slots are freed and reused constantly, against
/// a model of which keys must exist.
fn churn_with_slot_reuse(kind: PolicyKind, seed: u64) {
    let per = item_bytes(true);
    let budget = 40 * per;
    let mut sh = shard(kind, budget);
    let mut rng = SmallRng::seed_from_u64(seed);
    // key -> expiry (None: persistent)
    let mut model: HashMap<usize, Option<u64>> = HashMap::new();
    let mut evicted_seen = 0u64;
    for step in 0..6000 {
        let k = rng.gen_range(0..150);
        let now = sh.now_ms();
        match rng.gen_range(0..100) {
            0..=44 => {
                let ttl = if rng.gen_bool(0.5) { Some(now + rng.gen_range(1..5000)) } else { None };
                match set(&mut sh, &key(k), ttl) {
                    Ok(()) => {
                        model.insert(k, ttl);
                    }
                    Err(e) => {
                        assert_eq!(e, Error::OutOfMemory);
                        assert!(
                            kind == PolicyKind::NoEviction || (kind.is_volatile() && sh.stats().expiring_keys == 0),
                            "{kind:?} failed a write at step {step} with {} volatile keys",
                            sh.stats().expiring_keys
                        );
                    }
                }
                assert!(sh.used_memory() <= budget + per);
            }
            45..=79 => {
                let hit = get(&mut sh, &key(k));
                let live = model.get(&k).is_some_and(|t| t.is_none_or(|at| at >= now));
                assert_eq!(hit, live, "{kind:?} step {step}: read of key {k}");
                if !hit {
                    model.remove(&k);
                }
            }
            80..=94 => {
                let live = model.remove(&k).is_some_and(|t| t.is_none_or(|at| at >= now));
                assert_eq!(del(&mut sh, &key(k)), live, "{kind:?} step {step}: delete of key {k}");
            }
            95..=97 => sh.clock().advance(rng.gen_range(1..500)),
            98 => {
                let n = sh.active_expire(std::time::Duration::from_secs(1));
                let _ = n;
            }
            _ => {
                if rng.gen_range(0..10) == 0 {
                    sh.flushall();
                    model.clear();
                }
            }
        }
        // Reconcile: a key missing from the shard was expired or evicted,
        // and volatile policies never evict persistent keys.
        let now = sh.now_ms();
        let mut vanished = 0;
        model.retain(|&k, ttl| {
            if present(&sh, &key(k)) {
                return true;
            }
            let expired = ttl.is_some_and(|at| at < now);
            if !expired {
                assert_ne!(kind, PolicyKind::NoEviction, "noeviction lost key {k}");
                if kind.is_volatile() {
                    assert!(ttl.is_some(), "{kind:?} evicted persistent key {k} at step {step}");
                }
                vanished += 1;
            }
            false
        });
        let evicted = sh.stats().evicted;
        assert!(evicted - evicted_seen >= vanished, "{kind:?} step {step}: keys vanished without eviction");
        evicted_seen = evicted;
        assert_eq!(sh.stats().keys as usize, sh.dbsize(0));
    }
}

fn flushes_and_policy_switches(kind: PolicyKind) {
    let ttl = evictable_ttl(kind);
    let per = item_bytes(ttl.is_some());
    let mut sh = shard(PolicyKind::NoEviction, 0);
    for i in 0..300 {
        set(&mut sh, &key(i), ttl).unwrap();
    }
    // Installing a policy on a populated shard registers every key, and a
    // lower budget evicts down to it at once.
    sh.set_policy(kind);
    assert_eq!(sh.policy(), kind);
    sh.set_maxmemory(100 * per);
    if kind == PolicyKind::NoEviction {
        assert_eq!(sh.stats().keys, 300);
        return;
    }
    assert!(sh.used_memory() <= 100 * per);
    assert!(sh.stats().keys >= 99);
    // FLUSHDB of another database, then FLUSHALL, then refill past budget.
    for i in 0..20 {
        sh.make_room().unwrap();
        sh.insert_str(1, &key(i), VALUE, ttl);
    }
    sh.flushdb(1);
    assert_eq!(sh.dbsize(1), 0);
    for i in 300..600 {
        set(&mut sh, &key(i), ttl).unwrap();
        assert!(sh.used_memory() <= 100 * per + per);
    }
    sh.flushall();
    assert_eq!(sh.used_memory(), 0);
    for i in 0..400 {
        set(&mut sh, &key(i), ttl).unwrap();
        assert!(sh.used_memory() <= 100 * per + per);
    }
    assert!((399 - 50..400).filter(|&i| present(&sh, &key(i))).count() > 0);
}

macro_rules! suite_tests {
    ($($name:ident => $kind:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                suite($kind);
            }
        )*
    };
}

suite_tests! {
    suite_noeviction => PolicyKind::NoEviction,
    suite_allkeys_lru => PolicyKind::AllKeysLru,
    suite_allkeys_lfu => PolicyKind::AllKeysLfu,
    suite_allkeys_random => PolicyKind::AllKeysRandom,
    suite_volatile_lru => PolicyKind::VolatileLru,
    suite_volatile_lfu => PolicyKind::VolatileLfu,
    suite_volatile_random => PolicyKind::VolatileRandom,
    suite_volatile_ttl => PolicyKind::VolatileTtl,
    suite_s3fifo => PolicyKind::S3Fifo,
}

#[test]
fn build_returns_the_requested_policy() {
    for kind in PolicyKind::ALL {
        match kind.build() {
            None => assert_eq!(kind, PolicyKind::NoEviction),
            Some(p) => assert_eq!(p.kind(), kind),
        }
    }
}

// ----- quality ---------------------------------------------------------------

/// Cache of 1000 keys; 100 hot keys are read continually (and set again on a
/// miss) while 5000 cold keys stream through. Returns the misses on hot keys.
fn hot_set_misses(kind: PolicyKind) -> usize {
    let ttl = evictable_ttl(kind);
    let per = item_bytes(ttl.is_some());
    let mut sh = shard(kind, 1000 * per);
    let mut rng = SmallRng::seed_from_u64(11);
    for h in 0..100 {
        set(&mut sh, &key(h), ttl).unwrap();
    }
    let mut misses = 0;
    for c in 0..5000 {
        set(&mut sh, &key(10_000 + c), ttl).unwrap();
        for _ in 0..10 {
            let h = rng.gen_range(0..100);
            if !get(&mut sh, &key(h)) {
                misses += 1;
                set(&mut sh, &key(h), ttl).unwrap();
            }
        }
    }
    misses
}

#[test]
fn lru_and_lfu_keep_a_hot_set() {
    for kind in [PolicyKind::AllKeysLru, PolicyKind::VolatileLru, PolicyKind::AllKeysLfu, PolicyKind::VolatileLfu] {
        let n = hot_set_misses(kind);
        assert!(n <= 20, "{kind:?} missed hot keys {n} times out of 50000 reads");
    }
}

/// Keys read often early on, then not at all while one-off keys stream
/// through: LFU keeps them, LRU forgets them.
fn frequent_then_idle_survivors(kind: PolicyKind) -> usize {
    let per = item_bytes(false);
    let mut sh = shard(kind, 500 * per);
    for f in 0..100 {
        set(&mut sh, &key(f), None).unwrap();
    }
    for _ in 0..30 {
        for f in 0..100 {
            assert!(get(&mut sh, &key(f)));
        }
    }
    for c in 0..2000 {
        set(&mut sh, &key(10_000 + c), None).unwrap();
    }
    (0..100).filter(|&f| present(&sh, &key(f))).count()
}

#[test]
fn lfu_keeps_frequent_keys_that_lru_drops() {
    let lfu = frequent_then_idle_survivors(PolicyKind::AllKeysLfu);
    let lru = frequent_then_idle_survivors(PolicyKind::AllKeysLru);
    assert!(lfu >= 95, "LFU kept {lfu}/100 frequent keys");
    assert!(lru <= 10, "LRU kept {lru}/100 idle keys");
}

#[test]
fn random_does_not_protect_hot_keys() {
    // Sanity check of the scenario above: without recency or frequency
    // information, hot keys are evicted like any other.
    let n = hot_set_misses(PolicyKind::AllKeysRandom);
    assert!(n > 200, "random missed hot keys only {n} times");
}

/// A working set re-read continually survives a scan of one-off keys much
/// larger than the cache.
#[test]
fn s3fifo_keeps_working_set_through_a_scan() {
    let per = item_bytes(false);
    let mut sh = shard(PolicyKind::S3Fifo, 1000 * per);
    let mut rng = SmallRng::seed_from_u64(5);
    for w in 0..600 {
        set(&mut sh, &key(w), None).unwrap();
    }
    let mut misses = 0;
    for c in 0..20_000 {
        set(&mut sh, &key(100_000 + c), None).unwrap();
        for _ in 0..3 {
            let w = rng.gen_range(0..600);
            if !get(&mut sh, &key(w)) {
                misses += 1;
                set(&mut sh, &key(w), None).unwrap();
            }
        }
    }
    let kept = (0..600).filter(|&w| present(&sh, &key(w))).count();
    assert!(kept >= 590, "kept {kept}/600");
    assert!(misses < 600, "{misses} working-set misses");
    let hot = hot_set_misses(PolicyKind::S3Fifo);
    assert!(hot <= 20, "missed hot keys {hot} times");
}

// ----- S3-FIFO internals, driven hook by hook --------------------------------

/// A shard without a policy plus an [`S3Fifo`] whose hooks the driver calls
/// exactly where the shard would, so the policy's queues can be inspected.
struct Driver {
    sh: Shard,
    p: S3Fifo,
    budget: usize,
    rng: SmallRng,
    evicted: Vec<Vec<u8>>,
}

impl Driver {
    fn new(items: usize) -> Driver {
        Driver {
            sh: shard(PolicyKind::NoEviction, 0),
            p: S3Fifo::new(),
            budget: items * item_bytes(false),
            rng: SmallRng::seed_from_u64(1),
            evicted: Vec::new(),
        }
    }

    fn check(&self) {
        if let Err(e) = self.p.check(&KeyspaceView { ks: &self.sh.ks }) {
            panic!("{e}");
        }
    }

    fn remove(&mut self, slot: u32) {
        let it = self.sh.ks.get(slot).expect("occupied");
        let (hash, meta) = (self.sh.ks.hash(it.db(), it.key()), it.meta());
        self.sh.delete_slot(slot);
        self.p.on_remove(slot, hash, meta);
    }

    fn insert(&mut self, k: &[u8]) -> u32 {
        while self.sh.used_memory() > self.budget {
            let victim = self.p.victim(&KeyspaceView { ks: &self.sh.ks }, &mut self.rng);
            let slot = victim.expect("a victim while keys exist");
            let it = self.sh.ks.get(slot).expect("victim slot is occupied");
            self.evicted.push(it.key().to_vec());
            self.remove(slot);
        }
        let slot = self.sh.insert_str(0, k, VALUE, None);
        let mut meta = 0;
        self.p.on_insert(slot, self.sh.ks.hash(0, k), &mut meta);
        self.sh.ks.get_mut(slot).expect("just inserted").set_meta(meta);
        slot
    }

    fn access(&mut self, k: &[u8]) -> bool {
        let Some(slot) = self.sh.ks.find(0, k) else { return false };
        let it = self.sh.ks.get_mut(slot).expect("found");
        let mut meta = it.meta();
        self.p.on_access(slot, &mut meta);
        it.set_meta(meta);
        true
    }

    fn delete(&mut self, k: &[u8]) -> bool {
        let Some(slot) = self.sh.ks.find(0, k) else { return false };
        self.remove(slot);
        true
    }
}

#[test]
fn s3fifo_reused_slot_is_not_evicted_through_a_stale_entry() {
    let mut d = Driver::new(100);
    for i in 0..100 {
        d.insert(&key(i));
    }
    // Reach steady state: small holds the newest ~10% of keys.
    for i in 100..300 {
        d.insert(&key(i));
    }
    d.check();
    let (small, _, _) = d.p.lens();
    assert!((5..=15).contains(&small), "small holds {small}");
    // The oldest key still in small is the next small victim. Delete it and
    // put a new key in its slot: the new key goes to small's tail, behind the
    // dead entry now at the head.
    let head = (200..300).find(|&i| present(&d.sh, &key(i))).expect("a key in small");
    let old_slot = d.sh.ks.find(0, &key(head)).expect("present");
    assert!(d.delete(&key(head)));
    let new_slot = d.insert(b"fresh");
    assert_eq!(new_slot, old_slot, "the slot is reused");
    d.check();
    // A few more inserts evict from small: the dead entry must be skipped,
    // not taken for "fresh" (which has not been read yet either).
    d.evicted.clear();
    for i in 300..303 {
        d.insert(&key(i));
    }
    assert!(d.evicted.iter().all(|k| k != b"fresh"), "evicted the reused slot's new key: {:?}", d.evicted);
    assert!(present(&d.sh, b"fresh"));
    d.check();
}

#[test]
fn s3fifo_queues_stay_consistent_under_churn() {
    let mut d = Driver::new(200);
    let mut rng = SmallRng::seed_from_u64(9);
    for step in 0..40_000 {
        let k = key(rng.gen_range(0..600));
        match rng.gen_range(0..10) {
            0..=3 => {
                if !d.access(&k) {
                    d.insert(&k);
                }
            }
            4..=7 => {
                d.access(&k);
            }
            _ => {
                d.delete(&k);
            }
        }
        if step % 97 == 0 {
            d.check();
        }
    }
    d.check();
    let (small, main, ghost) = d.p.lens();
    assert!(small + main <= 2 * 200 + 1024 + 200, "queues hold {small} + {main} entries");
    assert!(ghost <= 200, "ghost holds {ghost}");
}

#[test]
fn s3fifo_queues_stay_bounded_without_evictions() {
    // Under budget nothing is evicted, so nothing sweeps the queues: deleted
    // keys' entries must not accumulate forever.
    let mut d = Driver::new(1_000_000);
    for i in 0..200_000 {
        d.insert(&key(i));
        if i >= 50 {
            d.delete(&key(i - 50));
        }
        let (small, main, _) = d.p.lens();
        assert!(small + main <= 4 * (51 + 1024), "{} entries for 50 keys", small + main);
    }
    // The next eviction rebuilds the queues and evicts normally.
    d.budget = 10 * item_bytes(false);
    d.insert(b"last");
    d.check();
    assert_eq!(d.sh.ks.len(), 11);
}

#[test]
fn s3fifo_ghost_hit_goes_to_main() {
    let mut d = Driver::new(100);
    for i in 0..400 {
        d.insert(&key(i));
    }
    // Keys streamed through small unread, so the last ~90 evicted (about
    // 300..390; small holds the newest ten) are ghosts.
    let (_, main_before, ghost) = d.p.lens();
    assert!(ghost >= 80, "ghost holds {ghost}");
    let back = key(380);
    assert!(!present(&d.sh, &back));
    d.insert(&back);
    let (_, main_after, _) = d.p.lens();
    assert_eq!(main_after, main_before + 1, "a ghost hit goes to main");
    // There it outlives a burst of new keys, which cycle through small.
    for i in 1000..1030 {
        d.insert(&key(i));
    }
    assert!(present(&d.sh, &back), "a ghost hit should be admitted to main");
    d.check();
}

// ----- hit ratio on a Zipf trace ----------------------------------------------

/// Inverse-CDF sampler of Zipf(s) over ranks `0..n`.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                acc += 1.0 / (k as f64).powf(s);
                acc
            })
            .collect();
        cdf.iter_mut().for_each(|c| *c /= acc);
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut SmallRng) -> u64 {
        let u: f64 = rng.gen();
        (self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)) as u64
    }
}

fn trace(keys: usize, requests: usize, seed: u64) -> Vec<u64> {
    let z = Zipf::new(keys, 0.99);
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..requests).map(|_| z.sample(&mut rng)).collect()
}

/// Replays `trace` as get-then-set-on-miss against a shard holding about
/// `capacity` keys; returns the hit ratio.
fn hit_ratio(kind: PolicyKind, trace: &[u64], capacity: usize) -> f64 {
    let per = {
        let mut sh = shard(PolicyKind::NoEviction, 0);
        sh.insert_str(0, &0u64.to_be_bytes(), &[0u8; 8], None);
        sh.used_memory()
    };
    let mut sh = shard(kind, capacity * per);
    let mut hits = 0usize;
    for &id in trace {
        let k = id.to_be_bytes();
        if sh.lookup_read(0, &k).is_some() {
            hits += 1;
        } else {
            sh.make_room().expect("evicting policy");
            sh.insert_str(0, &k, &[0u8; 8], None);
        }
    }
    assert!(sh.stats().keys as usize <= capacity + 1);
    hits as f64 / trace.len() as f64
}

const HIT_RATIO_POLICIES: [PolicyKind; 4] =
    [PolicyKind::AllKeysLru, PolicyKind::AllKeysLfu, PolicyKind::AllKeysRandom, PolicyKind::S3Fifo];

#[test]
fn zipf_hit_ratios_are_ordered() {
    let t = trace(20_000, 200_000, 42);
    let r: Vec<f64> = HIT_RATIO_POLICIES.iter().map(|&k| hit_ratio(k, &t, 2_000)).collect();
    let (lru, lfu, random, s3) = (r[0], r[1], r[2], r[3]);
    assert!(s3 >= lru, "s3fifo {s3:.4} < lru {lru:.4}");
    assert!(lfu >= lru, "lfu {lfu:.4} < lru {lru:.4}");
    assert!(lru > random - 0.01, "lru {lru:.4} far below random {random:.4}");
    assert!(random > 0.3, "random {random:.4}");
}

/// The full-size comparison (1M keys, 5M requests, 10% capacity). Run with
/// `cargo test --release -p coreshard-engine zipf_full -- --ignored --nocapture`.
#[test]
#[ignore]
fn zipf_full_hit_ratios() {
    let keys = 1_000_000;
    let requests = 5_000_000;
    let t = trace(keys, requests, 0x5eed);
    println!("impl,capacity,requests,hit_ratio");
    for kind in HIT_RATIO_POLICIES {
        let start = std::time::Instant::now();
        let r = hit_ratio(kind, &t, keys / 10);
        println!("{},{},{},{:.4}  ({:?})", kind.name(), keys / 10, requests, r, start.elapsed());
    }
}

// ----- sampling ----------------------------------------------------------------

/// Distinct keys `random_volatile` returns over many draws.
fn volatile_spread(persistent: usize, volatile: usize, same_deadline: bool) -> (usize, bool) {
    let mut sh = shard(PolicyKind::NoEviction, 0);
    for i in 0..persistent {
        sh.insert_str(0, &key(i), VALUE, None);
    }
    for i in 0..volatile {
        let at = if same_deadline { FAR } else { FAR + i as u64 * 1000 };
        sh.insert_str(0, &key(100_000 + i), VALUE, Some(at));
    }
    let view = KeyspaceView { ks: &sh.ks };
    let mut rng = SmallRng::seed_from_u64(4);
    let mut seen = std::collections::HashSet::new();
    let mut only_volatile = true;
    for _ in 0..2000 {
        let slot = view.random_volatile(&mut rng).expect("volatile keys exist");
        only_volatile &= matches!(view.expire(slot), Some(Some(_)));
        seen.insert(slot);
    }
    (seen.len(), only_volatile)
}

#[test]
fn random_volatile_spreads_over_keys_with_a_ttl() {
    // Mostly volatile keys, all with the same deadline (as when a cache sets
    // one TTL everywhere): every key should come up.
    assert_eq!(volatile_spread(20, 200, true), (200, true));
    // Few volatile keys among many persistent ones.
    let (n, ok) = volatile_spread(5000, 100, true);
    assert!(ok && n >= 60, "{n} distinct of 100");
    let (n, ok) = volatile_spread(5000, 100, false);
    assert!(ok && n >= 60, "{n} distinct of 100");
    let sh = shard(PolicyKind::NoEviction, 0);
    assert_eq!(KeyspaceView { ks: &sh.ks }.random_volatile(&mut SmallRng::seed_from_u64(1)), None);
}
