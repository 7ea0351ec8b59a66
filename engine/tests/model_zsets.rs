//! Model-based test of the sorted-set commands: random operation sequences
//! on a few shared keys run against a `Shard` and against a plain
//! `BTreeMap` model, comparing every reply and the full contents after
//! every step.
//!
//! Only the public API is used. It offers no way yet to create a key of
//! another type, so wrong-type keys (and TTLs) are covered by the model test
//! inside the crate (`types/zset/tests.rs`).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use coreshard_engine::numbers::format_double;
use coreshard_engine::types::{Aggregate, LexBound, ScoreBound, SetOp, ZAddOptions, ZAddReply, ZRange, ZRangeBy, ZSet};
use coreshard_engine::{Error, Shard, ShardConfig};
use proptest::prelude::*;

type Set = BTreeMap<Bytes, f64>;
type Model = BTreeMap<&'static str, Set>;

const KEYS: [&str; 4] = ["a", "b", "c", "lex"];
const MEMBERS: [&str; 7] = ["", "m", "n", "na", "o", "p", "zz"];
const SCORES: [f64; 10] = [f64::NEG_INFINITY, -2.0, -0.5, 0.0, 0.0, 1.0, 1.5, 2.0, 7.0, f64::INFINITY];

fn mem(i: usize) -> Bytes {
    Bytes::from_static(MEMBERS[i].as_bytes())
}

/// Members in (score, member) order.
fn sorted(set: &Set) -> Vec<(Bytes, f64)> {
    let mut v: Vec<(Bytes, f64)> = set.iter().map(|(m, s)| (m.clone(), *s)).collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    v
}

fn equal_scores(set: &Set) -> bool {
    let mut it = set.values();
    it.next().is_none_or(|first| it.all(|s| s == first))
}

#[derive(Debug, Clone)]
enum Bound {
    Score(usize, bool),
    Lex(u8, usize),
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        key: usize,
        flags: u8,
        pairs: Vec<(usize, usize)>,
    },
    Incr {
        key: usize,
        score: usize,
        member: usize,
    },
    Rem {
        key: usize,
        members: Vec<usize>,
    },
    Score {
        key: usize,
        member: usize,
    },
    MScore {
        key: usize,
        members: Vec<usize>,
    },
    Card {
        key: usize,
    },
    Count {
        key: usize,
        min: (usize, bool),
        max: (usize, bool),
    },
    LexCount {
        key: usize,
        min: (u8, usize),
        max: (u8, usize),
    },
    Rank {
        key: usize,
        member: usize,
        rev: bool,
    },
    Range {
        key: usize,
        by: u8,
        lo: i64,
        hi: i64,
        b1: Bound,
        b2: Bound,
        rev: bool,
        limit: Option<(i64, i64)>,
        store: Option<usize>,
    },
    Pop {
        key: usize,
        max: bool,
        count: Option<i64>,
    },
    RemRank {
        key: usize,
        start: i64,
        stop: i64,
    },
    RemScore {
        key: usize,
        min: (usize, bool),
        max: (usize, bool),
    },
    RemLex {
        key: usize,
        min: (u8, usize),
        max: (u8, usize),
    },
    Scan {
        key: usize,
        count: usize,
        pattern: Option<&'static str>,
    },
    Combine {
        op: u8,
        dst: Option<usize>,
        keys: Vec<usize>,
        weights: Option<Vec<i8>>,
        agg: u8,
    },
    InterCard {
        keys: Vec<usize>,
        limit: usize,
    },
    Rand {
        key: usize,
        count: Option<i64>,
    },
}

fn score_bound() -> impl Strategy<Value = (usize, bool)> {
    (0..SCORES.len(), any::<bool>())
}

