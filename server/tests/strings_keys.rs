//! String and generic-key commands against a real redis-server: the same
//! commands go to both (coreshard-server with two shards, so multi-key
//! commands take their cross-shard paths), and every reply must be the same.
//! Plus what a line-by-line script cannot express: DUMP payloads exchanged
//! both ways, full SCAN iterations over both shards, and SWAPDB.
mod common;

use std::collections::BTreeSet;

use common::{shard_of, Coreshard, RedisServer, Reply, RespConn};

/// One connection to each server.
struct Pair {
    redis: RespConn,
    ours: RespConn,
    _servers: (RedisServer, Coreshard),
}

impl Pair {
    fn start() -> Pair {
        let redis = RedisServer::start();
        let ours = Coreshard::start(2, &[]);
        let mut pair = Pair { redis: redis.conn(), ours: ours.conn(), _servers: (redis, ours) };
        pair.same(&["FLUSHALL"]);
        pair
    }

    /// Runs `cmd` on both; the replies must be identical. Returns redis's.
    fn same(&mut self, cmd: &[&str]) -> Reply {
        let (r, o) = (self.redis.cmd(cmd), self.ours.cmd(cmd));
        assert_eq!(o, r, "{cmd:?}: coreshard (left) differs from redis (right)");
        r
    }

    /// As [`same`](Self::same), integers within `tolerance` (TTLs).
    fn close(&mut self, cmd: &[&str], tolerance: i64) {
        let (r, o) = (self.redis.cmd(cmd), self.ours.cmd(cmd));
        assert!(o.approx_eq(&r, tolerance), "{cmd:?}: coreshard {o:?} vs redis {r:?}");
    }

    /// Runs every command of `script` (one per line, whitespace-separated
    /// arguments, `#` comments) with [`same`](Self::same).
    fn script(&mut self, script: &str) {
        for line in script.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let args: Vec<&str> = line.split_whitespace().collect();
            self.same(&args);
        }
    }
}

/// Keys on different shards of a 2-shard server (checked, not assumed).
fn spanning_keys() -> (&'static str, &'static str, &'static str) {
    let (a, b, c) = ("a", "b", "d");
    assert_ne!(shard_of(2, a), shard_of(2, b));
    assert_ne!(shard_of(2, b), shard_of(2, c));
    (a, b, c)
}

#[test]
fn string_commands_match_redis() {
    let mut p = Pair::start();
    p.script(
        "
        SET s hello
        GETSET s world
        GETSET nokey v
        GETDEL s
        GETDEL s
        SETNX n 1
        SETNX n 2
        SETEX e 0 v
        SETEX e abc v
        PSETEX e -5 v
        SETEX e 9223372036854775807 v
        APPEND n 23
        APPEND fresh xyz
        STRLEN n
        STRLEN nokey
        GETRANGE n 0 -1
        GETRANGE n -2 -1
        GETRANGE n 5 1
        GETRANGE n -100 -50
        GETRANGE n x 1
        SUBSTR n 1 2
        SETRANGE n 1 X
        SETRANGE n 10 Y
        GET n
        SETRANGE n -1 x
        SETRANGE nokey 0 ''
        EXISTS nokey
        INCR i
        INCRBY i 10
        DECR i
        DECRBY i 3
        INCRBY i abc
        DECRBY i -9223372036854775808
        SET big 9223372036854775807
        INCR big
        DECRBY big -1
        SET txt abc
        INCR txt
        SET padded 012
        INCR padded
        INCRBYFLOAT f 1.5
        INCRBYFLOAT f 0.1
        INCRBYFLOAT f -1.6
        INCRBYFLOAT f abc
        INCRBYFLOAT txt 1
        SET f2 10.50
        INCRBYFLOAT f2 0.1
        INCRBYFLOAT f2 5.0e3
        GETEX s
        SET s v
        GETEX s PX 10 EX 10
        GETEX s PERSIST EX 10
        GETEX s EX 0
        GETEX s EX abc
        GETEX nokey EX abc
        GETEX nokey BAD
        GETEX s BAD
        GETEX s PERSIST PERSIST
        GETEX s EXAT 1
        EXISTS s
        SET k1 v1
        LCS k1 nokey
        ",
    );
    p.same(&["SET", "s", "v"]);
    p.same(&["GETEX", "s", "EX", "100"]);
    p.close(&["TTL", "s"], 1);
    p.same(&["GETEX", "s", "PERSIST"]);
    p.same(&["TTL", "s"]);
    p.same(&["SETEX", "e", "100", "v"]);
    p.close(&["PTTL", "e"], 50);
    p.same(&["SETRANGE", "n", "536870912", "x"]);
    p.same(&["INCRBYFLOAT", "nk", "1e400"]);
    p.same(&["MSET", "a"]);
    p.same(&["MSET", "a", "1", "b"]);
    p.same(&["MSETNX", "a", "1", "b"]);
    p.same(&["LCS", "a"]);
}

