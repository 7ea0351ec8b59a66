//! Model-based test of the list operations: random operation sequences on a
//! few shared keys (one of them holding a hash) are applied to a `Shard` and
//! to a `VecDeque`-per-key model written straight from the Redis docs, and
//! every result and the final contents must agree.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use coreshard_engine::types::{InsertWhere, ListSide, LposOptions};
use coreshard_engine::{ArgError, Error, Event, Kind, Mutation, Shard, ShardConfig, ValueRef};
use proptest::prelude::*;

const KEYS: &[&[u8]] = &[b"a", b"b", b"h"];
const WRONG: &[u8] = b"h";
const ELEMS: &[&str] = &["x", "y", "z", "xx", ""];

#[derive(Debug, Clone)]
enum Op {
    Push { key: usize, side: ListSide, values: Vec<usize>, only_existing: bool },
    Pop { key: usize, side: ListSide },
    PopCount { key: usize, side: ListSide, count: i64 },
    Len { key: usize },
    Range { key: usize, start: i64, stop: i64 },
    Index { key: usize, index: i64 },
    Set { key: usize, index: i64, value: usize },
    Rem { key: usize, count: i64, elem: usize },
    Trim { key: usize, start: i64, stop: i64 },
    Insert { key: usize, after: bool, pivot: usize, value: usize },
    Pos { key: usize, elem: usize, rank: Option<i64>, count: Option<i64>, maxlen: Option<i64> },
    Move { src: usize, dst: usize, from: ListSide, to: ListSide },
    PopPush { src: usize, dst: usize, from: ListSide, to: ListSide },
}

fn side() -> impl Strategy<Value = ListSide> {
    prop_oneof![Just(ListSide::Left), Just(ListSide::Right)]
}

fn key() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0..2usize, 1 => Just(2usize)]
}

fn elem() -> impl Strategy<Value = usize> {
    0..ELEMS.len()
}

fn idx() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -9i64..9, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (key(), side(), prop::collection::vec(elem(), 1..5), prop::bool::weighted(0.2))
            .prop_map(|(key, side, values, only_existing)| Op::Push { key, side, values, only_existing }),
        2 => (key(), side()).prop_map(|(key, side)| Op::Pop { key, side }),
        2 => (key(), side(), -1i64..6).prop_map(|(key, side, count)| Op::PopCount { key, side, count }),
        1 => key().prop_map(|key| Op::Len { key }),
        2 => (key(), idx(), idx()).prop_map(|(key, start, stop)| Op::Range { key, start, stop }),
        1 => (key(), idx()).prop_map(|(key, index)| Op::Index { key, index }),
        1 => (key(), idx(), elem()).prop_map(|(key, index, value)| Op::Set { key, index, value }),
        2 => (key(), prop_oneof![-3i64..4, Just(i64::MIN)], elem())
            .prop_map(|(key, count, elem)| Op::Rem { key, count, elem }),
        1 => (key(), idx(), idx()).prop_map(|(key, start, stop)| Op::Trim { key, start, stop }),
        2 => (key(), any::<bool>(), elem(), elem())
            .prop_map(|(key, after, pivot, value)| Op::Insert { key, after, pivot, value }),
        3 => (
            key(),
            elem(),
            prop::option::of(prop_oneof![-3i64..4, Just(i64::MIN), Just(i64::MAX)]),
            prop::option::of(-1i64..4),
            prop::option::of(-1i64..6),
        )
            .prop_map(|(key, elem, rank, count, maxlen)| Op::Pos { key, elem, rank, count, maxlen }),
        2 => (key(), key(), side(), side()).prop_map(|(src, dst, from, to)| Op::Move { src, dst, from, to }),
        1 => (key(), key(), side(), side()).prop_map(|(src, dst, from, to)| Op::PopPush { src, dst, from, to }),
    ]
}

/// What a key holds in the model.
#[derive(Debug, Clone)]
enum Slot {
    List(VecDeque<Bytes>),
    Other,
}

#[derive(Default)]
struct Model {
    keys: BTreeMap<usize, Slot>,
}

fn b(i: usize) -> Bytes {
    Bytes::from_static(ELEMS[i].as_bytes())
}

/// Redis's index normalisation, written out on `i128` so it cannot overflow.
fn norm_index(i: i64, len: usize) -> Option<usize> {
    let i = i as i128;
    let i = if i < 0 { i + len as i128 } else { i };
    if i >= 0 && i < len as i128 {
        Some(i as usize)
    } else {
        None
    }
}

/// LRANGE/LTRIM's `start..=stop` as a list of indexes.
fn norm_range(start: i64, stop: i64, len: usize) -> Vec<usize> {
    let n = len as i128;
    let mut s = start as i128;
    let mut e = stop as i128;
    if s < 0 {
        s += n;
    }
    if e < 0 {
        e += n;
    }
    s = s.max(0);
    e = e.min(n - 1);
    if s > e {
        return vec![];
    }
    (s as usize..=e as usize).collect()
}

