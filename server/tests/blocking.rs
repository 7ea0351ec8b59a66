//! Blocking pops (lists and sorted sets) end to end: the real binary with two
//! shards, raw RESP clients on both shard ports (each served by a different
//! core), and replies compared byte for byte with a real redis-server.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{
    assert_same_bytes, compare_bytes, compare_replies, free_ports, key_on, wait_until, Coreshard, RedisServer, Reply,
    RespConn,
};

const SHARDS: usize = 2;

/// Sends `cmd` on `blocked` and checks that it blocks: `watcher` sees one
/// blocked client, and no reply comes.
fn assert_blocks(blocked: &mut RespConn, watcher: &mut RespConn, cmd: &[&str]) {
    blocked.send(cmd);
    watcher.wait_blocked_clients(1);
    assert!(!blocked.has_data_within(Duration::from_millis(50)), "{cmd:?} on an empty key must block");
}

#[test]
fn blpop_is_woken_by_a_push_from_another_core() {
    let s = Coreshard::start(SHARDS, &[]);
    for owner in 0..SHARDS {
        let key = key_on(SHARDS, owner, "wake");
        let mut blocked = s.shard_conn(0);
        let mut pusher = s.shard_conn(1);
        assert_blocks(&mut blocked, &mut pusher, &["BLPOP", &key, "0"]);
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
        assert_blocks(&mut blocked, &mut pusher, &["BLPOP", &k0, &k1, "10"]);
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

/// Sends each connection its blocking command and waits (asking `watcher`)
/// until it is blocked before sending the next, so that they queue in order.
fn block_in_turn(watcher: &mut RespConn, blocked: &mut [(&mut RespConn, Vec<&str>)]) {
    let before = watcher.info_u64("clients", "blocked_clients");
    for (n, (conn, cmd)) in (before + 1..).zip(blocked.iter_mut()) {
        conn.send(cmd);
        watcher.wait_blocked_clients(n);
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
    block_in_turn(
        &mut pusher,
        &mut [
            (&mut first, vec!["BLPOP", &key, "0"]),
            (&mut second, vec!["BLPOP", &key, "0"]),
            (&mut third, vec!["BLMPOP", "0", "1", &key, "LEFT", "COUNT", "5"]),
        ],
    );
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

/// The element (or member) a single-key pop reply holds after its key: none
/// for a timeout.
fn popped_element(reply: Reply) -> Vec<String> {
    match reply {
        Reply::Array(kv) => vec![kv[1].text()],
        Reply::NullArray => vec![],
        other => panic!("a pop gave {other:?}"),
    }
}

/// Starts `poppers` threads, on both cores in turn, that call `pop(p, conn)`
/// (as popper `p`) until `total` values have come out in all; returns the
/// threads and what they popped.
fn spawn_poppers<F>(
    s: &Coreshard,
    poppers: usize,
    total: usize,
    pop: F,
) -> (Vec<thread::JoinHandle<()>>, Arc<Mutex<Vec<String>>>)
where
    F: Fn(usize, &mut RespConn) -> Vec<String> + Send + Sync + 'static,
{
    let pop = Arc::new(pop);
    let popped = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let done = Arc::new(AtomicUsize::new(0));
    let threads = (0..poppers)
        .map(|p| {
            let mut c = s.shard_conn(p % SHARDS);
            let (pop, popped, done) = (pop.clone(), popped.clone(), done.clone());
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while done.load(Ordering::SeqCst) < total {
                    assert!(Instant::now() < deadline, "poppers did not finish");
                    let got = pop(p, &mut c);
                    done.fetch_add(got.len(), Ordering::SeqCst);
                    popped.lock().expect("lock").extend(got);
                }
            })
        })
        .collect();
    (threads, popped)
}

/// Starts `writers` threads, on both cores in turn, that each write values
/// `w<w>-<i>` for `i < per_writer` with `write(conn, key, i, value)`,
/// alternating between the two keys.
fn spawn_writers(
    s: &Coreshard,
    keys: (&str, &str),
    writers: usize,
    per_writer: usize,
    write: fn(&mut RespConn, &str, usize, &str),
) -> Vec<thread::JoinHandle<()>> {
    (0..writers)
        .map(|w| {
            let mut c = s.shard_conn(w % SHARDS);
            let (k0, k1) = (keys.0.to_string(), keys.1.to_string());
            thread::spawn(move || {
                for i in 0..per_writer {
                    let key = if (i + w) % 2 == 0 { &k0 } else { &k1 };
                    write(&mut c, key, i, &format!("w{w}-{i}"));
                }
            })
        })
        .collect()
}

/// Every value [`spawn_writers`] wrote was delivered, none twice.
fn assert_each_delivered_once(delivered: &[String], writers: usize, per_writer: usize) {
    assert_eq!(delivered.len(), writers * per_writer, "every value delivered once");
    let unique: HashSet<&String> = delivered.iter().collect();
    assert_eq!(unique.len(), delivered.len(), "no value delivered twice");
    for w in 0..writers {
        for i in 0..per_writer {
            assert!(unique.contains(&format!("w{w}-{i}")), "w{w}-{i} lost");
        }
    }
}

#[test]
fn concurrent_pushers_and_poppers_deliver_every_element_exactly_once() {
    const PUSHERS: usize = 4;
    const PER_PUSHER: usize = 500;
    const TOTAL: usize = PUSHERS * PER_PUSHER;
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "stress"), key_on(SHARDS, 1, "stress"));
    let sink = key_on(SHARDS, 0, "sink");
    let moved = Arc::new(Mutex::new(Vec::<String>::new()));
    let (mut threads, popped) = spawn_poppers(&s, 4, TOTAL, {
        let (k0, k1, sink, moved) = (k0.clone(), k1.clone(), sink.clone(), moved.clone());
        move |p, c| match p {
            0 => popped_element(c.cmd(&["BLPOP", &k0, &k1, "0.3"])),
            1 => popped_element(c.cmd(&["BRPOP", &k1, &k0, "0.3"])),
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
        }
    });
    threads.extend(spawn_writers(&s, (&k0, &k1), PUSHERS, PER_PUSHER, |c, key, _, v| {
        match c.cmd(&["RPUSH", key, v]) {
            Reply::Integer(_) => {}
            other => panic!("RPUSH gave {other:?}"),
        }
    }));
    for t in threads {
        t.join().expect("thread");
    }
    assert_each_delivered_once(&popped.lock().expect("lock"), PUSHERS, PER_PUSHER);
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
                    .call_local(shard, move |_, local| {
                        let core = coreshard_server::core_state::CoreState::of(local).expect("server state");
                        Ok((1..=16).filter(|&id| coreshard_server::blocking::unblock_client(core, id, error)).count())
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
    c.send(&["BZPOPMIN", &key, "0"]);
    other.wait_blocked_clients(1);
    assert_eq!(unblock_everywhere(false), 1);
    assert_eq!(c.read_reply(), Reply::NullArray);
    // Its registrations are gone (they are dropped before the reply): a push stays in the list.
    assert_eq!(other.cmd(&["RPUSH", &key, "v"]).int(), 1);
    assert_eq!(other.cmd(&["LLEN", &key]).int(), 1);
    assert_eq!(c.cmd(&["BLPOP", &key, "0"]), Reply::bulks(&[key.as_str(), "v"]));
    server.shutdown();
}

// ----- sorted sets ----------------------------------------------------------------

/// `[key, member, score]`, as BZPOPMIN/BZPOPMAX reply in RESP2.
fn key_member_score(k: &str, m: &str, score: &str) -> Reply {
    Reply::bulks(&[k, m, score])
}

/// `[key, [[member, score] ...]]`, as BZMPOP replies in RESP2.
fn key_scored_members(k: &str, items: &[(&str, &str)]) -> Reply {
    let items = items.iter().map(|(m, s)| Reply::bulks(&[m, s])).collect();
    Reply::Array(vec![Reply::bulk(k), Reply::Array(items)])
}

#[test]
fn bzpopmin_is_woken_by_a_zadd_from_another_core() {
    let s = Coreshard::start(SHARDS, &[]);
    for owner in 0..SHARDS {
        let key = key_on(SHARDS, owner, "zwake");
        // Blocked on core 0, written to on core 1.
        let [mut blocked, mut writer] = [0, 1].map(|core| s.shard_conn(core));
        assert_blocks(&mut blocked, &mut writer, &["BZPOPMIN", &key, "0"]);
        assert_eq!(writer.cmd(&["ZADD", &key, "2", "b", "1.5", "a", "3", "c"]).int(), 3);
        assert_eq!(blocked.read_reply(), key_member_score(&key, "a", "1.5"));
        blocked.send(&["BZPOPMAX", &key, "0"]);
        assert_eq!(blocked.read_reply(), key_member_score(&key, "c", "3"), "a non-empty key pops at once");
        assert_eq!(writer.cmd(&["ZRANGE", &key, "0", "-1"]), Reply::bulks(&["b"]));
        assert_eq!(blocked.cmd(&["ZREM", &key, "b"]).int(), 1);

        // BZMPOP with COUNT, woken by ZINCRBY creating the key, on the other core.
        assert_blocks(&mut blocked, &mut writer, &["BZMPOP", "0", "1", &key, "MAX", "COUNT", "2"]);
        assert_eq!(writer.cmd(&["ZINCRBY", &key, "7", "m"]), Reply::bulk("7"));
        assert_eq!(blocked.read_reply(), key_scored_members(&key, &[("m", "7")]));
        assert_eq!(writer.cmd(&["EXISTS", &key]).int(), 0);
    }
}

#[test]
fn one_bzpopmin_over_keys_on_both_shards() {
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "zmulti"), key_on(SHARDS, 1, "zmulti"));
    let [mut blocked, mut writer] = [0, 1].map(|core| s.shard_conn(core));
    for (written, other) in [(&k1, &k0), (&k0, &k1)] {
        assert_blocks(&mut blocked, &mut writer, &["BZPOPMAX", &k0, &k1, "10"]);
        assert_eq!(writer.cmd(&["ZADD", written, "1", "low", "2", "high"]).int(), 2);
        assert_eq!(blocked.read_reply(), key_member_score(written, "high", "2"));
        assert_eq!(writer.cmd(&["ZCARD", written]).int(), 1);
        assert_eq!(writer.cmd(&["EXISTS", other]).int(), 0);
        assert_eq!(writer.cmd(&["DEL", written]).int(), 1);
    }
    blocked.send(&["BZMPOP", "10", "2", &k0, &k1, "MIN", "COUNT", "9"]);
    writer.wait_blocked_clients(1);
    assert_eq!(writer.cmd(&["ZADD", &k1, "1", "x", "2", "y"]).int(), 2);
    assert_eq!(blocked.read_reply(), key_scored_members(&k1, &[("x", "1"), ("y", "2")]));
    // Immediate pops take the first non-empty key in argument order.
    writer.cmd(&["ZADD", &k1, "1", "b"]).int();
    writer.cmd(&["ZADD", &k0, "1", "a"]).int();
    assert_eq!(blocked.cmd(&["BZPOPMIN", &k1, &k0, "1"]), key_member_score(&k1, "b", "1"));
    assert_eq!(blocked.cmd(&["BZPOPMIN", &k1, &k0, "1"]), key_member_score(&k0, "a", "1"));
    // The first existing key of another type is WRONGTYPE, across shards too;
    // missing keys before it are skipped.
    assert_eq!(writer.cmd(&["SET", &k1, "str"]), Reply::ok());
    writer.cmd(&["ZADD", &k0, "5", "z"]).int();
    for cmd in [vec!["BZPOPMIN", "nokey", &k1, &k0, "1"], vec!["BZMPOP", "1", "2", &k1, &k0, "MIN"]] {
        assert!(matches!(blocked.cmd(&cmd), Reply::Error(e) if e.starts_with("WRONGTYPE")), "{cmd:?}");
    }
    assert_eq!(blocked.cmd(&["BZPOPMIN", &k0, &k1, "1"]), key_member_score(&k0, "z", "5"));
    // A string key with waiters does not serve them; the sorted set that
    // replaces it does.
    blocked.send(&["BZPOPMIN", &k0, "0"]);
    writer.wait_blocked_clients(1);
    assert_eq!(writer.cmd(&["SET", &k0, "str"]), Reply::ok());
    assert!(!blocked.has_data_within(Duration::from_millis(100)), "a string does not serve a BZPOPMIN");
    assert_eq!(writer.cmd(&["DEL", &k0]).int(), 1);
    writer.cmd(&["ZADD", &k0, "4", "w"]).int();
    assert_eq!(blocked.read_reply(), key_member_score(&k0, "w", "4"));
}

