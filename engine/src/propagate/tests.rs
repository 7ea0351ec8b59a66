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

pub(crate) fn new_shard(clock: &Clock) -> Shard {
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
    s.append(0, b"k", b"w").unwrap();
    for _ in 0..2 {
        s.rpush(0, b"l", &[b("e")]).unwrap();
        s.hset(0, b"h", &[(b("f"), b("v"))]).unwrap();
        s.sadd(0, b"s", &[b("m")]).unwrap();
        s.zadd(0, b"z", ZAddOptions::default(), &[(1.0, b("m"))]).unwrap();
        s.zadd(0, b"z", ZAddOptions::default(), &[(2.0, b("m"))]).unwrap();
    }
    assert_eq!(seen.borrow().len(), 12, "the second SADD changes nothing");
    assert!(seen.borrow().iter().all(|&delta| !delta));
}

/// Random sequences of writes to lists, hashes, sets, sorted sets and
/// strings replay to the same keyspace. Each type has two keys of its own
/// (so most writes change something), the key commands (PEXPIRE, PERSIST,
/// DEL) take any key, and a few writes go to another type's key. TTLs are
/// set far enough ahead that no key expires during a run: replay happens
/// later, at the run's final time.
pub(crate) mod random_writes {
    use proptest::prelude::*;

    use super::*;
    use crate::types::{Aggregate, ExpireOptions, LexBound, ScoreBound};

    /// Two keys per type, in the order lists, hashes, sets, sorted sets,
    /// strings; a type's writes take index `2 * type + (0 or 1)`, or any
    /// index for the few that test wrong types.
    const KEYS: [&[u8]; 10] = [b"l0", b"l1", b"h0", b"h1", b"s0", b"s1", b"z0", b"z1", b"t0", b"t1"];
    const WORDS: [&str; 5] = ["a", "b", "c", "dd", ""];
    const SCORES: [f64; 7] = [0.0, -0.0, 1.0, 2.5, -3.0, f64::INFINITY, f64::NEG_INFINITY];

    #[derive(Debug, Clone)]
    pub(crate) enum Op {
        Push(usize, bool, Vec<usize>, bool),
        Pop(usize, bool, Option<i64>),
        LSet(usize, i64, usize),
        LInsert(usize, bool, usize, usize),
        LRem(usize, i64, usize),
        LTrim(usize, i64, i64),
        LMove(usize, usize, bool, bool),
        HSet(usize, Vec<(usize, usize)>),
        HSetNx(usize, usize, usize),
        HIncrBy(usize, usize, i64),
        HIncrByFloat(usize, usize, usize),
        HDel(usize, Vec<usize>),
        SAdd(usize, Vec<usize>),
        SRem(usize, Vec<usize>),
        SPop(usize, Option<i64>),
        SMove(usize, usize, usize),
        SInterStore(usize, usize, usize),
        ZAdd(usize, u8, Vec<(usize, usize)>),
        ZIncrBy(usize, usize, usize),
        ZRem(usize, Vec<usize>),
        ZPop(usize, bool, Option<i64>),
        ZRemRangeByRank(usize, i64, i64),
        ZRemRangeByScore(usize, usize, usize),
        ZRemRangeByLex(usize, usize, usize),
        ZUnionStore(usize, usize, usize),
        Append(usize, usize),
        SetRange(usize, i64, usize),
        Expire(usize, i64),
        Persist(usize),
        Del(usize),
        Tick(u64),
    }