#[test]
fn multi_key_commands_across_shards_match_redis() {
    let (a, b, d) = spanning_keys();
    let mut p = Pair::start();
    p.same(&["MSET", a, "1", b, "2", d, "3"]);
    p.same(&["MGET", a, b, d, "missing", a]);
    p.same(&["MSETNX", a, "x", "fresh", "y"]);
    p.same(&["MGET", a, "fresh"]);
    p.same(&["MSETNX", "n1", "x", "n2", "y", d, "z"]);
    p.same(&["MSETNX", "n1", "x", "n2", "y"]);
    p.same(&["MGET", "n1", "n2", d]);
    p.same(&["EXISTS", a, b, d, a, "missing"]);
    p.same(&["TOUCH", a, b, "missing"]);
    p.same(&["RENAME", a, b]);
    p.same(&["MGET", a, b]);
    p.same(&["RENAME", a, b]);
    p.same(&["RENAMENX", b, d]);
    p.same(&["RENAMENX", b, a]);
    p.same(&["MGET", a, b, d]);
    p.same(&["SET", "text1", "ohmytext"]);
    p.same(&["SET", "text2", "mynewtext"]);
    p.same(&["SET", b, "ohmytext"]);
    p.same(&["SET", d, "mynewtext"]);
    for (x, y) in [("text1", "text2"), (b, d), (d, b)] {
        p.same(&["LCS", x, y]);
        p.same(&["LCS", x, y, "LEN"]);
        p.same(&["LCS", x, y, "IDX"]);
        p.same(&["LCS", x, y, "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]);
        p.same(&["LCS", x, y, "IDX", "WITHMATCHLEN"]);
        p.same(&["LCS", x, y, "LEN", "IDX"]);
        p.same(&["LCS", x, y, "BOGUS"]);
        p.same(&["LCS", x, y, "MINMATCHLEN"]);
    }
    p.same(&["SETEX", a, "100", "ttl-value"]);
    p.same(&["COPY", a, d]);
    p.same(&["COPY", a, d, "REPLACE"]);
    p.close(&["TTL", d], 1);
    p.same(&["COPY", a, b, "DB", "3"]);
    p.same(&["COPY", a, a]);
    p.same(&["COPY", a, a, "DB", "3"]);
    p.same(&["COPY", a, a, "DB", "16"]);
    p.same(&["COPY", a, d, "DB", "99999999999"]);
    p.same(&["COPY", a, d, "DB"]);
    p.same(&["COPY", "missing", d, "REPLACE"]);
    p.same(&["SELECT", "3"]);
    p.same(&["GET", b]);
    p.close(&["TTL", b], 1);
    p.same(&["SELECT", "0"]);
    p.same(&["DEL", a, b, d, "missing", a]);
    p.same(&["UNLINK", "n1", "n2", "fresh"]);
    p.same(&["MGET", a, b, d, "n1"]);
    p.same(&["DBSIZE"]);
}

#[test]
fn generic_key_commands_match_redis() {
    let mut p = Pair::start();
    p.script(
        "
        SET k v
        TYPE k
        TYPE nokey
        EXPIRE k 100 foo
        EXPIRE k abc foo
        EXPIRE k abc
        EXPIRE k 10 nx xx
        EXPIRE k 10 gt lt
        EXPIRE k 100 XX
        EXPIRE k 100 GT
        EXPIRE k 100 NX
        PERSIST k
        PERSIST k
        TTL k
        PTTL k
        EXPIRETIME k
        PEXPIRETIME k
        TTL nokey
        PEXPIRETIME nokey
        EXPIRE nokey 100
        PEXPIREAT k 4102444800123
        PEXPIRETIME k
        EXPIRETIME k
        EXPIREAT k 4102444800
        PEXPIRETIME k
        EXPIRE k 200 LT
        EXPIRE k 9223372036854775807
        EXPIRE k -9223372036854775808
        PEXPIRE k 9223372036854775807
        EXPIREAT k 1
        EXISTS k
        SET k v
        PEXPIRE k -1
        EXISTS k
        SET mv v
        MOVE mv 0
        MOVE mv 16
        MOVE mv abc
        MOVE mv 99999999999
        MOVE nokey 1
        MOVE mv 1
        EXISTS mv
        SELECT 1
        GET mv
        SET mv other
        SELECT 0
        SET mv again
        MOVE mv 1
        SET r v
        RENAME nokey x
        RENAME r r
        RENAMENX r r
        RENAMENX nokey r
        OBJECT ENCODING nokey
        OBJECT BOGUS x
        OBJECT ENCODING
        OBJECT HELP x
        OBJECT HELP
        OBJECT FREQ r
        OBJECT REFCOUNT nokey
        SET enc-int 12345
        SET enc-shared 100
        SET enc-embstr hello
        SET enc-raw 0123456789012345678901234567890123456789012345
        OBJECT ENCODING enc-int
        OBJECT ENCODING enc-embstr
        OBJECT ENCODING enc-raw
        OBJECT REFCOUNT enc-shared
        OBJECT REFCOUNT enc-int
        OBJECT REFCOUNT enc-embstr
        APPEND enc-embstr x
        OBJECT ENCODING enc-embstr
        APPEND enc-new 12
        OBJECT ENCODING enc-new
        SETRANGE enc-sr 0 12
        OBJECT ENCODING enc-sr
        INCRBYFLOAT enc-f 3
        OBJECT ENCODING enc-f
        INCR enc-f
        OBJECT ENCODING enc-f
        EXPIRE enc-sr 100
        OBJECT ENCODING enc-sr
        DUMP nokey
        RESTORE x -1 abc
        RESTORE x abc abc
        RESTORE x 0 abc
        RESTORE r 0 abc
        RESTORE x 0 abc IDLETIME -1
        RESTORE x 0 abc FREQ 256
        RESTORE x 0 abc IDLETIME 1 FREQ 1
        RESTORE x 0 abc FOO
        FLUSHDB x
        FLUSHDB ASYNC x
        SCAN abc
        SCAN 0 COUNT 0
        SCAN 0 COUNT abc
        SCAN 0 MATCH
        SCAN 0 BAD x
        SCAN 0 TYPE stream
        SWAPDB 0 0
        SWAPDB 0 16
        SWAPDB a 1
        SWAPDB 1 a
        SWAPDB -1 0
        DBSIZE
        FLUSHDB SYNC
        DBSIZE
        RANDOMKEY
        KEYS *
        ",
    );
    p.same(&["SET", "t", "v", "EX", "100"]);
    p.close(&["TTL", "t"], 1);
    p.close(&["PTTL", "t"], 50);
    p.same(&["OBJECT", "IDLETIME", "t"]);
}

#[test]
fn dump_and_restore_interoperate_with_redis() {
    let mut p = Pair::start();
    // Values built on redis; their payloads restore here, and DUMP here
    // gives redis's bytes back (same encodings: int, raw, LZF, listpacks,
    // intset).
    let long = "the quick brown fox jumps over the lazy dog, the quick brown fox jumps over the lazy dog";
    let build: &[&[&str]] = &[
        &["SET", "str", "hello"],
        &["SET", "int", "-70000"],
        &["SET", "long", long],
        &["SET", "empty", ""],
        &["RPUSH", "list", "a", "b", "1", "-5", "300", "70000"],
        &["HSET", "hash", "f", "v", "n", "12"],
        &["SADD", "ints", "1", "2", "-7", "70000"],
        &["ZADD", "zset", "1.5", "m", "2", "n", "-3", "o", "0.1", "p"],
    ];
    for cmd in build {
        p.redis.cmd(cmd);
    }
    // Up to 512 short fields a hash stays a listpack (redis-server's
    // built-in default), up to 128 members a sorted set.
    let mut wide: Vec<String> = vec!["HSET".into(), "wide".into()];
    let mut zwide: Vec<String> = vec!["ZADD".into(), "zwide".into()];
    for i in 0..300 {
        wide.extend([format!("field:{i}"), format!("{}", i * 37)]);
        zwide.extend([format!("{}", i % 17), format!("m{i}")]);
    }
    p.redis.cmd(&wide);
    p.redis.cmd(&zwide[..2 + 2 * 120]);
    for key in ["str", "int", "long", "empty", "list", "hash", "ints", "zset", "wide", "zwide"] {
        let Reply::Bulk(payload) = p.redis.cmd(&["DUMP", key]) else { panic!("DUMP {key} on redis") };
        let payload: &[u8] = &payload;
        assert_eq!(p.ours.cmd(&[b"RESTORE".as_slice(), key.as_bytes(), b"0", payload]), Reply::ok(), "{key}");
        assert_eq!(p.ours.cmd(&["DUMP", key]), Reply::bulk(payload), "DUMP {key}");
        assert_eq!(p.ours.cmd(&["TYPE", key]), p.redis.cmd(&["TYPE", key]), "TYPE {key}");
        assert_eq!(
            p.ours.cmd(&["OBJECT", "ENCODING", key]),
            p.redis.cmd(&["OBJECT", "ENCODING", key]),
            "OBJECT ENCODING {key}"
        );
        // And back: our payload restores on redis as the same value.
        let copy = format!("{key}-copy");
        let Reply::Bulk(ours) = p.ours.cmd(&["DUMP", key]) else { panic!("DUMP {key} here") };
        let restore: &[&[u8]] = &[b"RESTORE", copy.as_bytes(), b"0", &ours];
        assert_eq!(p.redis.cmd(restore), Reply::ok(), "{key} back to redis");
        assert_eq!(p.redis.cmd(&["DUMP", &copy]), Reply::bulk(payload), "{key} round trip");
    }
    // Past the limits: the encodings change on both sides.
    p.redis.cmd(&zwide);
    for i in 300..520 {
        p.redis.cmd(&["HSET", "wide", &format!("field:{i}"), "v"]);
    }
    for key in ["wide", "zwide"] {
        let Reply::Bulk(payload) = p.redis.cmd(&["DUMP", key]) else { panic!("DUMP {key} on redis") };
        let restore: &[&[u8]] = &[b"RESTORE", key.as_bytes(), b"0", &payload, b"REPLACE"];
        assert_eq!(p.ours.cmd(restore), Reply::ok());
        p.same(&["OBJECT", "ENCODING", key]);
    }

    // Strings of many lengths and degrees of repetition: the same LZF bytes.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for n in 0..60usize {
        let len = 15 + n * n * 3;
        let alphabet = 2 + n % 40;
        let text: String = (0..len)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let c = if i % (3 + n % 5) == 0 { seed % alphabet as u64 } else { (i / 7) as u64 % alphabet as u64 };
                char::from(b'!' + c as u8)
            })
            .collect();
        p.same(&["SET", "lzf", &text]);
        let (ours, theirs) = (p.ours.cmd(&["DUMP", "lzf"]), p.redis.cmd(&["DUMP", "lzf"]));
        assert_eq!(ours, theirs, "DUMP of a {len}-byte string");
    }

    // Options, with the same payload on both sides.
    let Reply::Bulk(payload) = p.redis.cmd(&["DUMP", "str"]) else { panic!("DUMP str") };
    let payload: &[u8] = &payload;
    for cmd in [
        &[&b"RESTORE"[..], b"str", b"0", payload][..],
        &[b"RESTORE", b"str", b"0", payload, b"REPLACE"],
        &[b"RESTORE", b"ttl", b"100000", payload],
        &[b"RESTORE", b"abs", b"4102444800000", payload, b"ABSTTL", b"IDLETIME", b"10"],
        &[b"RESTORE", b"past", b"1", payload, b"ABSTTL"],
        &[b"RESTORE", b"str", b"1", payload, b"ABSTTL", b"REPLACE", b"FREQ", b"5"],
        &[b"RESTORE", b"bad", b"0", &payload[..payload.len() - 1]],
    ] {
        assert_eq!(p.ours.cmd(cmd), p.redis.cmd(cmd), "{:?}", String::from_utf8_lossy(&cmd.concat()));
    }
    p.same(&["EXISTS", "str", "past"]);
    p.close(&["PTTL", "ttl"], 100);
    p.same(&["PEXPIRETIME", "abs"]);
    p.same(&["GET", "abs"]);
}

