//! Unit tests of the blocking machinery on one shard.

use std::rc::Rc;
use std::sync::Arc;

use super::serve::{register, restore, Claim, Waiter};
use super::*;
use crate::core_state::CoreState;
use coreshard_engine::types::ZAddOptions;

#[test]
fn timeouts_parse_as_redis_does() {
    assert_eq!(parse_timeout(b"0"), Ok(None));
    // redis-server 7.0.15 rounds up: BLPOP k 0.0001 times out, BLPOP k -0.0001
    // blocks forever.
    assert_eq!(parse_timeout(b"0.0001"), Ok(Some(Duration::from_millis(1))), "under a millisecond rounds up");
    assert_eq!(parse_timeout(b"-0.0001"), Ok(None));
    assert_eq!(parse_timeout(b"1.5"), Ok(Some(Duration::from_millis(1500))));
    assert_eq!(parse_timeout(b"2"), Ok(Some(Duration::from_secs(2))));
    let not_float = Err(ReplyError::text("ERR timeout is not a float or out of range"));
    let negative = Err(ReplyError::text("ERR timeout is negative"));
    for bad in [&b"x"[..], b"", b" 1", b"1 ", b"nan", b"1e", b"\xff"] {
        assert_eq!(parse_timeout(bad), not_float, "{bad:?}");
    }
    for neg in [&b"-1"[..], b"inf", b"-inf", b"1e400", b"1e17", b"1e16"] {
        assert_eq!(parse_timeout(neg), negative, "{neg:?}");
    }
    assert_eq!(parse_timeout(b"9000000000000000"), Ok(None), "beyond a century is forever");
    assert_eq!(parse_timeout(b"9223372036854776"), negative);
    // What `string2ld` accepts, checked against redis-server 7.0.
    assert_eq!(parse_timeout(b"0x1p-3"), Ok(Some(Duration::from_millis(125))));
    assert_eq!(parse_timeout(b"+2"), Ok(Some(Duration::from_secs(2))));
    let long = "1".repeat(5120);
    for bad in [&b"1e5000"[..], b"1e-5000", b"0x", b"1\0", b"\t1", b"inf ", long.as_bytes()] {
        assert_eq!(parse_timeout(bad), not_float, "{bad:?}");
    }
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn shard() -> Shard {
    Shard::new(0, coreshard_engine::ShardConfig::default())
}

#[test]
fn serving_pops_for_the_first_unclaimed_waiter_and_skips_stale_ones() {
    let mut s = shard();
    let core = Rc::new(CoreState::new(0));
    s.subscribe(core.sink());
    let op = Arc::new(Op::Pop(Pop::List { side: ListSide::Left, count: 1 }));
    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let (tx3, rx3) = oneshot::channel();
    let stale = Waiter { id: 1, claim: Arc::new(Claim::new(tx1)), op: op.clone() };
    let first = Waiter { id: 2, claim: Arc::new(Claim::new(tx2)), op: op.clone() };
    let second = Waiter { id: 3, claim: Arc::new(Claim::new(tx3)), op };
    assert!(stale.claim.take());
    for w in [&stale, &first, &second] {
        register(&core, 0, &[b("q")], w, false);
    }
    s.rpush(0, b"q", &[b("a")]).unwrap();
    serve_ready(&core, &mut s);
    match rx2.try_recv() {
        Ok(Delivery::Popped { key, values, .. }) => {
            assert_eq!(key, b("q"));
            assert_eq!(values, vec![b("a")]);
        }
        other => panic!("first waiter not served: {other:?}"),
    }
    assert!(rx1.try_recv().is_err(), "a claimed waiter is never served");
    assert!(rx3.try_recv().is_err(), "nothing left for the second waiter");
    assert_eq!(s.llen(0, b"q").unwrap(), 0);
    s.rpush(0, b"q", &[b("b"), b("c")]).unwrap();
    serve_ready(&core, &mut s);
    assert!(matches!(rx3.try_recv(), Ok(Delivery::Popped { .. })));
    assert_eq!(s.lrange(0, b"q", 0, -1).unwrap(), vec![b("c")], "one element per waiter");
    assert_eq!(core.waiters.len(), 0);
}

#[test]
fn a_waiter_whose_client_left_loses_nothing() {
    let mut s = shard();
    let core = Rc::new(CoreState::new(0));
    s.subscribe(core.sink());
    let (tx, rx) = oneshot::channel();
    let w = Waiter {
        id: 10,
        claim: Arc::new(Claim::new(tx)),
        op: Arc::new(Op::Pop(Pop::List { side: ListSide::Right, count: 2 })),
    };
    register(&core, 0, &[b("gone")], &w, false);
    drop(rx);
    s.rpush(0, b"gone", &[b("x"), b("y"), b("z")]).unwrap();
    serve_ready(&core, &mut s);
    assert_eq!(s.lrange(0, b"gone", 0, -1).unwrap(), vec![b("x"), b("y"), b("z")]);
    assert_eq!(core.waiters.len(), 0);
}

fn waiter(id: u64, op: Op) -> (Waiter, oneshot::Receiver<Delivery>) {
    let (tx, rx) = oneshot::channel();
    (Waiter { id, claim: Arc::new(Claim::new(tx)), op: Arc::new(op) }, rx)
}

fn zadd(s: &mut Shard, key: &str, pairs: &[(f64, &str)]) {
    let pairs: Vec<(f64, Bytes)> = pairs.iter().map(|(sc, m)| (*sc, b(m))).collect();
    s.zadd(0, key.as_bytes(), ZAddOptions::default(), &pairs).unwrap();
}

#[test]
fn sorted_set_waiters_are_served_in_order_and_list_waiters_stay_queued() {
    let mut s = shard();
    let core = Rc::new(CoreState::new(0));
    s.subscribe(core.sink());
    let (min, rx_min) = waiter(20, Op::Pop(Pop::ZSet { max: false, count: 1 }));
    let (list, rx_list) = waiter(21, Op::Pop(Pop::List { side: ListSide::Left, count: 1 }));
    let (max, rx_max) = waiter(22, Op::Pop(Pop::ZSet { max: true, count: 2 }));
    let (late, rx_late) = waiter(23, Op::Pop(Pop::ZSet { max: false, count: 1 }));
    for w in [&min, &list, &max, &late] {
        register(&core, 0, &[b("k")], w, false);
    }
    zadd(&mut s, "k", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
    serve_ready(&core, &mut s);
    match rx_min.try_recv() {
        Ok(Delivery::ZPopped { key, members }) => {
            assert_eq!(key, b("k"));
            assert_eq!(members, vec![(b("a"), 1.0)]);
        }
        other => panic!("first sorted-set waiter not served: {other:?}"),
    }
    match rx_max.try_recv() {
        Ok(Delivery::ZPopped { members, .. }) => assert_eq!(members, vec![(b("d"), 4.0), (b("c"), 3.0)]),
        other => panic!("second sorted-set waiter not served: {other:?}"),
    }
    match rx_late.try_recv() {
        Ok(Delivery::ZPopped { members, .. }) => assert_eq!(members, vec![(b("b"), 2.0)]),
        other => panic!("third sorted-set waiter not served: {other:?}"),
    }
    assert!(rx_list.try_recv().is_err(), "a list waiter is not served from a sorted set");
    assert_eq!(core.waiters.len(), 1, "the list waiter stays registered");
    assert_eq!(s.kind_of(0, b"k"), None, "the emptied sorted set is gone");
    // Once the key holds a list, the list waiter gets it.
    s.rpush(0, b"k", &[b("x")]).unwrap();
    serve_ready(&core, &mut s);
    assert!(matches!(rx_list.try_recv(), Ok(Delivery::Popped { values, .. }) if values == vec![b("x")]));
    assert_eq!(core.waiters.len(), 0);
}

#[test]
fn members_popped_for_a_client_that_left_go_back_with_their_scores() {
    let mut s = shard();
    let core = Rc::new(CoreState::new(0));
    s.subscribe(core.sink());
    let (w, rx) = waiter(30, Op::Pop(Pop::ZSet { max: false, count: 2 }));
    register(&core, 0, &[b("z")], &w, false);
    drop(rx);
    zadd(&mut s, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
    serve_ready(&core, &mut s);
    assert_eq!(s.zcard(0, b"z").unwrap(), 3);
    assert_eq!(core.waiters.len(), 0);

    // A delivery that came back: a member re-added meanwhile keeps its
    // new score.
    let popped = s.zpopmin(0, b"z", Some(2)).unwrap();
    zadd(&mut s, "z", &[(9.0, "a")]);
    restore(&mut s, 0, Delivery::ZPopped { key: b("z"), members: popped });
    assert_eq!(s.zscore(0, b"z", b"a").unwrap(), Some(9.0));
    assert_eq!(s.zscore(0, b"z", b"b").unwrap(), Some(2.0));
    assert_eq!(s.zcard(0, b"z").unwrap(), 3);
}
