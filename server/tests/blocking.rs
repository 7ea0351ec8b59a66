//! Blocking list pops end to end: the real binary with two shards, raw RESP
//! clients on both shard ports (each served by a different core), and list
//! replies compared byte for byte with a real redis-server.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_same_bytes, free_ports, key_on, wait_until, Coreshard, RedisServer, Reply, RespConn};

const SHARDS: usize = 2;

#[test]
fn blpop_is_woken_by_a_push_from_another_core() {
    let s = Coreshard::start(SHARDS, &[]);
    for owner in 0..SHARDS {
        let key = key_on(SHARDS, owner, "wake");
        let mut blocked = s.shard_conn(0);
        let mut pusher = s.shard_conn(1);
        blocked.send(&["BLPOP", &key, "0"]);
        pusher.wait_blocked_clients(1);
        assert!(!blocked.has_data_within(Duration::from_millis(50)), "BLPOP on an empty key must block");
        assert_eq!(pusher.cmd(&["RPUSH", &key, "hello", "world"]).int(), 2);
        assert_eq!(blocked.read_reply(), Reply::bulks(&[key.as_str(), "hello"]));
        assert_eq!(pusher.cmd(&["LRANGE", &key, "0", "-1"]), Reply::Array(vec![Reply::bulk("world")]));
        // The blocked connection is usable again.
        assert_eq!(blocked.cmd(&["LPOP", &key]), Reply::bulk("world"));
    }
}

#[test]
fn one_blpop_over_keys_on_both_shards() {
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "multi"), key_on(SHARDS, 1, "multi"));
    let mut blocked = s.shard_conn(0);
    let mut pusher = s.shard_conn(1);
    for (pushed, other) in [(&k1, &k0), (&k0, &k1)] {
        blocked.send(&["BLPOP", &k0, &k1, "10"]);
        pusher.wait_blocked_clients(1);
        assert_eq!(pusher.cmd(&["LPUSH", pushed, "v"]).int(), 1);
        assert_eq!(blocked.read_reply(), Reply::bulks(&[pushed.as_str(), "v"]));
        assert_eq!(pusher.cmd(&["LLEN", other]).int(), 0);
    }
    // Immediate pop takes the first non-empty key in argument order.
    pusher.cmd(&["RPUSH", &k1, "b"]).int();
    pusher.cmd(&["RPUSH", &k0, "a"]).int();
    assert_eq!(blocked.cmd(&["BRPOP", &k1, &k0, "1"]), Reply::bulks(&[k1.as_str(), "b"]));
    assert_eq!(blocked.cmd(&["BLPOP", &k1, &k0, "1"]), Reply::bulks(&[k0.as_str(), "a"]));
    // A key of another type before the first list is WRONGTYPE, across shards too.
    pusher.cmd(&["SET", &k0, "str"]);
    pusher.cmd(&["RPUSH", &k1, "x"]).int();
    assert!(matches!(blocked.cmd(&["BLPOP", &k0, &k1, "1"]), Reply::Error(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(blocked.cmd(&["BLPOP", &k1, &k0, "1"]), Reply::bulks(&[k1.as_str(), "x"]));
}

/// Every blocking form, over keys `k0` and `k1`, with `timeout`.
fn blocking_forms<'a>(k0: &'a str, k1: &'a str, timeout: &'a str) -> [Vec<&'a str>; 5] {
    [
        vec!["BLPOP", k0, timeout],
        vec!["BRPOP", k0, k1, timeout],
        vec!["BLMPOP", timeout, "2", k0, k1, "LEFT"],
        vec!["BLMOVE", k0, k1, "LEFT", "RIGHT", timeout],
        vec!["BRPOPLPUSH", k0, k0, timeout],
    ]
}

#[test]
fn timeouts_reply_with_a_null_array() {
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "tmo"), key_on(SHARDS, 1, "tmo"));
    let mut c = s.shard_conn(1);
    for (arg, err) in [
        ("x", "ERR timeout is not a float or out of range"),
        ("-1", "ERR timeout is negative"),
        ("inf", "ERR timeout is negative"),
    ] {
        assert_eq!(c.cmd(&["BLPOP", &k0, arg]), Reply::error(err));
    }
    // The null array is `*-1` in RESP2 and `_` in RESP3.
    for (proto, null) in [(2, &b"*-1\r\n"[..]), (3, b"_\r\n")] {
        assert_eq!(c.cmd(&["HELLO", &proto.to_string()]).field("proto"), Reply::Integer(proto));
        for cmd in blocking_forms(&k0, &k1, "0.2") {
            let start = Instant::now();
            let raw = c.cmd_raw(&cmd);
            let took = start.elapsed();
            assert_eq!(raw, null, "{cmd:?} in RESP{proto}");
            assert!(took >= Duration::from_millis(190), "{cmd:?} returned after {took:?}");
            assert!(took < Duration::from_secs(3), "{cmd:?} returned after {took:?}");
        }
    }
}