#[test]
fn zset_pop_timeouts_reply_with_a_null_array() {
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "ztmo"), key_on(SHARDS, 1, "ztmo"));
    let mut c = s.shard_conn(0);
    for cmd in [
        vec!["BZPOPMIN", &k0, "0.2"],
        vec!["BZPOPMAX", &k0, &k1, "0.2"],
        vec!["BZMPOP", "0.2", "2", &k0, &k1, "MIN", "COUNT", "3"],
    ] {
        let start = Instant::now();
        let raw = c.cmd_raw(&cmd);
        let took = start.elapsed();
        assert_eq!(raw, b"*-1\r\n", "{cmd:?}");
        assert!(took >= Duration::from_millis(190), "{cmd:?} returned after {took:?}");
        assert!(took < Duration::from_secs(3), "{cmd:?} returned after {took:?}");
    }
    // Nothing stays registered after a timeout: a later ZADD is kept (checked
    // again at the end, after the commands below have given a stray waiter time).
    let mut writer = s.shard_conn(1);
    writer.wait_blocked_clients(0);
    assert_eq!(writer.cmd(&["ZADD", &k1, "1", "kept"]).int(), 1);
    assert_eq!(writer.cmd(&["ZCARD", &k1]).int(), 1);
    for (cmd, err) in [
        (vec!["BZPOPMIN", &k0, "x"], "ERR timeout is not a float or out of range"),
        (vec!["BZPOPMAX", &k0, "-1"], "ERR timeout is negative"),
        (vec!["BZMPOP", "x", "1", &k0, "MIN"], "ERR timeout is not a float or out of range"),
        (vec!["BZMPOP", "x", "0", &k0, "MIN"], "ERR numkeys should be greater than 0"),
        (vec!["BZMPOP", "-1", "1", &k0, "MIDDLE"], "ERR syntax error"),
        (vec!["BZMPOP", "-1", "1", &k0, "MIN", "COUNT", "0"], "ERR count should be greater than 0"),
    ] {
        assert_eq!(c.cmd(&cmd), Reply::error(err), "{cmd:?}");
    }
    // The null array is `_` in RESP3.
    assert_eq!(c.cmd(&["HELLO", "3"]).field("proto"), Reply::Integer(3));
    assert_eq!(c.cmd_raw(&["BZPOPMIN", &k0, "0.1"]), b"_\r\n");
    assert_eq!(c.cmd_raw(&["BZMPOP", "0.1", "1", &k0, "MAX"]), b"_\r\n");
    assert_eq!(writer.cmd(&["ZRANGE", &k1, "0", "-1"]), Reply::bulks(&["kept"]));
}

