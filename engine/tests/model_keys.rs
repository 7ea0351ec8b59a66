//! Model-based tests of the generic key commands (DEL, EXISTS, RENAME, COPY,
//! the EXPIRE/TTL family, SCAN, KEYS, RANDOMKEY and the take/restore moves)
//! against a `BTreeMap` model with a manual clock, plus a SCAN completeness
//! test with the keyspace changing between calls.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use coreshard_engine::types::{ExpireOptions, Expiry, ScanOptions, SetOptions};
use coreshard_engine::{
    Clock, Error, Kind, Mutation, OptionConflict, OwnedEvent, OwnedMutation, Shard, ShardConfig, Value,
};
use proptest::prelude::*;

const START: u64 = 1_700_000_000_000;
const KEYS: [&[u8]; 4] = [b"a", b"b", b"c", b"a-long-key-name-with-dashes"];
const DBS: [u8; 2] = [0, 1];
/// A glob pattern and what it matches among `KEYS`.
type Pattern = (&'static [u8], fn(&[u8]) -> bool);
const PATTERNS: [Pattern; 5] = [
    (b"*", |_| true),
    (b"a*", |k| k.starts_with(b"a")),
    (b"?", |k| k.len() == 1),
    (b"*-*", |k| k.contains(&b'-')),
    (b"[bc]*", |k| k.starts_with(b"b") || k.starts_with(b"c")),
];

type Key = (u8, Vec<u8>);
type Entry = (Vec<u8>, Option<u64>);

/// Which of the four EXPIRE commands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ExpCmd {
    Expire,
    PExpire,
    ExpireAt,
    PExpireAt,
}

/// An EXPIRE argument; `Rel` is resolved against the clock when the
/// operation runs (seconds or ms after now, by command), so absolute
/// deadlines can land exactly on "now".
#[derive(Debug, Clone, Copy)]
enum Amount {
    Lit(i64),
    Rel(i64),
}

#[derive(Debug, Clone)]
enum Op {
    Set(u8, usize, Vec<u8>, Option<i64>),
    Del(u8, Vec<usize>),
    Unlink(u8, Vec<usize>),
    Exists(u8, Vec<usize>),
    Touch(u8, Vec<usize>),
    Type(u8, usize),
    Rename(u8, usize, usize, bool),
    Copy(u8, usize, u8, usize, bool),
    Expire(ExpCmd, u8, usize, Amount, ExpireOptions),
    Ttl(u8, usize),
    Persist(u8, usize),
    Move(u8, usize, u8, usize, bool),
    Dump(u8, usize),
    ExistsAny(u8, Vec<usize>),
    RandomKey(u8),
    Keys(u8, usize),
    Scan(u8, usize, Option<usize>, Option<Kind>),
    SwapDb(u8, u8),
    MoveToDb(u8, usize, u8),
    Advance(u64),
}

#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Ok,
    Err(Error),
    Bool(bool),
    Int(i64),
    Ints(Vec<i64>),
    Kind(Option<Kind>),
    Dump(Option<Entry>),
    Keys(Vec<Vec<u8>>),
}

fn db() -> impl Strategy<Value = u8> + Clone {
    prop::sample::select(DBS.to_vec())
}

fn keys() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..KEYS.len(), 0..5)
}

