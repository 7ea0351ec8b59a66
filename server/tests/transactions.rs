//! MULTI/EXEC/WATCH against the real binary: atomicity across cores, WATCH
//! across cores, and replies compared with redis-server.

mod local_server;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use local_server::{coreshard, key_on, redis, shard_of, Client, Reply};

fn ok() -> Reply {
    Reply::Simple("OK".into())
}

fn queued() -> Reply {
    Reply::Simple("QUEUED".into())
}

/// Writers set two keys on different shards to the same value in one
/// MULTI/EXEC; readers on both cores read both in one MULTI/EXEC and must
/// never see them differ.
#[test]
fn exec_across_two_shards_is_atomic() {
    let srv = coreshard(&[]);
    let a = key_on(0, "a");
    let b = key_on(1, "b");
    assert_ne!(shard_of(&a), shard_of(&b));
    let mut init = srv.client();
    init.cmd(&format!("SET {a} 0"));
    init.cmd(&format!("SET {b} 0"));
    let writers_done = Arc::new(AtomicUsize::new(0));
    let torn = Arc::new(AtomicUsize::new(0));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for core in 0..2 {
        let (port, wa, wb, done) = (srv.shard_port(core), a.clone(), b.clone(), writers_done.clone());
        threads.push(std::thread::spawn(move || {
            let (a, b) = (wa, wb);
            let mut w = Client::connect(port);
            for i in 0..2000 {
                let v = format!("{core}-{i}");
                // Pipelined: MULTI, two SETs, EXEC.
                w.send("MULTI");
                w.send(&format!("SET {a} {v}"));
                w.send(&format!("SET {b} {v}"));
                w.send("EXEC");
                assert_eq!(w.read(), ok());
                assert_eq!(w.read(), queued());
                assert_eq!(w.read(), queued());
                assert_eq!(w.read(), Reply::Array(Some(vec![ok(), ok()])));
            }
            done.fetch_add(1, Ordering::Relaxed);
        }));
        for _ in 0..2 {
            let (port, a, b, done, torn, reads) =
                (srv.shard_port(core), a.clone(), b.clone(), writers_done.clone(), torn.clone(), reads.clone());
            threads.push(std::thread::spawn(move || {
                let mut r = Client::connect(port);
                while done.load(Ordering::Relaxed) < 2 {
                    r.send("MULTI");
                    r.send(&format!("GET {a}"));
                    r.send(&format!("GET {b}"));
                    r.send("EXEC");
                    for _ in 0..3 {
                        r.read();
                    }
                    let reply = r.read();
                    let v = reply.items();
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
    let mut c = srv.client();
    assert_eq!(c.cmd(&format!("GET {a}")), c.cmd(&format!("GET {b}")));
}

/// Plain GETs on both cores keep being served while cross-shard EXECs hold
/// the shards (a command for a held shard waits for the release, never
/// deadlocks), and each key's value never goes back.
#[test]
fn plain_reads_interleave_with_cross_shard_exec() {
    let srv = coreshard(&[]);
    let a = key_on(0, "x");
    let b = key_on(1, "y");
    let mut init = srv.client();
    init.cmd(&format!("SET {a} 0"));
    init.cmd(&format!("SET {b} 0"));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (port, a, b, stop) = (srv.shard_port(1), a.clone(), b.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut w = Client::connect(port);
            for i in 1..=3000 {
                w.send("MULTI");
                w.send(&format!("SET {a} {i}"));
                w.send(&format!("SET {b} {i}"));
                w.send("EXEC");
                for _ in 0..4 {
                    w.read();
                }
            }
            stop.store(true, Ordering::Relaxed);
        })
    };
    let num = |r: Reply| -> i64 {
        match r {
            Reply::Bulk(Some(v)) => String::from_utf8(v).unwrap().parse().unwrap(),
            other => panic!("{other:?}"),
        }
    };
    let readers: Vec<_> = (0..2)
        .map(|core| {
            let (port, a, b, stop) = (srv.shard_port(core), a.clone(), b.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut r = Client::connect(port);
                let (mut last_a, mut last_b, mut checks) = (0, 0, 0);
                while !stop.load(Ordering::Relaxed) {
                    // Pipelined, so remote GETs travel as batches.
                    r.send(&format!("GET {a}"));
                    r.send(&format!("GET {b}"));
                    let (va, vb) = (num(r.read()), num(r.read()));
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
    let mut c = srv.client();
    assert_eq!(num(c.cmd(&format!("GET {a}"))), 3000);
    assert_eq!(num(c.cmd(&format!("GET {b}"))), 3000);
}

#[test]
fn watch_aborts_when_another_core_writes_the_key() {
    let srv = coreshard(&[]);
    for owner in 0..2 {
        let k = key_on(owner, "w");
        let other = key_on(1 - owner, "o");
        // The watcher lives on the other core than the key.
        let mut c = srv.shard_client(1 - owner);
        let mut intruder = srv.shard_client(owner);

        assert_eq!(c.cmd(&format!("WATCH {k}")), ok());
        assert_eq!(intruder.cmd(&format!("SET {k} changed")), ok());
        c.cmd("MULTI");
        c.cmd(&format!("SET {k} mine"));
        c.cmd(&format!("SET {other} mine"));
        assert_eq!(c.cmd("EXEC"), Reply::Array(None));
        assert_eq!(c.cmd(&format!("GET {k}")), Reply::bulk("changed"));
        assert_eq!(c.cmd(&format!("GET {other}")), Reply::Bulk(None));

        // EXEC forgot the watch: the next transaction runs.
        intruder.cmd(&format!("SET {k} again"));
        c.cmd("MULTI");
        c.cmd(&format!("SET {k} mine"));
        assert_eq!(c.cmd("EXEC"), Reply::Array(Some(vec![ok()])));

        // Unchanged watched keys on both shards: EXEC runs.
        c.cmd(&format!("WATCH {k} {other}"));
        c.cmd("MULTI");
        c.cmd(&format!("GET {k}"));
        assert_eq!(c.cmd("EXEC"), Reply::Array(Some(vec![Reply::bulk("mine")])));

        // UNWATCH forgets; DISCARD forgets.
        c.cmd(&format!("WATCH {k}"));
        c.cmd("UNWATCH");
        intruder.cmd(&format!("SET {k} 3"));
        c.cmd("MULTI");
        assert_eq!(c.cmd("EXEC"), Reply::Array(Some(vec![])));
        c.cmd(&format!("WATCH {k}"));
        c.cmd("MULTI");
        assert_eq!(c.cmd("DISCARD"), ok());
        intruder.cmd(&format!("SET {k} 4"));
        c.cmd("MULTI");
        assert_eq!(c.cmd("EXEC"), Reply::Array(Some(vec![])));

        // A write landing between WATCH and EXEC from a third client.
        c.cmd(&format!("WATCH {k} {other}"));
        srv.client().cmd(&format!("SET {other} x"));
        c.cmd("MULTI");
        c.cmd(&format!("SET {k} never"));
        assert_eq!(c.cmd("EXEC"), Reply::Array(None));
        assert_eq!(c.cmd(&format!("GET {k}")), Reply::bulk("4"));
    }
}

/// Many watchers race many writers: an EXEC that succeeded must have seen no
/// write to its key since WATCH (a counter incremented with WATCH/GET/SET
/// never loses an update).
#[test]
fn watch_based_increments_never_lose_updates() {
    let srv = coreshard(&[]);
    let k = key_on(1, "ctr");
    srv.client().cmd(&format!("SET {k} 0"));
    let per_client = 150;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (port, k) = (srv.shard_port(t % 2), k.clone());
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                let mut done = 0;
                while done < per_client {
                    c.cmd(&format!("WATCH {k}"));
                    let Reply::Bulk(Some(v)) = c.cmd(&format!("GET {k}")) else { panic!() };
                    let n: i64 = String::from_utf8(v).unwrap().parse().unwrap();
                    c.send("MULTI");
                    c.send(&format!("SET {k} {}", n + 1));
                    c.send("EXEC");
                    c.read();
                    c.read();
                    if c.read() != Reply::Array(None) {
                        done += 1;
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(srv.client().cmd(&format!("GET {k}")), Reply::bulk(&(4 * per_client).to_string()));
}

#[test]
fn a_watched_key_that_expires_aborts_exec() {
    let srv = coreshard(&[]);
    let mut c = srv.shard_client(0);
    let k = key_on(1, "ttl");
    c.cmd(&format!("SET {k} v PX 100"));
    c.cmd(&format!("WATCH {k}"));
    std::thread::sleep(Duration::from_millis(200));
    c.cmd("MULTI");
    c.cmd("PING");
    assert_eq!(c.cmd("EXEC"), Reply::Array(None));
    // Already expired when watched: its removal is no change.
    c.cmd(&format!("SET {k} v PX 20"));
    std::thread::sleep(Duration::from_millis(100));
    c.cmd(&format!("WATCH {k}"));
    c.cmd("MULTI");
    c.cmd("PING");
    assert_eq!(c.cmd("EXEC"), Reply::Array(Some(vec![Reply::Simple("PONG".into())])));
}

/// Transaction sequences, byte for byte as redis-server answers them. Keys
/// are chosen so that the transactions span both shards.
#[test]
fn transaction_replies_match_redis() {
    let Some(reference) = redis() else {
        eprintln!("redis-server not installed; skipping the comparison");
        return;
    };
    let srv = coreshard(&[]);
    let a = key_on(0, "a");
    let b = key_on(1, "b");
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
    let mut ours = srv.shard_client(0);
    let mut theirs = reference.client();
    for line in &script {
        let (x, y) = (ours.cmd_raw(line), theirs.cmd_raw(line));
        assert_eq!(String::from_utf8_lossy(&x), String::from_utf8_lossy(&y), "reply to {line}");
    }
    // Both closed the connection after QUIT.
    assert!(ours.try_read().is_err());
    assert!(theirs.try_read().is_err());

    // A watch made void by another client, compared too.
    for (srv_port, name) in [(srv.shard_port(1), "coreshard"), (reference.port, "redis")] {
        let mut c = Client::connect(srv_port);
        let mut other = Client::connect(srv_port);
        c.cmd(&format!("WATCH {a}"));
        other.cmd(&format!("SET {a} other"));
        c.cmd("MULTI");
        c.cmd(&format!("SET {a} mine"));
        assert_eq!(c.cmd_raw("EXEC"), b"*-1\r\n", "{name}");
    }
}

#[test]
fn exec_after_pipelined_remote_commands_keeps_reply_order() {
    let srv = coreshard(&[]);
    let a = key_on(1, "p");
    let mut c = srv.shard_client(0);
    // Remote GET/SET batched in the pipeline before MULTI/EXEC.
    c.send(&format!("SET {a} 1"));
    c.send(&format!("GET {a}"));
    c.send("MULTI");
    c.send(&format!("SET {a} 2"));
    c.send(&format!("GET {a}"));
    c.send("EXEC");
    c.send(&format!("GET {a}"));
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), Reply::bulk("1"));
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), queued());
    assert_eq!(c.read(), queued());
    assert_eq!(c.read(), Reply::Array(Some(vec![ok(), Reply::bulk("2")])));
    assert_eq!(c.read(), Reply::bulk("2"));
}
