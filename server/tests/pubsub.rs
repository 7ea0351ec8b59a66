//! Pub/Sub across cores, against the real binary: deliveries to subscribers
//! on every core, RESP2 subscribed mode, RESP3 push frames, introspection,
//! and replies compared byte for byte with redis-server.

mod common;

use std::time::Duration;

use common::{
    compare_bytes, compare_replies, encode_command, key_on, wait_until, Coreshard, RedisServer, Reply, RespConn,
};

const SHARDS: usize = 2;

fn message(channel: &str, msg: &str) -> Reply {
    Reply::bulks(&["message", channel, msg])
}

fn pmessage(pattern: &str, channel: &str, msg: &str) -> Reply {
    Reply::bulks(&["pmessage", pattern, channel, msg])
}

/// A RESP2 subscribe/unsubscribe confirmation.
fn confirm(kind: &str, name: &str, n: i64) -> Reply {
    Reply::Array(vec![Reply::bulk(kind), Reply::bulk(name), Reply::Integer(n)])
}

/// The same reply as a RESP3 push frame.
fn push(reply: Reply) -> Reply {
    Reply::Push(reply.items())
}

/// Switches `c` to protocol `proto` with HELLO.
fn hello(c: &mut RespConn, proto: i64) {
    let reply = c.cmd(&["HELLO", &proto.to_string()]);
    assert_eq!(matches!(reply, Reply::Map(_)), proto == 3, "HELLO {proto}: {reply:?}");
    assert_eq!(reply.field("proto"), Reply::Integer(proto));
}

#[test]
fn publishes_reach_subscribers_on_every_core() {
    let srv = Coreshard::start(SHARDS, &[]);
    // One subscriber per core (shard ports pin a connection to its core),
    // plus a pattern subscriber on core 1.
    let mut sub0 = srv.shard_conn(0);
    let mut sub1 = srv.shard_conn(1);
    let mut psub1 = srv.shard_conn(1);
    assert_eq!(sub0.cmd(&["SUBSCRIBE", "news"]), confirm("subscribe", "news", 1));
    assert_eq!(sub1.cmd(&["SUBSCRIBE", "news"]), confirm("subscribe", "news", 1));
    assert_eq!(psub1.cmd(&["PSUBSCRIBE", "n*"]), confirm("psubscribe", "n*", 1));

    for (core, text) in [(0, "from-core-0"), (1, "from-core-1")] {
        let mut publisher = srv.shard_conn(core);
        assert_eq!(publisher.cmd(&["PUBLISH", "news", text]), Reply::Integer(3), "publisher on core {core}");
        assert_eq!(sub0.read_reply(), message("news", text));
        assert_eq!(sub1.read_reply(), message("news", text));
        assert_eq!(psub1.read_reply(), pmessage("n*", "news", text));
        // Only the pattern matches here.
        assert_eq!(publisher.cmd(&["PUBLISH", "nothing", "x"]), Reply::Integer(1));
        assert_eq!(psub1.read_reply(), pmessage("n*", "nothing", "x"));
        assert_eq!(publisher.cmd(&["PUBLISH", "other", "x"]), Reply::Integer(0));
    }
    // The main port reaches every core too.
    let mut publisher = srv.conn();
    assert_eq!(publisher.cmd(&["PUBLISH", "news", "main"]), Reply::Integer(3));
    assert_eq!(sub0.read_reply(), message("news", "main"));
}

#[test]
fn subscribed_resp2_clients_are_restricted() {
    let srv = Coreshard::start(SHARDS, &[]);
    let mut c = srv.shard_conn(0);
    c.cmd(&["SUBSCRIBE", "ch"]);
    assert_eq!(
        c.cmd(&["GET", "x"]),
        Reply::error(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
             this context"
        )
    );
    assert_eq!(c.cmd(&["PING"]), Reply::bulks(&["pong", ""]));
    assert_eq!(srv.shard_conn(1).cmd(&["PUBLISH", "ch", "m"]), Reply::Integer(1));
    assert_eq!(c.read_reply(), message("ch", "m"));
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), confirm("unsubscribe", "ch", 0));
    assert_eq!(c.cmd(&["GET", "x"]), Reply::NullBulk);
    assert_eq!(c.cmd(&["PING"]), Reply::simple("PONG"));
}

/// One step of a subscriber/publisher exchange, run against both servers.
enum Step<'a> {
    /// The subscriber sends a command and gets this many replies (one per channel of a SUBSCRIBE).
    Sub(&'a [&'a str], usize),
    /// The publisher sends a PUBLISH; then the subscriber gets this many deliveries.
    Publish(&'a [&'a str], usize),
    /// The subscriber switches protocol with HELLO; the reply carries the server's own client
    /// id, so only its protocol is compared.
    Hello(i64),
}