fn expire_options() -> impl Strategy<Value = ExpireOptions> {
    prop_oneof![
        4 => Just(ExpireOptions::default()),
        2 => Just(ExpireOptions { nx: true, ..ExpireOptions::default() }),
        2 => Just(ExpireOptions { xx: true, ..ExpireOptions::default() }),
        3 => Just(ExpireOptions { gt: true, ..ExpireOptions::default() }),
        3 => Just(ExpireOptions { lt: true, ..ExpireOptions::default() }),
        1 => Just(ExpireOptions { xx: true, gt: true, ..ExpireOptions::default() }),
        1 => Just(ExpireOptions { xx: true, lt: true, ..ExpireOptions::default() }),
        1 => (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(nx, xx, gt, lt)| ExpireOptions { nx, xx, gt, lt }),
    ]
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        6 => (-3i64..6).prop_map(Amount::Rel),
        3 => (-10i64..5000).prop_map(Amount::Rel),
        1 => prop::sample::select(vec![
            i64::MAX,
            i64::MIN,
            9_223_372_036_854_775,
            -9_223_372_036_854_775,
            -9_223_372_036_854_776,
            0,
            1,
        ])
        .prop_map(Amount::Lit),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0..KEYS.len();
    let cmd = prop::sample::select(vec![ExpCmd::Expire, ExpCmd::PExpire, ExpCmd::ExpireAt, ExpCmd::PExpireAt]);
    let val = proptest::collection::vec(any::<u8>(), 0..90);
    prop_oneof![
        6 => (db(), k.clone(), val, proptest::option::of(1i64..4000)).prop_map(|(d, k, v, px)| Op::Set(d, k, v, px)),
        2 => (db(), keys()).prop_map(|(d, ks)| Op::Del(d, ks)),
        1 => (db(), keys()).prop_map(|(d, ks)| Op::Unlink(d, ks)),
        2 => (db(), keys()).prop_map(|(d, ks)| Op::Exists(d, ks)),
        1 => (db(), keys()).prop_map(|(d, ks)| Op::Touch(d, ks)),
        1 => (db(), k.clone()).prop_map(|(d, k)| Op::Type(d, k)),
        3 => (db(), k.clone(), k.clone(), any::<bool>()).prop_map(|(d, a, b, nx)| Op::Rename(d, a, b, nx)),
        3 => (db(), k.clone(), prop_oneof![4 => db(), 1 => Just(20u8)], k.clone(), any::<bool>())
            .prop_map(|(d, a, d2, b, r)| Op::Copy(d, a, d2, b, r)),
        6 => (cmd, db(), k.clone(), amount(), expire_options()).prop_map(|(c, d, k, a, o)| Op::Expire(c, d, k, a, o)),
        2 => (db(), k.clone()).prop_map(|(d, k)| Op::Ttl(d, k)),
        2 => (db(), k.clone()).prop_map(|(d, k)| Op::Persist(d, k)),
        2 => (db(), k.clone(), db(), k.clone(), any::<bool>()).prop_map(|(d, a, d2, b, r)| Op::Move(d, a, d2, b, r)),
        1 => (db(), k.clone()).prop_map(|(d, k)| Op::Dump(d, k)),
        1 => (db(), keys()).prop_map(|(d, ks)| Op::ExistsAny(d, ks)),
        1 => db().prop_map(Op::RandomKey),
        1 => (db(), 0..PATTERNS.len()).prop_map(|(d, p)| Op::Keys(d, p)),
        2 => (
            db(),
            1usize..4,
            proptest::option::of(0..PATTERNS.len()),
            proptest::option::of(prop::sample::select(vec![Kind::String, Kind::List])),
        )
            .prop_map(|(d, c, p, t)| Op::Scan(d, c, p, t)),
        1 => (db(), db()).prop_map(|(a, b)| Op::SwapDb(a, b)),
        2 => (db(), k.clone(), db()).prop_map(|(d, k, d2)| Op::MoveToDb(d, k, d2)),
        4 => prop_oneof![Just(0u64), Just(1), 0..3000u64].prop_map(Op::Advance),
    ]
}

#[derive(Default)]
struct Model {
    map: BTreeMap<Key, Entry>,
    now: u64,
}

fn key(db: u8, k: usize) -> Key {
    (db, KEYS[k].to_vec())
}

/// The absolute deadline in ms an EXPIRE command computes, or `None` when
/// Redis reports it as an invalid expire time.
fn deadline(cmd: ExpCmd, amount: Amount, now: u64) -> Option<i64> {
    let seconds = matches!(cmd, ExpCmd::Expire | ExpCmd::ExpireAt);
    let relative = matches!(cmd, ExpCmd::Expire | ExpCmd::PExpire);
    let v = resolve(cmd, amount, now) as i128;
    let ms = if seconds { v * 1000 } else { v };
    let at = if relative { ms + now as i128 } else { ms };
    let fits = |x: i128| (i64::MIN as i128..=i64::MAX as i128).contains(&x);
    (fits(ms) && fits(at)).then_some(at as i64)
}

fn resolve(cmd: ExpCmd, amount: Amount, now: u64) -> i64 {
    match (amount, cmd) {
        (Amount::Lit(v), _) => v,
        (Amount::Rel(d), ExpCmd::Expire | ExpCmd::PExpire) => d,
        (Amount::Rel(d), ExpCmd::ExpireAt) => (now / 1000) as i64 + d,
        (Amount::Rel(d), ExpCmd::PExpireAt) => now as i64 + d,
    }
}