#[test]
fn zset_waiters_are_served_first_come_first_served() {
    let s = Coreshard::start(SHARDS, &[]);
    let key = key_on(SHARDS, 1, "zfifo");
    // Waiters on both cores, in turn.
    let [mut list_waiter, mut first, mut second, mut third, mut writer] = [1, 0, 1, 0, 0].map(|i| s.shard_conn(i));
    block_in_turn(
        &mut writer,
        &mut [
            (&mut list_waiter, vec!["BLPOP", &key, "0"]),
            (&mut first, vec!["BZPOPMIN", &key, "0"]),
            (&mut second, vec!["BZPOPMAX", &key, "0"]),
            (&mut third, vec!["BZMPOP", "0", "1", &key, "MIN", "COUNT", "5"]),
        ],
    );
    assert_eq!(writer.cmd(&["ZADD", &key, "1", "a", "2", "b", "3", "c", "4", "d"]).int(), 4);
    assert_eq!(first.read_reply(), key_member_score(&key, "a", "1"));
    assert_eq!(second.read_reply(), key_member_score(&key, "d", "4"));
    assert_eq!(third.read_reply(), key_scored_members(&key, &[("b", "2"), ("c", "3")]));
    assert_eq!(writer.cmd(&["EXISTS", &key]).int(), 0);
    // The list waiter ahead of them was not served by the sorted set and
    // still waits for a list.
    writer.wait_blocked_clients(1);
    assert!(!list_waiter.has_data_within(Duration::from_millis(50)));
    writer.cmd(&["RPUSH", &key, "l"]).int();
    assert_eq!(list_waiter.read_reply(), Reply::bulks(&[key.as_str(), "l"]));

    // A waiter that disconnects leaves the members to the next one.
    let mut leaver = s.shard_conn(0);
    block_in_turn(
        &mut writer,
        &mut [(&mut leaver, vec!["BZPOPMIN", &key, "0"]), (&mut first, vec!["BZPOPMIN", &key, "0"])],
    );
    drop(leaver);
    writer.wait_blocked_clients(1);
    writer.cmd(&["ZADD", &key, "9", "only"]).int();
    assert_eq!(first.read_reply(), key_member_score(&key, "only", "9"));
    // With nobody left, members stay.
    let mut leaver = s.shard_conn(1);
    leaver.send(&["BZPOPMAX", &key, "0"]);
    writer.wait_blocked_clients(1);
    drop(leaver);
    writer.wait_blocked_clients(0);
    assert_eq!(writer.cmd(&["ZADD", &key, "1", "x", "2", "y"]).int(), 2);
    // Members popped for the gone client would be given back: wait for them, not for a moment.
    wait_until("both members in the sorted set", Duration::from_secs(5), || writer.cmd(&["ZCARD", &key]).int() == 2);
    assert_eq!(writer.cmd(&["ZRANGE", &key, "0", "-1", "WITHSCORES"]), Reply::bulks(&["x", "1", "y", "2"]));
}