/// A RESP3 subscriber (`HELLO 3`) compared byte for byte with redis-server:
/// subscribe and unsubscribe confirmations, `message` and `pmessage`
/// deliveries are `>` push frames; regular commands (on keys of both shards)
/// run while subscribed and answer in RESP3; a RESP2 subscriber cannot
/// switch protocol until it leaves subscribed mode. The publisher sits on
/// the subscriber's core and on the other one.
#[test]
fn resp3_push_frames_match_redis() {
    let reference = RedisServer::start();
    let srv = Coreshard::start(SHARDS, &[]);
    let (k0, k1) = (key_on(SHARDS, 0, "k"), key_on(SHARDS, 1, "k"));
    let (m0, m1) = (key_on(SHARDS, 0, "missing"), key_on(SHARDS, 1, "missing"));
    let script = [
        Step::Sub(&["SUBSCRIBE", "news", "pa"], 2),
        Step::Sub(&["PSUBSCRIBE", "p*", "n*"], 2),
        Step::Sub(&["SUBSCRIBE", "news"], 1),
        Step::Publish(&["PUBLISH", "news", "x"], 2),
        Step::Publish(&["PUBLISH", "pa", "y"], 2),
        Step::Publish(&["PUBLISH", "pz", "z"], 1),
        Step::Publish(&["PUBLISH", "other", "w"], 0),
        Step::Sub(&["SET", &k0, "v0"], 1),
        Step::Sub(&["SET", &k1, "v1"], 1),
        Step::Sub(&["GET", &k0], 1),
        Step::Sub(&["GET", &k1], 1),
        Step::Sub(&["GET", &m0], 1),
        Step::Sub(&["GET", &m1], 1),
        Step::Sub(&["PING"], 1),
        Step::Sub(&["PING", "hi"], 1),
        Step::Sub(&["PUBSUB", "NUMSUB", "news", "pa", "none"], 1),
        Step::Sub(&["PUBSUB", "NUMPAT"], 1),
        Step::Sub(&["MULTI"], 1),
        Step::Sub(&["GET", &k1], 1),
        Step::Sub(&["GET", &m0], 1),
        Step::Sub(&["EXEC"], 1),
        Step::Publish(&["PUBLISH", "news", "after-exec"], 2),
        Step::Sub(&["SUBSCRIBE"], 1),
        Step::Sub(&["UNSUBSCRIBE", "news", "nope"], 2),
        Step::Sub(&["UNSUBSCRIBE"], 1),
        Step::Publish(&["PUBLISH", "news", "pattern-only"], 1),
        Step::Sub(&["PUNSUBSCRIBE", "x", "n*"], 2),
        Step::Sub(&["PUNSUBSCRIBE"], 1),
        Step::Sub(&["UNSUBSCRIBE"], 1),
        Step::Sub(&["PUNSUBSCRIBE"], 1),
        Step::Publish(&["PUBLISH", "news", "nobody"], 0),
        Step::Sub(&["GET", &m1], 1),
        // Protocol switches: RESP2 subscribed mode refuses HELLO.
        Step::Sub(&["SUBSCRIBE", "again"], 1),
        Step::Hello(2),
        Step::Sub(&["PING"], 1),
        Step::Sub(&["GET", &m0], 1),
        Step::Sub(&["HELLO", "3"], 1),
        Step::Sub(&["UNSUBSCRIBE"], 1),
        Step::Sub(&["RESET"], 1),
        Step::Sub(&["PING"], 1),
    ];
    let mut mismatches = Vec::new();
    for publisher_core in 0..SHARDS {
        let (mut ours, mut theirs) = (srv.shard_conn(1), reference.conn());
        let (mut ours_pub, mut theirs_pub) = (srv.shard_conn(publisher_core), reference.conn());
        hello(&mut ours, 3);
        hello(&mut theirs, 3);
        for step in &script {
            let result = match step {
                Step::Hello(proto) => {
                    for c in [&mut ours, &mut theirs] {
                        hello(c, *proto);
                    }
                    Ok(())
                }
                Step::Sub(args, replies) => compare_bytes(&mut ours, &mut theirs, args, *replies),
                Step::Publish(args, deliveries) => {
                    compare_bytes(&mut ours_pub, &mut theirs_pub, args, 1).and_then(|()| {
                        compare_replies(&mut ours, &mut theirs, *deliveries, &format!("{args:?} delivered"))
                    })
                }
            };
            if let Err(e) = result {
                mismatches.push(format!("publisher on core {publisher_core}: {e}"));
            }
        }
        assert!(!ours.has_data_within(Duration::from_millis(100)), "a stray frame after the script");
    }
    assert!(mismatches.is_empty(), "RESP3 pub/sub differs from redis-server:\n{}", mismatches.join("\n"));
}