fn cmd_name(cmd: ExpCmd) -> &'static str {
    match cmd {
        ExpCmd::Expire => "expire",
        ExpCmd::PExpire => "pexpire",
        ExpCmd::ExpireAt => "expireat",
        ExpCmd::PExpireAt => "pexpireat",
    }
}

impl Model {
    fn live(&mut self, k: &Key) -> Option<Entry> {
        let now = self.now;
        if self.map.get(k).is_some_and(|(_, e)| e.is_some_and(|at| at < now)) {
            self.map.remove(k);
        }
        self.map.get(k).cloned()
    }

    fn live_keys(&mut self, db: u8) -> Vec<Vec<u8>> {
        let now = self.now;
        self.map.retain(|_, (_, e)| e.is_none_or(|at| at >= now));
        self.map.keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect()
    }

    fn apply(&mut self, op: &Op) -> Reply {
        match op {
            Op::Set(d, k, v, px) => {
                self.map.insert(key(*d, *k), (v.clone(), px.map(|ms| self.now + ms as u64)));
                Reply::Ok
            }
            Op::Del(d, ks) | Op::Unlink(d, ks) => Reply::Int(
                ks.iter()
                    .filter(|k| self.live(&key(*d, **k)).is_some() && self.map.remove(&key(*d, **k)).is_some())
                    .count() as i64,
            ),
            Op::Exists(d, ks) | Op::Touch(d, ks) => {
                Reply::Int(ks.iter().filter(|k| self.live(&key(*d, **k)).is_some()).count() as i64)
            }
            Op::Type(d, k) => Reply::Kind(self.live(&key(*d, *k)).map(|_| Kind::String)),
            Op::Rename(d, a, b, nx) => {
                let Some(entry) = self.live(&key(*d, *a)) else { return Reply::Err(Error::NoSuchKey) };
                if a == b {
                    return if *nx { Reply::Bool(false) } else { Reply::Ok };
                }
                if *nx && self.live(&key(*d, *b)).is_some() {
                    return Reply::Bool(false);
                }
                self.map.remove(&key(*d, *a));
                self.map.insert(key(*d, *b), entry);
                if *nx {
                    Reply::Bool(true)
                } else {
                    Reply::Ok
                }
            }
            Op::Copy(d, a, d2, b, replace) => {
                if *d2 >= 16 {
                    return Reply::Err(Error::DbIndexOutOfRange);
                }
                if d == d2 && a == b {
                    return Reply::Err(Error::SameObject);
                }
                let Some(entry) = self.live(&key(*d, *a)) else { return Reply::Bool(false) };
                if self.live(&key(*d2, *b)).is_some() && !replace {
                    return Reply::Bool(false);
                }
                self.map.insert(key(*d2, *b), entry);
                Reply::Bool(true)
            }
            Op::Expire(cmd, d, k, amount, o) => {
                if o.nx && (o.xx || o.gt || o.lt) {
                    return Reply::Err(Error::IncompatibleOptions(OptionConflict::ExpireNx));
                }
                if o.gt && o.lt {
                    return Reply::Err(Error::IncompatibleOptions(OptionConflict::ExpireGtLt));
                }
                let Some(when) = deadline(*cmd, *amount, self.now) else {
                    return Reply::Err(Error::InvalidExpire { command: cmd_name(*cmd) });
                };
                let key = key(*d, *k);
                let Some((v, cur)) = self.live(&key) else { return Reply::Bool(false) };
                let cur = cur.map(|c| c as i64);
                let refused = (o.nx && cur.is_some())
                    || (o.xx && cur.is_none())
                    || (o.gt && cur.is_none_or(|c| when <= c))
                    || (o.lt && cur.is_some_and(|c| when >= c));
                if refused {
                    return Reply::Bool(false);
                }
                if when <= self.now as i64 {
                    self.map.remove(&key);
                } else {
                    self.map.insert(key, (v, Some(when as u64)));
                }
                Reply::Bool(true)
            }
            Op::Ttl(d, k) => {
                let now = self.now;
                let r = match self.live(&key(*d, *k)) {
                    None => [-2; 4],
                    Some((_, None)) => [-1; 4],
                    Some((_, Some(at))) => {
                        let left = at - now;
                        [((left + 500) / 1000) as i64, left as i64, ((at + 500) / 1000) as i64, at as i64]
                    }
                };
                Reply::Ints(r.to_vec())
            }
            Op::Persist(d, k) => {
                let key = key(*d, *k);
                match self.live(&key) {
                    Some((v, Some(_))) => {
                        self.map.insert(key, (v, None));
                        Reply::Bool(true)
                    }
                    _ => Reply::Bool(false),
                }
            }
            Op::Move(d, a, d2, b, replace) => {
                let Some(entry) = self.live(&key(*d, *a)) else { return Reply::Bool(false) };
                self.map.remove(&key(*d, *a));
                let ok = self.live(&key(*d2, *b)).is_none() || *replace;
                if ok {
                    self.map.insert(key(*d2, *b), entry);
                } else {
                    self.map.insert(key(*d, *a), entry);
                }
                Reply::Bool(ok)
            }
            Op::Dump(d, k) => Reply::Dump(self.live(&key(*d, *k))),
            Op::ExistsAny(d, ks) => Reply::Bool(ks.iter().any(|k| self.live(&key(*d, *k)).is_some())),
            Op::RandomKey(d) => {
                // Only "is there one" is deterministic; membership is
                // checked by the caller.
                Reply::Bool(!self.live_keys(*d).is_empty())
            }
            Op::Keys(d, p) | Op::Scan(d, _, Some(p), None | Some(Kind::String)) => {
                Reply::Keys(self.live_keys(*d).into_iter().filter(|k| (PATTERNS[*p].1)(k)).collect())
            }
            Op::Scan(d, _, None, None | Some(Kind::String)) => Reply::Keys(self.live_keys(*d)),
            Op::Scan(..) => Reply::Keys(vec![]),
            Op::SwapDb(a, b) => {
                let swap = |db: u8| {
                    if db == *a {
                        *b
                    } else if db == *b {
                        *a
                    } else {
                        db
                    }
                };
                self.map = std::mem::take(&mut self.map).into_iter().map(|((db, k), e)| ((swap(db), k), e)).collect();
                Reply::Ok
            }
            Op::MoveToDb(d, k, d2) => {
                if d == d2 {
                    return Reply::Err(Error::SameObject);
                }
                let Some(entry) = self.live(&key(*d, *k)) else { return Reply::Bool(false) };
                if self.live(&key(*d2, *k)).is_some() {
                    return Reply::Bool(false);
                }
                self.map.remove(&key(*d, *k));
                self.map.insert(key(*d2, *k), entry);
                Reply::Bool(true)
            }
            Op::Advance(ms) => {
                self.now += ms;
                Reply::Ok
            }
        }
    }
}