fn lex_bound() -> impl Strategy<Value = (u8, usize)> {
    (0u8..4, 0..MEMBERS.len())
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let m = 0..MEMBERS.len();
    let s = 0..SCORES.len();
    prop_oneof![
        6 => (key.clone(), any::<u8>(), prop::collection::vec((s.clone(), m.clone()), 0..4))
            .prop_map(|(key, flags, pairs)| Op::Add { key, flags, pairs }),
        1 => (key.clone(), s.clone(), m.clone()).prop_map(|(key, score, member)| Op::Incr { key, score, member }),
        2 => (key.clone(), prop::collection::vec(m.clone(), 1..3)).prop_map(|(key, members)| Op::Rem { key, members }),
        1 => (key.clone(), m.clone()).prop_map(|(key, member)| Op::Score { key, member }),
        1 => (key.clone(), prop::collection::vec(m.clone(), 1..3)).prop_map(|(key, members)| Op::MScore { key, members }),
        1 => key.clone().prop_map(|key| Op::Card { key }),
        1 => (key.clone(), score_bound(), score_bound()).prop_map(|(key, min, max)| Op::Count { key, min, max }),
        1 => (key.clone(), lex_bound(), lex_bound()).prop_map(|(key, min, max)| Op::LexCount { key, min, max }),
        1 => (key.clone(), m.clone(), any::<bool>()).prop_map(|(key, member, rev)| Op::Rank { key, member, rev }),
        5 => (
            (key.clone(), 0u8..3, -9i64..9, -9i64..9),
            (score_bound(), score_bound(), lex_bound(), lex_bound()),
            (any::<bool>(), prop::option::of((-2i64..6, -2i64..6)), prop::option::weighted(0.2, key.clone())),
        )
            .prop_map(|((key, by, lo, hi), (s1, s2, l1, l2), (rev, limit, store))| {
                let (b1, b2) = if by == 2 {
                    (Bound::Lex(l1.0, l1.1), Bound::Lex(l2.0, l2.1))
                } else {
                    (Bound::Score(s1.0, s1.1), Bound::Score(s2.0, s2.1))
                };
                Op::Range { key, by, lo, hi, b1, b2, rev, limit, store }
            }),
        2 => (key.clone(), any::<bool>(), prop::option::of(-1i64..4)).prop_map(|(key, max, count)| Op::Pop { key, max, count }),
        1 => (key.clone(), -6i64..6, -6i64..6).prop_map(|(key, start, stop)| Op::RemRank { key, start, stop }),
        1 => (key.clone(), score_bound(), score_bound()).prop_map(|(key, min, max)| Op::RemScore { key, min, max }),
        1 => (key.clone(), lex_bound(), lex_bound()).prop_map(|(key, min, max)| Op::RemLex { key, min, max }),
        1 => (key.clone(), 1usize..5, prop::option::of(prop::sample::select(vec!["n*", "?", "*a", "[mo]"])))
            .prop_map(|(key, count, pattern)| Op::Scan { key, count, pattern }),
        3 => (
            0u8..3,
            prop::option::of(key.clone()),
            prop::collection::vec(key.clone(), 1..4),
            any::<bool>(),
            prop::collection::vec(prop::sample::select(vec![0i8, 1, 2, -1, 3]), 3),
            0u8..3,
        )
            .prop_map(|(op, dst, keys, w, ws, agg)| {
                let weights = w.then(|| ws[..keys.len()].to_vec());
                Op::Combine { op, dst, keys, weights, agg }
            }),
        1 => (prop::collection::vec(key.clone(), 1..4), 0usize..3).prop_map(|(keys, limit)| Op::InterCard { keys, limit }),
        1 => (key, prop::option::of(-4i64..6)).prop_map(|(key, count)| Op::Rand { key, count }),
    ]
}

fn sbound(b: (usize, bool)) -> ScoreBound {
    ScoreBound { value: SCORES[b.0], exclusive: b.1 }
}

fn lbound(b: (u8, usize)) -> LexBound {
    match b.0 {
        0 => LexBound::NegInf,
        1 => LexBound::PosInf,
        2 => LexBound::Inclusive(mem(b.1)),
        _ => LexBound::Exclusive(mem(b.1)),
    }
}

fn in_score(s: f64, min: &ScoreBound, max: &ScoreBound) -> bool {
    let lo = if min.exclusive { s > min.value } else { s >= min.value };
    let hi = if max.exclusive { s < max.value } else { s <= max.value };
    lo && hi
}

