//! The runtime through the public API: typed `Handle` calls, cross-shard
//! multi-key operations and their error behaviour, databases, the mutation
//! stream, and shutdown.

use std::sync::mpsc;

use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{ArgError, Clock, Engine, Error, Handle, OwnedEvent};

/// Two keys with `prefix` that live on different shards.
fn split_pair(h: &Handle, prefix: &str) -> (Vec<u8>, Vec<u8>) {
    let a = format!("{prefix}a").into_bytes();
    let sa = h.shard_of(&a);
    let b = (0..).map(|i| format!("{prefix}{i}").into_bytes()).find(|k| h.shard_of(k) != sa).unwrap();
    (a, b)
}

#[test]
fn typed_calls_roundtrip_on_every_shard() {
    let engine = Engine::builder().shards(4).build().unwrap();
    let h = engine.handle();
    for i in 0..200 {
        h.set(format!("key{i}").as_bytes(), format!("v{i}")).wait().unwrap();
    }
    assert_eq!(h.get(b"key7").wait().unwrap(), Some(Bytes::from("v7")));
    assert_eq!(h.get(b"nope").wait().unwrap(), None);
    assert_eq!(h.dbsize().wait().unwrap(), 200);
    let per_shard: Vec<u64> = h.stats().wait().unwrap().iter().map(|s| s.keys).collect();
    assert!(per_shard.iter().all(|&n| n > 20), "{per_shard:?}");
    assert_eq!(h.incr_by(b"ctr", 5).wait().unwrap(), 5);
    assert_eq!(h.incr_by(b"ctr", -7).wait().unwrap(), -2);
    assert_eq!(h.incr_by(b"key1", 1).wait(), Err(Error::NotInteger));
    assert!(h.expire(b"key1", 100).wait().unwrap());
    assert_eq!(h.ttl(b"key1").wait().unwrap(), 100);
    assert_eq!(h.ttl(b"key2").wait().unwrap(), -1);
    assert_eq!(h.del(&["key1", "key2", "missing"]).wait().unwrap(), 2);
    assert_eq!(h.exists(&["key1", "key3", "key3"]).wait().unwrap(), 2);
    h.flushall().wait().unwrap();
    assert_eq!(h.dbsize().wait().unwrap(), 0);
}

#[test]
fn databases_are_isolated() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h0 = engine.handle();
    let h3 = h0.db(3);
    h0.set(b"k", "zero").wait().unwrap();
    h3.set(b"k", "three").wait().unwrap();
    assert_eq!(h0.get(b"k").wait().unwrap(), Some(Bytes::from("zero")));
    assert_eq!(h3.get(b"k").wait().unwrap(), Some(Bytes::from("three")));
    h3.flushdb().wait().unwrap();
    assert_eq!(h3.get(b"k").wait().unwrap(), None);
    assert_eq!(h0.get(b"k").wait().unwrap(), Some(Bytes::from("zero")));
}

#[test]
fn cross_shard_rename_copy_and_renamenx() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (a, b) = split_pair(&h, "r");
    assert_eq!(h.rename(&a, &b).wait(), Err(Error::NoSuchKey));
    h.set(&a, "payload").wait().unwrap();
    h.expire(&a, 500).wait().unwrap();
    h.rename(&a, &b).wait().unwrap();
    assert_eq!(h.get(&a).wait().unwrap(), None);
    assert_eq!(h.get(&b).wait().unwrap(), Some(Bytes::from("payload")));
    assert_eq!(h.ttl(&b).wait().unwrap(), 500, "RENAME keeps the TTL");
    // COPY back without and with REPLACE.
    assert!(h.copy(&b, &a, false).wait().unwrap());
    assert!(!h.copy(&b, &a, false).wait().unwrap());
    h.set(&a, "other").wait().unwrap();
    assert!(h.copy(&b, &a, true).wait().unwrap());
    assert_eq!(h.get(&a).wait().unwrap(), Some(Bytes::from("payload")));
    // RENAMENX refuses an existing destination and changes nothing.
    assert!(!h.renamenx(&a, &b).wait().unwrap());
    assert_eq!(h.get(&a).wait().unwrap(), Some(Bytes::from("payload")));
    h.del(&[&b]).wait().unwrap();
    assert!(h.renamenx(&a, &b).wait().unwrap());
    assert_eq!(h.exists(&[&a, &b]).wait().unwrap(), 1);
    // Collections move whole.
    let (c, d) = split_pair(&h, "coll");
    let k = c.clone();
    h.call_key(&c, move |s| s.sadd(0, &k, &[Bytes::from("x"), Bytes::from("y")])).wait().unwrap();
    h.rename(&c, &d).wait().unwrap();
    let k = d.clone();
    assert_eq!(h.call_key(&d, move |s| s.scard(0, &k)).wait().unwrap(), 2);
}

