//! Model-based test of the string commands: random operation sequences run
//! against a `Shard` with a manual clock and against a plain `BTreeMap`
//! model, comparing every reply, the whole keyspace after every step, and
//! a replica rebuilt from the mutation stream at the end.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use coreshard_engine::numbers::LongDouble;
use coreshard_engine::types::{Expiry, GetExAction, SetOptions, SetResult};
use coreshard_engine::{ArgError, Clock, Error, Mutation, OwnedEvent, OwnedMutation, Shard, ShardConfig, Value};
use proptest::prelude::*;

const START: u64 = 1_700_000_000_000;
const KEYS: [&[u8]; 4] = [b"a", b"b", b"c", b"a-much-longer-key-name-that-is-still-fine"];

#[derive(Debug, Clone)]
enum Op {
    Set(usize, Vec<u8>, (SetOptions, Option<Exp>)),
    SetNx(usize, Vec<u8>),
    SetEx(usize, i64, Vec<u8>),
    PSetEx(usize, i64, Vec<u8>),
    Get(usize),
    GetDel(usize),
    GetEx(usize, GetEx),
    Append(usize, Vec<u8>),
    Strlen(usize),
    IncrBy(usize, i64),
    DecrBy(usize, i64),
    IncrByFloat(usize, &'static str),
    SetRange(usize, i64, Vec<u8>),
    GetRange(usize, i64, i64),
    MGet(Vec<usize>),
    MSet(Vec<(usize, Vec<u8>)>),
    MSetNx(Vec<(usize, Vec<u8>)>),
    Advance(u64),
}

/// A reply, normalised so shard and model results compare directly.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Ok,
    Err(Error),
    Bool(bool),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Multi(Vec<Option<Vec<u8>>>),
    Set(bool, Option<Vec<u8>>),
}

fn value() -> impl Strategy<Value = Vec<u8>> + Clone {
    prop_oneof![
        4 => proptest::collection::vec(prop_oneof![Just(b'x'), Just(b'y'), Just(0u8)], 0..8),
        2 => proptest::collection::vec(any::<u8>(), 60..120),
        3 => prop_oneof![Just(-3i64), Just(0), Just(7), Just(i64::MAX), Just(i64::MIN), Just(-9)]
            .prop_map(|n| n.to_string().into_bytes()),
        1 => prop::sample::select(vec!["-0", "007", "1.5", " 1", "+2", ""]).prop_map(|v| v.as_bytes().to_vec()),
    ]
}

/// An expiry as generated: either literal, or an absolute deadline relative
/// to the clock at the time the operation runs (to hit "deadline == now").
#[derive(Debug, Clone, Copy)]
enum Exp {
    Literal(Expiry),
    PxAtNow(i64),
    ExAtNow(i64),
}

impl Exp {
    fn resolve(self, now: u64) -> Expiry {
        match self {
            Exp::Literal(e) => e,
            Exp::PxAtNow(d) => Expiry::PxAt(now as i64 + d),
            Exp::ExAtNow(d) => Expiry::ExAt((now / 1000) as i64 + d),
        }
    }
}

fn expiry() -> impl Strategy<Value = Exp> {
    let now_s = (START / 1000) as i64;
    prop_oneof![
        (-1i64..4).prop_map(|v| Exp::Literal(Expiry::Ex(v))),
        (-5i64..4000).prop_map(|v| Exp::Literal(Expiry::Px(v))),
        (now_s - 2..now_s + 6).prop_map(|v| Exp::Literal(Expiry::ExAt(v))),
        (START as i64 - 2000..START as i64 + 8000).prop_map(|v| Exp::Literal(Expiry::PxAt(v))),
        (-2i64..3).prop_map(Exp::PxAtNow),
        (-1i64..2).prop_map(Exp::ExAtNow),
        Just(Exp::Literal(Expiry::Ex(i64::MAX / 100))),
        Just(Exp::Literal(Expiry::Px(i64::MAX - 1))),
    ]
}

/// SET flags plus an unresolved expiry.
fn set_options() -> impl Strategy<Value = (SetOptions, Option<Exp>)> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), proptest::option::of(expiry())).prop_map(
        |(nx, xx, get, keep_ttl, expiry)| {
            let opts = SetOptions {
                nx: nx && (!xx || get), // mostly valid, sometimes NX+XX
                xx,
                get,
                keep_ttl: keep_ttl && (expiry.is_none() || get),
                expiry: None,
            };
            (opts, expiry)
        },
    )
}

