//! Durability, proven on the real process: clients record which writes
//! were acknowledged, the server is killed with SIGKILL and started again
//! on the same data directory, and every acknowledged write must be there.
//! Also: torn and damaged logs, a full disk, and a shard's log loaded by a
//! real `redis-server`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{wait_until, Coreshard, RedisServer, Reply, RespConn};

const SHARDS: usize = 2;

/// What every key of database `db` holds, read with type-specific
/// commands (sorted where order is not part of the value).
fn snapshot(c: &mut RespConn, db: usize) -> BTreeMap<String, (String, Reply, bool)> {
    c.cmd(&["SELECT", &db.to_string()]);
    let mut keys: Vec<String> = c.cmd(&["KEYS", "*"]).items().iter().map(Reply::text).collect();
    keys.sort();
    let mut out = BTreeMap::new();
    for k in keys {
        let kind = c.cmd(&["TYPE", &k]).text();
        let value = match kind.as_str() {
            "string" => c.cmd(&["GET", &k]),
            "list" => c.cmd(&["LRANGE", &k, "0", "-1"]),
            "hash" => c.cmd(&["HGETALL", &k]).sorted(),
            "set" => c.cmd(&["SMEMBERS", &k]).sorted(),
            "zset" => c.cmd(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]),
            other => panic!("unexpected type {other} of {k}"),
        };
        let expires = c.cmd(&["PTTL", &k]).int() > 0;
        out.insert(k, (kind, value, expires));
    }
    c.cmd(&["SELECT", "0"]);
    out
}

fn ok(r: Reply) {
    assert!(!r.is_error(), "{r:?}");
}

/// Writes every kind of value, in several databases, with TTLs, deltas on
/// large collections, and the commands that rewrite whole databases.
fn write_everything(c: &mut RespConn) {
    ok(c.cmd(&["SET", "s", "hello"]));
    ok(c.cmd(&["APPEND", "s", " world"]));
    ok(c.cmd(&["SETRANGE", "s", "0", "J"]));
    ok(c.cmd(&["SET", "n", "10"]));
    ok(c.cmd(&["INCRBY", "n", "5"]));
    ok(c.cmd(&["INCRBYFLOAT", "n", "0.5"]));
    ok(c.cmd(&["SET", "ttl", "v", "EX", "1000"]));
    ok(c.cmd(&["SETEX", "ttl2", "500", "v"]));
    ok(c.cmd(&["SET", "persisted", "v", "EX", "100"]));
    ok(c.cmd(&["PERSIST", "persisted"]));
    let items: Vec<String> = (0..300).map(|i| format!("e{i}")).collect();
    let mut rpush = vec!["RPUSH".to_string(), "list".into()];
    rpush.extend(items.iter().cloned());
    ok(c.cmd(&rpush));
    ok(c.cmd(&["LPUSH", "list", "head"]));
    ok(c.cmd(&["LPOP", "list", "2"]));
    ok(c.cmd(&["RPOP", "list"]));
    ok(c.cmd(&["LSET", "list", "5", "changed"]));
    ok(c.cmd(&["LINSERT", "list", "BEFORE", "e10", "inserted"]));
    ok(c.cmd(&["LREM", "list", "1", "e20"]));
    ok(c.cmd(&["LTRIM", "list", "1", "250"]));
    ok(c.cmd(&["LMOVE", "list", "list", "LEFT", "RIGHT"]));
    ok(c.cmd(&["HSET", "hash", "a", "1", "b", "2", "c", "3"]));
    ok(c.cmd(&["HDEL", "hash", "b"]));
    ok(c.cmd(&["HINCRBY", "hash", "a", "41"]));
    ok(c.cmd(&["HINCRBYFLOAT", "hash", "f", "2.5"]));
    ok(c.cmd(&["EXPIRE", "hash", "900"]));
    ok(c.cmd(&["SADD", "set", "x", "y", "z", "w"]));
    ok(c.cmd(&["SREM", "set", "y"]));
    ok(c.cmd(&["SPOP", "set"]));
    ok(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "inf", "top"]));
    ok(c.cmd(&["ZINCRBY", "z", "10", "a"]));
    ok(c.cmd(&["ZADD", "z", "GT", "CH", "0", "b", "5", "c"]));
    ok(c.cmd(&["ZPOPMIN", "z"]));
    ok(c.cmd(&["ZREM", "z", "nothing"]));
    ok(c.cmd(&["SET", "deleted", "v"]));
    ok(c.cmd(&["DEL", "deleted"]));
    ok(c.cmd(&["SET", "renamed-from", "v"]));
    ok(c.cmd(&["RENAME", "renamed-from", "renamed-to"]));
    ok(c.cmd(&["MSET", "m1", "1", "m2", "2", "m3", "3"]));
    ok(c.cmd(&["SELECT", "3"]));
    ok(c.cmd(&["SET", "in3", "three"]));
    ok(c.cmd(&["RPUSH", "l3", "a", "b"]));
    ok(c.cmd(&["SELECT", "4"]));
    ok(c.cmd(&["SET", "in4", "four"]));
    ok(c.cmd(&["SWAPDB", "3", "4"]));
    ok(c.cmd(&["SELECT", "5"]));
    ok(c.cmd(&["SET", "gone", "v"]));
    ok(c.cmd(&["FLUSHDB"]));
    ok(c.cmd(&["SELECT", "0"]));
}