#[test]
fn waiters_are_served_first_come_first_served() {
    let s = Coreshard::start(SHARDS, &[]);
    let key = key_on(SHARDS, 1, "fifo");
    let mut first = s.shard_conn(0);
    let mut second = s.shard_conn(1);
    let mut third = s.shard_conn(0);
    let mut pusher = s.shard_conn(1);
    first.send(&["BLPOP", &key, "0"]);
    pusher.wait_blocked_clients(1);
    second.send(&["BLPOP", &key, "0"]);
    pusher.wait_blocked_clients(2);
    third.send(&["BLMPOP", "0", "1", &key, "LEFT", "COUNT", "5"]);
    pusher.wait_blocked_clients(3);
    assert_eq!(pusher.cmd(&["RPUSH", &key, "1", "2", "3", "4"]).int(), 4);
    assert_eq!(first.read_reply(), Reply::bulks(&[key.as_str(), "1"]));
    assert_eq!(second.read_reply(), Reply::bulks(&[key.as_str(), "2"]));
    assert_eq!(
        third.read_reply(),
        Reply::Array(vec![Reply::bulk(&key), Reply::Array(vec![Reply::bulk("3"), Reply::bulk("4")])])
    );
    assert_eq!(pusher.cmd(&["LLEN", &key]).int(), 0);
}