/// A RESP2 and a RESP3 subscriber of one channel each get their own
/// encoding; the RESP3 one keeps using keys on every shard, and publishes to
/// its own channel.
#[test]
fn resp3_subscriber_runs_commands_on_every_shard() {
    let srv = Coreshard::start(SHARDS, &[]);
    let mut resp2 = srv.shard_conn(0);
    assert_eq!(resp2.cmd(&["SUBSCRIBE", "ch"]), confirm("subscribe", "ch", 1));
    let mut r3 = srv.shard_conn(1);
    hello(&mut r3, 3);
    assert_eq!(r3.cmd(&["SUBSCRIBE", "ch"]), push(confirm("subscribe", "ch", 1)));
    for shard in 0..SHARDS {
        let k = key_on(SHARDS, shard, "k");
        assert_eq!(r3.cmd(&["SET", &k, "v"]), Reply::ok());
        assert_eq!(r3.cmd(&["GET", &k]), Reply::bulk("v"));
        assert_eq!(r3.cmd(&["GET", &key_on(SHARDS, shard, "missing")]), Reply::Null);
    }
    assert_eq!(srv.shard_conn(0).cmd(&["PUBLISH", "ch", "hello"]), Reply::Integer(2));
    assert_eq!(r3.read_reply(), push(message("ch", "hello")));
    assert_eq!(resp2.read_reply(), message("ch", "hello"));
    // Its own PUBLISH: the delivery comes before the reply, as from redis-server.
    r3.send(&["PUBLISH", "ch", "self"]);
    assert_eq!(r3.read_reply(), push(message("ch", "self")));
    assert_eq!(r3.read_reply(), Reply::Integer(2));
    assert_eq!(resp2.read_reply(), message("ch", "self"));
    assert_eq!(r3.cmd(&["UNSUBSCRIBE", "ch"]), push(confirm("unsubscribe", "ch", 0)));
    assert_eq!(srv.conn().cmd(&["PUBLISH", "ch", "last"]), Reply::Integer(1));
    assert_eq!(resp2.read_reply(), message("ch", "last"));
    assert!(!r3.has_data_within(Duration::from_millis(100)), "no delivery after UNSUBSCRIBE");
}

#[test]
fn pubsub_introspection_counts_every_core() {
    let srv = Coreshard::start(SHARDS, &[]);
    let mut a = srv.shard_conn(0);
    let mut b = srv.shard_conn(1);
    let mut c = srv.shard_conn(1);
    a.cmd(&["SUBSCRIBE", "x", "y"]);
    a.read_reply();
    b.cmd(&["SUBSCRIBE", "x"]);
    c.cmd(&["PSUBSCRIBE", "p*"]);
    let mut q = srv.shard_conn(0);
    let numsub = |q: &mut RespConn| q.cmd(&["PUBSUB", "NUMSUB", "x", "y", "z"]).items();
    assert_eq!(
        numsub(&mut q),
        [Reply::bulk("x"), Reply::Integer(2), Reply::bulk("y"), Reply::Integer(1), Reply::bulk("z"), Reply::Integer(0)]
    );
    assert_eq!(q.cmd(&["PUBSUB", "CHANNELS"]).sorted(), Reply::bulks(&["x", "y"]));
    assert_eq!(q.cmd(&["PUBSUB", "CHANNELS", "y*"]), Reply::bulks(&["y"]));
    assert_eq!(q.cmd(&["PUBSUB", "NUMPAT"]), Reply::Integer(1));
    let mut d = srv.shard_conn(0);
    d.cmd(&["PSUBSCRIBE", "p*"]);
    assert_eq!(q.cmd(&["PUBSUB", "NUMPAT"]), Reply::Integer(1), "unique patterns across cores");
    assert_eq!(q.cmd(&["PUBSUB", "NUMSUB"]), Reply::Array(vec![]));
    // A subscriber that leaves is forgotten on its core.
    drop(b);
    wait_until("b's subscription dropped", Duration::from_secs(20), || numsub(&mut q)[1] == Reply::Integer(1));
    a.cmd(&["UNSUBSCRIBE", "x"]);
    assert_eq!(numsub(&mut q)[1], Reply::Integer(0));
    assert_eq!(q.cmd(&["PUBSUB", "CHANNELS"]), Reply::bulks(&["y"]));
}