fn everything(c: &mut RespConn) -> Vec<BTreeMap<String, (String, Reply, bool)>> {
    (0..6).map(|db| snapshot(c, db)).collect()
}

#[test]
fn every_type_and_ttl_survives_a_kill() {
    for fsync in ["always", "everysec", "no"] {
        let mut s = Coreshard::start(SHARDS, &["--appendfsync", fsync]);
        let mut c = s.conn();
        write_everything(&mut c);
        let before = everything(&mut c);
        assert!(before[0].len() > 10 && !before[4].is_empty(), "{before:?}");
        s.restart(&[]);
        let mut c = s.conn();
        assert_eq!(everything(&mut c), before, "appendfsync {fsync}");
        // And again, with the files of both runs to read.
        ok(c.cmd(&["RPUSH", "list", "after-restart"]));
        let before = everything(&mut c);
        s.restart(&[]);
        assert_eq!(everything(&mut s.conn()), before, "appendfsync {fsync}, second restart");
        assert!(s.log().contains("data loaded from the log"), "{}", s.log());
    }
}

#[test]
fn acknowledged_writes_survive_a_kill_under_load() {
    for fsync in ["always", "everysec"] {
        let mut s = Coreshard::start(SHARDS, &["--appendfsync", fsync]);
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        for w in 0..4usize {
            // Half the clients on the main port (hops for the other shard's
            // keys), half straight on a shard's port.
            let port = if w % 2 == 0 { s.port() } else { s.shard_port(w / 2 % SHARDS) };
            let stop = stop.clone();
            workers.push(thread::spawn(move || {
                let mut c = RespConn::connect(port);
                let (counter, list, a, b) =
                    (format!("w{w}:n"), format!("w{w}:l"), format!("w{w}:a"), format!("w{w}:b"));
                let mut acked = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let i = acked + 1;
                    let r = c.try_cmd(&["INCR", &counter]);
                    let Ok(Reply::Integer(_)) = r else { break };
                    let Ok(Reply::Integer(_)) = c.try_cmd(&["RPUSH", &list, &i.to_string()]) else { break };
                    let Ok(r) = c.try_cmd(&["MSET", &a, &i.to_string(), &b, &i.to_string()]) else { break };
                    if r.is_error() {
                        break;
                    }
                    acked = i;
                }
                acked
            }));
        }
        thread::sleep(Duration::from_millis(700));
        // Kill while the clients are still writing.
        let pid = s.pid();
        common::signal_pid(pid, libc::SIGKILL);
        stop.store(true, Ordering::Relaxed);
        let acked: Vec<u64> = workers.into_iter().map(|t| t.join().expect("worker")).collect();
        assert!(acked.iter().all(|&n| n > 10), "each client got some writes in: {acked:?}");
        s.restart(&[]);
        let mut c = s.conn();
        for (w, &n) in acked.iter().enumerate() {
            let counter = c.cmd(&["GET", &format!("w{w}:n")]).text().parse::<u64>().expect("counter");
            assert!(
                counter == n || counter == n + 1,
                "fsync {fsync}: client {w} had {n} INCRs acknowledged, found {counter}"
            );
            let list: Vec<u64> = c
                .cmd(&["LRANGE", &format!("w{w}:l"), "0", "-1"])
                .items()
                .iter()
                .map(|r| r.text().parse().unwrap())
                .collect();
            assert!(
                list.len() as u64 >= n,
                "fsync {fsync}: client {w}: {n} RPUSHes acknowledged, {} found",
                list.len()
            );
            assert_eq!(list, (1..=list.len() as u64).collect::<Vec<_>>(), "fsync {fsync}: client {w}: list in order");
            let a: u64 = c.cmd(&["GET", &format!("w{w}:a")]).text().parse().unwrap_or(0);
            let b: u64 = c.cmd(&["GET", &format!("w{w}:b")]).text().parse().unwrap_or(0);
            assert!(a >= n && b >= n, "fsync {fsync}: client {w}: MSET {n} acknowledged, found {a}/{b}");
        }
    }
}