#[test]
fn scan_keys_randomkey_and_flush_cover_both_shards() {
    let mut p = Pair::start();
    let mut all = BTreeSet::new();
    for i in 0..300 {
        let key = format!("key:{i}");
        p.same(&["SET", &key, "v"]);
        all.insert(key);
    }
    // Lists (whose commands live in another family) come in as DUMP payloads.
    p.redis.cmd(&["RPUSH", "proto-list", "x"]);
    let Reply::Bulk(list) = p.redis.cmd(&["DUMP", "proto-list"]) else { panic!("DUMP proto-list") };
    p.redis.cmd(&["DEL", "proto-list"]);
    for i in 0..20 {
        let key = format!("list:{i}");
        let restore: &[&[u8]] = &[b"RESTORE", key.as_bytes(), b"0", &list];
        assert_eq!(p.ours.cmd(restore), p.redis.cmd(restore));
    }
    let per_shard = all.iter().filter(|k| shard_of(2, k) == 0).count();
    assert!(per_shard > 50 && per_shard < 250, "keys on both shards");
    p.same(&["DBSIZE"]);
    assert_eq!(p.ours.cmd(&["KEYS", "*"]).sorted(), p.redis.cmd(&["KEYS", "*"]).sorted());
    assert_eq!(p.ours.cmd(&["KEYS", "key:1?"]).sorted(), p.redis.cmd(&["KEYS", "key:1?"]).sorted());

    // A full SCAN returns every key exactly as redis's does (as a set).
    let scan = |conn: &mut RespConn, extra: &[&str]| {
        let mut cursor = "0".to_string();
        let mut seen = BTreeSet::new();
        let mut calls = 0;
        loop {
            let mut cmd = vec!["SCAN", cursor.as_str()];
            cmd.extend_from_slice(extra);
            let reply = conn.cmd(&cmd);
            let [next, keys] = reply.as_array().expect("SCAN reply") else { panic!("{reply:?}") };
            for k in keys.as_array().expect("keys") {
                seen.insert(String::from_utf8_lossy(k.as_bytes().expect("key")).into_owned());
            }
            cursor = next.as_str().expect("cursor").to_string();
            calls += 1;
            if cursor == "0" {
                return (seen, calls);
            }
        }
    };
    for extra in [&[][..], &["COUNT", "7"], &["MATCH", "key:2*", "COUNT", "50"], &["TYPE", "list"], &["TYPE", "string"]]
    {
        let (ours, calls) = scan(&mut p.ours, extra);
        let (theirs, _) = scan(&mut p.redis, extra);
        assert_eq!(ours, theirs, "SCAN {extra:?}");
        if extra == ["COUNT", "7"] {
            assert!(calls > 300 / 7, "COUNT bounds each call ({calls} calls)");
        }
    }

    for _ in 0..20 {
        let Reply::Bulk(k) = p.ours.cmd(&["RANDOMKEY"]) else { panic!("RANDOMKEY") };
        let k = String::from_utf8_lossy(&k).into_owned();
        assert!(all.contains(&k) || k.starts_with("list:"), "{k}");
    }
    p.same(&["SELECT", "5"]);
    p.same(&["SET", "other-db", "v"]);
    p.same(&["SELECT", "0"]);
    p.same(&["FLUSHDB"]);
    p.same(&["DBSIZE"]);
    p.same(&["RANDOMKEY"]);
    p.same(&["SELECT", "5"]);
    p.same(&["DBSIZE"]);
    p.same(&["FLUSHALL", "ASYNC"]);
    p.same(&["DBSIZE"]);
    p.same(&["FLUSHALL", "BOGUS"]);
}

#[test]
fn swapdb_and_move_across_databases() {
    let (a, b, _) = spanning_keys();
    let mut p = Pair::start();
    p.same(&["MSET", a, "0a", b, "0b"]);
    p.same(&["SELECT", "2"]);
    p.same(&["MSET", a, "2a", "only-in-2", "x"]);
    p.same(&["SWAPDB", "0", "2"]);
    p.same(&["MGET", a, b, "only-in-2"]);
    p.same(&["DBSIZE"]);
    p.same(&["SELECT", "0"]);
    p.same(&["MGET", a, b, "only-in-2"]);
    assert_eq!(p.ours.cmd(&["KEYS", "*"]).sorted(), p.redis.cmd(&["KEYS", "*"]).sorted());
    p.same(&["MOVE", "only-in-2", "2"]);
    p.same(&["MOVE", a, "2"]);
    p.same(&["SWAPDB", "2", "0"]);
    p.same(&["MGET", a, b, "only-in-2"]);
    p.same(&["DEL", a, b, "only-in-2"]);
    p.same(&["DBSIZE"]);
    p.same(&["SELECT", "2"]);
    p.same(&["DBSIZE"]);
}
