//! Pub/Sub across cores, against the real binary.

mod local_server;

use std::io::Read;
use std::time::Duration;

use local_server::{coreshard, redis, Client, Reply};

fn message(channel: &str, msg: &str) -> Reply {
    Reply::Array(Some(vec![Reply::bulk("message"), Reply::bulk(channel), Reply::bulk(msg)]))
}

fn pmessage(pattern: &str, channel: &str, msg: &str) -> Reply {
    Reply::Array(Some(vec![Reply::bulk("pmessage"), Reply::bulk(pattern), Reply::bulk(channel), Reply::bulk(msg)]))
}

fn confirm(kind: &str, name: &str, n: i64) -> Reply {
    Reply::Array(Some(vec![Reply::bulk(kind), Reply::bulk(name), Reply::Int(n)]))
}

#[test]
fn publishes_reach_subscribers_on_every_core() {
    let srv = coreshard(&[]);
    // One subscriber per core (shard ports pin a connection to its core),
    // plus a pattern subscriber on core 1.
    let mut sub0 = srv.shard_client(0);
    let mut sub1 = srv.shard_client(1);
    let mut psub1 = srv.shard_client(1);
    assert_eq!(sub0.cmd("SUBSCRIBE news"), confirm("subscribe", "news", 1));
    assert_eq!(sub1.cmd("SUBSCRIBE news"), confirm("subscribe", "news", 1));
    assert_eq!(psub1.cmd("PSUBSCRIBE n*"), confirm("psubscribe", "n*", 1));

    for (core, text) in [(0, "from-core-0"), (1, "from-core-1")] {
        let mut publisher = srv.shard_client(core);
        assert_eq!(publisher.cmd(&format!("PUBLISH news {text}")), Reply::Int(3), "publisher on core {core}");
        assert_eq!(sub0.read(), message("news", text));
        assert_eq!(sub1.read(), message("news", text));
        assert_eq!(psub1.read(), pmessage("n*", "news", text));
        // Only the pattern matches here.
        assert_eq!(publisher.cmd("PUBLISH nothing x"), Reply::Int(1));
        assert_eq!(psub1.read(), pmessage("n*", "nothing", "x"));
        assert_eq!(publisher.cmd("PUBLISH other x"), Reply::Int(0));
    }
    // The main port reaches every core too.
    let mut publisher = srv.client();
    assert_eq!(publisher.cmd("PUBLISH news main"), Reply::Int(3));
    assert_eq!(sub0.read(), message("news", "main"));
}

#[test]
fn subscribed_resp2_clients_are_restricted() {
    let srv = coreshard(&[]);
    let mut c = srv.shard_client(0);
    c.cmd("SUBSCRIBE ch");
    assert_eq!(
        c.cmd("GET x"),
        Reply::Error(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
             this context"
                .into()
        )
    );
    assert_eq!(c.cmd("PING"), Reply::Array(Some(vec![Reply::bulk("pong"), Reply::bulk("")])));
    assert_eq!(srv.shard_client(1).cmd("PUBLISH ch m"), Reply::Int(1));
    assert_eq!(c.read(), message("ch", "m"));
    assert_eq!(c.cmd("UNSUBSCRIBE"), confirm("unsubscribe", "ch", 0));
    assert_eq!(c.cmd("GET x"), Reply::Bulk(None));
    assert_eq!(c.cmd("PING"), Reply::Simple("PONG".into()));
}

/// RESP3 subscribers get `>` pushes and may run any command meanwhile.
/// Needs HELLO, which lives with the connection commands; until this build
/// has it the test says so and checks the refusal only (the encoding itself
/// is unit-tested in `pubsub.rs`).
#[test]
fn resp3_subscribers_get_pushes() {
    let srv = coreshard(&[]);
    let mut c = srv.shard_client(0);
    c.cmd("SUBSCRIBE ch");
    let mut r3 = srv.shard_client(1);
    if let Reply::Error(e) = r3.cmd("HELLO 3") {
        assert!(e.starts_with("ERR unknown command 'HELLO'"), "{e}");
        eprintln!("HELLO is not available in this build; RESP3 pushes not checked end to end");
        return;
    }
    let start = r3.raw.len();
    r3.cmd("SUBSCRIBE ch");
    assert_eq!(&r3.raw[start..], b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    assert_eq!(r3.cmd("SET k v"), Reply::Simple("OK".into()));
    let mut p = srv.shard_client(0);
    assert_eq!(p.cmd("PUBLISH ch hello"), Reply::Int(2));
    let start = r3.raw.len();
    r3.read();
    assert_eq!(&r3.raw[start..], b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
    assert_eq!(c.read(), message("ch", "hello"));
}

#[test]
fn pubsub_introspection_counts_every_core() {
    let srv = coreshard(&[]);
    let mut a = srv.shard_client(0);
    let mut b = srv.shard_client(1);
    let mut c = srv.shard_client(1);
    a.cmd("SUBSCRIBE x y");
    a.read();
    b.cmd("SUBSCRIBE x");
    c.cmd("PSUBSCRIBE p*");
    let mut q = srv.shard_client(0);
    let numsub = |q: &mut Client| q.cmd("PUBSUB NUMSUB x y z");
    assert_eq!(
        numsub(&mut q),
        Reply::Array(Some(vec![
            Reply::bulk("x"),
            Reply::Int(2),
            Reply::bulk("y"),
            Reply::Int(1),
            Reply::bulk("z"),
            Reply::Int(0)
        ]))
    );
    let Reply::Array(Some(mut chans)) = q.cmd("PUBSUB CHANNELS") else { panic!() };
    chans.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(chans, vec![Reply::bulk("x"), Reply::bulk("y")]);
    assert_eq!(q.cmd("PUBSUB CHANNELS y*"), Reply::Array(Some(vec![Reply::bulk("y")])));
    assert_eq!(q.cmd("PUBSUB NUMPAT"), Reply::Int(1));
    let mut d = srv.shard_client(0);
    d.cmd("PSUBSCRIBE p*");
    assert_eq!(q.cmd("PUBSUB NUMPAT"), Reply::Int(1), "unique patterns across cores");
    assert_eq!(q.cmd("PUBSUB NUMSUB"), Reply::Array(Some(vec![])));
    // A subscriber that leaves is forgotten on its core.
    drop(b);
    Client::eventually("b's subscription dropped", || numsub(&mut q).items()[1] == Reply::Int(1));
    a.cmd("UNSUBSCRIBE x");
    assert_eq!(numsub(&mut q).items()[1], Reply::Int(0));
    assert_eq!(q.cmd("PUBSUB CHANNELS"), Reply::Array(Some(vec![Reply::bulk("y")])));
}

/// Subscribe and unsubscribe replies, byte for byte as redis-server sends
/// them.
#[test]
fn subscription_replies_match_redis() {
    let Some(reference) = redis() else {
        eprintln!("redis-server not installed; skipping the comparison");
        return;
    };
    let srv = coreshard(&[]);
    let script = [
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "SUBSCRIBE a a",
        "SUBSCRIBE b",
        "PSUBSCRIBE p?",
        "UNSUBSCRIBE nope",
        "UNSUBSCRIBE a",
        "UNSUBSCRIBE b",
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "PING",
        "PING hi",
        "SUBSCRIBE",
        "PUBLISH a",
        "PSUBSCRIBE x",
        "GET k",
        "PUNSUBSCRIBE",
        "GET k",
        "PUBSUB NUMSUB a b",
        "PUBSUB NUMPAT",
        "PUBSUB NUMPAT x",
        "PUBSUB HELP x",
        "PUBSUB FOO",
        "PUBSUB CHANNELS a b",
        "PUBSUB CHANNELS",
        "PUBLISH nobody x",
    ];
    let mut ours = srv.shard_client(1);
    let mut theirs = reference.client();
    for line in script {
        let (a, b) = (ours.cmd_raw(line), theirs.cmd_raw(line));
        assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b), "reply to {line}");
    }
}