#[test]
fn concurrent_zadds_and_zset_pops_deliver_every_member_exactly_once() {
    const WRITERS: usize = 2;
    const PER_WRITER: usize = 400;
    let s = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "zstress"), key_on(SHARDS, 1, "zstress"));
    let (mut threads, popped) = spawn_poppers(&s, 3, WRITERS * PER_WRITER, {
        let (k0, k1) = (k0.clone(), k1.clone());
        move |p, c| match p {
            0 => popped_element(c.cmd(&["BZPOPMIN", &k0, &k1, "0.3"])),
            1 => popped_element(c.cmd(&["BZPOPMAX", &k1, &k0, "0.3"])),
            _ => match c.cmd(&["BZMPOP", "0.3", "2", &k0, &k1, "MIN", "COUNT", "3"]) {
                Reply::Array(kv) => match &kv[1] {
                    Reply::Array(pairs) => pairs
                        .iter()
                        .map(|pair| match pair {
                            Reply::Array(ms) => ms[0].text(),
                            other => panic!("BZMPOP pair {other:?}"),
                        })
                        .collect(),
                    other => panic!("BZMPOP gave {other:?}"),
                },
                _ => vec![],
            },
        }
    });
    threads.extend(spawn_writers(&s, (&k0, &k1), WRITERS, PER_WRITER, |c, key, i, member| {
        match c.cmd(&["ZADD", key, &i.to_string(), member]) {
            Reply::Integer(1) => {}
            other => panic!("ZADD gave {other:?}"),
        }
    }));
    for t in threads {
        t.join().expect("thread");
    }
    assert_each_delivered_once(&popped.lock().expect("lock"), WRITERS, PER_WRITER);
    let mut c = s.shard_conn(0);
    assert_eq!(c.cmd(&["EXISTS", &k0, &k1]).int(), 0);
    // Every registration was cleaned up: a BZPOPMIN now still blocks and times out.
    assert_eq!(c.cmd(&["BZPOPMIN", &k0, &k1, "0.05"]), Reply::NullArray);
}