/// The non-empty files of shard `shard`'s log, in manifest order.
fn log_files(dir: &Path, shard: usize) -> Vec<PathBuf> {
    let d = dir.join("data").join(format!("shard-{shard}")).join("appendonlydir");
    let manifest = std::fs::read_to_string(d.join("appendonly.aof.manifest")).expect("manifest");
    manifest
        .lines()
        .map(|l| d.join(l.split_whitespace().nth(1).expect("file name")))
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect()
}

#[test]
fn a_torn_tail_is_cut_with_a_warning() {
    let mut s = Coreshard::start(1, &[]);
    let mut c = s.conn();
    ok(c.cmd(&["SET", "kept", "v"]));
    s.kill();
    let file = log_files(s.dir(), 0).pop().expect("a log file");
    let mut data = std::fs::read(&file).unwrap();
    let good = data.len();
    data.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$3\r\nab");
    std::fs::write(&file, &data).unwrap();
    s.restart(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "kept"]), Reply::bulk("v"));
    assert!(c.cmd(&["GET", "torn"]).is_null());
    assert_eq!(std::fs::metadata(&file).unwrap().len(), good as u64);
    let log = s.log();
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(log.contains("the log ended inside a batch") && log.contains(name), "{log}");
}

#[test]
fn damage_before_the_end_stops_the_start_until_asked_to_cut() {
    let mut s = Coreshard::start(1, &[]);
    ok(s.conn().cmd(&["SET", "first", "value-one"]));
    s.restart(&[]);
    ok(s.conn().cmd(&["SET", "second", "value-two"]));
    s.restart(&[]);
    let files = log_files(s.dir(), 0);
    assert_eq!(files.len(), 2, "{files:?}");
    let mut data = std::fs::read(&files[0]).unwrap();
    let at = data.windows(9).position(|w| w == b"value-one").unwrap();
    data[at] = b'V';
    std::fs::write(&files[0], &data).unwrap();
    let log = s.restart_expecting_failure(&[]);
    assert!(log.contains("is damaged at offset") && log.contains("aof-truncate-corrupt"), "{log}");
    s.restart(&["--aof-truncate-corrupt", "yes"]);
    let mut c = s.conn();
    assert!(c.cmd(&["GET", "first"]).is_null());
    assert!(c.cmd(&["GET", "second"]).is_null(), "the files after the damage are dropped");
    ok(c.cmd(&["SET", "third", "v"]));
}

#[test]
fn a_different_shard_count_is_refused() {
    let mut s = Coreshard::start(2, &[]);
    ok(s.conn().cmd(&["SET", "k", "v"]));
    s.kill();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coreshard-server"))
        .args(["--port", &common::free_port().to_string(), "--shard-ports", "no", "--shards", "1"])
        .args(["--dir", s.dir().join("data").to_str().unwrap()])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("holds the logs of 2 shards") && log.contains("--shards 2"), "{log}");
}

