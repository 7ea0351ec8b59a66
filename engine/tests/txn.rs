//! Multi-key operations run on a `Txn` the caller already holds, as the
//! server does for MULTI/EXEC and for a multi-key command it locks itself:
//! several operations inside one `ShardCtx::lock`, Redis edge cases on both
//! the single-shard and the cross-shard path, refusal of keys on shards the
//! transaction does not hold, and all-or-nothing behaviour out of memory.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use bytes::Bytes;
use coreshard_engine::types::{Aggregate, ListSide, SetOp, ZAddOptions};
use coreshard_engine::{ArgError, Engine, Error, Handle};

/// A key owned by `shard`.
fn key_on(h: &Handle, shard: usize, prefix: &str) -> Bytes {
    (0..).map(|i| Bytes::from(format!("{prefix}{i}"))).find(|k| h.shard_of(k) == shard).unwrap()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn sorted(mut v: Vec<Bytes>) -> Vec<Bytes> {
    v.sort();
    v
}

#[test]
fn string_and_key_operations_inside_one_lock() {
    let engine = Engine::builder().shards(3).build().unwrap();
    let h = engine.handle();
    let [a0, a1, a2] = [0, 1, 2].map(|s| key_on(&h, s, "a"));
    let [b0, b1, b2] = [0, 1, 2].map(|s| key_on(&h, s, "b"));
    let [c0, c1, c2] = [0, 1, 2].map(|s| key_on(&h, s, "c"));
    let (k_a0, k_a1, k_a2, k_c0, k_c2) = (a0.clone(), a1.clone(), a2.clone(), c0.clone(), c2.clone());
    // Coordinated from shard 1, which is not the lowest shard held.
    engine
        .spawn_on(1, move |ctx| async move {
            let txn = ctx.lock([2, 0, 1]).await?;
            assert_eq!(txn.shards(), &[0, 1, 2]);
            assert!(txn.holds(0) && txn.holds(2) && !txn.holds(3));

            txn.mset(
                0,
                None,
                vec![(a0.clone(), b("1")), (a1.clone(), b("2")), (a2.clone(), b("3")), (a0.clone(), b("4"))],
            )
            .await?;
            let got = txn.mget(0, None, &[a0.clone(), a1.clone(), b2.clone(), a0.clone()]).await?;
            assert_eq!(got, vec![Some(b("4")), Some(b("2")), None, Some(b("4"))], "later pairs win; key order kept");

            assert!(!txn.msetnx(0, None, vec![(b0.clone(), b("x")), (a1.clone(), b("y"))]).await?);
            assert_eq!(txn.exists(0, None, std::slice::from_ref(&b0)).await?, 0, "a refused MSETNX writes nothing");
            assert!(txn.msetnx(0, None, vec![(b0.clone(), b("x")), (b1.clone(), b("y"))]).await?);
            assert_eq!(txn.exists(0, None, &[a0.clone(), b1.clone(), a0.clone(), b2.clone()]).await?, 3);
            assert_eq!(txn.touch(0, None, &[a0.clone(), b1.clone(), b2.clone()]).await?, 2);

            // RENAME across shards keeps the TTL.
            txn.run(0, {
                let k = a0.clone();
                move |s| s.expire(0, &k, 100, Default::default())
            })
            .await??;
            txn.rename(0, None, a0.clone(), c1.clone()).await?;
            let got =
                txn.for_keys(0, None, &[c1.clone(), a0.clone()], |s, db, k| Ok((s.get(db, k)?, s.ttl(db, k)))).await?;
            assert_eq!(got, vec![(Some(b("4")), 100), (None, -2)]);
            assert_eq!(txn.rename(0, None, a0.clone(), b2.clone()).await, Err(Error::NoSuchKey));

            assert!(!txn.renamenx(0, None, c1.clone(), a2.clone()).await?, "RENAMENX onto an existing key");
            assert_eq!(txn.renamenx(0, None, a0.clone(), c0.clone()).await, Err(Error::NoSuchKey), "missing src first");
            assert!(txn.renamenx(0, None, c1.clone(), c0.clone()).await?);
            assert_eq!(
                txn.mget(0, None, &[c1.clone(), c0.clone(), a2.clone()]).await?,
                vec![None, Some(b("4")), Some(b("3"))]
            );

            // COPY across shards and databases.
            assert!(txn.copy(None, 0, c0.clone(), 3, c2.clone(), false).await?);
            assert!(!txn.copy(None, 0, c0.clone(), 3, c2.clone(), false).await?, "destination exists");
            txn.mset(3, None, vec![(c2.clone(), b("other"))]).await?;
            assert!(txn.copy(None, 0, c0.clone(), 3, c2.clone(), true).await?);
            assert_eq!(txn.mget(3, None, std::slice::from_ref(&c2)).await?, vec![Some(b("4"))]);
            assert_eq!(txn.mget(0, None, std::slice::from_ref(&c2)).await?, vec![None], "database 0 untouched");
            assert!(!txn.copy(None, 0, b2.clone(), 0, c1.clone(), true).await?, "missing source");
            assert_eq!(txn.copy(None, 0, c0.clone(), 200, c2.clone(), true).await, Err(Error::DbIndexOutOfRange));

            assert_eq!(txn.del(0, None, &[a1.clone(), c0.clone(), c0.clone(), b2.clone()]).await?, 2);
            assert_eq!(txn.unlink(0, None, &[b0.clone(), b1.clone()]).await?, 2);
            txn.release().await;
            Ok(())
        })
        .wait()
        .unwrap();
    // Seen from outside once released.
    assert_eq!(h.mget(&[&k_a0, &k_a1, &k_a2, &k_c0]).wait().unwrap(), vec![None, None, Some(b("3")), None]);
    assert_eq!(h.db(3).get(&k_c2).wait().unwrap(), Some(b("4")));
    assert_eq!(h.db(3).ttl(&k_c2).wait().unwrap(), 100);
}

#[test]
fn collection_operations_inside_one_lock() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let [s0, s1] = [0, 1].map(|s| key_on(&h, s, "set"));
    let [l0, l1] = [0, 1].map(|s| key_on(&h, s, "list"));
    let [z0, z1] = [0, 1].map(|s| key_on(&h, s, "zset"));
    let [str0, str1] = [0, 1].map(|s| key_on(&h, s, "str"));
    let [missing0, _] = [0, 1].map(|s| key_on(&h, s, "missing"));
    let out1 = key_on(&h, 1, "out");
    let (k_out1, k_l1, k_s1) = (out1.clone(), l1.clone(), s1.clone());
    engine
        .spawn_on(0, move |ctx| async move {
            let txn = ctx.lock([0, 1]).await?;
            let k = s0.clone();
            txn.run(0, move |s| s.sadd(0, &k, &[b("m"), b("n"), b("o")])).await??;
            let k = s1.clone();
            txn.run(1, move |s| s.sadd(0, &k, &[b("o"), b("p")])).await??;
            txn.mset(0, None, vec![(str0.clone(), b("x")), (str1.clone(), b("y"))]).await?;

            // SMOVE: type checks on dst even when the member is absent; a
            // missing src wins over a wrong dst.
            assert_eq!(txn.smove(0, None, s0.clone(), str1.clone(), b("absent")).await, Err(Error::WrongType));
            assert!(!txn.smove(0, None, missing0.clone(), str1.clone(), b("m")).await?);
            assert_eq!(txn.smove(0, None, str0.clone(), s1.clone(), b("m")).await, Err(Error::WrongType));
            assert!(txn.smove(0, None, s0.clone(), s1.clone(), b("m")).await?);
            assert!(!txn.smove(0, None, s0.clone(), s1.clone(), b("m")).await?);

            assert_eq!(
                sorted(txn.set_op(0, SetOp::Union, None, &[s0.clone(), s1.clone()]).await?),
                vec![b("m"), b("n"), b("o"), b("p")]
            );
            assert_eq!(txn.set_op(0, SetOp::Inter, None, &[s0.clone(), s1.clone()]).await?, vec![b("o")]);
            assert_eq!(
                sorted(txn.set_op(0, SetOp::Diff, None, &[s1.clone(), s0.clone()]).await?),
                vec![b("m"), b("p")]
            );
            assert!(txn.set_op(0, SetOp::Inter, None, &[s0.clone(), missing0.clone(), s1.clone()]).await?.is_empty());
            assert_eq!(txn.set_op(0, SetOp::Union, None, &[s0.clone(), str1.clone()]).await, Err(Error::WrongType));
            assert_eq!(txn.sintercard(0, None, &[s0.clone(), s1.clone()], 0).await?, 1);
            assert_eq!(
                txn.sintercard(0, None, &[missing0.clone(), str1.clone()], 0).await,
                Err(Error::WrongType),
                "every key is type-checked, even after a missing one"
            );
            assert_eq!(
                txn.sintercard(0, None, std::slice::from_ref(&s0), -1).await,
                Err(Error::InvalidArgument(ArgError::LimitNegative))
            );
            // Sources on shard 0 and 1, destination on 1 (over a string).
            txn.mset(0, None, vec![(out1.clone(), b("old"))]).await?;
            assert_eq!(txn.set_op_store(0, SetOp::Union, None, out1.clone(), &[s0.clone(), s1.clone()]).await?, 4);
            assert_eq!(txn.set_op_store(0, SetOp::Diff, None, out1.clone(), &[s0.clone(), s1.clone()]).await?, 1);
            assert_eq!(
                txn.set_op_store(0, SetOp::Inter, None, out1.clone(), &[s0.clone(), str1.clone()]).await,
                Err(Error::WrongType)
            );

            // LMOVE: dst type checked before popping; a missing src wins.
            let k = l0.clone();
            txn.run(0, move |s| s.rpush(0, &k, &[b("1"), b("2"), b("3")])).await??;
            assert_eq!(
                txn.lmove(0, None, l0.clone(), str1.clone(), ListSide::Left, ListSide::Left).await,
                Err(Error::WrongType)
            );
            assert_eq!(
                txn.lmove(0, None, missing0.clone(), str1.clone(), ListSide::Left, ListSide::Left).await,
                Ok(None)
            );
            assert_eq!(
                txn.lmove(0, None, str0.clone(), l1.clone(), ListSide::Left, ListSide::Left).await,
                Err(Error::WrongType)
            );
            assert_eq!(
                txn.lmove(0, None, l0.clone(), l1.clone(), ListSide::Right, ListSide::Left).await?,
                Some(b("3"))
            );
            assert_eq!(
                txn.lmove(0, None, l0.clone(), l1.clone(), ListSide::Left, ListSide::Right).await?,
                Some(b("1"))
            );
            let k = l0.clone();
            assert_eq!(txn.run(0, move |s| s.lrange(0, &k, 0, -1)).await??, vec![b("2")]);

            // Sorted-set algebra; a plain set counts with score 1.
            let k = z0.clone();
            txn.run(0, move |s| s.zadd(0, &k, ZAddOptions::default(), &[(1.0, b("o")), (2.0, b("q"))])).await??;
            let k = z1.clone();
            txn.run(1, move |s| s.zadd(0, &k, ZAddOptions::default(), &[(10.0, b("q"))])).await??;
            let u = txn
                .zset_op(0, SetOp::Union, None, &[z0.clone(), z1.clone()], Some(vec![2.0, 1.0]), Aggregate::Sum)
                .await?;
            assert_eq!(u.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(b("o"), 2.0), (b("q"), 14.0)]);
            let i = txn.zset_op(0, SetOp::Inter, None, &[z0.clone(), s1.clone()], None, Aggregate::Max).await?;
            assert_eq!(i.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(b("o"), 1.0)]);
            assert_eq!(
                txn.zset_op(0, SetOp::Union, None, &[z0.clone(), z1.clone()], Some(vec![1.0]), Aggregate::Sum).await,
                Err(Error::Syntax)
            );
            assert_eq!(
                txn.zset_op(0, SetOp::Union, None, &[], None, Aggregate::Sum).await.err(),
                Some(Error::AtLeastOneKey { command: "zunion" })
            );
            assert_eq!(
                txn.zset_op_store(0, SetOp::Diff, None, out1.clone(), &[z0.clone(), z1.clone()], None, Aggregate::Sum)
                    .await?,
                1
            );
            let k = out1.clone();
            assert_eq!(txn.run(1, move |s| s.zscore(0, &k, b"o")).await??, Some(1.0));
            assert_eq!(
                txn.zset_op_store(
                    0,
                    SetOp::Inter,
                    None,
                    out1.clone(),
                    &[z0.clone(), str1.clone()],
                    None,
                    Aggregate::Sum
                )
                .await,
                Err(Error::WrongType)
            );
            txn.release().await;
            Ok(())
        })
        .wait()
        .unwrap();
    let k = k_out1.clone();
    assert_eq!(h.call_key(&k_out1, move |s| s.zcard(0, &k)).wait().unwrap(), 1, "a failed STORE leaves dst");
    let k = k_l1.clone();
    assert_eq!(h.call_key(&k_l1, move |s| s.lrange(0, &k, 0, -1)).wait().unwrap(), vec![b("3"), b("1")]);
    let k = k_s1.clone();
    assert_eq!(sorted(h.call_key(&k_s1, move |s| s.smembers(0, &k)).wait().unwrap()), vec![b("m"), b("o"), b("p")]);
}