#[test]
fn pubsub_inside_multi_runs_at_exec() {
    let srv = coreshard(&[]);
    let mut sub = srv.shard_client(1);
    sub.cmd("SUBSCRIBE ch");
    let mut c = srv.shard_client(0);
    assert_eq!(c.cmd("MULTI"), Reply::Simple("OK".into()));
    assert_eq!(c.cmd("SET k v"), Reply::Simple("QUEUED".into()));
    assert_eq!(c.cmd("PUBLISH ch m"), Reply::Simple("QUEUED".into()));
    assert_eq!(c.cmd("PUBSUB NUMSUB ch"), Reply::Simple("QUEUED".into()));
    assert_eq!(
        c.cmd("EXEC"),
        Reply::Array(Some(vec![
            Reply::Simple("OK".into()),
            Reply::Int(1),
            Reply::Array(Some(vec![Reply::bulk("ch"), Reply::Int(1)]))
        ]))
    );
    assert_eq!(sub.read(), message("ch", "m"));
    // The shards are free again.
    assert_eq!(c.cmd("GET k"), Reply::bulk("v"));
    assert_eq!(srv.shard_client(1).cmd("PUBLISH ch n"), Reply::Int(1));
}

#[test]
fn a_slow_subscriber_is_disconnected_and_the_others_keep_going() {
    let srv = coreshard(&["--pubsub-output-limit", "64kb"]);
    // Never reads: its socket buffers fill, then its outbox.
    let mut slow = srv.shard_client(1);
    slow.cmd("SUBSCRIBE feed");
    let mut fast = srv.shard_client(0);
    fast.cmd("SUBSCRIBE feed");
    let mut publisher = srv.shard_client(0);
    let payload = "x".repeat(1024);
    let total = 30_000;
    let reader = std::thread::spawn(move || {
        for i in 0..total {
            match fast.read() {
                Reply::Array(Some(v)) if v.len() == 3 => {}
                other => panic!("message {i}: {other:?}"),
            }
        }
        fast
    });
    let mut delivered_to_both = 0;
    let cmd = Client::encode(&[b"PUBLISH", b"feed", payload.as_bytes()]);
    for _ in 0..total / 100 {
        let batch: Vec<u8> = cmd.iter().copied().cycle().take(cmd.len() * 100).collect();
        std::io::Write::write_all(&mut publisher.stream(), &batch).unwrap();
        for _ in 0..100 {
            match publisher.read() {
                Reply::Int(2) => delivered_to_both += 1,
                Reply::Int(1) => {}
                other => panic!("PUBLISH: {other:?}"),
            }
        }
    }
    let mut fast = reader.join().unwrap();
    assert!(delivered_to_both < total, "the slow subscriber was never dropped");
    assert_eq!(publisher.cmd("PUBSUB NUMSUB feed"), Reply::Array(Some(vec![Reply::bulk("feed"), Reply::Int(1)])));
    // The slow client's connection is closed: reading drains what the
    // kernel buffered, then ends.
    slow.set_timeout(Some(Duration::from_secs(10)));
    let mut sink = vec![0; 1 << 16];
    let mut s = slow.stream();
    loop {
        match s.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // The fast one still works.
    assert_eq!(publisher.cmd("PUBLISH feed last"), Reply::Int(1));
    assert_eq!(fast.read(), message("feed", "last"));
    assert_eq!(fast.cmd("PING"), Reply::Array(Some(vec![Reply::bulk("pong"), Reply::bulk("")])));
}