fn apply(s: &mut Shard, clock: &Clock, model_keys: &[Vec<u8>], op: &Op) -> Reply {
    let ks = |ks: &[usize]| -> Vec<&[u8]> { ks.iter().map(|k| KEYS[*k]).collect() };
    let err = Reply::Err;
    match op {
        Op::Set(d, k, v, px) => {
            let opts = SetOptions { expiry: px.map(Expiry::Px), ..SetOptions::default() };
            s.set(*d, KEYS[*k], &v[..], opts).unwrap();
            Reply::Ok
        }
        Op::Del(d, k) => Reply::Int(s.del(*d, &ks(k)) as i64),
        Op::Unlink(d, k) => Reply::Int(s.unlink(*d, &ks(k)) as i64),
        Op::Exists(d, k) => Reply::Int(s.exists(*d, &ks(k)) as i64),
        Op::Touch(d, k) => Reply::Int(s.touch_keys(*d, &ks(k)) as i64),
        Op::Type(d, k) => Reply::Kind(s.key_type(*d, KEYS[*k])),
        Op::Rename(d, a, b, false) => s.rename(*d, KEYS[*a], KEYS[*b]).map_or_else(err, |_| Reply::Ok),
        Op::Rename(d, a, b, true) => s.renamenx(*d, KEYS[*a], KEYS[*b]).map_or_else(err, Reply::Bool),
        Op::Copy(d, a, d2, b, r) => s.copy(*d, KEYS[*a], *d2, KEYS[*b], *r).map_or_else(err, Reply::Bool),
        Op::Expire(cmd, d, k, amount, o) => {
            let v = resolve(*cmd, *amount, clock.now_ms());
            let r = match cmd {
                ExpCmd::Expire => s.expire(*d, KEYS[*k], v, *o),
                ExpCmd::PExpire => s.pexpire(*d, KEYS[*k], v, *o),
                ExpCmd::ExpireAt => s.expireat(*d, KEYS[*k], v, *o),
                ExpCmd::PExpireAt => s.pexpireat(*d, KEYS[*k], v, *o),
            };
            r.map_or_else(err, Reply::Bool)
        }
        Op::Ttl(d, k) => {
            let k = KEYS[*k];
            Reply::Ints(vec![s.ttl(*d, k), s.pttl(*d, k), s.expiretime(*d, k), s.pexpiretime(*d, k)])
        }
        Op::Persist(d, k) => Reply::Bool(s.persist(*d, KEYS[*k])),
        Op::Move(d, a, d2, b, r) => {
            let Some((value, expire)) = s.take(*d, KEYS[*a]) else { return Reply::Bool(false) };
            let ok = s.restore(*d2, KEYS[*b], value.clone(), expire, *r).unwrap();
            if !ok {
                assert!(s.restore(*d, KEYS[*a], value, expire, false).unwrap());
            }
            Reply::Bool(ok)
        }
        Op::Dump(d, k) => Reply::Dump(s.dump(*d, KEYS[*k]).map(|(v, e)| match v {
            Value::Str(b) => (b.to_vec(), e),
            other => panic!("unexpected kind {:?}", other.kind()),
        })),
        Op::ExistsAny(d, k) => Reply::Bool(s.exists_any(*d, &ks(k))),
        Op::RandomKey(d) => {
            let got = s.randomkey(*d);
            if let Some(k) = &got {
                assert!(model_keys.contains(&k.to_vec()), "RANDOMKEY returned {k:?}, not a live key");
            }
            Reply::Bool(got.is_some())
        }
        Op::Keys(d, p) => Reply::Keys(sorted(s.keys(*d, PATTERNS[*p].0))),
        Op::Scan(d, count, p, kind) => {
            let opts = ScanOptions { pattern: p.map(|p| PATTERNS[p].0), count: *count, kind: *kind };
            let mut out = Vec::new();
            let mut cursor = 0;
            loop {
                let (next, keys) = s.scan(*d, cursor, opts);
                out.extend(keys);
                if next == 0 {
                    break;
                }
                cursor = next;
            }
            let n = out.len();
            let out = sorted(out);
            assert_eq!(out.len(), n, "a scan without concurrent changes returned a key twice");
            Reply::Keys(out)
        }
        Op::SwapDb(a, b) => s.swapdb(*a, *b).map_or_else(err, |()| Reply::Ok),
        Op::MoveToDb(d, k, d2) => s.move_to_db(*d, KEYS[*k], *d2).map_or_else(err, Reply::Bool),
        Op::Advance(ms) => {
            clock.advance(*ms);
            Reply::Ok
        }
    }
}