#[test]
fn blmove_moves_across_shards() {
    let s = Coreshard::start(SHARDS, &[]);
    let src = key_on(SHARDS, 1, "src");
    let dst = key_on(SHARDS, 0, "dst");
    let mut blocked = s.shard_conn(0);
    let mut pusher = s.shard_conn(1);
    blocked.send(&["BLMOVE", &src, &dst, "LEFT", "RIGHT", "0"]);
    pusher.wait_blocked_clients(1);
    pusher.cmd(&["RPUSH", &dst, "old"]).int();
    assert_eq!(pusher.cmd(&["RPUSH", &src, "a", "b"]).int(), 2);
    assert_eq!(blocked.read_reply(), Reply::bulk("a"));
    assert_eq!(pusher.cmd(&["LRANGE", &dst, "0", "-1"]), Reply::Array(vec![Reply::bulk("old"), Reply::bulk("a")]));
    assert_eq!(pusher.cmd(&["LRANGE", &src, "0", "-1"]), Reply::Array(vec![Reply::bulk("b")]));
    // Immediate forms, and BRPOPLPUSH.
    assert_eq!(blocked.cmd(&["BRPOPLPUSH", &src, &dst, "1"]), Reply::bulk("b"));
    assert_eq!(pusher.cmd(&["LINDEX", &dst, "0"]), Reply::bulk("b"));
    blocked.send(&["BRPOPLPUSH", &src, &dst, "0"]);
    pusher.wait_blocked_clients(1);
    pusher.cmd(&["LPUSH", &src, "c"]).int();
    assert_eq!(blocked.read_reply(), Reply::bulk("c"));
    assert_eq!(pusher.cmd(&["LINDEX", &dst, "0"]), Reply::bulk("c"));
    // A waiter whose destination became another type gets WRONGTYPE and the
    // element stays in the source.
    blocked.send(&["BLMOVE", &src, &dst, "LEFT", "LEFT", "0"]);
    pusher.wait_blocked_clients(1);
    pusher.cmd(&["SET", &dst, "x"]);
    pusher.cmd(&["RPUSH", &src, "d"]).int();
    assert!(matches!(blocked.read_reply(), Reply::Error(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(pusher.cmd(&["LRANGE", &src, "0", "-1"]), Reply::Array(vec![Reply::bulk("d")]));
}

#[test]
fn blmove_within_one_shard_feeds_another_waiter() {
    let s = Coreshard::start(SHARDS, &[]);
    let src = "{chain}src".to_string();
    let dst = "{chain}dst".to_string();
    let mut mover = s.shard_conn(0);
    let mut popper = s.shard_conn(1);
    let mut pusher = s.shard_conn(0);
    popper.send(&["BLPOP", &dst, "0"]);
    pusher.wait_blocked_clients(1);
    mover.send(&["BLMOVE", &src, &dst, "RIGHT", "LEFT", "0"]);
    pusher.wait_blocked_clients(2);
    pusher.cmd(&["RPUSH", &src, "z"]).int();
    assert_eq!(mover.read_reply(), Reply::bulk("z"));
    assert_eq!(popper.read_reply(), Reply::bulks(&[dst.as_str(), "z"]));
    assert_eq!(pusher.cmd(&["LLEN", &dst]).int(), 0);
}

#[test]
fn a_client_that_disconnects_while_blocked_swallows_nothing() {
    let s = Coreshard::start(SHARDS, &[]);
    let key = key_on(SHARDS, 1, "gone");
    let mut leaver = s.shard_conn(0);
    let mut pusher = s.shard_conn(1);
    leaver.send(&["BLPOP", &key, "0"]);
    pusher.wait_blocked_clients(1);
    drop(leaver);
    pusher.wait_blocked_clients(0);
    assert_eq!(pusher.cmd(&["RPUSH", &key, "kept"]).int(), 1);
    // A delivery to the gone client would be given back: wait for the list, not for a moment.
    wait_until("the element back in the list", Duration::from_secs(5), || pusher.cmd(&["LLEN", &key]).int() == 1);

    // With a second waiter behind the one that left, the second gets it.
    let key2 = key_on(SHARDS, 0, "gone");
    let mut leaver = s.shard_conn(1);
    let mut stayer = s.shard_conn(0);
    leaver.send(&["BLPOP", &key2, "0"]);
    pusher.wait_blocked_clients(1);
    // `key` still holds the element the first leaver did not take.
    assert_eq!(stayer.cmd(&["BRPOP", &key2, &key, "0"]), Reply::bulks(&[key.as_str(), "kept"]));
    stayer.send(&["BRPOP", &key2, "0"]);
    pusher.wait_blocked_clients(2);
    drop(leaver);
    pusher.wait_blocked_clients(1);
    pusher.cmd(&["RPUSH", &key2, "next"]).int();
    assert_eq!(stayer.read_reply(), Reply::bulks(&[key2.as_str(), "next"]));
}

#[test]
fn concurrent_pushers_and_poppers_deliver_every_element_exactly_once() {
    const PUSHERS: usize = 4;
    const PER_PUSHER: usize = 500;
    const TOTAL: usize = PUSHERS * PER_PUSHER;
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "stress"), key_on(SHARDS, 1, "stress"));
    let sink = key_on(SHARDS, 0, "sink");
    let popped = Arc::new(Mutex::new(Vec::<String>::with_capacity(TOTAL)));
    let moved = Arc::new(Mutex::new(Vec::<String>::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for p in 0..4 {
        let mut c = s.shard_conn(p % SHARDS);
        let (k0, k1, sink) = (k0.clone(), k1.clone(), sink.clone());
        let (popped, moved, done) = (popped.clone(), moved.clone(), done.clone());
        threads.push(thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while done.load(Ordering::SeqCst) < TOTAL {
                assert!(Instant::now() < deadline, "poppers did not finish");
                let got: Vec<String> = match p {
                    0 => match c.cmd(&["BLPOP", &k0, &k1, "0.3"]) {
                        Reply::Array(kv) => vec![kv[1].text()],
                        _ => vec![],
                    },
                    1 => match c.cmd(&["BRPOP", &k1, &k0, "0.3"]) {
                        Reply::Array(kv) => vec![kv[1].text()],
                        _ => vec![],
                    },
                    2 => match c.cmd(&["BLMPOP", "0.3", "2", &k0, &k1, "LEFT", "COUNT", "3"]) {
                        Reply::Array(kv) => match &kv[1] {
                            Reply::Array(vs) => vs.iter().map(Reply::text).collect(),
                            other => panic!("BLMPOP gave {other:?}"),
                        },
                        _ => vec![],
                    },
                    _ => match c.cmd(&["BLMOVE", &k1, &sink, "LEFT", "RIGHT", "0.3"]) {
                        Reply::Bulk(b) => {
                            let v = String::from_utf8_lossy(&b).into_owned();
                            moved.lock().expect("lock").push(v.clone());
                            vec![v]
                        }
                        _ => vec![],
                    },
                };
                done.fetch_add(got.len(), Ordering::SeqCst);
                popped.lock().expect("lock").extend(got);
            }
        }));
    }
    for p in 0..PUSHERS {
        let mut c = s.shard_conn(p % SHARDS);
        let (k0, k1) = (k0.clone(), k1.clone());
        threads.push(thread::spawn(move || {
            for i in 0..PER_PUSHER {
                let key = if (i + p) % 2 == 0 { &k0 } else { &k1 };
                let v = format!("p{p}-{i}");
                match c.cmd(&["RPUSH", key, &v]) {
                    Reply::Integer(_) => {}
                    other => panic!("RPUSH gave {other:?}"),
                }
            }
        }));
    }
    for t in threads {
        t.join().expect("thread");
    }
    let popped = popped.lock().expect("lock").clone();
    assert_eq!(popped.len(), TOTAL, "every element delivered once");
    let unique: HashSet<&String> = popped.iter().collect();
    assert_eq!(unique.len(), TOTAL, "no element delivered twice");
    for p in 0..PUSHERS {
        for i in 0..PER_PUSHER {
            assert!(unique.contains(&format!("p{p}-{i}")), "p{p}-{i} lost");
        }
    }
    let mut c = s.shard_conn(0);
    assert_eq!(c.cmd(&["LLEN", &k0]).int() + c.cmd(&["LLEN", &k1]).int(), 0);
    let Reply::Array(in_sink) = c.cmd(&["LRANGE", &sink, "0", "-1"]) else { panic!("LRANGE") };
    let in_sink: Vec<String> = in_sink.iter().map(Reply::text).collect();
    assert_eq!(in_sink, *moved.lock().expect("lock"), "BLMOVE results are exactly the destination's elements");
    // Every registration was cleaned up: a BLPOP now still blocks and times out.
    assert_eq!(c.cmd(&["BLPOP", &k0, &k1, "0.05"]), Reply::NullArray);
}

/// The same commands against redis-server and coreshard (keys spread over
/// both shards), replies compared byte for byte.
#[test]
fn list_replies_match_redis() {
    let s = Coreshard::start(SHARDS, &[]);
    let redis = RedisServer::start();
    let mut ours = s.conn();
    let mut theirs = redis.conn();
    let a = key_on(SHARDS, 0, "a");
    let b = key_on(SHARDS, 1, "b");
    let c = key_on(SHARDS, 1, "c");
    let st = key_on(SHARDS, 0, "str");
    let script: Vec<Vec<&str>> = vec![
        vec!["RPUSH", &a, "1", "2", "3", "2", "1"],
        vec!["LPUSH", &b, "x", "y", "z"],
        vec!["LPUSHX", &c, "no"],
        vec!["RPUSHX", &c, "no"],
        vec!["LPUSHX", &a, "0"],
        vec!["RPUSHX", &a, "4", "5"],
        vec!["SET", &st, "string"],
        vec!["LPUSH", &st, "v"],
        vec!["RPUSHX", &st, "v"],
        vec!["LLEN", &a],
        vec!["LLEN", &c],
        vec!["LLEN", &st],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LRANGE", &a, "-3", "100"],
        vec!["LRANGE", &a, "5", "2"],
        vec!["LRANGE", &a, "x", "2"],
        vec!["LRANGE", &c, "0", "-1"],
        vec!["LINDEX", &a, "0"],
        vec!["LINDEX", &a, "-1"],
        vec!["LINDEX", &a, "99"],
        vec!["LINDEX", &a, "x"],
        vec!["LINDEX", &c, "x"],
        vec!["LINDEX", &st, "x"],
        vec!["LSET", &a, "1", "one"],
        vec!["LSET", &a, "99", "v"],
        vec!["LSET", &a, "x", "v"],
        vec!["LSET", &c, "x", "v"],
        vec!["LSET", &c, "0", "v"],
        vec!["LSET", &st, "x", "v"],
        vec!["LINSERT", &a, "BEFORE", "2", "before"],
        vec!["LINSERT", &a, "after", "5", "after"],
        vec!["LINSERT", &a, "AFTER", "missing", "v"],
        vec!["LINSERT", &c, "AFTER", "1", "v"],
        vec!["LINSERT", &a, "MIDDLE", "1", "v"],
        vec!["LINSERT", &st, "BEFORE", "1", "v"],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LPOS", &a, "2"],
        vec!["LPOS", &a, "2", "RANK", "-1"],
        vec!["LPOS", &a, "2", "RANK", "2"],
        vec!["LPOS", &a, "2", "COUNT", "0"],
        vec!["LPOS", &a, "1", "COUNT", "1", "RANK", "-1"],
        vec!["LPOS", &a, "5", "MAXLEN", "2"],
        vec!["LPOS", &a, "2", "RANK", "0"],
        vec!["LPOS", &a, "2", "COUNT", "-1"],
        vec!["LPOS", &a, "2", "COUNT", "x"],
        vec!["LPOS", &a, "2", "MAXLEN", "-1"],
        vec!["LPOS", &a, "2", "RANK"],
        vec!["LPOS", &a, "2", "FOO", "1"],
        vec!["LPOS", &c, "2"],
        vec!["LPOS", &c, "2", "COUNT", "2"],
        vec!["LPOS", &st, "2"],
        vec!["LREM", &a, "1", "2"],
        vec!["LREM", &a, "-1", "1"],
        vec!["LREM", &a, "0", "nothing"],
        vec!["LREM", &a, "x", "1"],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LTRIM", &a, "1", "-2"],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LTRIM", &a, "x", "1"],
        vec!["LTRIM", &c, "0", "1"],
        vec!["LPOP", &a],
        vec!["RPOP", &a],
        vec!["LPOP", &a, "2"],
        vec!["RPOP", &a, "0"],
        vec!["LPOP", &a, "-1"],
        vec!["LPOP", &a, "x"],
        vec!["LPOP", &c],
        vec!["LPOP", &c, "2"],
        vec!["LPOP", &c, "0"],
        vec!["LPOP", &st],
        vec!["LPOP", &a, "1", "2"],
        vec!["RPOP", &a, "100"],
        vec!["LLEN", &a],
        vec!["RPUSH", &a, "1", "2", "3"],
        vec!["LMOVE", &a, &b, "LEFT", "RIGHT"],
        vec!["LMOVE", &a, &c, "RIGHT", "LEFT"],
        vec!["LMOVE", &a, &a, "LEFT", "RIGHT"],
        vec!["LMOVE", &a, &st, "LEFT", "RIGHT"],
        vec!["LMOVE", &st, &a, "LEFT", "RIGHT"],
        vec!["LMOVE", "nokey", &st, "LEFT", "RIGHT"],
        vec!["LMOVE", &a, &b, "UP", "RIGHT"],
        vec!["RPOPLPUSH", &b, &a],
        vec!["RPOPLPUSH", "nokey", &a],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LRANGE", &b, "0", "-1"],
        vec!["LRANGE", &c, "0", "-1"],
        vec!["LMPOP", "2", "nokey", &b, "LEFT"],
        vec!["LMPOP", "3", "nokey", &c, &b, "RIGHT", "COUNT", "10"],
        vec!["LMPOP", "1", "nokey", "LEFT"],
        vec!["LMPOP", "2", &st, &a, "LEFT"],
        vec!["LMPOP", "2", &a, &st, "LEFT"],
        vec!["LMPOP", "0", &a, "LEFT"],
        vec!["LMPOP", "x", &a, "LEFT"],
        vec!["LMPOP", "5", &a, "LEFT"],
        vec!["LMPOP", "1", &a, "MIDDLE"],
        vec!["LMPOP", "1", &a, "LEFT", "COUNT", "0"],
        vec!["LMPOP", "1", &a, "LEFT", "COUNT", "1", "COUNT", "2"],
        vec!["LMPOP", "1", &a, "LEFT", "FOO"],
        vec!["RPUSH", &b, "p", "q"],
        vec!["BLPOP", &c, &b, "1"],
        vec!["BRPOP", &c, &b, "1"],
        vec!["BLPOP", &st, "1"],
        vec!["BLPOP", "nokey", &st, "1"],
        vec!["BLPOP", &a, "x"],
        vec!["BLPOP", &a, "-1"],
        vec!["BLPOP", &c, "0.01"],
        vec!["RPUSH", &b, "r", "s", "t"],
        vec!["BLMPOP", "1", "2", &c, &b, "RIGHT", "COUNT", "2"],
        vec!["BLMPOP", "0.01", "1", &c, "LEFT"],
        vec!["BLMPOP", "x", "1", &c, "LEFT"],
        vec!["BLMPOP", "1", "0", &c, "LEFT"],
        vec!["BLMOVE", &b, &c, "LEFT", "LEFT", "1"],
        vec!["BLMOVE", &b, &c, "LEFT", "LEFT", "0.01"],
        vec!["BLMOVE", &c, &st, "LEFT", "LEFT", "1"],
        vec!["BLMOVE", &c, &b, "UP", "LEFT", "1"],
        vec!["BRPOPLPUSH", &c, &b, "1"],
        vec!["BRPOPLPUSH", &c, &b, "0.01"],
        vec!["LRANGE", &b, "0", "-1"],
        vec!["LLEN", &c],
        // Inside MULTI the blocking commands do not block: nil at once.
        vec!["MULTI"],
        vec!["BLPOP", "nokey", &c, "0"],
        vec!["BLMOVE", "nokey", &c, "LEFT", "LEFT", "0"],
        vec!["BRPOPLPUSH", "nokey", &c, "0"],
        vec!["BLMPOP", "0", "2", "nokey", &c, "LEFT"],
        vec!["RPUSH", &a, "m1", "m2"],
        vec!["BRPOP", &c, &a, "0"],
        vec!["BLMOVE", &a, &c, "LEFT", "RIGHT", "0"],
        vec!["BLMPOP", "0", "2", &c, &a, "LEFT", "COUNT", "5"],
        vec!["BLPOP", &a, "x"],
        vec!["EXEC"],
        vec!["RPUSH", &a],
        vec!["LLEN"],
        vec!["BLPOP", &a],
        vec!["BLMOVE", &a, &b, "LEFT", "LEFT"],
    ];
    assert_same_bytes(&mut ours, &mut theirs, &script);
    // The same nulls in RESP3.
    for c in [&mut ours, &mut theirs] {
        assert_eq!(c.cmd(&["HELLO", "3"]).field("proto"), Reply::Integer(3));
    }
    let resp3: Vec<Vec<&str>> = vec![
        vec!["RPUSH", &a, "x", "y"],
        vec!["LPOP", "nokey"],
        vec!["LPOP", "nokey", "2"],
        vec!["LPOP", &a, "0"],
        vec!["LINDEX", &a, "9"],
        vec!["LPOS", &a, "zz"],
        vec!["LPOS", &a, "y", "COUNT", "0"],
        vec!["LMPOP", "2", "nokey", &c, "LEFT"],
        vec!["LMPOP", "2", "nokey", &a, "RIGHT", "COUNT", "9"],
        vec!["LMOVE", "nokey", &a, "LEFT", "LEFT"],
        vec!["BLPOP", "nokey", "0.01"],
        vec!["BLMOVE", "nokey", &a, "LEFT", "LEFT", "0.01"],
        vec!["BLMPOP", "0.01", "1", "nokey", "LEFT"],
        vec!["BRPOP", "nokey", &c, "0.01"],
        vec!["BRPOPLPUSH", "nokey", &a, "0.01"],
        vec!["LRANGE", &a, "0", "-1"],
        vec!["LRANGE", "nokey", "0", "-1"],
    ];
    assert_same_bytes(&mut ours, &mut theirs, &resp3);
}