#[test]
fn a_full_disk_refuses_writes_serves_reads_and_loses_nothing() {
    let mut s = Coreshard::start(1, &["--appendfsync", "always"]);
    let mut c = s.conn();
    ok(c.cmd(&["SET", "a", "1"]));
    let file = log_files(s.dir(), 0).pop().expect("a log file");
    let size = std::fs::metadata(&file).unwrap().len();
    // The process may not grow a file past its current size: the next log
    // write fails as on a full disk (EFBIG).
    let pid = s.pid().to_string();
    let limit = |l: &str| {
        let st = std::process::Command::new("prlimit").args(["--pid", &pid, &format!("--fsize={l}")]).status();
        assert!(st.expect("prlimit").success());
    };
    limit(&format!("{size}:unlimited"));
    let big = "x".repeat(10_000);
    c.send(&["SET", "big", &big]);
    let mut other = s.conn();
    wait_until("the log write fails", Duration::from_secs(10), || {
        other.info_field("persistence", "aof_last_write_status") == "err"
    });
    let refused = other.cmd(&["SET", "refused", "v"]).err();
    assert_eq!(refused, "MISCONF Errors writing to the AOF file: File too large");
    assert_eq!(other.cmd(&["GET", "a"]), Reply::bulk("1"), "reads are served");
    assert!(!c.has_data_within(Duration::from_millis(300)), "the write that could not be logged is not acknowledged");
    limit("unlimited:unlimited");
    assert_eq!(c.read_reply(), Reply::simple("OK"), "acknowledged once it is written");
    assert_eq!(other.info_field("persistence", "aof_last_write_status"), "ok");
    ok(other.cmd(&["SET", "after", "v"]));
    s.restart(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "big"]).text(), big);
    assert!(c.cmd(&["GET", "refused"]).is_null());
    assert_eq!(c.cmd(&["GET", "after"]), Reply::bulk("v"));
}

#[test]
fn a_shard_log_loads_in_redis_server() {
    let mut s = Coreshard::start(1, &[]);
    let mut c = s.conn();
    write_everything(&mut c);
    let ours = everything(&mut c);
    s.kill();
    let shard_dir = s.dir().join("data").join("shard-0");
    let redis = RedisServer::start_with(&["--appendonly", "yes", "--dir", shard_dir.to_str().unwrap()]);
    let mut r = redis.conn();
    assert_eq!(everything(&mut r), ours, "redis-server reads the same keyspace from the log");
}

#[test]
fn persistence_can_be_off() {
    let mut s = Coreshard::start(1, &["--appendonly", "no"]);
    ok(s.conn().cmd(&["SET", "k", "v"]));
    s.restart(&[]);
    assert!(s.conn().cmd(&["GET", "k"]).is_null());
    assert!(!s.dir().join("data").exists());
}

/// Waits until no shard rewrites its log and `aof_rewrites` reached `n`.
fn wait_rewrites(c: &mut RespConn, n: u64) {
    let field = |c: &mut RespConn, name: &str| -> u64 { c.info_field("persistence", name).parse().unwrap() };
    wait_until("the log rewrites", Duration::from_secs(30), || {
        field(c, "aof_rewrites") >= n && field(c, "aof_rewrite_in_progress") == 0
    });
}

fn manifest(dir: &Path, shard: usize) -> String {
    let d = dir.join("data").join(format!("shard-{shard}")).join("appendonlydir");
    std::fs::read_to_string(d.join("appendonly.aof.manifest")).unwrap()
}

fn tool_accepts(tool: &str, path: &Path) {
    let out = std::process::Command::new(tool).arg(path).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{tool} {} failed:\n{text}", path.display());
}