impl Model {
    fn list(&mut self, key: usize) -> Result<Option<&mut VecDeque<Bytes>>, Error> {
        match self.keys.get_mut(&key) {
            None => Ok(None),
            Some(Slot::Other) => Err(Error::WrongType),
            Some(Slot::List(l)) => Ok(Some(l)),
        }
    }

    fn gc(&mut self, key: usize) {
        if matches!(self.keys.get(&key), Some(Slot::List(l)) if l.is_empty()) {
            self.keys.remove(&key);
        }
    }

    fn push(l: &mut VecDeque<Bytes>, side: ListSide, v: Bytes) {
        match side {
            ListSide::Left => l.push_front(v),
            ListSide::Right => l.push_back(v),
        }
    }

    fn pop(l: &mut VecDeque<Bytes>, side: ListSide) -> Option<Bytes> {
        match side {
            ListSide::Left => l.pop_front(),
            ListSide::Right => l.pop_back(),
        }
    }

    fn apply(&mut self, op: &Op) -> String {
        let out = match op {
            Op::Push { key, side, values, only_existing } => {
                let r = match self.list(*key) {
                    Err(e) => Err(e),
                    Ok(Some(l)) => {
                        values.iter().for_each(|&v| Self::push(l, *side, b(v)));
                        Ok(l.len())
                    }
                    Ok(None) if *only_existing => Ok(0),
                    Ok(None) => {
                        let mut l = VecDeque::new();
                        values.iter().for_each(|&v| Self::push(&mut l, *side, b(v)));
                        let n = l.len();
                        self.keys.insert(*key, Slot::List(l));
                        Ok(n)
                    }
                };
                format!("{r:?}")
            }
            Op::Pop { key, side } => format!("{:?}", self.list(*key).map(|l| l.and_then(|l| Self::pop(l, *side)))),
            Op::PopCount { key, side, count } => {
                let r = if *count < 0 {
                    Err(Error::InvalidArgument(ArgError::NotPositive))
                } else {
                    self.list(*key)
                        .map(|l| l.map(|l| (0..*count).map_while(|_| Self::pop(l, *side)).collect::<Vec<_>>()))
                };
                format!("{r:?}")
            }
            Op::Len { key } => format!("{:?}", self.list(*key).map(|l| l.map_or(0, |l| l.len()))),
            Op::Range { key, start, stop } => format!(
                "{:?}",
                self.list(*key).map(|l| match l {
                    None => vec![],
                    Some(l) => norm_range(*start, *stop, l.len()).into_iter().map(|i| l[i].clone()).collect(),
                })
            ),
            Op::Index { key, index } => format!(
                "{:?}",
                self.list(*key).map(|l| l.and_then(|l| norm_index(*index, l.len()).map(|i| l[i].clone())))
            ),
            Op::Set { key, index, value } => {
                let r = match self.list(*key) {
                    Err(e) => Err(e),
                    Ok(None) => Err(Error::NoSuchKey),
                    Ok(Some(l)) => match norm_index(*index, l.len()) {
                        None => Err(Error::IndexOutOfRange),
                        Some(i) => {
                            l[i] = b(*value);
                            Ok(())
                        }
                    },
                };
                format!("{r:?}")
            }
            Op::Rem { key, count, elem } => {
                let target = b(*elem);
                let r = self.list(*key).map(|l| {
                    let Some(l) = l else { return 0 };
                    let limit = if *count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                    let mut order: Vec<usize> = (0..l.len()).collect();
                    if *count < 0 {
                        order.reverse();
                    }
                    let doomed: Vec<usize> = order.into_iter().filter(|&i| l[i] == target).take(limit).collect();
                    let mut i = 0;
                    l.retain(|_| {
                        i += 1;
                        !doomed.contains(&(i - 1))
                    });
                    doomed.len()
                });
                format!("{r:?}")
            }
            Op::Trim { key, start, stop } => {
                let r = self.list(*key).map(|l| {
                    if let Some(l) = l {
                        let keep = norm_range(*start, *stop, l.len());
                        *l = keep.into_iter().map(|i| l[i].clone()).collect();
                    }
                });
                format!("{r:?}")
            }
            Op::Insert { key, after, pivot, value } => {
                let p = b(*pivot);
                let r = self.list(*key).map(|l| match l {
                    None => 0,
                    Some(l) => match l.iter().position(|v| *v == p) {
                        None => -1,
                        Some(i) => {
                            l.insert(if *after { i + 1 } else { i }, b(*value));
                            l.len() as i64
                        }
                    },
                });
                format!("{r:?}")
            }
            Op::Pos { key, elem, rank, count, maxlen } => {
                let rank_v = rank.unwrap_or(1);
                let r: Result<Vec<usize>, Error> = if rank_v == i64::MIN {
                    Err(Error::InvalidArgument(ArgError::OutsideLongRange))
                } else if rank_v == 0 {
                    Err(Error::InvalidArgument(ArgError::RankZero))
                } else if count.is_some_and(|c| c < 0) {
                    Err(Error::InvalidArgument(ArgError::CountNegative))
                } else if maxlen.is_some_and(|m| m < 0) {
                    Err(Error::InvalidArgument(ArgError::MaxlenNegative))
                } else {
                    let target = b(*elem);
                    self.list(*key).map(|l| {
                        let Some(l) = l else { return vec![] };
                        let mut order: Vec<usize> = (0..l.len()).collect();
                        if rank_v < 0 {
                            order.reverse();
                        }
                        let ml = maxlen.unwrap_or(0);
                        if ml > 0 {
                            order.truncate(ml as usize);
                        }
                        let want = match count {
                            None => 1,
                            Some(0) => usize::MAX,
                            Some(c) => *c as usize,
                        };
                        order
                            .into_iter()
                            .filter(|&i| l[i] == target)
                            .skip((rank_v.unsigned_abs() - 1) as usize)
                            .take(want)
                            .collect()
                    })
                };
                match count {
                    None => format!("{:?}", r.map(|v| v.first().copied())),
                    Some(_) => format!("{r:?}"),
                }
            }
            Op::Move { src, dst, from, to } | Op::PopPush { src, dst, from, to } => {
                let r = (|| {
                    match self.keys.get(src) {
                        None => return Ok(None),
                        Some(Slot::Other) => return Err(Error::WrongType),
                        Some(Slot::List(_)) => {}
                    }
                    if matches!(self.keys.get(dst), Some(Slot::Other)) {
                        return Err(Error::WrongType);
                    }
                    let v = match self.keys.get_mut(src) {
                        Some(Slot::List(l)) => Self::pop(l, *from),
                        _ => None,
                    };
                    let Some(v) = v else { return Ok(None) };
                    self.gc(*src);
                    match self.keys.entry(*dst).or_insert_with(|| Slot::List(VecDeque::new())) {
                        Slot::List(l) => Self::push(l, *to, v.clone()),
                        Slot::Other => unreachable!(),
                    }
                    Ok(Some(v))
                })();
                format!("{r:?}")
            }
        };
        for k in 0..KEYS.len() {
            self.gc(k);
        }
        out
    }
}