    pub(crate) fn op() -> impl Strategy<Value = Op> {
        // Mostly the type's own keys (`0..2` is shifted in `run`), now and
        // then any key.
        let k = || prop_oneof![8 => 0..2usize, 1 => 2..2 + KEYS.len()];
        let any_key = || 2..2 + KEYS.len();
        let w = || 0..WORDS.len();
        let ws = || prop::collection::vec(0..WORDS.len(), 0..4);
        let count = || prop::option::of(0i64..5);
        prop_oneof![
            // Writes that grow values come more often, so that there are
            // values to change.
            4 => (k(), any::<bool>(), prop::collection::vec(0..WORDS.len(), 1..5), prop::bool::weighted(0.2))
                .prop_map(|(k, l, v, x)| Op::Push(k, l, v, x)),
            1 => (k(), any::<bool>(), count()).prop_map(|(k, l, c)| Op::Pop(k, l, c)),
            1 => (k(), -5i64..5, w()).prop_map(|(k, i, v)| Op::LSet(k, i, v)),
            1 => (k(), any::<bool>(), w(), w()).prop_map(|(k, b, p, v)| Op::LInsert(k, b, p, v)),
            1 => (k(), -3i64..4, w()).prop_map(|(k, c, v)| Op::LRem(k, c, v)),
            1 => (k(), -6i64..6, -6i64..6).prop_map(|(k, a, b)| Op::LTrim(k, a, b)),
            1 => (k(), k(), any::<bool>(), any::<bool>()).prop_map(|(a, b, f, t)| Op::LMove(a, b, f, t)),
            3 => (k(), prop::collection::vec((w(), w()), 1..4)).prop_map(|(k, p)| Op::HSet(k, p)),
            1 => (k(), w(), w()).prop_map(|(k, f, v)| Op::HSetNx(k, f, v)),
            1 => (k(), w(), -3i64..4).prop_map(|(k, f, n)| Op::HIncrBy(k, f, n)),
            1 => (k(), w(), 0..4usize).prop_map(|(k, f, n)| Op::HIncrByFloat(k, f, n)),
            1 => (k(), ws()).prop_map(|(k, f)| Op::HDel(k, f)),
            3 => (k(), ws()).prop_map(|(k, m)| Op::SAdd(k, m)),
            1 => (k(), ws()).prop_map(|(k, m)| Op::SRem(k, m)),
            1 => (k(), count()).prop_map(|(k, c)| Op::SPop(k, c)),
            1 => (k(), k(), w()).prop_map(|(a, b, m)| Op::SMove(a, b, m)),
            1 => (k(), k(), k()).prop_map(|(d, a, b)| Op::SInterStore(d, a, b)),
            3 => (k(), 0u8..64, prop::collection::vec((0..SCORES.len(), w()), 1..4))
                .prop_map(|(k, f, p)| Op::ZAdd(k, f, p)),
            1 => (k(), 0..SCORES.len(), w()).prop_map(|(k, s, m)| Op::ZIncrBy(k, s, m)),
            1 => (k(), ws()).prop_map(|(k, m)| Op::ZRem(k, m)),
            1 => (k(), any::<bool>(), count()).prop_map(|(k, max, c)| Op::ZPop(k, max, c)),
            1 => (k(), -4i64..4, -4i64..4).prop_map(|(k, a, b)| Op::ZRemRangeByRank(k, a, b)),
            1 => (k(), 0..SCORES.len(), 0..SCORES.len()).prop_map(|(k, a, b)| Op::ZRemRangeByScore(k, a, b)),
            1 => (k(), w(), w()).prop_map(|(k, a, b)| Op::ZRemRangeByLex(k, a, b)),
            1 => (k(), k(), k()).prop_map(|(d, a, b)| Op::ZUnionStore(d, a, b)),
            1 => (k(), w()).prop_map(|(k, v)| Op::Append(k, v)),
            1 => (k(), 0i64..6, w()).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
            1 => (any_key(), 1_000i64..100_000).prop_map(|(k, ms)| Op::Expire(k, ms)),
            1 => any_key().prop_map(Op::Persist),
            1 => any_key().prop_map(Op::Del),
            1 => (0u64..10).prop_map(Op::Tick),
        ]
    }

    fn word(i: usize) -> Bytes {
        b(WORDS[i])
    }

    fn words(v: &[usize]) -> Vec<Bytes> {
        v.iter().map(|&i| word(i)).collect()
    }

    fn side(left: bool) -> ListSide {
        if left {
            ListSide::Left
        } else {
            ListSide::Right
        }
    }

    /// What a write returned, which does not matter here.
    fn ignore<T>(_: T) {}

