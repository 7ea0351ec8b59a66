//! Eviction through the public API: policy names and construction, installing
//! policies on a shard, and the hook contract of every policy under random
//! hook sequences. (The eviction behaviour itself is exercised through the
//! shard in the crate's `eviction::harness` suite.)

use coreshard_engine::{EvictionPolicy, PolicyKind, Shard, ShardConfig};
use proptest::prelude::*;

const REDIS_NAMES: [&str; 8] = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

#[test]
fn names_round_trip_and_match_redis() {
    for kind in PolicyKind::ALL {
        assert_eq!(PolicyKind::parse(kind.name()), Some(kind));
        assert_eq!(PolicyKind::parse(&kind.name().to_ascii_uppercase()), Some(kind));
    }
    for name in REDIS_NAMES {
        assert!(PolicyKind::parse(name).is_some(), "{name}");
    }
    assert_eq!(PolicyKind::parse("s3fifo"), Some(PolicyKind::S3Fifo));
    assert_eq!(PolicyKind::parse("lru"), None);
    assert_eq!(PolicyKind::parse(""), None);
    assert_eq!(PolicyKind::default(), PolicyKind::NoEviction);
}

#[test]
fn build_returns_the_named_policy() {
    for kind in PolicyKind::ALL {
        match kind.build() {
            None => assert_eq!(kind, PolicyKind::NoEviction),
            Some(policy) => assert_eq!(policy.kind(), kind),
        }
        assert_eq!(kind.is_volatile(), kind.name().starts_with("volatile-"), "{kind:?}");
    }
}

#[test]
fn shard_installs_policies_and_budgets() {
    for kind in PolicyKind::ALL {
        let mut shard = Shard::new(0, ShardConfig { policy: kind, ..ShardConfig::default() });
        assert_eq!(shard.policy(), kind);
        shard.set_maxmemory(1);
        assert_eq!(shard.maxmemory(), 1);
        assert_eq!(shard.stats().evicted, 0);
        assert_eq!(shard.used_memory(), 0);
        shard.set_policy(PolicyKind::S3Fifo);
        assert_eq!(shard.policy(), PolicyKind::S3Fifo);
        shard.set_policy(kind);
        assert_eq!(shard.policy(), kind);
    }
}

#[derive(Debug, Clone)]
enum Hook {
    Insert { slot: u32, hash: u64 },
    Access { slot: u32 },
    Remove { slot: u32, hash: u64 },
    Clear,
}

fn hook() -> impl Strategy<Value = Hook> {
    prop_oneof![
        4 => (0u32..64, any::<u64>()).prop_map(|(slot, hash)| Hook::Insert { slot, hash }),
        6 => (0u32..64).prop_map(|slot| Hook::Access { slot }),
        3 => (0u32..80, any::<u64>()).prop_map(|(slot, hash)| Hook::Remove { slot, hash }),
        1 => Just(Hook::Clear),
    ]
}

/// Drives one policy like a shard would (a meta word per occupied slot),
/// except that inserts start from `garbage` instead of a zeroed word.
fn drive(policy: &mut dyn EvictionPolicy, hooks: &[Hook], garbage: u32) -> Vec<Option<u32>> {
    let mut metas: Vec<Option<u32>> = vec![None; 64];
    for h in hooks {
        match *h {
            Hook::Insert { slot, hash } => {
                let m = &mut metas[slot as usize];
                if let Some(old) = m.take() {
                    policy.on_remove(slot, hash, old);
                }
                let mut meta = garbage;
                policy.on_insert(slot, hash, &mut meta);
                *m = Some(meta);
            }
            Hook::Access { slot } => {
                if let Some(meta) = metas[slot as usize].as_mut() {
                    policy.on_access(slot, meta);
                }
            }
            Hook::Remove { slot, hash } => {
                // Slots past 63 were never occupied: the policy must tolerate
                // removals it has not seen inserted.
                let meta = metas.get_mut(slot as usize).and_then(Option::take).unwrap_or(0);
                policy.on_remove(slot, hash, meta);
            }
            Hook::Clear => {
                metas.iter_mut().for_each(|m| *m = None);
                policy.clear();
            }
        }
    }
    metas
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every policy accepts any hook sequence, and `on_insert` fully
    /// initialises `meta`: two identical policies fed the same hooks end with
    /// the same per-key state whatever garbage the words held before.
    #[test]
    fn hooks_are_total_and_insert_initialises_meta(hooks in prop::collection::vec(hook(), 1..300)) {
        for kind in PolicyKind::ALL {
            let (Some(mut a), Some(mut b)) = (kind.build(), kind.build()) else { continue };
            let ma = drive(a.as_mut(), &hooks, 0);
            let mb = drive(b.as_mut(), &hooks, u32::MAX);
            prop_assert_eq!(ma, mb, "{:?}", kind);
            prop_assert_eq!(a.kind(), kind);
        }
    }

    /// Recency policies record every access in `meta`: of two keys, the one
    /// touched last has the newer stamp.
    #[test]
    fn lru_meta_orders_accesses(n in 2usize..50, touches in prop::collection::vec(0usize..50, 1..100)) {
        for kind in [PolicyKind::AllKeysLru, PolicyKind::VolatileLru] {
            let mut p = kind.build().expect("an LRU policy");
            let mut metas = vec![0u32; n];
            for (slot, m) in metas.iter_mut().enumerate() {
                p.on_insert(slot as u32, slot as u64, m);
            }
            let mut last = None;
            for &t in &touches {
                let slot = t % n;
                p.on_access(slot as u32, &mut metas[slot]);
                last = Some(slot);
            }
            let last = last.expect("at least one touch");
            for (slot, &m) in metas.iter().enumerate() {
                if slot != last {
                    prop_assert!(m < metas[last], "{:?}: slot {} newer than last touched {}", kind, slot, last);
                }
            }
        }
    }
}