fn apply(s: &mut Shard, op: &Op) -> String {
    let k = |i: usize| KEYS[i];
    match op {
        Op::Push { key, side, values, only_existing } => {
            let vals: Vec<Bytes> = values.iter().map(|&v| b(v)).collect();
            let r = match (side, only_existing) {
                (ListSide::Left, false) => s.lpush(0, k(*key), &vals),
                (ListSide::Right, false) => s.rpush(0, k(*key), &vals),
                (ListSide::Left, true) => s.lpushx(0, k(*key), &vals),
                (ListSide::Right, true) => s.rpushx(0, k(*key), &vals),
            };
            format!("{r:?}")
        }
        Op::Pop { key, side } => match side {
            ListSide::Left => format!("{:?}", s.lpop(0, k(*key))),
            ListSide::Right => format!("{:?}", s.list_pop_one(0, k(*key), *side)),
        },
        Op::PopCount { key, side, count } => match side {
            ListSide::Left => format!("{:?}", s.lpop_count(0, k(*key), *count)),
            ListSide::Right => format!("{:?}", s.rpop_count(0, k(*key), *count)),
        },
        Op::Len { key } => format!("{:?}", s.llen(0, k(*key))),
        Op::Range { key, start, stop } => format!("{:?}", s.lrange(0, k(*key), *start, *stop)),
        Op::Index { key, index } => format!("{:?}", s.lindex(0, k(*key), *index)),
        Op::Set { key, index, value } => format!("{:?}", s.lset(0, k(*key), *index, b(*value))),
        Op::Rem { key, count, elem } => format!("{:?}", s.lrem(0, k(*key), *count, ELEMS[*elem].as_bytes())),
        Op::Trim { key, start, stop } => format!("{:?}", s.ltrim(0, k(*key), *start, *stop)),
        Op::Insert { key, after, pivot, value } => {
            let place = if *after { InsertWhere::After } else { InsertWhere::Before };
            format!("{:?}", s.linsert(0, k(*key), place, ELEMS[*pivot].as_bytes(), b(*value)))
        }
        Op::Pos { key, elem, rank, count, maxlen } => {
            let opts = LposOptions { rank: *rank, maxlen: *maxlen };
            match count {
                None => format!("{:?}", s.lpos(0, k(*key), ELEMS[*elem].as_bytes(), opts)),
                Some(c) => format!("{:?}", s.lpos_count(0, k(*key), ELEMS[*elem].as_bytes(), *c, opts)),
            }
        }
        Op::Move { src, dst, from, to } => {
            if (*from, *to) == (ListSide::Right, ListSide::Left) {
                format!("{:?}", s.rpoplpush(0, k(*src), k(*dst)))
            } else {
                format!("{:?}", s.lmove(0, k(*src), k(*dst), *from, *to))
            }
        }
        Op::PopPush { src, dst, from, to } => {
            // The cross-shard recipe on one shard: check the destination's
            // type, pop, push.
            let r = (|| {
                if s.kind_of(0, k(*src)).is_none() {
                    return Ok(None);
                }
                if s.kind_of(0, k(*src)) != Some(Kind::List) {
                    return Err(Error::WrongType);
                }
                if s.kind_of(0, k(*dst)).is_some_and(|t| t != Kind::List) {
                    return Err(Error::WrongType);
                }
                let Some(v) = s.list_pop_one(0, k(*src), *from)? else { return Ok(None) };
                s.list_push_one(0, k(*dst), *to, v.clone())?;
                Ok(Some(v))
            })();
            format!("{r:?}")
        }
    }
}