/// Served and immediate sorted-set pops against redis-server, byte for byte,
/// in RESP2 and RESP3 (where scores are doubles).
#[test]
fn zset_pop_replies_match_redis() {
    let s = Coreshard::start(SHARDS, &[]);
    let redis = RedisServer::start();
    let a = key_on(SHARDS, 0, "za");
    let b = key_on(SHARDS, 1, "zb");
    let mut mismatches = Vec::new();
    for proto in [2, 3] {
        let (mut ours, mut theirs) = (s.conn(), redis.conn());
        let (mut our_writer, mut their_writer) = (s.conn(), redis.conn());
        for c in [&mut ours, &mut theirs] {
            assert_eq!(c.cmd(&["HELLO", &proto.to_string()]).field("proto"), Reply::Integer(proto));
        }
        for (block, write) in [
            (vec!["BZPOPMIN", &a, &b, "0"], vec!["ZADD", &b, "1.5", "x", "2", "y"]),
            (vec!["BZPOPMAX", &a, "0"], vec!["ZADD", &a, "-inf", "lo", "1e300", "hi"]),
            (vec!["BZMPOP", "0", "2", "nokey", &a, "MIN", "COUNT", "10"], vec!["ZADD", &a, "3", "p", "0.1", "q"]),
        ] {
            for w in [&mut our_writer, &mut their_writer] {
                // Drain what the keys still hold, so that the command blocks.
                w.cmd(&["DEL", &a, &b]);
            }
            ours.send(&block);
            theirs.send(&block);
            our_writer.wait_blocked_clients(1);
            their_writer.wait_blocked_clients(1);
            mismatches.extend(compare_bytes(&mut our_writer, &mut their_writer, &write, 1).err());
            let what = format!("RESP{proto} {block:?} served by {write:?}");
            mismatches.extend(compare_replies(&mut ours, &mut theirs, 1, &what).err());
        }
        let script: Vec<Vec<&str>> = vec![
            vec!["ZADD", &a, "1", "m", "2", "n", "3", "o"],
            vec!["BZPOPMIN", "nokey", &a, "1"],
            vec!["BZPOPMAX", &a, "1"],
            vec!["BZMPOP", "1", "1", &a, "MAX", "COUNT", "1"],
            vec!["BZPOPMIN", &b, "0.01"],
            vec!["MULTI"],
            vec!["BZPOPMIN", "nokey", "0"],
            vec!["BZMPOP", "0", "2", "nokey", &b, "MIN"],
            vec!["ZADD", &a, "5", "e"],
            vec!["BZPOPMIN", "nokey", &a, "0"],
            vec!["EXEC"],
        ];
        mismatches.extend(script.iter().filter_map(|cmd| compare_bytes(&mut ours, &mut theirs, cmd, 1).err()));
    }
    assert!(mismatches.is_empty(), "replies differ from redis-server:\n{}", mismatches.join("\n"));
}