fn in_lex(m: &[u8], min: &LexBound, max: &LexBound) -> bool {
    let lo = match min {
        LexBound::NegInf => true,
        LexBound::PosInf => false,
        LexBound::Inclusive(b) => m >= &b[..],
        LexBound::Exclusive(b) => m > &b[..],
    };
    let hi = match max {
        LexBound::NegInf => false,
        LexBound::PosInf => true,
        LexBound::Inclusive(b) => m <= &b[..],
        LexBound::Exclusive(b) => m < &b[..],
    };
    lo && hi
}

/// The model's ZRANGE: filter, order, then LIMIT.
fn model_range(set: &Set, range: &ZRange) -> Vec<(Bytes, f64)> {
    let mut v = sorted(set);
    let n = v.len() as i64;
    match &range.by {
        ZRangeBy::Rank { start, stop } => {
            let (mut a, mut z) = (*start, *stop);
            if a < 0 {
                a += n;
            }
            if z < 0 {
                z += n;
            }
            let a = a.max(0);
            let z = z.min(n - 1);
            if range.rev {
                v.reverse();
            }
            if a > z {
                return vec![];
            }
            return v[a as usize..=z as usize].to_vec();
        }
        ZRangeBy::Score { start, stop } => {
            let (min, max) = if range.rev { (stop, start) } else { (start, stop) };
            v.retain(|(_, s)| in_score(*s, min, max));
        }
        ZRangeBy::Lex { start, stop } => {
            let (min, max) = if range.rev { (stop, start) } else { (start, stop) };
            v.retain(|(m, _)| in_lex(m, min, max));
        }
    }
    if range.rev {
        v.reverse();
    }
    let (offset, count) = range.limit.unwrap_or((0, -1));
    if offset < 0 {
        return vec![];
    }
    let it = v.into_iter().skip(offset as usize);
    if count < 0 {
        it.collect()
    } else {
        it.take(count as usize).collect()
    }
}

fn store(model: &mut Model, key: &'static str, set: Set) -> usize {
    let n = set.len();
    if n == 0 {
        model.remove(key);
    } else {
        model.insert(key, set);
    }
    n
}

fn fold(agg: Aggregate, acc: &mut f64, v: f64) {
    match agg {
        Aggregate::Sum => {
            *acc += v;
            if acc.is_nan() {
                *acc = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *acc {
                *acc = v;
            }
        }
        Aggregate::Max => {
            if v > *acc {
                *acc = v;
            }
        }
    }
}

/// The model's set operations, spelled out the way Redis documents them:
/// inputs are visited smallest first, weighted NaN is 0, NaN sums are 0.
fn model_setop(model: &Model, op: SetOp, keys: &[usize], weights: &[f64], agg: Aggregate) -> Set {
    let empty = Set::new();
    let inputs: Vec<(&Set, f64)> =
        keys.iter().zip(weights).map(|(&k, &w)| (model.get(KEYS[k]).unwrap_or(&empty), w)).collect();
    let weighted = |w: f64, s: f64| if (w * s).is_nan() { 0.0 } else { w * s };
    match op {
        SetOp::Diff => {
            let (first, _) = inputs[0];
            first
                .iter()
                .filter(|(m, _)| inputs[1..].iter().all(|(s, _)| !s.contains_key(*m)))
                .map(|(m, s)| (m.clone(), *s))
                .collect()
        }
        SetOp::Union => {
            let mut order = inputs.clone();
            order.sort_by_key(|(s, _)| s.len());
            let mut out = Set::new();
            for (set, w) in order {
                for (m, s) in set {
                    let v = weighted(w, *s);
                    match out.get_mut(m) {
                        Some(acc) => fold(agg, acc, v),
                        None => {
                            out.insert(m.clone(), v);
                        }
                    }
                }
            }
            out
        }
        SetOp::Inter => {
            let mut order = inputs.clone();
            order.sort_by_key(|(s, _)| s.len());
            let (first, w0) = order[0];
            let mut out = Set::new();
            'members: for (m, s) in first {
                let mut acc = weighted(w0, *s);
                for (set, w) in &order[1..] {
                    match set.get(m) {
                        Some(v) => fold(agg, &mut acc, v * w),
                        None => continue 'members,
                    }
                }
                out.insert(m.clone(), acc);
            }
            out
        }
    }
}