/// GETEX's action with an unresolved expiry.
#[derive(Debug, Clone, Copy)]
enum GetEx {
    Keep,
    Persist,
    Expire(Exp),
}

impl GetEx {
    fn resolve(self, now: u64) -> GetExAction {
        match self {
            GetEx::Keep => GetExAction::Keep,
            GetEx::Persist => GetExAction::Persist,
            GetEx::Expire(e) => GetExAction::Expire(e.resolve(now)),
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0..KEYS.len();
    let pairs = proptest::collection::vec((0..KEYS.len(), value()), 1..4);
    prop_oneof![
        6 => (k.clone(), value(), set_options()).prop_map(|(k, v, o)| Op::Set(k, v, o)),
        1 => (k.clone(), value()).prop_map(|(k, v)| Op::SetNx(k, v)),
        1 => (k.clone(), -1i64..3, value()).prop_map(|(k, t, v)| Op::SetEx(k, t, v)),
        1 => (k.clone(), -1i64..3000, value()).prop_map(|(k, t, v)| Op::PSetEx(k, t, v)),
        3 => k.clone().prop_map(Op::Get),
        1 => k.clone().prop_map(Op::GetDel),
        2 => (k.clone(), prop_oneof![
            Just(GetEx::Keep),
            Just(GetEx::Persist),
            expiry().prop_map(GetEx::Expire),
        ]).prop_map(|(k, a)| Op::GetEx(k, a)),
        2 => (k.clone(), value()).prop_map(|(k, v)| Op::Append(k, v)),
        1 => k.clone().prop_map(Op::Strlen),
        3 => (k.clone(), prop_oneof![-3i64..4, Just(i64::MAX), Just(i64::MIN)]).prop_map(|(k, n)| Op::IncrBy(k, n)),
        1 => (k.clone(), prop_oneof![-3i64..4, Just(i64::MIN)]).prop_map(|(k, n)| Op::DecrBy(k, n)),
        2 => (k.clone(), prop_oneof![Just("0.5"), Just("-1.25"), Just("3"), Just("1e2"), Just("-0"), Just("x"), Just("1e4932")])
            .prop_map(|(k, n)| Op::IncrByFloat(k, n)),
        2 => (k.clone(), -1i64..80, proptest::collection::vec(any::<u8>(), 0..6))
            .prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        2 => (k.clone(), -12i64..12, -12i64..12).prop_map(|(k, a, b)| Op::GetRange(k, a, b)),
        1 => proptest::collection::vec(0..KEYS.len(), 1..5).prop_map(Op::MGet),
        1 => pairs.clone().prop_map(Op::MSet),
        1 => pairs.prop_map(Op::MSetNx),
        3 => prop_oneof![Just(0u64), Just(1), 0..3000u64].prop_map(Op::Advance),
    ]
}

/// The model: key → (value, absolute expiry in ms).
#[derive(Default)]
struct Model {
    map: BTreeMap<Vec<u8>, (Vec<u8>, Option<u64>)>,
    now: u64,
}

fn bad_expire(command: &'static str) -> Reply {
    Reply::Err(Error::InvalidExpire { command })
}

impl Model {
    fn live(&mut self, key: &[u8]) -> Option<&mut (Vec<u8>, Option<u64>)> {
        let now = self.now;
        if self.map.get(key).is_some_and(|(_, e)| e.is_some_and(|at| at < now)) {
            self.map.remove(key);
        }
        self.map.get_mut(key)
    }

    fn deadline(&self, e: Expiry) -> Option<u64> {
        let now = self.now as i128;
        let (at, amount) = match e {
            Expiry::Ex(s) => (now + s as i128 * 1000, s),
            Expiry::Px(ms) => (now + ms as i128, ms),
            Expiry::ExAt(s) => (s as i128 * 1000, s),
            Expiry::PxAt(ms) => (ms as i128, ms),
        };
        (amount > 0 && at <= i64::MAX as i128).then_some(at as u64)
    }

    fn set(
        &mut self,
        key: &[u8],
        v: Vec<u8>,
        o: SetOptions,
        cmd: &'static str,
    ) -> Result<(bool, Option<Vec<u8>>), Reply> {
        if (o.nx && o.xx) || (o.keep_ttl && o.expiry.is_some()) {
            return Err(Reply::Err(Error::Syntax));
        }
        let expire = match o.expiry {
            Some(e) => Some(self.deadline(e).ok_or_else(|| bad_expire(cmd))?),
            None => None,
        };
        let cur = self.live(key).cloned();
        let old = if o.get { cur.as_ref().map(|c| c.0.clone()) } else { None };
        if (o.nx && cur.is_some()) || (o.xx && cur.is_none()) {
            return Ok((false, old));
        }
        let expire = if o.keep_ttl { cur.and_then(|c| c.1) } else { expire };
        self.map.insert(key.to_vec(), (v, expire));
        Ok((true, old))
    }

    fn incr(&mut self, key: &[u8], by: i64) -> Reply {
        let (cur, exp) = match self.live(key) {
            Some((v, e)) => {
                let s = String::from_utf8(v.clone()).unwrap_or_default();
                match s.parse::<i64>() {
                    Ok(n) if n.to_string() == s => (n, *e),
                    _ => return Reply::Err(Error::NotInteger),
                }
            }
            None => (0, None),
        };
        match cur.checked_add(by) {
            Some(n) => {
                self.map.insert(key.to_vec(), (n.to_string().into_bytes(), exp));
                Reply::Int(n)
            }
            None => Reply::Err(Error::Overflow),
        }
    }

    fn apply(&mut self, op: &Op) -> Reply {
        match op {
            Op::Set(k, v, (o, e)) => match self.set(KEYS[*k], v.clone(), resolve(*o, *e, self.now), "set") {
                Ok((w, old)) => Reply::Set(w, old),
                Err(e) => e,
            },
            Op::SetNx(k, v) => {
                let o = SetOptions { nx: true, ..SetOptions::default() };
                Reply::Bool(self.set(KEYS[*k], v.clone(), o, "setnx").map(|r| r.0).unwrap_or(false))
            }
            Op::SetEx(k, t, v) | Op::PSetEx(k, t, v) => {
                let (e, cmd) = match op {
                    Op::SetEx(..) => (Expiry::Ex(*t), "setex"),
                    _ => (Expiry::Px(*t), "psetex"),
                };
                let o = SetOptions { expiry: Some(e), ..SetOptions::default() };
                match self.set(KEYS[*k], v.clone(), o, cmd) {
                    Ok(_) => Reply::Ok,
                    Err(e) => e,
                }
            }
            Op::Get(k) => Reply::Bulk(self.live(KEYS[*k]).map(|c| c.0.clone())),
            Op::GetDel(k) => {
                let v = self.live(KEYS[*k]).map(|c| c.0.clone());
                self.map.remove(KEYS[*k]);
                Reply::Bulk(v)
            }
            Op::GetEx(k, action) => {
                let action = &action.resolve(self.now);
                let key = KEYS[*k];
                let Some(v) = self.live(key).map(|c| c.0.clone()) else { return Reply::Bulk(None) };
                match action {
                    GetExAction::Keep => {}
                    GetExAction::Persist => self.map.get_mut(key).unwrap().1 = None,
                    GetExAction::Expire(e) => {
                        let Some(at) = self.deadline(*e) else { return bad_expire("getex") };
                        let absolute = matches!(e, Expiry::ExAt(_) | Expiry::PxAt(_));
                        if absolute && at <= self.now {
                            self.map.remove(key);
                        } else {
                            self.map.get_mut(key).unwrap().1 = Some(at);
                        }
                    }
                }
                Reply::Bulk(Some(v))
            }
            Op::Append(k, v) => {
                let entry = self.live(KEYS[*k]).cloned();
                let (mut cur, exp) = entry.unwrap_or_default();
                cur.extend_from_slice(v);
                let n = cur.len();
                self.map.insert(KEYS[*k].to_vec(), (cur, exp));
                Reply::Int(n as i64)
            }
            Op::Strlen(k) => Reply::Int(self.live(KEYS[*k]).map_or(0, |c| c.0.len() as i64)),
            Op::IncrBy(k, n) => self.incr(KEYS[*k], *n),
            Op::DecrBy(k, n) => match n.checked_neg() {
                Some(m) => self.incr(KEYS[*k], m),
                None => Reply::Err(Error::DecrementOverflow),
            },
            Op::IncrByFloat(k, incr) => {
                // The float arithmetic itself is checked digit for digit
                // against Redis in the unit tests; here it is the reference
                // for the key handling around it.
                let not_float = || Reply::Err(Error::NotFloat);
                let (cur, exp) = match self.live(KEYS[*k]) {
                    Some((v, e)) => match LongDouble::parse(v) {
                        Some(f) => (f, *e),
                        None => return not_float(),
                    },
                    None => (LongDouble::ZERO, None),
                };
                let Some(by) = LongDouble::parse(incr.as_bytes()) else { return not_float() };
                let Some(sum) = cur.add(&by) else {
                    return Reply::Err(Error::NanOrInfinity);
                };
                let text = sum.to_human();
                self.map.insert(KEYS[*k].to_vec(), (text.clone(), exp));
                Reply::Bulk(Some(text))
            }
            Op::SetRange(k, off, v) => {
                if *off < 0 {
                    return Reply::Err(Error::InvalidArgument(ArgError::OffsetOutOfRange));
                }
                let entry = self.live(KEYS[*k]).cloned();
                if v.is_empty() {
                    return Reply::Int(entry.map_or(0, |e| e.0.len() as i64));
                }
                let (mut cur, exp) = entry.unwrap_or_default();
                let end = *off as usize + v.len();
                if cur.len() < end {
                    cur.resize(end, 0);
                }
                cur[*off as usize..end].copy_from_slice(v);
                let n = cur.len();
                self.map.insert(KEYS[*k].to_vec(), (cur, exp));
                Reply::Int(n as i64)
            }
            Op::GetRange(k, start, end) => {
                let v = self.live(KEYS[*k]).map(|c| c.0.clone()).unwrap_or_default();
                let len = v.len() as i64;
                let (mut a, mut b) = (*start, *end);
                if a < 0 && b < 0 && a > b {
                    return Reply::Bulk(Some(vec![]));
                }
                if a < 0 {
                    a = (len + a).max(0);
                }
                if b < 0 {
                    b = (len + b).max(0);
                }
                b = b.min(len - 1);
                if a > b || len == 0 {
                    return Reply::Bulk(Some(vec![]));
                }
                Reply::Bulk(Some(v[a as usize..=b as usize].to_vec()))
            }
            Op::MGet(ks) => Reply::Multi(ks.iter().map(|k| self.live(KEYS[*k]).map(|c| c.0.clone())).collect()),
            Op::MSet(pairs) => {
                for (k, v) in pairs {
                    self.map.insert(KEYS[*k].to_vec(), (v.clone(), None));
                }
                Reply::Ok
            }
            Op::MSetNx(pairs) => {
                if pairs.iter().any(|(k, _)| self.live(KEYS[*k]).is_some()) {
                    return Reply::Bool(false);
                }
                for (k, v) in pairs {
                    self.map.insert(KEYS[*k].to_vec(), (v.clone(), None));
                }
                Reply::Bool(true)
            }
            Op::Advance(ms) => {
                self.now += ms;
                Reply::Ok
            }
        }
    }
}

fn resolve(o: SetOptions, e: Option<Exp>, now: u64) -> SetOptions {
    SetOptions { expiry: e.map(|e| e.resolve(now)), ..o }
}

fn to_reply<T>(r: coreshard_engine::Result<T>, f: impl FnOnce(T) -> Reply) -> Reply {
    match r {
        Ok(v) => f(v),
        Err(e) => Reply::Err(e),
    }
}

fn bulk(b: Option<Bytes>) -> Reply {
    Reply::Bulk(b.map(|b| b.to_vec()))
}

fn apply(s: &mut Shard, clock: &Clock, op: &Op) -> Reply {
    let db = 0;
    let pairs = |p: &[(usize, Vec<u8>)]| -> Vec<(Bytes, Bytes)> {
        p.iter().map(|(k, v)| (Bytes::from_static(KEYS[*k]), Bytes::copy_from_slice(v))).collect()
    };
    match op {
        Op::Set(k, v, (o, e)) => {
            to_reply(s.set(db, KEYS[*k], &v[..], resolve(*o, *e, clock.now_ms())), |SetResult { written, old }| {
                Reply::Set(written, old.map(|b| b.to_vec()))
            })
        }
        Op::SetNx(k, v) => to_reply(s.setnx(db, KEYS[*k], &v[..]), Reply::Bool),
        Op::SetEx(k, t, v) => to_reply(s.setex(db, KEYS[*k], *t, &v[..]), |_| Reply::Ok),
        Op::PSetEx(k, t, v) => to_reply(s.psetex(db, KEYS[*k], *t, &v[..]), |_| Reply::Ok),
        Op::Get(k) => to_reply(s.get(db, KEYS[*k]), bulk),
        Op::GetDel(k) => to_reply(s.getdel(db, KEYS[*k]), bulk),
        Op::GetEx(k, a) => to_reply(s.getex(db, KEYS[*k], a.resolve(clock.now_ms())), bulk),
        Op::Append(k, v) => to_reply(s.append(db, KEYS[*k], v), |n| Reply::Int(n as i64)),
        Op::Strlen(k) => to_reply(s.strlen(db, KEYS[*k]), |n| Reply::Int(n as i64)),
        Op::IncrBy(k, n) => to_reply(s.incrby(db, KEYS[*k], *n), Reply::Int),
        Op::DecrBy(k, n) => to_reply(s.decrby(db, KEYS[*k], *n), Reply::Int),
        Op::IncrByFloat(k, n) => to_reply(s.incrbyfloat(db, KEYS[*k], n.as_bytes()), |b| bulk(Some(b))),
        Op::SetRange(k, o, v) => to_reply(s.setrange(db, KEYS[*k], *o, v), |n| Reply::Int(n as i64)),
        Op::GetRange(k, a, b) => to_reply(s.getrange(db, KEYS[*k], *a, *b), |b| bulk(Some(b))),
        Op::MGet(ks) => {
            let keys: Vec<&[u8]> = ks.iter().map(|k| KEYS[*k]).collect();
            Reply::Multi(s.mget(db, &keys).into_iter().map(|b| b.map(|b| b.to_vec())).collect())
        }
        Op::MSet(p) => to_reply(s.mset(db, &pairs(p)), |_| Reply::Ok),
        Op::MSetNx(p) => to_reply(s.msetnx(db, &pairs(p)), Reply::Bool),
        Op::Advance(ms) => {
            clock.advance(*ms);
            Reply::Ok
        }
    }
}

/// Rebuilds key → (value, expiry) from the mutation stream.
fn replay(log: &[OwnedMutation]) -> BTreeMap<Vec<u8>, (Vec<u8>, Option<u64>)> {
    let mut map = BTreeMap::new();
    for m in log {
        match &m.event {
            OwnedEvent::Write { value: Value::Str(v), expire_at } => {
                map.insert(m.key.to_vec(), (v.to_vec(), *expire_at));
            }
            OwnedEvent::Write { .. } => panic!("a string command wrote another kind"),
            OwnedEvent::Delete | OwnedEvent::Expired | OwnedEvent::Evicted => {
                map.remove(&m.key[..]);
            }
            OwnedEvent::FlushDb | OwnedEvent::FlushAll => map.clear(),
            OwnedEvent::SwapDb { .. } => panic!("no SWAPDB in the string model"),
        }
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn strings_match_model(ops in proptest::collection::vec(op(), 1..60)) {
        let clock = Clock::manual(START);
        let mut shard = Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() });
        let log: Arc<Mutex<Vec<OwnedMutation>>> = Arc::default();
        let sink = log.clone();
        shard.subscribe(Box::new(move |m: &Mutation<'_>| sink.lock().unwrap().push(m.to_owned())));
        let mut model = Model { now: START, ..Model::default() };

        for (i, op) in ops.iter().enumerate() {
            let want = model.apply(op);
            let got = apply(&mut shard, &clock, op);
            prop_assert_eq!(&got, &want, "step {} {:?}", i, op);
            for key in KEYS {
                let want = model.live(key).cloned();
                let got_v = shard.get(0, key).unwrap().map(|b| b.to_vec());
                let got_ttl = shard.pttl(0, key);
                let want_ttl = match &want {
                    None => -2,
                    Some((_, None)) => -1,
                    Some((_, Some(at))) => (at - model.now) as i64,
                };
                prop_assert_eq!(got_v, want.map(|w| w.0), "value of {:?} after step {}", key, i);
                prop_assert_eq!(got_ttl, want_ttl, "pttl of {:?} after step {}", key, i);
            }
        }

        // The mutation stream alone reproduces the live keyspace.
        let now = model.now;
        let mut replica = replay(&log.lock().unwrap());
        replica.retain(|_, (_, e)| e.is_none_or(|at| at >= now));
        model.map.retain(|_, (_, e)| e.is_none_or(|at| at >= now));
        prop_assert_eq!(replica, model.map.clone());

        // Memory accounting returns to zero once everything is deleted.
        prop_assert_eq!(shard.del(0, &KEYS), model.map.len());
        prop_assert_eq!(shard.dbsize(0), 0);
        prop_assert_eq!(shard.used_memory(), 0);
    }
}