/// Keys sharing a shard take the shard's own operation, with Redis's edge
/// cases for a key moved onto itself.
#[test]
fn same_shard_keys_keep_redis_edge_cases() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (k, l, s, z) = (b("{t}k"), b("{t}l"), b("{t}s"), b("{t}z"));
    let shard = h.shard_of(&k);
    let other = key_on(&h, 1 - shard, "o");
    let (k2, l2) = (k.clone(), l.clone());
    engine
        .spawn_on(1 - shard, move |ctx| async move {
            let txn = ctx.lock([shard, 1 - shard]).await?;
            txn.mset(0, None, vec![(k.clone(), b("v"))]).await?;
            txn.rename(0, None, k.clone(), k.clone()).await?;
            assert_eq!(txn.rename(0, None, b("{t}nokey"), b("{t}nokey")).await, Err(Error::NoSuchKey));
            assert!(!txn.renamenx(0, None, k.clone(), k.clone()).await?);
            assert_eq!(txn.copy(None, 0, k.clone(), 0, k.clone(), true).await, Err(Error::SameObject));
            assert!(txn.copy(None, 0, k.clone(), 1, k.clone(), false).await?, "the same name in another database");

            let key = l.clone();
            txn.run(shard, move |sh| sh.rpush(0, &key, &[b("1"), b("2"), b("3")])).await??;
            assert_eq!(txn.lmove(0, None, l.clone(), l.clone(), ListSide::Left, ListSide::Right).await?, Some(b("1")));

            let key = s.clone();
            txn.run(shard, move |sh| sh.sadd(0, &key, &[b("m")])).await??;
            assert!(txn.smove(0, None, s.clone(), s.clone(), b("m")).await?);
            assert!(!txn.smove(0, None, s.clone(), s.clone(), b("x")).await?);
            assert_eq!(txn.smove(0, None, s.clone(), k.clone(), b("x")).await, Err(Error::WrongType));

            let key = z.clone();
            txn.run(shard, move |sh| sh.zadd(0, &key, ZAddOptions::default(), &[(1.0, b("m"))])).await??;
            assert_eq!(
                txn.zset_op_store(0, SetOp::Union, None, z.clone(), &[], None, Aggregate::Sum).await,
                Err(Error::AtLeastOneKey { command: "zunionstore" })
            );
            // ZDIFF ignores weights (even a wrong number of them) on every path.
            let d = txn.zset_op(0, SetOp::Diff, None, &[z.clone(), s.clone()], Some(vec![5.0]), Aggregate::Max).await?;
            assert!(d.is_empty());
            let d =
                txn.zset_op(0, SetOp::Diff, None, &[z.clone(), other.clone()], Some(vec![5.0]), Aggregate::Max).await?;
            assert_eq!(d.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(b("m"), 1.0)]);
            txn.release().await;
            Ok(())
        })
        .wait()
        .unwrap();
    assert_eq!(h.get(&k2).wait().unwrap(), Some(b("v")));
    let k = l2.clone();
    assert_eq!(h.call_key(&l2, move |s| s.lrange(0, &k, 0, -1)).wait().unwrap(), vec![b("2"), b("3"), b("1")]);
}

