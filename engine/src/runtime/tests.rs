//! Runtime tests that need crate-internal primitives; the public-API tests
//! live in `engine/tests/runtime.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::runtime::{Engine, IoBackend, IoPreference};
use crate::value::ValueRef;
use crate::Shard;

fn put(s: &mut Shard, key: &[u8], v: &[u8]) {
    match s.lookup_write(0, key) {
        Some(slot) => s.replace_str(slot, v, None),
        None => {
            s.insert_str(0, key, v, None);
        }
    }
}

fn read(s: &mut Shard, key: &[u8]) -> Option<Bytes> {
    let slot = s.lookup_read(0, key)?;
    match s.value(slot) {
        ValueRef::Str(b) => Some(Bytes::copy_from_slice(b)),
        _ => None,
    }
}

#[test]
fn calls_reach_the_owning_shard_and_report_its_id() {
    let engine = Engine::builder().shards(3).build().unwrap();
    let h = engine.handle();
    for i in 0..100u32 {
        let key = format!("k{i}").into_bytes();
        let owner = h.shard_of(&key);
        let k = key.clone();
        let id = h.call_key(&key, move |s| {
            put(s, &k, b"v");
            Ok(s.id())
        });
        assert_eq!(id.wait().unwrap(), owner);
    }
    let stats = h.stats().wait().unwrap();
    assert_eq!(stats.iter().map(|s| s.keys).sum::<u64>(), 100);
    assert!(stats.iter().all(|s| s.keys > 10), "keys spread over shards: {stats:?}");
}

#[test]
fn epoll_backend_can_be_forced() {
    let engine = Engine::builder().shards(2).io(IoPreference::Epoll).build().unwrap();
    assert!(engine.io_backends().iter().all(|b| *b == IoBackend::Epoll));
    let h = engine.handle();
    assert_eq!(h.call(1, |s| Ok(s.id())).wait().unwrap(), 1);
}

#[test]
fn spawn_on_gets_its_own_shard_and_reaches_others() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let r = engine
        .spawn_on(0, |ctx| async move {
            ctx.with(|s| put(s, b"local", b"1")).await;
            let remote = ctx.call(1, |s| s.id()).await?;
            Ok((ctx.id(), remote, ctx.try_with(|s| read(s, b"local")).flatten()))
        })
        .wait()
        .unwrap();
    assert_eq!(r, (0, 1, Some(Bytes::from_static(b"1"))));
    let ids = engine.run_on_all(|ctx| async move { Ok(ctx.id()) }).unwrap();
    assert_eq!(ids, vec![0, 1]);
}

#[test]
fn async_await_from_a_foreign_thread_and_executor() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let got = std::thread::spawn(move || {
        let p = h.call(1, |s| {
            put(s, b"x", b"y");
            Ok(read(s, b"x"))
        });
        // Drive the future with a minimal executor on this thread.
        crate::runtime::handle::tests_block_on(p)
    })
    .join()
    .unwrap();
    assert_eq!(got.unwrap(), Some(Bytes::from_static(b"y")));
}