    /// Runs `op`; errors (wrong types, bad numbers) are part of the game.
    pub(crate) fn run(s: &mut Shard, clock: &Clock, op: &Op) {
        // A key index below 2 is one of the type's own keys; 2 and up, any.
        let of = |ty: usize| move |i: usize| if i < 2 { KEYS[2 * ty + i] } else { KEYS[i - 2] };
        let key = of(0);
        let (hkey, skey, zkey, tkey) = (of(1), of(2), of(3), of(4));
        match *op {
            Op::Push(k, left, ref v, only_existing) => {
                ignore(s.list_push(0, key(k), side(left), &words(v), only_existing))
            }
            Op::Pop(k, left, None) => ignore(s.list_pop(0, key(k), side(left))),
            Op::Pop(k, left, Some(c)) => ignore(s.list_pop_count(0, key(k), side(left), c)),
            Op::LSet(k, i, v) => ignore(s.lset(0, key(k), i, word(v))),
            Op::LInsert(k, before, p, v) => {
                let place = if before { InsertWhere::Before } else { InsertWhere::After };
                ignore(s.linsert(0, key(k), place, WORDS[p].as_bytes(), word(v)))
            }
            Op::LRem(k, c, v) => ignore(s.lrem(0, key(k), c, WORDS[v].as_bytes())),
            Op::LTrim(k, a, z) => ignore(s.ltrim(0, key(k), a, z)),
            Op::LMove(a, z, from, to) => ignore(s.lmove(0, key(a), key(z), side(from), side(to))),
            Op::HSet(k, ref p) => {
                let pairs: Vec<(Bytes, Bytes)> = p.iter().map(|&(f, v)| (word(f), word(v))).collect();
                ignore(s.hset(0, hkey(k), &pairs))
            }
            Op::HSetNx(k, f, v) => ignore(s.hsetnx(0, hkey(k), word(f), word(v))),
            Op::HIncrBy(k, f, n) => ignore(s.hincrby(0, hkey(k), word(f), n)),
            Op::HIncrByFloat(k, f, n) => {
                let by: &[u8] = [&b"0.1"[..], b"-2.5", b"1e3", b"3"][n];
                ignore(s.hincrbyfloat(0, hkey(k), word(f), by))
            }
            Op::HDel(k, ref f) => ignore(s.hdel(0, hkey(k), &words(f))),
            Op::SAdd(k, ref m) => ignore(s.sadd(0, skey(k), &words(m))),
            Op::SRem(k, ref m) => ignore(s.srem(0, skey(k), &words(m))),
            Op::SPop(k, None) => ignore(s.spop(0, skey(k))),
            Op::SPop(k, Some(c)) => ignore(s.spop_count(0, skey(k), c)),
            Op::SMove(a, z, m) => ignore(s.smove(0, skey(a), skey(z), WORDS[m].as_bytes())),
            Op::SInterStore(d, a, z) => ignore(s.sinterstore(0, skey(d), &[skey(a), skey(z)])),
            Op::ZAdd(k, flags, ref p) => {
                let opts = ZAddOptions {
                    nx: flags & 1 != 0,
                    xx: flags & 2 != 0,
                    gt: flags & 4 != 0,
                    lt: flags & 8 != 0,
                    ch: flags & 16 != 0,
                    incr: flags & 32 != 0,
                };
                let pairs: Vec<(f64, Bytes)> = p.iter().map(|&(sc, m)| (SCORES[sc], word(m))).collect();
                ignore(s.zadd(0, zkey(k), opts, &pairs))
            }
            Op::ZIncrBy(k, sc, m) => ignore(s.zincrby(0, zkey(k), SCORES[sc], word(m))),
            Op::ZRem(k, ref m) => ignore(s.zrem(0, zkey(k), &words(m))),
            Op::ZPop(k, false, c) => ignore(s.zpopmin(0, zkey(k), c)),
            Op::ZPop(k, true, c) => ignore(s.zpopmax(0, zkey(k), c)),
            Op::ZRemRangeByRank(k, a, z) => ignore(s.zremrangebyrank(0, zkey(k), a, z)),
            Op::ZRemRangeByScore(k, a, z) => {
                let bound = |i: usize| ScoreBound::parse(format!("({}", SCORES[i]).as_bytes()).unwrap();
                let min = if a % 2 == 0 { bound(a) } else { ScoreBound::parse(b"-inf").unwrap() };
                ignore(s.zremrangebyscore(0, zkey(k), min, bound(z)))
            }
            Op::ZRemRangeByLex(k, a, z) => {
                let min = LexBound::parse(format!("[{}", WORDS[a]).as_bytes()).unwrap();
                let max = LexBound::parse(format!("({}", WORDS[z]).as_bytes()).unwrap();
                ignore(s.zremrangebylex(0, zkey(k), &min, &max))
            }
            Op::ZUnionStore(d, a, z) => {
                let keys = [Bytes::from_static(zkey(a)), Bytes::from_static(zkey(z))];
                ignore(s.zunionstore(0, zkey(d), &keys, None, Aggregate::Sum))
            }
            Op::Append(k, v) => ignore(s.append(0, tkey(k), WORDS[v].as_bytes())),
            Op::SetRange(k, o, v) => ignore(s.setrange(0, tkey(k), o, WORDS[v].as_bytes())),
            Op::Expire(k, ms) => ignore(s.pexpire(0, key(k), ms, ExpireOptions::default())),
            Op::Persist(k) => ignore(s.persist(0, key(k))),
            Op::Del(k) => ignore(s.del(0, &[key(k)])),
            Op::Tick(ms) => clock.advance(ms),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn random_writes_round_trip(ops in prop::collection::vec(op(), 1..60)) {
            round_trip(|s, clock| {
                for op in &ops {
                    run(s, clock, op);
                }
            });

        }
    }
}