fn contents(s: &mut Shard) -> Vec<(usize, Option<Kind>, Vec<Bytes>)> {
    (0..KEYS.len())
        .map(|i| {
            let kind = s.kind_of(0, KEYS[i]);
            let items = if kind == Some(Kind::List) { s.lrange(0, KEYS[i], 0, -1).unwrap() } else { vec![] };
            (i, kind, items)
        })
        .collect()
}

fn model_contents(m: &Model) -> Vec<(usize, Option<Kind>, Vec<Bytes>)> {
    (0..KEYS.len())
        .map(|i| match m.keys.get(&i) {
            None => (i, None, vec![]),
            Some(Slot::Other) => (i, Some(Kind::Hash), vec![]),
            Some(Slot::List(l)) => (i, Some(Kind::List), l.iter().cloned().collect()),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn lists_match_the_model(ops in prop::collection::vec(op(), 1..100)) {
        let mut shard = Shard::new(0, ShardConfig::default());
        // Every write record must carry a non-empty list: Redis never stores
        // an empty collection, and neither may the persistence stream.
        let empty_writes = Arc::new(AtomicUsize::new(0));
        let seen = empty_writes.clone();
        shard.subscribe(Box::new(move |m: &Mutation<'_>| {
            if let Event::Write { value: ValueRef::List(l), .. } = m.event {
                if l.is_empty() {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
        shard.hset(0, WRONG, &[(Bytes::from_static(b"f"), Bytes::from_static(b"v"))]).unwrap();
        let mut model = Model::default();
        model.keys.insert(KEYS.iter().position(|k| *k == WRONG).unwrap(), Slot::Other);
        for (n, op) in ops.iter().enumerate() {
            let want = model.apply(op);
            let got = apply(&mut shard, op);
            prop_assert_eq!(&got, &want, "op #{} {:?}", n, op);
            prop_assert_eq!(contents(&mut shard), model_contents(&model), "after op #{} {:?}", n, op);
        }
        prop_assert_eq!(empty_writes.load(Ordering::Relaxed), 0);
        prop_assert_eq!(shard.hget(0, WRONG, b"f").unwrap(), Some(Bytes::from_static(b"v")));
    }
}

#[test]
fn memory_returns_to_baseline_after_random_churn() {
    let mut shard = Shard::new(0, ShardConfig::default());
    let base = shard.used_memory();
    let mut x: u64 = 0x9e37_79b9;
    for _ in 0..5000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let key = KEYS[(x % 2) as usize];
        let v = Bytes::from(vec![b'v'; (x >> 8) as usize % 40]);
        match (x >> 16) % 6 {
            0 | 1 => {
                let _ = shard.rpush(0, key, &[v]);
            }
            2 => {
                let _ = shard.lpop(0, key);
            }
            3 => {
                let _ = shard.linsert(0, key, InsertWhere::After, b"", v);
            }
            4 => {
                let _ = shard.lrem(0, key, 1, &v);
            }
            _ => {
                let _ = shard.lmove(0, key, KEYS[((x >> 24) % 2) as usize], ListSide::Left, ListSide::Right);
            }
        }
    }
    for key in &KEYS[..2] {
        shard.ltrim(0, key, 1, 0).unwrap();
    }
    assert_eq!(shard.used_memory(), base);
}