/// Subscribe and unsubscribe replies in RESP2, byte for byte as
/// redis-server sends them.
#[test]
fn subscription_replies_match_redis() {
    let reference = RedisServer::start();
    let srv = Coreshard::start(SHARDS, &[]);
    // Each command with the number of replies it gets.
    let script = [
        ("UNSUBSCRIBE", 1),
        ("PUNSUBSCRIBE", 1),
        ("SUBSCRIBE a a", 2),
        ("SUBSCRIBE b", 1),
        ("PSUBSCRIBE p?", 1),
        ("UNSUBSCRIBE nope", 1),
        ("UNSUBSCRIBE a", 1),
        ("UNSUBSCRIBE b", 1),
        ("UNSUBSCRIBE", 1),
        ("PUNSUBSCRIBE", 1),
        ("PUNSUBSCRIBE", 1),
        ("PING", 1),
        ("PING hi", 1),
        ("SUBSCRIBE", 1),
        ("PUBLISH a", 1),
        ("PSUBSCRIBE x", 1),
        ("GET k", 1),
        ("PUNSUBSCRIBE", 1),
        ("GET k", 1),
        ("PUBSUB NUMSUB a b", 1),
        ("PUBSUB NUMPAT", 1),
        ("PUBSUB NUMPAT x", 1),
        ("PUBSUB HELP x", 1),
        ("PUBSUB FOO", 1),
        ("PUBSUB CHANNELS a b", 1),
        ("PUBSUB CHANNELS", 1),
        ("PUBLISH nobody x", 1),
    ];
    let mut ours = srv.shard_conn(1);
    let mut theirs = reference.conn();
    let mismatches: Vec<String> = script
        .iter()
        .filter_map(|(line, replies)| {
            let args: Vec<&str> = line.split_whitespace().collect();
            compare_bytes(&mut ours, &mut theirs, &args, *replies).err()
        })
        .collect();
    assert!(mismatches.is_empty(), "replies differ from redis-server:\n{}", mismatches.join("\n"));
}

#[test]
fn pubsub_inside_multi_runs_at_exec() {
    let srv = Coreshard::start(SHARDS, &[]);
    let mut sub = srv.shard_conn(1);
    sub.cmd(&["SUBSCRIBE", "ch"]);
    let mut c = srv.shard_conn(0);
    let queued = Reply::simple("QUEUED");
    assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), queued);
    assert_eq!(c.cmd(&["PUBLISH", "ch", "m"]), queued);
    assert_eq!(c.cmd(&["PUBSUB", "NUMSUB", "ch"]), queued);
    assert_eq!(
        c.cmd(&["EXEC"]),
        Reply::Array(vec![Reply::ok(), Reply::Integer(1), Reply::Array(vec![Reply::bulk("ch"), Reply::Integer(1)])])
    );
    assert_eq!(sub.read_reply(), message("ch", "m"));
    // The shards are free again.
    assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("v"));
    assert_eq!(srv.shard_conn(1).cmd(&["PUBLISH", "ch", "n"]), Reply::Integer(1));
}

#[test]
fn a_slow_subscriber_is_disconnected_and_the_others_keep_going() {
    let srv = Coreshard::start(SHARDS, &["--pubsub-output-limit", "64kb"]);
    // Never reads: its socket buffers fill, then its outbox.
    let mut slow = srv.shard_conn(1);
    slow.cmd(&["SUBSCRIBE", "feed"]);
    let mut fast = srv.shard_conn(0);
    fast.cmd(&["SUBSCRIBE", "feed"]);
    let mut publisher = srv.shard_conn(0);
    let payload = "x".repeat(1024);
    let total = 30_000;
    let reader = std::thread::spawn(move || {
        for i in 0..total {
            match fast.read_reply() {
                Reply::Array(v) if v.len() == 3 => {}
                other => panic!("message {i}: {other:?}"),
            }
        }
        fast
    });
    let mut delivered_to_both = 0;
    let batch = encode_command(&["PUBLISH", "feed", &payload]).repeat(100);
    for _ in 0..total / 100 {
        publisher.send_raw(&batch);
        for _ in 0..100 {
            match publisher.read_reply() {
                Reply::Integer(2) => delivered_to_both += 1,
                Reply::Integer(1) => {}
                other => panic!("PUBLISH: {other:?}"),
            }
        }
    }
    let mut fast = reader.join().unwrap();
    assert!(delivered_to_both < total, "the slow subscriber was never dropped");
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMSUB", "feed"]),
        Reply::Array(vec![Reply::bulk("feed"), Reply::Integer(1)])
    );
    // The slow client's connection is closed: reading drains what the
    // kernel buffered, then ends.
    assert!(slow.drain_until_closed(Duration::from_secs(10)), "the slow subscriber's connection stays open");
    // The fast one still works.
    assert_eq!(publisher.cmd(&["PUBLISH", "feed", "last"]), Reply::Integer(1));
    assert_eq!(fast.read_reply(), message("feed", "last"));
    assert_eq!(fast.cmd(&["PING"]), Reply::bulks(&["pong", ""]));
}