/// Two shards hold one counter each; transactions move one unit from one to
/// the other while readers lock both and check the sum never changes.
#[test]
fn transactions_are_isolated_across_shards() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    for s in 0..2 {
        h.call(s, |sh| {
            put(sh, b"ctr", b"1000");
            Ok(())
        })
        .wait()
        .unwrap();
    }
    let bad = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for t in 0..4usize {
        let h = h.clone();
        let bad = bad.clone();
        threads.push(std::thread::spawn(move || {
            for i in 0..300usize {
                let from = (t + i) % 2;
                if t % 2 == 0 {
                    h.spawn_on(from, move |ctx| async move {
                        let txn = ctx.lock([0, 1]).await?;
                        let dec = move |sh: &mut Shard, d: i64| {
                            let v: i64 = std::str::from_utf8(&read(sh, b"ctr").unwrap()).unwrap().parse().unwrap();
                            put(sh, b"ctr", (v + d).to_string().as_bytes());
                        };
                        txn.run(from, move |sh| dec(sh, -1)).await?;
                        txn.run(1 - from, move |sh| dec(sh, 1)).await?;
                        txn.release().await;
                        Ok(())
                    })
                    .wait()
                    .unwrap();
                } else {
                    let sum = h
                        .spawn_on(from, |ctx| async move {
                            let txn = ctx.lock([1, 0]).await?;
                            let vals = txn
                                .run_all(|sh| {
                                    std::str::from_utf8(&read(sh, b"ctr").unwrap()).unwrap().parse::<i64>().unwrap()
                                })
                                .await?;
                            txn.release().await;
                            Ok(vals.iter().sum::<i64>())
                        })
                        .wait()
                        .unwrap();
                    if sum != 2000 {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                }
                // Plain single-shard calls interleave with the transactions.
                let _ = h.call(i % 2, |sh| Ok(read(sh, b"ctr"))).wait().unwrap();
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(bad.load(Ordering::Relaxed), 0);
    let total: i64 = (0..2)
        .map(|s| {
            let v = h.call(s, |sh| Ok(read(sh, b"ctr"))).wait().unwrap().unwrap();
            std::str::from_utf8(&v).unwrap().parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(total, 2000);
}

#[test]
fn dropped_transaction_releases_its_shards() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let r: crate::Result<()> = h
        .spawn_on(0, |ctx| async move {
            let _txn = ctx.lock([0, 1]).await?;
            Err(crate::Error::NoSuchKey)
        })
        .wait();
    assert_eq!(r, Err(crate::Error::NoSuchKey));
    // Both shards serve again.
    assert_eq!(h.call(0, |s| Ok(s.id())).wait().unwrap(), 0);
    assert_eq!(h.call(1, |s| Ok(s.id())).wait().unwrap(), 1);
}

#[test]
fn shutdown_joins_threads_and_later_calls_fail() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    assert_eq!(h.call(0, |s| Ok(s.id())).wait().unwrap(), 0);
    engine.shutdown();
    assert!(matches!(h.call(0, |s| Ok(s.id())).wait(), Err(crate::Error::ShardStopped(0))));
    // Dropping without shutdown also joins.
    let engine = Engine::builder().shards(2).build().unwrap();
    let h2 = engine.handle();
    drop(engine);
    assert!(h2.call(1, |s| Ok(s.id())).wait().is_err());
}

#[test]
fn a_panicking_job_does_not_stop_the_shard() {
    let engine = Engine::builder().shards(1).build().unwrap();
    let h = engine.handle();
    let r: crate::Result<()> = h.call(0, |_| panic!("boom")).wait();
    assert!(r.is_err());
    assert_eq!(h.call(0, |s| Ok(s.id())).wait().unwrap(), 0);
}

/// Work sent through a context joined to a transaction runs inside it, on
/// the shards it holds, while everyone else still waits for the end.
#[test]
fn a_joined_context_works_inside_its_transaction() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let r = engine
        .spawn_on(0, |ctx| async move {
            let txn = ctx.lock([0, 1]).await?;
            let joined = txn.joined_ctx();
            // A plain call to shard 1 is deferred until the release ...
            let h2 = ctx.handle();
            let outside = std::thread::spawn(move || h2.call(1, |s| Ok(read(s, b"k"))).wait());
            // ... while the joined context reaches both held shards now.
            joined.call(1, |s| put(s, b"k", b"in-txn")).await?;
            let local = joined.with(|s| s.id()).await;
            let tried = joined.try_with(|s| s.id());
            // Nested locks of held shards run inside; others are refused.
            let nested = joined.lock([1]).await?;
            let seen = nested.run(1, |s| read(s, b"k")).await?;
            nested.release().await;
            let still = joined.call(1, |s| s.id()).await?;
            txn.release().await;
            // Released: the joined context is a plain one again.
            let after = joined.call(1, |s| read(s, b"k")).await?;
            Ok((local, tried, seen, still, after, outside))
        })
        .wait()
        .unwrap();
    let (local, tried, seen, still, after, outside) = r;
    assert_eq!((local, tried, still), (0, Some(0), 1));
    assert_eq!(seen, Some(Bytes::from_static(b"in-txn")));
    assert_eq!(after, Some(Bytes::from_static(b"in-txn")));
    // The outside reader, sent while the shards were held, ran after the
    // transaction.
    assert_eq!(outside.join().unwrap().unwrap(), Some(Bytes::from_static(b"in-txn")));

    let refused: crate::Result<()> = h
        .spawn_on(0, |ctx| async move {
            let txn = ctx.lock([0]).await?;
            let joined = txn.joined_ctx();
            let r = joined.lock([0, 1]).await.map(drop);
            txn.release().await;
            r
        })
        .wait();
    assert_eq!(refused, Err(crate::Error::NotLocked));
    assert_eq!(h.call(1, |s| Ok(s.id())).wait().unwrap(), 1);
}