fn sorted(keys: Vec<Bytes>) -> Vec<Vec<u8>> {
    let set: BTreeSet<Vec<u8>> = keys.into_iter().map(|k| k.to_vec()).collect();
    set.into_iter().collect()
}

fn replay(log: &[OwnedMutation]) -> BTreeMap<Key, Entry> {
    let mut map = BTreeMap::new();
    for m in log {
        let k = (m.db, m.key.to_vec());
        match &m.event {
            OwnedEvent::Write { value: Value::Str(v), expire_at } => {
                map.insert(k, (v.to_vec(), *expire_at));
            }
            OwnedEvent::Write { .. } => panic!("unexpected kind"),
            OwnedEvent::Delete | OwnedEvent::Expired | OwnedEvent::Evicted => {
                map.remove(&k);
            }
            OwnedEvent::FlushDb => map.retain(|(db, _), _| *db != m.db),
            OwnedEvent::FlushAll => map.clear(),
            OwnedEvent::SwapDb { with } => {
                let swap = |db: u8| {
                    if db == m.db {
                        *with
                    } else if db == *with {
                        m.db
                    } else {
                        db
                    }
                };
                map = std::mem::take(&mut map).into_iter().map(|((db, k), e)| ((swap(db), k), e)).collect();
            }
        }
    }
    map
}