#[test]
fn cross_shard_msetnx_is_all_or_nothing() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (a, b) = split_pair(&h, "m");
    assert!(h.msetnx(&[(&a, "1"), (&b, "1")]).wait().unwrap());
    let (c, _) = split_pair(&h, "n");
    assert!(!h.msetnx(&[(&c, "2"), (&b, "2")]).wait().unwrap());
    assert_eq!(h.get(&c).wait().unwrap(), None, "nothing of a refused MSETNX is written");
    assert_eq!(h.mget(&[&a, &b, &c]).wait().unwrap(), vec![Some(Bytes::from("1")), Some(Bytes::from("1")), None]);
}

#[test]
fn cross_shard_set_and_list_moves_check_types_before_changing_anything() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (src, dst) = split_pair(&h, "s");
    let k = src.clone();
    h.call_key(&src, move |s| s.sadd(0, &k, &[Bytes::from("m"), Bytes::from("n")])).wait().unwrap();
    h.set(&dst, "a string").wait().unwrap();
    assert_eq!(h.smove(&src, &dst, b"m").wait(), Err(Error::WrongType));
    let k = src.clone();
    assert_eq!(h.call_key(&src, move |s| s.scard(0, &k)).wait().unwrap(), 2, "nothing moved");
    h.del(&[&dst]).wait().unwrap();
    assert!(h.smove(&src, &dst, b"m").wait().unwrap());
    assert!(!h.smove(&src, &dst, b"absent").wait().unwrap());
    assert_eq!(h.sunion(&[&src, &dst]).wait().unwrap().len(), 2);
    assert_eq!(h.sinter(&[&src, &dst]).wait().unwrap().len(), 0);
    let (out, _) = split_pair(&h, "out");
    assert_eq!(h.sunionstore(&out, &[&src, &dst]).wait().unwrap(), 2);
    assert_eq!(h.sdiffstore(&out, &[&src, &dst]).wait().unwrap(), 1);
    assert_eq!(h.sinterstore(&out, &[&src, &dst]).wait().unwrap(), 0);
    assert_eq!(h.exists(&[&out]).wait().unwrap(), 0, "an empty STORE result deletes the destination");
    assert_eq!(h.sintercard(&[&src, &dst], -1).wait(), Err(Error::InvalidArgument(ArgError::LimitNegative)));

    let (l1, l2) = split_pair(&h, "l");
    let k = l1.clone();
    h.call_key(&l1, move |s| s.rpush(0, &k, &[Bytes::from("1"), Bytes::from("2")])).wait().unwrap();
    h.set(&l2, "not a list").wait().unwrap();
    assert_eq!(h.lmove(&l1, &l2, ListSide::Left, ListSide::Left).wait(), Err(Error::WrongType));
    h.del(&[&l2]).wait().unwrap();
    assert_eq!(h.rpoplpush(&l1, &l2).wait().unwrap(), Some(Bytes::from("2")));
    assert_eq!(h.lmove(&l1, &l2, ListSide::Left, ListSide::Left).wait().unwrap(), Some(Bytes::from("1")));
    assert_eq!(h.lmove(&l1, &l2, ListSide::Left, ListSide::Left).wait().unwrap(), None);
    let k = l2.clone();
    assert_eq!(
        h.call_key(&l2, move |s| s.lrange(0, &k, 0, -1)).wait().unwrap(),
        vec![Bytes::from("1"), Bytes::from("2")]
    );
}

