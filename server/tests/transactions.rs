//! MULTI/EXEC/WATCH against the real binary: atomicity across cores, WATCH
//! across cores, and replies compared with redis-server.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_same_bytes, key_on, shard_of, words, Coreshard, RedisServer, Reply, RespConn};

const SHARDS: usize = 2;

fn queued() -> Reply {
    Reply::simple("QUEUED")
}

/// The integer a bulk string reply holds.
fn num(r: &Reply) -> i64 {
    r.text().parse().unwrap_or_else(|_| panic!("not a number: {r:?}"))
}

/// Writers set two keys on different shards to the same value in one
/// MULTI/EXEC; readers on both cores read both in one MULTI/EXEC and must
/// never see them differ.
#[test]
fn exec_across_two_shards_is_atomic() {
    let srv = Coreshard::start(SHARDS, &[]);
    let a = key_on(SHARDS, 0, "a");
    let b = key_on(SHARDS, 1, "b");
    assert_ne!(shard_of(SHARDS, &a), shard_of(SHARDS, &b));
    let mut init = srv.conn();
    init.cmd(&["SET", &a, "0"]);
    init.cmd(&["SET", &b, "0"]);
    let writers_done = Arc::new(AtomicUsize::new(0));
    let torn = Arc::new(AtomicUsize::new(0));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for core in 0..SHARDS {
        let (mut w, wa, wb, done) = (srv.shard_conn(core), a.clone(), b.clone(), writers_done.clone());
        threads.push(std::thread::spawn(move || {
            for i in 0..2000 {
                let v = format!("{core}-{i}");
                // Pipelined: MULTI, two SETs, EXEC.
                w.send(&["MULTI"]);
                w.send(&["SET", &wa, &v]);
                w.send(&["SET", &wb, &v]);
                w.send(&["EXEC"]);
                assert_eq!(w.read_reply(), Reply::ok());
                assert_eq!(w.read_reply(), queued());
                assert_eq!(w.read_reply(), queued());
                assert_eq!(w.read_reply(), Reply::Array(vec![Reply::ok(), Reply::ok()]));
            }
            done.fetch_add(1, Ordering::Relaxed);
        }));
        for _ in 0..2 {
            let (mut r, ra, rb, done, torn, reads) =
                (srv.shard_conn(core), a.clone(), b.clone(), writers_done.clone(), torn.clone(), reads.clone());
            threads.push(std::thread::spawn(move || {
                while done.load(Ordering::Relaxed) < SHARDS {
                    r.send(&["MULTI"]);
                    r.send(&["GET", &ra]);
                    r.send(&["GET", &rb]);
                    r.send(&["EXEC"]);
                    for _ in 0..3 {
                        r.read_reply();
                    }
                    let v = r.read_reply().items();
                    if v[0] != v[1] {
                        torn.fetch_add(1, Ordering::Relaxed);
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert!(reads.load(Ordering::Relaxed) > 100, "readers ran: {}", reads.load(Ordering::Relaxed));
    assert_eq!(torn.load(Ordering::Relaxed), 0, "a reader saw half of a transaction");
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["GET", &a]), c.cmd(&["GET", &b]));
}

/// Plain GETs on both cores keep being served while cross-shard EXECs hold
/// the shards (a command for a held shard waits for the release, never
/// deadlocks), and each key's value never goes back.
#[test]
fn plain_reads_interleave_with_cross_shard_exec() {
    let srv = Coreshard::start(SHARDS, &[]);
    let a = key_on(SHARDS, 0, "x");
    let b = key_on(SHARDS, 1, "y");
    let mut init = srv.conn();
    init.cmd(&["SET", &a, "0"]);
    init.cmd(&["SET", &b, "0"]);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (mut w, a, b, stop) = (srv.shard_conn(1), a.clone(), b.clone(), stop.clone());
        std::thread::spawn(move || {
            for i in 1..=3000 {
                let i = i.to_string();
                w.send(&["MULTI"]);
                w.send(&["SET", &a, &i]);
                w.send(&["SET", &b, &i]);
                w.send(&["EXEC"]);
                for _ in 0..4 {
                    w.read_reply();
                }
            }
            stop.store(true, Ordering::Relaxed);
        })
    };
    let readers: Vec<_> = (0..SHARDS)
        .map(|core| {
            let (mut r, a, b, stop) = (srv.shard_conn(core), a.clone(), b.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut last_a, mut last_b, mut checks) = (0, 0, 0);
                while !stop.load(Ordering::Relaxed) {
                    // Pipelined, so remote GETs travel as batches.
                    r.send(&["GET", &a]);
                    r.send(&["GET", &b]);
                    let (va, vb) = (num(&r.read_reply()), num(&r.read_reply()));
                    assert!(va >= last_a && vb >= last_b, "went back: a {last_a}->{va}, b {last_b}->{vb}");
                    (last_a, last_b) = (va, vb);
                    checks += 1;
                }
                checks
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        assert!(r.join().unwrap() > 10);
    }
    let mut c = srv.conn();
    assert_eq!(num(&c.cmd(&["GET", &a])), 3000);
    assert_eq!(num(&c.cmd(&["GET", &b])), 3000);
}

#[test]
fn watch_aborts_when_another_core_writes_the_key() {
    let srv = Coreshard::start(SHARDS, &[]);
    for owner in 0..SHARDS {
        let k = key_on(SHARDS, owner, "w");
        let other = key_on(SHARDS, 1 - owner, "o");
        // The watcher lives on the other core than the key.
        let mut c = srv.shard_conn(1 - owner);
        let mut intruder = srv.shard_conn(owner);

        assert_eq!(c.cmd(&["WATCH", &k]), Reply::ok());
        assert_eq!(intruder.cmd(&["SET", &k, "changed"]), Reply::ok());
        c.cmd(&["MULTI"]);
        c.cmd(&["SET", &k, "mine"]);
        c.cmd(&["SET", &other, "mine"]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray);
        assert_eq!(c.cmd(&["GET", &k]), Reply::bulk("changed"));
        assert_eq!(c.cmd(&["GET", &other]), Reply::NullBulk);

        // EXEC forgot the watch: the next transaction runs.
        intruder.cmd(&["SET", &k, "again"]);
        c.cmd(&["MULTI"]);
        c.cmd(&["SET", &k, "mine"]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![Reply::ok()]));

        // Unchanged watched keys on both shards: EXEC runs.
        c.cmd(&["WATCH", &k, &other]);
        c.cmd(&["MULTI"]);
        c.cmd(&["GET", &k]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::bulks(&["mine"]));

        // UNWATCH forgets; DISCARD forgets.
        c.cmd(&["WATCH", &k]);
        c.cmd(&["UNWATCH"]);
        intruder.cmd(&["SET", &k, "3"]);
        c.cmd(&["MULTI"]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![]));
        c.cmd(&["WATCH", &k]);
        c.cmd(&["MULTI"]);
        assert_eq!(c.cmd(&["DISCARD"]), Reply::ok());
        intruder.cmd(&["SET", &k, "4"]);
        c.cmd(&["MULTI"]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![]));

        // A write landing between WATCH and EXEC from a third client.
        c.cmd(&["WATCH", &k, &other]);
        srv.conn().cmd(&["SET", &other, "x"]);
        c.cmd(&["MULTI"]);
        c.cmd(&["SET", &k, "never"]);
        assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray);
        assert_eq!(c.cmd(&["GET", &k]), Reply::bulk("4"));
    }
}

/// Many watchers race many writers: an EXEC that succeeded must have seen no
/// write to its key since WATCH (a counter incremented with WATCH/GET/SET
/// never loses an update).
#[test]
fn watch_based_increments_never_lose_updates() {
    let srv = Coreshard::start(SHARDS, &[]);
    let k = key_on(SHARDS, 1, "ctr");
    srv.conn().cmd(&["SET", &k, "0"]);
    let per_client = 150;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (mut c, k) = (srv.shard_conn(t % SHARDS), k.clone());
            std::thread::spawn(move || {
                let mut done = 0;
                while done < per_client {
                    c.cmd(&["WATCH", &k]);
                    let next = (num(&c.cmd(&["GET", &k])) + 1).to_string();
                    c.send(&["MULTI"]);
                    c.send(&["SET", &k, &next]);
                    c.send(&["EXEC"]);
                    c.read_reply();
                    c.read_reply();
                    if c.read_reply() != Reply::NullArray {
                        done += 1;
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(srv.conn().cmd(&["GET", &k]), Reply::bulk((4 * per_client).to_string()));
}

#[test]
fn a_watched_key_that_expires_aborts_exec() {
    let srv = Coreshard::start(SHARDS, &[]);
    let mut c = srv.shard_conn(0);
    let k = key_on(SHARDS, 1, "ttl");
    c.cmd(&["SET", &k, "v", "PX", "100"]);
    c.cmd(&["WATCH", &k]);
    std::thread::sleep(Duration::from_millis(200));
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), Reply::NullArray);
    // Already expired when watched: its removal is no change.
    c.cmd(&["SET", &k, "v", "PX", "20"]);
    std::thread::sleep(Duration::from_millis(100));
    c.cmd(&["WATCH", &k]);
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![Reply::simple("PONG")]));
}

/// Transaction sequences, byte for byte as redis-server answers them. Keys
/// are chosen so that the transactions span both shards.
#[test]
fn transaction_replies_match_redis() {
    let reference = RedisServer::start();
    let srv = Coreshard::start(SHARDS, &[]);
    let a = key_on(SHARDS, 0, "a");
    let b = key_on(SHARDS, 1, "b");
    let script: Vec<String> = [
        "EXEC",
        "DISCARD",
        "MULTI",
        "MULTI",
        "WATCH {a}",
        "SET {a} 1",
        "SET {b} 2 XX NX",
        "GET {a}",
        "SET {b} 2",
        "PING",
        "ECHO hi",
        "EXEC",
        "MULTI",
        "SET {a} 1",
        "NOSUCHCOMMAND x",
        "SET {a}",
        "EXEC",
        "GET {a}",
        "MULTI",
        "EXEC",
        "MULTI",
        "SET {a} z",
        "DISCARD",
        "GET {a}",
        "MULTI",
        "SET {a} x",
        "SELECT 1",
        "GET {a}",
        "SET {b} in-db1",
        "SELECT 0",
        "GET {b}",
        "EXEC",
        "SELECT 1",
        "GET {b}",
        "SELECT 0",
        "WATCH {a} {b}",
        "WATCH {a}",
        "MULTI",
        "GET {a}",
        "UNWATCH",
        "EXEC",
        "UNWATCH",
        "MULTI",
        "SELECT 99",
        "GET {a}",
        "EXEC",
        "WATCH",
        "MULTI",
        "PUBLISH nobody x",
        "PUBSUB NUMSUB nobody",
        "SET {b} last",
        "EXEC",
        "MULTI",
        "SUBSCRIBE chan",
        "EXEC",
        "GET {a}",
        "MULTI",
        "QUIT",
    ]
    .iter()
    .map(|l| l.replace("{a}", &a).replace("{b}", &b))
    .collect();
    let mut ours = srv.shard_conn(0);
    let mut theirs = reference.conn();
    assert_same_bytes(&mut ours, &mut theirs, &words(&script));
    // Both closed the connection after QUIT.
    assert!(ours.is_closed_within(Duration::from_secs(5)));
    assert!(theirs.is_closed_within(Duration::from_secs(5)));

    // A watch made void by another client, compared too.
    for (port, name) in [(srv.shard_port(1), "coreshard"), (reference.port(), "redis")] {
        let mut c = RespConn::connect(port);
        let mut other = RespConn::connect(port);
        c.cmd(&["WATCH", &a]);
        other.cmd(&["SET", &a, "other"]);
        c.cmd(&["MULTI"]);
        c.cmd(&["SET", &a, "mine"]);
        assert_eq!(c.cmd_raw(&["EXEC"]), b"*-1\r\n", "{name}");
    }
}

#[test]
fn exec_after_pipelined_remote_commands_keeps_reply_order() {
    let srv = Coreshard::start(SHARDS, &[]);
    let a = key_on(SHARDS, 1, "p");
    let mut c = srv.shard_conn(0);
    // Remote GET/SET batched in the pipeline before MULTI/EXEC.
    c.send(&["SET", &a, "1"]);
    c.send(&["GET", &a]);
    c.send(&["MULTI"]);
    c.send(&["SET", &a, "2"]);
    c.send(&["GET", &a]);
    c.send(&["EXEC"]);
    c.send(&["GET", &a]);
    assert_eq!(c.read_reply(), Reply::ok());
    assert_eq!(c.read_reply(), Reply::bulk("1"));
    assert_eq!(c.read_reply(), Reply::ok());
    assert_eq!(c.read_reply(), queued());
    assert_eq!(c.read_reply(), queued());
    assert_eq!(c.read_reply(), Reply::Array(vec![Reply::ok(), Reply::bulk("2")]));
    assert_eq!(c.read_reply(), Reply::bulk("2"));
}