#[test]
fn a_txn_refuses_keys_on_shards_it_does_not_hold() {
    assert_eq!(Error::NotLocked.to_string(), "cross-shard transaction does not hold the shard of a key");
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (k0, k1, j0) = (key_on(&h, 0, "k"), key_on(&h, 1, "k"), key_on(&h, 0, "j"));
    h.mset(&[(&k0, "zero"), (&k1, "one")]).wait().unwrap();
    let (c0, c1) = (k0.clone(), k1.clone());
    engine
        .spawn_on(0, move |ctx| async move {
            let txn = ctx.lock([0]).await?;
            assert!(txn.holds(0) && !txn.holds(1));
            assert_eq!(
                txn.mset(0, None, vec![(k0.clone(), b("new")), (k1.clone(), b("new"))]).await,
                Err(Error::NotLocked)
            );
            assert_eq!(
                txn.msetnx(0, None, vec![(j0.clone(), b("new")), (k1.clone(), b("new"))]).await,
                Err(Error::NotLocked)
            );
            assert_eq!(txn.del(0, None, &[k0.clone(), k1.clone()]).await, Err(Error::NotLocked));
            assert_eq!(txn.rename(0, None, k0.clone(), k1.clone()).await, Err(Error::NotLocked));
            assert_eq!(txn.rename(0, None, k1.clone(), j0.clone()).await, Err(Error::NotLocked));
            assert_eq!(txn.copy(None, 0, k0.clone(), 0, k1.clone(), true).await, Err(Error::NotLocked));
            assert_eq!(txn.smove(0, None, k0.clone(), k1.clone(), b("m")).await, Err(Error::NotLocked));
            assert_eq!(
                txn.lmove(0, None, k0.clone(), k1.clone(), ListSide::Left, ListSide::Left).await,
                Err(Error::NotLocked)
            );
            assert_eq!(
                txn.set_op_store(0, SetOp::Union, None, j0.clone(), &[k0.clone(), k1.clone()]).await,
                Err(Error::NotLocked)
            );
            assert_eq!(
                txn.zset_op_store(0, SetOp::Union, None, k1.clone(), std::slice::from_ref(&k0), None, Aggregate::Sum)
                    .await,
                Err(Error::NotLocked)
            );
            assert_eq!(
                txn.for_keys(0, None, &[k0.clone(), k1.clone()], |s, db, k| Ok(s.del(db, &[k]))).await,
                Err(Error::NotLocked)
            );
            assert_eq!(txn.run(1, |s| s.id()).await, Err(Error::NotLocked));
            // Keys of held shards still work.
            assert_eq!(txn.mget(0, None, &[k0.clone(), j0.clone()]).await?, vec![Some(b("zero")), None]);
            txn.release().await;
            Ok(())
        })
        .wait()
        .unwrap();
    assert_eq!(h.mget(&[&c0, &c1]).wait().unwrap(), vec![Some(b("zero")), Some(b("one"))], "nothing was touched");
    assert_eq!(h.dbsize().wait().unwrap(), 2);
}