#[test]
fn a_rewrite_replaces_the_log_by_a_snapshot_and_a_tail() {
    let mut s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    write_everything(&mut c);
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), Reply::simple("Background append only file rewriting started"));
    wait_rewrites(&mut c, SHARDS as u64);
    // Writes after the rewrite go to the new tail.
    ok(c.cmd(&["SET", "after", "rewrite"]));
    ok(c.cmd(&["RPUSH", "biglist", "tail"]));
    let before = everything(&mut c);
    for shard in 0..SHARDS {
        let m = manifest(s.dir(), shard);
        let files: Vec<&str> = m.lines().collect();
        assert_eq!(files.len(), 2, "a base and one incremental file: {m}");
        assert!(files[0].ends_with("type b") && files[0].contains(".base.rdb"), "{m}");
        let d = s.dir().join("data").join(format!("shard-{shard}")).join("appendonlydir");
        let base = files[0].split(' ').nth(1).unwrap();
        tool_accepts("redis-check-rdb", &d.join(base));
        tool_accepts("redis-check-aof", &d.join("appendonly.aof.manifest"));
        let names: Vec<String> =
            std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names.len(), 3, "the old files are gone: {names:?}");
    }
    s.kill();
    s.restart(&[]);
    let mut c = s.conn();
    assert_eq!(everything(&mut c), before);
    assert!(s.log().contains("base_keys"), "{}", s.log());
    // The rewritten log loads in redis-server too.
    s.kill();
    let shard_dir = s.dir().join("data").join("shard-0");
    let redis = RedisServer::start_with(&["--appendonly", "yes", "--dir", shard_dir.to_str().unwrap()]);
    let shard0 = everything(&mut redis.conn());
    assert!(shard0.iter().map(|db| db.len()).sum::<usize>() > 0);
    for (db, keys) in shard0.iter().enumerate() {
        for (k, v) in keys {
            assert_eq!(before[db].get(k), Some(v), "{k} in db {db}");
        }
    }
}

#[test]
fn the_log_is_rewritten_by_itself_and_stays_small() {
    let mut s = Coreshard::start(1, &["--auto-aof-rewrite-min-size", "256kb", "--auto-aof-rewrite-percentage", "100"]);
    let mut c = s.conn();
    let value = "v".repeat(100);
    let mut written = 0u64;
    for round in 0..200 {
        let mut batch = Vec::new();
        for k in 0..100 {
            let (key, v) = (format!("key:{k}"), format!("{round}:{value}"));
            batch.extend_from_slice(
                format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{v}\r\n", key.len(), v.len()).as_bytes(),
            );
        }
        c.send_raw(&batch);
        for _ in 0..100 {
            ok(c.read_reply());
        }
        written += 100 * 130;
    }
    wait_rewrites(&mut c, 1);
    let d = s.dir().join("data").join("shard-0").join("appendonlydir");
    let on_disk: u64 = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(on_disk < 1 << 20, "{on_disk} bytes on disk after writing about {written}");
    let before = everything(&mut c);
    s.kill();
    s.restart(&[]);
    assert_eq!(everything(&mut s.conn()), before);
}

#[test]
fn save_writes_snapshots_that_redis_loads() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    write_everything(&mut c);
    let ours = everything(&mut c);
    let before = c.cmd(&["LASTSAVE"]).int();
    assert_eq!(c.cmd(&["SAVE"]), Reply::ok());
    assert!(c.cmd(&["LASTSAVE"]).int() >= before);
    let info = c.cmd(&["INFO", "persistence"]).text();
    assert!(info.contains("rdb_last_bgsave_status:ok") && info.contains("rdb_changes_since_last_save:0"), "{info}");
    assert_eq!(c.cmd(&["BGSAVE"]), Reply::simple("Background saving started"));
    let mut merged: Vec<BTreeMap<String, (String, Reply, bool)>> = vec![BTreeMap::new(); ours.len()];
    wait_until("BGSAVE", Duration::from_secs(10), || c.info_field("persistence", "rdb_bgsave_in_progress") == "0");
    for shard in 0..SHARDS {
        let dir = s.dir().join("data").join(format!("shard-{shard}"));
        tool_accepts("redis-check-rdb", &dir.join("dump.rdb"));
        let redis = RedisServer::start_with(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
        for (db, keys) in everything(&mut redis.conn()).into_iter().enumerate() {
            merged[db].extend(keys);
        }
    }
    assert_eq!(merged, ours, "the shards' snapshots hold the keyspace");
}
