//! The log on its own: a shard's writes, logged, written and read back
//! into a new shard, on the same io_uring (or epoll) loop a server uses.

use bytes::Bytes;
use coreshard_engine::runtime::Durability;
use coreshard_engine::{Shard, ShardConfig, Value};

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("coreshard-log-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut rt = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build().expect("runtime");
    rt.block_on(f)
}

/// Every key with its database, value and expiry, sorted.
type Contents = Vec<(u8, Bytes, Value, Option<u64>)>;

fn contents(s: &mut Shard) -> Contents {
    let mut all = Vec::new();
    for db in 0..s.databases() as u8 {
        for k in s.keys(db, b"*") {
            let (v, e) = s.dump(db, &k).expect("listed key");
            all.push((db, k, v, e));
        }
    }
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

/// Opens the log in `dir` into a new shard, runs `f` on it with the log
/// subscribed, waits until everything is durable, and returns the shard's
/// contents and what opening found.
fn session(dir: &Path, fsync: Fsync, f: impl FnOnce(&mut Shard)) -> (Contents, Recovered) {
    block_on(async {
        let mut shard = Shard::new(0, ShardConfig::default());
        let opened = open(dir, false, |r| r.apply_to(&mut shard)).expect("opens");
        let d = Durability::new(shard.seq());
        let recovered = opened.recovered.clone();
        let (sink, writer, _log) = start(0, opened, fsync, d.clone(), LogStatus::new(1)).expect("starts");
        shard.subscribe(Box::new(sink));
        let task = monoio::spawn(writer.run());
        f(&mut shard);
        d.wait(d.last_appended()).await;
        drop(task);
        (contents(&mut shard), recovered)
    })
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn writes_survive_a_restart() {
    let dir = temp_dir("restart");
    let (before, rec) = session(&dir, Fsync::Always, |s| {
        s.set(0, b"a", b("1"), Default::default()).unwrap();
        s.rpush(0, b"list", &[b("x"), b("y")]).unwrap();
        s.hset(3, b"h", &[(b("f"), b("v"))]).unwrap();
        s.del(0, &[b("gone")]);
        s.sadd(0, b"set", &[b("m")]).unwrap();
    });
    assert_eq!(rec.commands, 0, "a new directory holds nothing");
    let (after, rec) = session(&dir, Fsync::EverySec, |_| {});
    assert_eq!(after, before);
    assert!(rec.commands >= 4, "{rec:?}");
    assert!(rec.truncated.is_none());
    // A third start reads both files (the second one's is empty and reused).
    let (again, rec) = session(&dir, Fsync::No, |s| {
        s.lpush(0, b"list", &[b("w")]).unwrap();
    });
    assert_eq!(rec.files, 2);
    let (last, _) = session(&dir, Fsync::No, |_| {});
    assert_eq!(last, again);
    let _ = std::fs::remove_dir_all(&dir);
}

fn last_file(dir: &Path) -> PathBuf {
    let m = manifest::Manifest::load(dir).unwrap().unwrap();
    let non_empty: Vec<_> = m
        .files
        .iter()
        .map(|e| dir.join(&e.name))
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect();
    non_empty.last().cloned().expect("a written file")
}

#[test]
fn a_torn_tail_is_cut_and_the_rest_recovered() {
    let dir = temp_dir("torn");
    let (before, _) = session(&dir, Fsync::Always, |s| {
        s.set(0, b"a", b("1"), Default::default()).unwrap();
    });
    let file = last_file(&dir);
    let good = std::fs::metadata(&file).unwrap().len();
    // Half a command, as a write cut short by a crash leaves it.
    let mut data = std::fs::read(&file).unwrap();
    data.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhel");
    std::fs::write(&file, &data).unwrap();
    let (after, rec) = session(&dir, Fsync::Always, |_| {});
    assert_eq!(after, before);
    let (path, at, dropped) = rec.truncated.expect("the tail was cut");
    assert_eq!((path, at, dropped), (file.clone(), good, (data.len() as u64) - good));
    assert_eq!(std::fs::metadata(&file).unwrap().len(), good);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damage_before_the_end_stops_the_start() {
    let dir = temp_dir("corrupt");
    session(&dir, Fsync::Always, |s| {
        s.set(0, b"a", b("first"), Default::default()).unwrap();
    });
    session(&dir, Fsync::Always, |_| {});
    // The next batches land in the second file (reused while empty).
    let (_, _) = session(&dir, Fsync::Always, |s| {
        s.set(0, b"b", b("second"), Default::default()).unwrap();
        s.set(0, b"c", b("third"), Default::default()).unwrap();
    });
    let m = manifest::Manifest::load(&dir).unwrap().unwrap();
    let first = dir.join(&m.files[0].name);
    let mut data = std::fs::read(&first).unwrap();
    let at = memchr::memmem::find(&data, b"first").unwrap();
    data[at] = b'F';
    std::fs::write(&first, &data).unwrap();
    let mut shard = Shard::new(0, ShardConfig::default());
    let err = open(&dir, false, |r| r.apply_to(&mut shard)).expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("damaged at offset 0") && text.contains("aof-truncate-corrupt"), "{text}");
    // Asked to, it cuts there and drops the files after it.
    let mut shard = Shard::new(0, ShardConfig::default());
    let opened = open(&dir, true, |r| r.apply_to(&mut shard)).expect("opens when asked to cut");
    assert_eq!(opened.recovered.commands, 0);
    assert!(shard.keys(0, b"*").is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_log_of_another_shard_count_is_refused() {
    let dir = temp_dir("layout");
    for shard in 0..2 {
        let d = shard_dir(&dir, shard);
        session(&d, Fsync::No, |_| {});
    }
    assert!(check_layout(&dir, 2).is_ok());
    let err = check_layout(&dir, 3).expect_err("refused").to_string();
    assert!(err.contains("--shards 2"), "{err}");
    assert!(check_layout(&temp_dir("nothing"), 4).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_delta_costs_what_changed() {
    let dir = temp_dir("delta");
    session(&dir, Fsync::No, |s| {
        let items: Vec<Bytes> = (0..10_000).map(|i| b(&format!("element-{i}"))).collect();
        s.rpush(0, b"big", &items).unwrap();
    });
    let file = last_file(&dir);
    let size = std::fs::metadata(&file).unwrap().len();
    let (_, _) = session(&dir, Fsync::No, |s| {
        s.pexpireat(0, b"big", 4_000_000_000_000, Default::default()).unwrap();
        s.lpush(0, b"big", &[b("one-more")]).unwrap();
    });
    let m = manifest::Manifest::load(&dir).unwrap().unwrap();
    let second = dir.join(&m.files.last().unwrap().name);
    let grown = std::fs::metadata(&second).unwrap().len();
    assert!(size > 100_000, "{size}");
    assert!(grown < 200, "a TTL and an LPUSH on a 10k-element list wrote {grown} bytes");
    let _ = std::fs::remove_dir_all(&dir);
}