fn contents(shard: &mut Shard, key: &str) -> Vec<(Bytes, f64)> {
    shard.zrange(0, key.as_bytes(), &ZRange::rank(0, -1)).unwrap()
}

/// Same floats, comparing -0 and 0 by their reply text as Redis would.
fn same(a: &[(Bytes, f64)], b: &[(Bytes, f64)]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && format_double(x.1) == format_double(y.1))
}

fn apply(shard: &mut Shard, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    match op.clone() {
        Op::Add { key, flags, pairs } => {
            let k = KEYS[key];
            let o = ZAddOptions {
                nx: flags & 1 != 0,
                xx: flags & 2 != 0,
                gt: flags & 4 != 0,
                lt: flags & 8 != 0,
                ch: flags & 16 != 0,
                incr: flags & 32 != 0 && flags & 64 != 0,
            };
            // The lex key only ever gets score 0 so BYLEX stays meaningful.
            let p: Vec<(f64, Bytes)> =
                pairs.iter().map(|&(s, m)| (if k == "lex" { 0.0 } else { SCORES[s] }, mem(m))).collect();
            let got = shard.zadd(0, k.as_bytes(), o, &p);
            let invalid =
                p.is_empty() || (o.nx && o.xx) || (o.nx && (o.gt || o.lt)) || (o.gt && o.lt) || (o.incr && p.len() > 1);
            if invalid {
                prop_assert!(got.is_err(), "{:?}", got);
                return Ok(());
            }
            let mut set = model.get(k).cloned().unwrap_or_default();
            let existed = model.contains_key(k);
            let (mut added, mut updated, mut last) = (0, 0, None);
            for (s, m) in &p {
                match set.get(m).copied() {
                    Some(cur) => {
                        if o.nx {
                            continue;
                        }
                        let new = if o.incr { cur + s } else { *s };
                        if new.is_nan() {
                            prop_assert_eq!(got, Err(Error::ScoreNan));
                            return Ok(());
                        }
                        if (o.lt && new >= cur) || (o.gt && new <= cur) {
                            continue;
                        }
                        if new != cur {
                            updated += 1;
                            set.insert(m.clone(), new);
                        }
                        last = Some(new);
                    }
                    None if !o.xx => {
                        added += 1;
                        set.insert(m.clone(), *s);
                        last = Some(*s);
                    }
                    None => {}
                }
            }
            if existed || !set.is_empty() {
                model.insert(k, set);
            }
            let want = if o.incr {
                ZAddReply::Score(last)
            } else {
                ZAddReply::Count(if o.ch { added + updated } else { added })
            };
            prop_assert_eq!(got, Ok(want));
        }
        Op::Incr { key, score, member } => {
            let k = KEYS[key];
            let inc = if k == "lex" { 0.0 } else { SCORES[score] };
            let got = shard.zincrby(0, k.as_bytes(), inc, mem(member));
            let set = model.entry(k).or_default();
            let new = set.get(&mem(member)).copied().unwrap_or(0.0) + inc;
            if new.is_nan() {
                prop_assert_eq!(got, Err(Error::ScoreNan));
                if set.is_empty() {
                    model.remove(k);
                }
            } else {
                set.insert(mem(member), new);
                prop_assert_eq!(got, Ok(new));
            }
        }
        Op::Rem { key, members } => {
            let k = KEYS[key];
            let ms: Vec<Bytes> = members.iter().map(|&m| mem(m)).collect();
            let got = shard.zrem(0, k.as_bytes(), &ms);
            let mut n = 0;
            if let Some(set) = model.get_mut(k) {
                for m in &ms {
                    n += usize::from(set.remove(m).is_some());
                }
                if set.is_empty() {
                    model.remove(k);
                }
            }
            prop_assert_eq!(got, Ok(n));
        }
        Op::Score { key, member } => {
            let want = model.get(KEYS[key]).and_then(|s| s.get(&mem(member)).copied());
            prop_assert_eq!(shard.zscore(0, KEYS[key].as_bytes(), MEMBERS[member].as_bytes()), Ok(want));
        }
        Op::MScore { key, members } => {
            let ms: Vec<Bytes> = members.iter().map(|&m| mem(m)).collect();
            let want: Vec<Option<f64>> =
                ms.iter().map(|m| model.get(KEYS[key]).and_then(|s| s.get(m).copied())).collect();
            prop_assert_eq!(shard.zmscore(0, KEYS[key].as_bytes(), &ms), Ok(want));
        }
        Op::Card { key } => {
            prop_assert_eq!(shard.zcard(0, KEYS[key].as_bytes()), Ok(model.get(KEYS[key]).map_or(0, |s| s.len())));
        }
        Op::Count { key, min, max } => {
            let (min, max) = (sbound(min), sbound(max));
            let want = model.get(KEYS[key]).map_or(0, |s| s.values().filter(|&&v| in_score(v, &min, &max)).count());
            prop_assert_eq!(shard.zcount(0, KEYS[key].as_bytes(), min, max), Ok(want));
        }
        Op::LexCount { key, min, max } => {
            let Some(set) = model.get(KEYS[key]).filter(|s| equal_scores(s)).cloned() else { return Ok(()) };
            let (min, max) = (lbound(min), lbound(max));
            let want = set.keys().filter(|m| in_lex(m, &min, &max)).count();
            prop_assert_eq!(shard.zlexcount(0, KEYS[key].as_bytes(), &min, &max), Ok(want));
        }
        Op::Rank { key, member, rev } => {
            let v = model.get(KEYS[key]).map(sorted).unwrap_or_default();
            let pos = v.iter().position(|(m, _)| *m == mem(member));
            let want = pos.map(|p| if rev { v.len() - 1 - p } else { p });
            let got = if rev {
                shard.zrevrank(0, KEYS[key].as_bytes(), MEMBERS[member].as_bytes())
            } else {
                shard.zrank(0, KEYS[key].as_bytes(), MEMBERS[member].as_bytes())
            };
            prop_assert_eq!(got, Ok(want));
        }
        Op::Range { key, by, lo, hi, b1, b2, rev, limit, store: dst } => {
            let k = KEYS[key];
            let set = model.get(k).cloned().unwrap_or_default();
            let by = match (by, b1, b2) {
                (0, _, _) => ZRangeBy::Rank { start: lo, stop: hi },
                (_, Bound::Score(a, x), Bound::Score(b, y)) => {
                    ZRangeBy::Score { start: sbound((a, x)), stop: sbound((b, y)) }
                }
                (_, Bound::Lex(a, x), Bound::Lex(b, y)) => {
                    if !equal_scores(&set) {
                        return Ok(());
                    }
                    ZRangeBy::Lex { start: lbound((a, x)), stop: lbound((b, y)) }
                }
                _ => return Ok(()),
            };
            let range = ZRange { by, rev, limit };
            let want = model_range(&set, &range);
            match dst {
                None => {
                    let got = shard.zrange(0, k.as_bytes(), &range).unwrap();
                    prop_assert!(same(&got, &want), "{:?} vs {:?}", got, want);
                }
                Some(d) => {
                    let got = shard.zrangestore(0, KEYS[d].as_bytes(), k.as_bytes(), &range);
                    let n = store(model, KEYS[d], want.into_iter().collect());
                    prop_assert_eq!(got, Ok(n));
                }
            }
        }
        Op::Pop { key, max, count } => {
            let k = KEYS[key];
            let got = if max { shard.zpopmax(0, k.as_bytes(), count) } else { shard.zpopmin(0, k.as_bytes(), count) };
            if count.is_some_and(|c| c < 0) {
                prop_assert!(got.is_err());
                return Ok(());
            }
            let mut v = model.get(k).map(sorted).unwrap_or_default();
            if max {
                v.reverse();
            }
            v.truncate(count.unwrap_or(1) as usize);
            if let Some(set) = model.get_mut(k) {
                for (m, _) in &v {
                    set.remove(m);
                }
                if set.is_empty() {
                    model.remove(k);
                }
            }
            prop_assert_eq!(got, Ok(v));
        }
        Op::RemRank { key, start, stop } => {
            let k = KEYS[key];
            let got = shard.zremrangebyrank(0, k.as_bytes(), start, stop);
            let v = model.get(k).map(|s| model_range(s, &ZRange::rank(start, stop))).unwrap_or_default();
            let set = model.entry(k).or_default();
            for (m, _) in &v {
                set.remove(m);
            }
            if set.is_empty() {
                model.remove(k);
            }
            prop_assert_eq!(got, Ok(v.len()));
        }
        Op::RemScore { key, min, max } => {
            let k = KEYS[key];
            let (min, max) = (sbound(min), sbound(max));
            let got = shard.zremrangebyscore(0, k.as_bytes(), min, max);
            let set = model.entry(k).or_default();
            let before = set.len();
            set.retain(|_, s| !in_score(*s, &min, &max));
            let n = before - set.len();
            if set.is_empty() {
                model.remove(k);
            }
            prop_assert_eq!(got, Ok(n));
        }
        Op::RemLex { key, min, max } => {
            let k = KEYS[key];
            if !model.get(k).is_none_or(equal_scores) {
                return Ok(());
            }
            let (min, max) = (lbound(min), lbound(max));
            let got = shard.zremrangebylex(0, k.as_bytes(), &min, &max);
            let set = model.entry(k).or_default();
            let before = set.len();
            set.retain(|m, _| !in_lex(m, &min, &max));
            let n = before - set.len();
            if set.is_empty() {
                model.remove(k);
            }
            prop_assert_eq!(got, Ok(n));
        }
        Op::Scan { key, count, pattern } => {
            let k = KEYS[key];
            let mut seen: Vec<(Bytes, f64)> = Vec::new();
            let mut cursor = 0;
            for _ in 0..1000 {
                let (next, batch) = shard.zscan(0, k.as_bytes(), cursor, pattern.map(str::as_bytes), count).unwrap();
                seen.extend(batch);
                cursor = next;
                if cursor == 0 {
                    break;
                }
            }
            prop_assert_eq!(cursor, 0);
            seen.sort_by(|a, b| a.0.cmp(&b.0));
            let want: Vec<(Bytes, f64)> = model
                .get(k)
                .map(|s| {
                    s.iter()
                        .filter(|(m, _)| pattern.is_none_or(|p| coreshard_engine::glob::matches(p.as_bytes(), m)))
                        .map(|(m, s)| (m.clone(), *s))
                        .collect()
                })
                .unwrap_or_default();
            prop_assert_eq!(seen, want);
        }
        Op::Combine { op, dst, keys, weights, agg } => {
            let op = [SetOp::Union, SetOp::Inter, SetOp::Diff][op as usize];
            let agg = [Aggregate::Sum, Aggregate::Min, Aggregate::Max][agg as usize];
            let ks: Vec<Bytes> = keys.iter().map(|&k| Bytes::from_static(KEYS[k].as_bytes())).collect();
            let ws: Option<Vec<f64>> = weights.map(|w| w.iter().map(|&x| x as f64).collect());
            let eff: Vec<f64> = match (&ws, op) {
                (Some(w), SetOp::Union | SetOp::Inter) => w.clone(),
                _ => vec![1.0; keys.len()],
            };
            let want = model_setop(model, op, &keys, &eff, agg);
            match dst {
                Some(d) => {
                    let got = match op {
                        SetOp::Union => shard.zunionstore(0, KEYS[d].as_bytes(), &ks, ws.as_deref(), agg),
                        SetOp::Inter => shard.zinterstore(0, KEYS[d].as_bytes(), &ks, ws.as_deref(), agg),
                        SetOp::Diff => shard.zdiffstore(0, KEYS[d].as_bytes(), &ks),
                    };
                    let want: Set = want.into_iter().map(|(m, s)| (m, if s == 0.0 { 0.0 } else { s })).collect();
                    let n = store(model, KEYS[d], want);
                    prop_assert_eq!(got, Ok(n));
                }
                None => {
                    let got: ZSet = match op {
                        SetOp::Union => shard.zunion(0, &ks, ws.as_deref(), agg),
                        SetOp::Inter => shard.zinter(0, &ks, ws.as_deref(), agg),
                        SetOp::Diff => shard.zdiff(0, &ks),
                    }
                    .unwrap();
                    let got: Vec<(Bytes, f64)> = got.iter().map(|(m, s)| (m.clone(), s)).collect();
                    let want = sorted(&want);
                    prop_assert!(same(&got, &want), "{:?} vs {:?}", got, want);
                }
            }
        }
        Op::InterCard { keys, limit } => {
            let ks: Vec<Bytes> = keys.iter().map(|&k| Bytes::from_static(KEYS[k].as_bytes())).collect();
            let n = model_setop(model, SetOp::Inter, &keys, &vec![1.0; keys.len()], Aggregate::Sum).len();
            let want = if limit == 0 { n } else { n.min(limit) };
            prop_assert_eq!(shard.zintercard(0, &ks, limit), Ok(want));
        }
        Op::Rand { key, count } => {
            let k = KEYS[key];
            let mut picks = Vec::new();
            let n = shard.zrandmember(0, k.as_bytes(), count, |m, s| picks.push((m.clone(), s))).unwrap();
            prop_assert_eq!(n, picks.len());
            let set = model.get(k).cloned().unwrap_or_default();
            for (m, s) in &picks {
                prop_assert_eq!(set.get(m), Some(s));
            }
            let len = set.len();
            let want = match count {
                _ if len == 0 => 0,
                None => 1,
                Some(c) if c < 0 => c.unsigned_abs() as usize,
                Some(c) => (c as usize).min(len),
            };
            prop_assert_eq!(n, want);
            if count.is_some_and(|c| c > 0) {
                let distinct: BTreeSet<&Bytes> = picks.iter().map(|(m, _)| m).collect();
                prop_assert_eq!(distinct.len(), picks.len());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn zset_commands_match_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let mut shard = Shard::new(0, ShardConfig::default());
        let mut model = Model::new();
        for op in &ops {
            apply(&mut shard, &mut model, op)?;
            for k in KEYS {
                let got = contents(&mut shard, k);
                let want = model.get(k).map(sorted).unwrap_or_default();
                prop_assert!(same(&got, &want), "{} after {:?}: {:?} vs {:?}", k, op, got, want);
                prop_assert_eq!(shard.zcard(0, k.as_bytes()), Ok(want.len()));
            }
            prop_assert_eq!(shard.dbsize(0), model.len());
        }
    }
}

#[test]
fn large_sets_rank_and_range_queries() {
    // A bigger set than the proptest builds, with many ties, checked by rank.
    let mut shard = Shard::new(0, ShardConfig::default());
    let mut model = Set::new();
    let mut pairs = Vec::new();
    for i in 0..3000u32 {
        let m = Bytes::from(format!("m{:05}", (i * 7919) % 3000));
        let s = ((i * 31) % 50) as f64 / 2.0;
        pairs.push((s, m.clone()));
        model.insert(m, s);
    }
    shard.zadd(0, b"big", ZAddOptions::default(), &pairs).unwrap();
    let v = sorted(&model);
    for i in (0..v.len()).step_by(97) {
        assert_eq!(shard.zrank(0, b"big", &v[i].0), Ok(Some(i)));
        assert_eq!(shard.zrevrank(0, b"big", &v[i].0), Ok(Some(v.len() - 1 - i)));
        let got = shard.zrange(0, b"big", &ZRange::rank(i as i64, i as i64 + 4)).unwrap();
        assert_eq!(got, v[i..(i + 5).min(v.len())].to_vec());
    }
    let (min, max) = (ScoreBound::exclusive(3.0), ScoreBound::inclusive(10.5));
    let want: Vec<(Bytes, f64)> = v.iter().filter(|(_, s)| in_score(*s, &min, &max)).cloned().collect();
    assert_eq!(shard.zcount(0, b"big", min, max), Ok(want.len()));
    let got = shard.zrange(0, b"big", &ZRange::score(max, min).rev().limit(10, 20)).unwrap();
    let rev: Vec<(Bytes, f64)> = want.iter().rev().skip(10).take(20).cloned().collect();
    assert_eq!(got, rev);
    assert_eq!(shard.zremrangebyrank(0, b"big", 100, 199), Ok(100));
    assert_eq!(shard.zrange(0, b"big", &ZRange::rank(100, 100)).unwrap(), vec![v[200].clone()]);
}