/// The hook CLIENT UNBLOCK uses, on an in-process server: the unblocked
/// client gets the timeout reply or the UNBLOCKED error, and can go on.
#[test]
fn clients_can_be_unblocked_from_their_core() {
    let port = free_ports(3);
    let config = coreshard_server::Config {
        port,
        shard_port_base: port + 1,
        shards: SHARDS,
        pin_cores: Some(Vec::new()),
        ..coreshard_server::Config::default()
    };
    let server = coreshard_server::Server::start(config).expect("start in process");
    let handle = server.state().handle.clone();
    let unblock_everywhere = |error: bool| -> usize {
        (0..SHARDS)
            .map(|shard| {
                handle
                    .call(shard, move |_| {
                        Ok((1..=16).filter(|&id| coreshard_server::blocking::unblock_client(id, error)).count())
                    })
                    .wait()
                    .expect("call")
            })
            .sum()
    };
    let key = key_on(SHARDS, 1, "unblock");
    let mut c = RespConn::connect(port + 1);
    let mut other = RespConn::connect(port + 2);
    assert_eq!(unblock_everywhere(false), 0, "nobody is blocked yet");
    c.send(&["BLPOP", &key, "0"]);
    other.wait_blocked_clients(1);
    assert_eq!(unblock_everywhere(false), 1);
    assert_eq!(c.read_reply(), Reply::NullArray);
    c.send(&["BLMOVE", &key, "other", "LEFT", "LEFT", "0"]);
    other.wait_blocked_clients(1);
    assert_eq!(unblock_everywhere(true), 1);
    assert_eq!(c.read_reply(), Reply::error("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    // Its registrations are gone (they are dropped before the reply): a push stays in the list.
    assert_eq!(other.cmd(&["RPUSH", &key, "v"]).int(), 1);
    assert_eq!(other.cmd(&["LLEN", &key]).int(), 1);
    assert_eq!(c.cmd(&["BLPOP", &key, "0"]), Reply::bulks(&[key.as_str(), "v"]));
    server.shutdown();
}