/// As in MULTI/EXEC: several multi-key writes inside one lock are seen all
/// together or not at all by concurrent cross-shard readers.
#[test]
fn several_operations_in_one_txn_are_atomic_together() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (a0, a1, b0, b1) = (key_on(&h, 0, "a"), key_on(&h, 1, "a"), key_on(&h, 0, "b"), key_on(&h, 1, "b"));
    let keys = vec![a0.clone(), a1.clone(), b0.clone(), b1.clone()];
    h.mset(&keys.iter().map(|k| (k.clone(), "0")).collect::<Vec<_>>()).wait().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (mixed, reads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (h, keys, stop, mixed, reads) = (h.clone(), keys.clone(), stop.clone(), mixed.clone(), reads.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let got = h.mget(&keys).wait().unwrap();
                    reads.fetch_add(1, Ordering::Relaxed);
                    if got.iter().any(|v| v != &got[0]) {
                        mixed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for i in 1..=300usize {
        let (a0, a1, b0, b1) = (a0.clone(), a1.clone(), b0.clone(), b1.clone());
        engine
            .spawn_on(i % 2, move |ctx| async move {
                let txn = ctx.lock([0, 1]).await?;
                let v = Bytes::from(i.to_string());
                txn.mset(0, None, vec![(a0, v.clone()), (a1, v.clone())]).await?;
                // The second write lands on each shard separately.
                txn.for_keys(0, None, &[b0, b1], move |s, db, k| s.mset(db, &[(Bytes::copy_from_slice(k), v.clone())]))
                    .await?;
                txn.release().await;
                Ok(())
            })
            .wait()
            .unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(mixed.load(Ordering::Relaxed), 0, "a reader saw part of a transaction");
    assert_eq!(h.mget(&keys).wait().unwrap(), vec![Some(b("300")); 4]);
}

/// Out of memory on one shard: the commands Redis refuses (MSET, MSETNX,
/// COPY, LMOVE, *STORE) change nothing on any shard; RENAME and SMOVE, which
/// Redis runs even over the limit, still work.
#[test]
fn out_of_memory_on_one_shard_writes_nothing_anywhere() {
    let engine = Engine::builder().shards(2).maxmemory(2 * 64 * 1024).build().unwrap();
    let h = engine.handle();
    let [x0, y0, z0, l0, s0] = ["x", "y", "z", "l", "s"].map(|p| key_on(&h, 0, p));
    let [x1, l1, s1, out1] = ["x", "l", "s", "out"].map(|p| key_on(&h, 1, p));
    h.set(&z0, "keep").wait().unwrap();
    let k = l0.clone();
    h.call_key(&l0, move |s| s.rpush(0, &k, &[b("e")])).wait().unwrap();
    let k = s0.clone();
    h.call_key(&s0, move |s| s.sadd(0, &k, &[b("m")])).wait().unwrap();
    let filler = vec![b'f'; 1024];
    let mut filled = false;
    for i in 0..10_000 {
        let k = key_on(&h, 1, &format!("fill{i}-"));
        match h.set(&k, filler.clone()).wait() {
            Ok(()) => {}
            Err(Error::OutOfMemory) => {
                filled = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(filled, "shard 1 reached its budget");
    let before = h.dbsize().wait().unwrap();

    assert_eq!(h.mset(&[(&x0, "v"), (&x1, "v")]).wait(), Err(Error::OutOfMemory));
    assert_eq!(h.msetnx(&[(&x0, "v"), (&x1, "v")]).wait(), Err(Error::OutOfMemory));
    assert_eq!(h.copy(&z0, &x1, false).wait(), Err(Error::OutOfMemory));
    assert_eq!(h.copy(&y0, &x1, false).wait(), Err(Error::OutOfMemory), "before looking at the source");
    assert_eq!(h.lmove(&l0, &l1, ListSide::Left, ListSide::Left).wait(), Err(Error::OutOfMemory));
    assert_eq!(h.sunionstore(&out1, &[&s0]).wait(), Err(Error::OutOfMemory));
    assert_eq!(h.get(&x0).wait().unwrap(), None, "no half-written MSET");
    let k = l0.clone();
    assert_eq!(h.call_key(&l0, move |s| s.llen(0, &k)).wait().unwrap(), 1, "nothing popped");
    assert_eq!(h.dbsize().wait().unwrap(), before);

    h.rename(&z0, &x1).wait().unwrap();
    assert_eq!(h.get(&x1).wait().unwrap(), Some(b("keep")));
    assert!(h.smove(&s0, &s1, b"m").wait().unwrap());
    assert_eq!(h.sunion(&[&s0, &s1]).wait().unwrap(), vec![b("m")]);
}