fn new_shard(clock: &Clock) -> Shard {
    Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn keys_match_model(ops in proptest::collection::vec(op(), 1..60)) {
        let clock = Clock::manual(START);
        let mut shard = new_shard(&clock);
        let log: Arc<Mutex<Vec<OwnedMutation>>> = Arc::default();
        let sink = log.clone();
        shard.subscribe(Box::new(move |m: &Mutation<'_>| sink.lock().unwrap().push(m.to_owned())));
        let mut model = Model { now: START, ..Model::default() };

        for (i, op) in ops.iter().enumerate() {
            let live = match op {
                Op::RandomKey(d) => model.live_keys(*d),
                _ => vec![],
            };
            let want = model.apply(op);
            let got = apply(&mut shard, &clock, &live, op);
            prop_assert_eq!(&got, &want, "step {} {:?}", i, op);
            for db in DBS {
                for (k, name) in KEYS.iter().enumerate() {
                    let want = model.live(&key(db, k));
                    let got = shard.dump(db, name).map(|(v, e)| match v {
                        Value::Str(b) => (b.to_vec(), e),
                        other => panic!("unexpected kind {:?}", other.kind()),
                    });
                    prop_assert_eq!(got, want, "db {} key {:?} after step {}", db, name, i);
                }
            }
        }

        let now = model.now;
        let mut replica = replay(&log.lock().unwrap());
        replica.retain(|_, (_, e)| e.is_none_or(|at| at >= now));
        model.map.retain(|_, (_, e)| e.is_none_or(|at| at >= now));
        prop_assert_eq!(&replica, &model.map);

        for db in DBS {
            prop_assert_eq!(shard.del(db, &KEYS), model.live_keys(db).len());
            prop_assert_eq!(shard.dbsize(db), 0);
        }
        prop_assert_eq!(shard.used_memory(), 0);
    }
}

/// A change made between two SCAN calls.
#[derive(Debug, Clone)]
enum Change {
    Delete(usize),
    Add(usize),
    Rename(usize, usize),
    ExpireSoon(usize),
    Advance(u64),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (0usize..200).prop_map(Change::Delete),
        3 => (0usize..400).prop_map(Change::Add),
        1 => (0usize..200, 0usize..400).prop_map(|(a, b)| Change::Rename(a, b)),
        1 => (0usize..200).prop_map(Change::ExpireSoon),
        1 => (0u64..20).prop_map(Change::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every key that exists for the whole scan is returned, whatever is
    /// deleted, added, renamed or expired between calls.
    #[test]
    fn scan_returns_every_key_present_throughout(
        initial in 0usize..200,
        prefill in 0usize..100,
        counts in proptest::collection::vec(1usize..25, 1..40),
        changes in proptest::collection::vec(proptest::collection::vec(change(), 0..6), 1..40),
    ) {
        let clock = Clock::manual(START);
        let mut s = new_shard(&clock);
        let name = |prefix: &str, i: usize| format!("{prefix}{i}").into_bytes();
        // Deleting part of a prefill leaves holes in the slab that later
        // additions reuse, in front of and behind the cursor.
        for i in 0..prefill {
            s.set(0, &name("p", i), b"v", SetOptions::default()).unwrap();
        }
        for i in 0..initial {
            s.set(0, &name("k", i), b"v", SetOptions::default()).unwrap();
            if i % 3 == 0 {
                s.del(0, &[name("p", i)]);
            }
        }
        s.set(1, b"other-db", b"v", SetOptions::default()).unwrap();
        let mut stable: BTreeSet<Vec<u8>> = (0..initial).map(|i| name("k", i)).collect();
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        for step in 0.. {
            let count = counts[step % counts.len()];
            let (next, keys) = s.scan(0, cursor, ScanOptions { count, ..ScanOptions::default() });
            prop_assert!(keys.len() <= count);
            seen.extend(keys.into_iter().map(|k| k.to_vec()));
            if next == 0 {
                break;
            }
            prop_assert!(step < 10_000, "scan did not terminate");
            cursor = next;
            for c in &changes[step % changes.len()] {
                match c {
                    Change::Delete(i) => {
                        s.del(0, &[name("k", *i)]);
                        stable.remove(&name("k", *i));
                    }
                    Change::Add(i) => {
                        s.set(0, &name("n", *i), b"v", SetOptions::default()).unwrap();
                    }
                    Change::Rename(a, b) => {
                        if s.rename(0, &name("k", *a), &name("n", *b)).is_ok() {
                            stable.remove(&name("k", *a));
                        }
                    }
                    Change::ExpireSoon(i) => {
                        s.pexpire(0, &name("k", *i), 5, ExpireOptions::default()).unwrap();
                        stable.remove(&name("k", *i));
                    }
                    Change::Advance(ms) => clock.advance(*ms),
                }
            }
        }
        let missing: Vec<_> = stable.difference(&seen).map(|k| String::from_utf8_lossy(k).into_owned()).collect();
        prop_assert!(missing.is_empty(), "keys present throughout but not returned: {:?}", missing);
        prop_assert!(!seen.contains(&b"other-db"[..]));
    }
}
