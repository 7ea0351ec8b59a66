//! Cross-shard operations are atomic and isolated: concurrent writers and
//! readers on keys of different shards never observe a partial result.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use coreshard_engine::types::ListSide;
use coreshard_engine::{Engine, Handle};

/// `n` keys, each on a different shard (shard i for key i).
fn keys_on_distinct_shards(h: &Handle, prefix: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Option<Vec<u8>>> = vec![None; h.shards()];
    for i in 0.. {
        let k = format!("{prefix}{i}").into_bytes();
        let s = h.shard_of(&k);
        if out[s].is_none() {
            out[s] = Some(k);
        }
        if out.iter().all(Option::is_some) {
            break;
        }
    }
    out.into_iter().flatten().collect()
}

#[test]
fn concurrent_msets_never_yield_a_mixed_mget() {
    let engine = Engine::builder().shards(3).build().unwrap();
    let h = engine.handle();
    let keys = keys_on_distinct_shards(&h, "k");
    let init: Vec<(Vec<u8>, &str)> = keys.iter().map(|k| (k.clone(), "0")).collect();
    h.mset(&init).wait().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mixed = Arc::new(AtomicUsize::new(0));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..3usize {
        let (h, keys) = (h.clone(), keys.clone());
        writers.push(thread::spawn(move || {
            for i in 0..400usize {
                let v = format!("{w}-{i}");
                // Alternate key order: lock order must not depend on it.
                let mut pairs: Vec<(Vec<u8>, String)> = keys.iter().map(|k| (k.clone(), v.clone())).collect();
                if i % 2 == 1 {
                    pairs.reverse();
                }
                h.mset(&pairs).wait().unwrap();
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (h, keys, stop, mixed, reads) = (h.clone(), keys.clone(), stop.clone(), mixed.clone(), reads.clone());
        readers.push(thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let got = h.mget(&keys).wait().unwrap();
                reads.fetch_add(1, Ordering::Relaxed);
                if got.iter().any(|v| v != &got[0]) {
                    mixed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(mixed.load(Ordering::Relaxed), 0, "an MGET observed half of an MSET");
}

/// Money moves between accounts on different shards with RENAME-free
/// transfers built from LMOVE: the total number of elements is invariant
/// under concurrent moves in both directions, as seen by atomic reads.
#[test]
fn concurrent_lmoves_preserve_the_total() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let keys = keys_on_distinct_shards(&h, "list");
    let (a, b) = (keys[0].clone(), keys[1].clone());
    let items: Vec<bytes::Bytes> = (0..50).map(|i| bytes::Bytes::from(format!("{i}"))).collect();
    let k = a.clone();
    h.call_key(&a, move |s| s.rpush(0, &k, &items)).wait().unwrap();
    let mut threads = Vec::new();
    for t in 0..4usize {
        let (h, a, b) = (h.clone(), a.clone(), b.clone());
        threads.push(thread::spawn(move || {
            for i in 0..300usize {
                let (src, dst) = if (t + i) % 2 == 0 { (&a, &b) } else { (&b, &a) };
                h.lmove(src, dst, ListSide::Left, ListSide::Right).wait().unwrap();
            }
        }));
    }
    let checker = {
        let (h, a, b) = (h.clone(), a.clone(), b.clone());
        thread::spawn(move || {
            let mut bad = 0;
            for _ in 0..300 {
                let total = h
                    .atomic(vec![h.shard_of(&a), h.shard_of(&b)], {
                        let (a, b) = (a.clone(), b.clone());
                        let (sa, sb) = (h.shard_of(&a), h.shard_of(&b));
                        move |txn| async move {
                            let la = txn.run(sa, move |s| s.llen(0, &a)).await??;
                            let lb = txn.run(sb, move |s| s.llen(0, &b)).await??;
                            Ok(la + lb)
                        }
                    })
                    .wait()
                    .unwrap();
                if total != 50 {
                    bad += 1;
                }
            }
            bad
        })
    };
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(checker.join().unwrap(), 0, "a reader saw an element in flight");
    let la = h.call_key(&a, {
        let a = a.clone();
        move |s| s.llen(0, &a)
    });
    let lb = h.call_key(&b, {
        let b = b.clone();
        move |s| s.llen(0, &b)
    });
    assert_eq!(la.wait().unwrap() + lb.wait().unwrap(), 50);
}