#[test]
fn mutation_stream_is_ordered_and_covers_expiry() {
    let clock = Clock::manual(1_000_000);
    let (tx, rx) = mpsc::channel();
    let engine = Engine::builder()
        .shards(2)
        .clock(clock.clone())
        .mutation_sinks(move |_| {
            let tx = tx.clone();
            Some(Box::new(move |m: &coreshard_engine::Mutation<'_>| {
                let _ = tx.send(m.to_owned());
            }))
        })
        .build()
        .unwrap();
    let h = engine.handle();
    h.set(b"a", "1").wait().unwrap();
    h.set(b"a", "2").wait().unwrap();
    h.expire(b"a", 1).wait().unwrap();
    h.del(&["a"]).wait().unwrap();
    h.set(b"b", "x").wait().unwrap();
    h.expire(b"b", 1).wait().unwrap();
    clock.advance(1_001);
    assert_eq!(h.get(b"b").wait().unwrap(), None);
    drop(engine);
    let records: Vec<_> = rx.try_iter().collect();
    let a: Vec<_> = records.iter().filter(|m| &m.key[..] == b"a").collect();
    assert!(a.windows(2).all(|w| w[0].seq < w[1].seq), "per-key records are in sequence order");
    assert!(matches!(&a[0].event, OwnedEvent::Write { expire_at: None, .. }));
    assert!(matches!(&a[2].event, OwnedEvent::Write { expire_at: Some(1_001_000), .. }));
    assert_eq!(a[3].event, OwnedEvent::Delete);
    let b: Vec<_> = records.iter().filter(|m| &m.key[..] == b"b").collect();
    assert_eq!(b.last().map(|m| &m.event), Some(&OwnedEvent::Expired));
    for shard in 0..2 {
        let seqs: Vec<u64> = records.iter().filter(|m| m.shard == shard).map(|m| m.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "shard {shard} sequence is strictly increasing");
    }
}

#[test]
fn shard_local_tasks_touch_only_their_shard() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let counts = engine
        .run_on_all(|ctx| async move {
            let mut mine = 0;
            ctx.with(|s| {
                for i in 0..1000 {
                    let k = format!("local{i}");
                    if ctx.owns(k.as_bytes()) {
                        s.set(0, k.as_bytes(), "v", Default::default()).map(|_| mine += 1)?;
                    }
                }
                Ok::<_, Error>(())
            })
            .await?;
            Ok(mine)
        })
        .unwrap();
    assert_eq!(counts.iter().sum::<usize>(), 1000);
    let h = engine.handle();
    assert_eq!(h.dbsize().wait().unwrap(), 1000);
    assert_eq!(h.get(b"local999").wait().unwrap(), Some(Bytes::from("v")));
}

#[test]
fn calls_after_shutdown_fail_instead_of_hanging() {
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    h.set(b"k", "v").wait().unwrap();
    engine.shutdown();
    assert!(matches!(h.get(b"k").wait(), Err(Error::ShardStopped(_))));
    assert!(h.mset(&[("a", "1"), ("b", "2"), ("c", "3")]).wait().is_err());
}

#[test]
fn cross_shard_zset_algebra_matches_the_single_shard_result() {
    use coreshard_engine::types::{Aggregate, ZAddOptions};
    let engine = Engine::builder().shards(2).build().unwrap();
    let h = engine.handle();
    let (a, b) = split_pair(&h, "z");
    let (out, _) = split_pair(&h, "zout");
    for (key, pairs) in [(&a, vec![(1.0, "x"), (2.0, "y")]), (&b, vec![(10.0, "y"), (20.0, "z")])] {
        let k = key.clone();
        let pairs: Vec<(f64, Bytes)> = pairs.into_iter().map(|(s, m)| (s, Bytes::from(m))).collect();
        h.call_key(key, move |s| s.zadd(0, &k, ZAddOptions::default(), &pairs)).wait().unwrap();
    }
    let n = h.zunionstore(&out, &[&a, &b], Some(vec![1.0, 2.0]), Aggregate::Sum).wait().unwrap();
    assert_eq!(n, 3);
    let k = out.clone();
    let stored = h.call_key(&out, move |s| s.zscore(0, &k, b"y")).wait().unwrap();
    assert_eq!(stored, Some(22.0));
    let inter = h.zinter(&[&a, &b], None, Aggregate::Max).wait().unwrap();
    assert_eq!(inter.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(Bytes::from("y"), 10.0)]);
    assert_eq!(h.zdiff(&[&a, &b]).wait().unwrap().len(), 1);
    assert_eq!(h.zunionstore(&out, &[&a, &b], Some(vec![1.0]), Aggregate::Sum).wait(), Err(Error::Syntax));
    h.set(&b, "str").wait().unwrap();
    assert_eq!(h.zinterstore(&out, &[&a, &b], None, Aggregate::Sum).wait(), Err(Error::WrongType));
    let k = out.clone();
    assert_eq!(h.call_key(&out, move |s| s.zcard(0, &k)).wait().unwrap(), 3, "a failed STORE leaves dst alone");
}
