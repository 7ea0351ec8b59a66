//! Round trips: what a shard's records say, replayed on an empty shard,
//! rebuilds the same keyspace. The harness is shared with the value
//! types' tests (`crate::propagate::tests::round_trip`).

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;

use super::*;
use crate::clock::Clock;
use crate::mutation::MutationSink;
use crate::shard::ShardConfig;
use crate::types::{Expiry, GetExAction};
use crate::value::Value;

/// A fixed start time for the tests' clocks.
pub(crate) const NOW: u64 = 1_700_000_000_000;

/// One propagated command: its database and arguments.
pub(crate) type Logged = (u8, Vec<Bytes>);

/// A sink that asks for deltas and keeps the commands of every record.
struct Recorder(Rc<RefCell<Vec<Logged>>>);

impl MutationSink for Recorder {
    fn record(&mut self, m: &Mutation<'_>) {
        let mut log = self.0.borrow_mut();
        commands(m, |args| log.push((m.db, args.iter().map(Arg::to_bytes).collect())));
    }

    fn wants_deltas(&self) -> bool {
        true
    }
}

fn new_shard(clock: &Clock) -> Shard {
    Shard::new(0, ShardConfig { clock: clock.clone(), databases: 4, ..ShardConfig::default() })
}

/// Every key of every database with its value and expiry, sorted.
pub(crate) fn contents(s: &mut Shard) -> Vec<(u8, Bytes, Value, Option<u64>)> {
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

/// Runs `f` on a shard whose records are propagated, replays the
/// propagated commands on an empty shard with the same clock, checks that
/// both hold the same keys, values and expiries, and returns the commands.
pub(crate) fn round_trip(f: impl FnOnce(&mut Shard, &Clock)) -> Vec<Logged> {
    let clock = Clock::manual(NOW);
    let mut live = new_shard(&clock);
    let log: Rc<RefCell<Vec<Logged>>> = Rc::default();
    live.subscribe(Box::new(Recorder(log.clone())));
    f(&mut live, &clock);
    let log = log.borrow().clone();
    let mut replayed = new_shard(&clock);
    for (db, args) in &log {
        replayed.apply(*db, args).unwrap_or_else(|e| panic!("replaying {args:?}: {e}"));
    }
    assert_eq!(contents(&mut replayed), contents(&mut live), "replayed keyspace differs; log: {log:?}");
    log
}

/// The total size of the arguments of `log`'s commands.
pub(crate) fn log_bytes(log: &[Logged]) -> usize {
    log.iter().flat_map(|(_, args)| args.iter()).map(Bytes::len).sum()
}

/// The commands of `log` as text, one string per command, arguments
/// separated by spaces.
pub(crate) fn text(log: &[Logged]) -> Vec<String> {
    log.iter()
        .map(|(_, args)| args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "))
        .collect()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn strings_and_ttls_round_trip() {
    let log = round_trip(|s, clock| {
        s.set(0, b"a", b"1", SetOptions::default()).unwrap();
        s.set(0, b"b", b"x", SetOptions { expiry: Some(Expiry::Ex(100)), ..SetOptions::default() }).unwrap();
        s.incrby(0, b"a", 41).unwrap();
        s.append(0, b"b", b"yz").unwrap();
        s.setrange(0, b"c", 3, b"pad").unwrap();
        s.pexpire(0, b"a", 5_000, Default::default()).unwrap();
        s.persist(0, b"b");
        s.getex(0, b"c", GetExAction::Expire(Expiry::PxAt((NOW + 50) as i64))).unwrap();
        s.set(1, b"gone", b"soon", SetOptions { expiry: Some(Expiry::Px(10)), ..SetOptions::default() }).unwrap();
        clock.advance(20);
        // Reading an expired key removes it: the removal is propagated.
        assert_eq!(s.get(1, b"gone").unwrap(), None);
        s.rename(0, b"a", b"a2").unwrap();
        s.move_to_db(0, b"a2", 2).unwrap();
        s.copy(2, b"a2", 3, b"a3", false).unwrap();
        s.getdel(0, b"c").unwrap();
    });
    assert!(log.iter().any(|(_, a)| a[0] == "DEL" && a[1] == "gone"), "{log:?}");
}

#[test]
fn whole_collections_round_trip_in_chunks() {
    let log = round_trip(|s, _| {
        let items: Vec<Bytes> = (0..300).map(|i| b(&format!("e{i}"))).collect();
        let pairs: Vec<(Bytes, Bytes)> = (0..300).map(|i| (b(&format!("f{i}")), b(&format!("v{i}")))).collect();
        let scored: Vec<(f64, Bytes)> = (0..300).map(|i| (f64::from(i) / 3.0, b(&format!("m{i}")))).collect();
        s.restore(0, b"l", Value::List(items.iter().cloned().collect()), Some(NOW + 10), false).unwrap();
        let mut h = crate::types::Hash::default();
        for (f, v) in &pairs {
            h.insert(f.clone(), v.clone());
        }
        s.restore(0, b"h", Value::Hash(h), None, false).unwrap();
        let mut set = crate::types::Set::default();
        for m in &items {
            set.insert(m.clone());
        }
        s.restore(0, b"s", Value::Set(set), None, false).unwrap();
        s.zadd(0, b"z", ZAddOptions::default(), &scored).unwrap();
        s.zadd(0, b"z", ZAddOptions::default(), &[(f64::INFINITY, b("top")), (f64::NEG_INFINITY, b("bottom"))])
            .unwrap();
    });
    // 300 elements are three commands of at most CHUNK elements.
    let rpush = log.iter().filter(|(_, a)| a[0] == "RPUSH").count();
    assert_eq!(rpush, 300usize.div_ceil(CHUNK));
}

#[test]
fn flushes_and_swapdb_round_trip() {
    round_trip(|s, _| {
        s.set(0, b"a", b"1", SetOptions::default()).unwrap();
        s.set(1, b"b", b"2", SetOptions::default()).unwrap();
        s.swapdb(0, 1).unwrap();
        s.set(2, b"c", b"3", SetOptions::default()).unwrap();
        s.flushdb(2);
        s.set(3, b"d", b"4", SetOptions::default()).unwrap();
        s.flushall();
        s.set(0, b"after", b"5", SetOptions::default()).unwrap();
    });
}

#[test]
fn a_ttl_change_is_a_small_command() {
    let log = round_trip(|s, _| {
        let big = vec![b'x'; 100_000];
        s.set(0, b"k", &big[..], SetOptions::default()).unwrap();
        s.expire(0, b"k", 100, Default::default()).unwrap();
        s.persist(0, b"k");
    });
    assert_eq!(log.len(), 3);
    assert!(log_bytes(&log[1..]) < 100, "{:?}", &log[1..]);
}

#[test]
fn apply_refuses_what_is_not_in_the_vocabulary() {
    let clock = Clock::manual(NOW);
    let mut s = new_shard(&clock);
    assert!(matches!(s.apply(0, &[b("GET"), b("k")]), Err(ApplyError::Unknown(_))));
    assert!(matches!(s.apply(0, &[b("SET"), b("k")]), Err(ApplyError::Unknown(_))));
    assert!(matches!(s.apply(0, &[b("PEXPIREAT"), b("k"), b("soon")]), Err(ApplyError::BadArgument { index: 2, .. })));
    s.apply(0, &[b("SADD"), b("k"), b("m")]).unwrap();
    assert!(matches!(s.apply(0, &[b("RPUSH"), b("k"), b("e")]), Err(ApplyError::Failed { .. })));
}

#[test]
fn without_a_delta_sink_records_carry_none() {
    let clock = Clock::manual(NOW);
    let mut s = new_shard(&clock);
    let seen: Rc<RefCell<Vec<bool>>> = Rc::default();
    let sink = seen.clone();
    s.subscribe(Box::new(move |m: &Mutation<'_>| sink.borrow_mut().push(m.delta.is_some())));
    s.set(0, b"k", b"v", SetOptions::default()).unwrap();
    s.expire(0, b"k", 10, Default::default()).unwrap();
    assert_eq!(*seen.borrow(), vec![false, false]);
}
