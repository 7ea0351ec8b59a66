//! Unit tests for the sorted-set commands. Expected values were checked
//! against redis-server 7.0 (see also the server's `tests/engine_zsets.rs`).

use std::collections::BTreeMap;

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::clock::Clock;
use crate::mutation::{MutationSink, OwnedMutation};
use crate::numbers::format_double;
use crate::shard::ShardConfig;
use crate::types::Set;

fn shard() -> Shard {
    Shard::new(0, ShardConfig::default())
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn pairs(v: &[(f64, &str)]) -> Vec<(f64, Bytes)> {
    v.iter().map(|&(s, m)| (s, b(m))).collect()
}

fn add(sh: &mut Shard, key: &str, v: &[(f64, &str)]) -> usize {
    match sh.zadd(0, key.as_bytes(), ZAddOptions::default(), &pairs(v)) {
        Ok(ZAddReply::Count(n)) => n,
        other => panic!("{other:?}"),
    }
}

fn all(sh: &mut Shard, key: &str) -> Vec<(String, f64)> {
    sh.zrange(0, key.as_bytes(), &ZRange::rank(0, -1))
        .unwrap()
        .into_iter()
        .map(|(m, s)| (String::from_utf8(m.to_vec()).unwrap(), s))
        .collect()
}

fn names(v: &[(Bytes, f64)]) -> Vec<&str> {
    v.iter().map(|(m, _)| std::str::from_utf8(m).unwrap()).collect()
}

fn wrongtype(sh: &mut Shard, key: &str) {
    sh.insert_str(0, key.as_bytes(), &b"v"[..], None);
}

fn sb(s: &str) -> ScoreBound {
    ScoreBound::parse(s.as_bytes()).unwrap()
}

fn lb(s: &str) -> LexBound {
    LexBound::parse(s.as_bytes()).unwrap()
}

const ZOPT: ZAddOptions = ZAddOptions { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };

#[test]
fn zadd_counts_added_and_changed() {
    let mut sh = shard();
    assert_eq!(add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (1.0, "a")]), 2);
    assert_eq!(add(&mut sh, "z", &[(5.0, "a"), (3.0, "c")]), 1);
    let ch = ZAddOptions { ch: true, ..ZOPT };
    // a changes, b unchanged, d added.
    assert_eq!(sh.zadd(0, b"z", ch, &pairs(&[(6.0, "a"), (2.0, "b"), (0.0, "d")])), Ok(ZAddReply::Count(2)));
    // The same member twice: added then updated.
    assert_eq!(sh.zadd(0, b"z", ch, &pairs(&[(1.0, "e"), (2.0, "e")])), Ok(ZAddReply::Count(2)));
    assert_eq!(
        all(&mut sh, "z"),
        vec![("d".into(), 0.0), ("b".into(), 2.0), ("e".into(), 2.0), ("c".into(), 3.0), ("a".into(), 6.0)]
    );
}

#[test]
fn zadd_nx_xx_gt_lt() {
    let mut sh = shard();
    add(&mut sh, "z", &[(5.0, "a")]);
    let run = |sh: &mut Shard, o: ZAddOptions, v: &[(f64, &str)]| sh.zadd(0, b"z", o, &pairs(v)).unwrap();
    let ch = |o: ZAddOptions| ZAddOptions { ch: true, ..o };
    assert_eq!(run(&mut sh, ch(ZAddOptions { nx: true, ..ZOPT }), &[(1.0, "a"), (1.0, "b")]), ZAddReply::Count(1));
    assert_eq!(sh.zscore(0, b"z", b"a"), Ok(Some(5.0)));
    assert_eq!(run(&mut sh, ch(ZAddOptions { xx: true, ..ZOPT }), &[(2.0, "b"), (1.0, "c")]), ZAddReply::Count(1));
    assert_eq!(sh.zscore(0, b"z", b"c"), Ok(None));
    // GT/LT only gate updates; new members are still added.
    assert_eq!(
        run(&mut sh, ch(ZAddOptions { gt: true, ..ZOPT }), &[(4.0, "a"), (3.0, "b"), (1.0, "c")]),
        ZAddReply::Count(2)
    );
    assert_eq!(sh.zscore(0, b"z", b"a"), Ok(Some(5.0)));
    assert_eq!(sh.zscore(0, b"z", b"b"), Ok(Some(3.0)));
    assert_eq!(
        run(&mut sh, ch(ZAddOptions { lt: true, xx: true, ..ZOPT }), &[(4.0, "a"), (9.0, "b"), (0.0, "n")]),
        ZAddReply::Count(1)
    );
    assert_eq!(sh.zscore(0, b"z", b"a"), Ok(Some(4.0)));
    assert_eq!(sh.zscore(0, b"z", b"n"), Ok(None));
    // XX on a missing key creates nothing.
    assert_eq!(sh.zadd(0, b"none", ZAddOptions { xx: true, ..ZOPT }, &pairs(&[(1.0, "a")])), Ok(ZAddReply::Count(0)));
    assert_eq!(sh.kind_of(0, b"none"), None);
}

#[test]
fn zadd_incr() {
    let mut sh = shard();
    let incr = ZAddOptions { incr: true, ..ZOPT };
    assert_eq!(sh.zadd(0, b"z", incr, &pairs(&[(2.5, "a")])), Ok(ZAddReply::Score(Some(2.5))));
    assert_eq!(sh.zadd(0, b"z", incr, &pairs(&[(1.0, "a")])), Ok(ZAddReply::Score(Some(3.5))));
    // Aborted by a condition: nil.
    assert_eq!(sh.zadd(0, b"z", ZAddOptions { nx: true, ..incr }, &pairs(&[(1.0, "a")])), Ok(ZAddReply::Score(None)));
    assert_eq!(sh.zadd(0, b"z", ZAddOptions { xx: true, ..incr }, &pairs(&[(1.0, "q")])), Ok(ZAddReply::Score(None)));
    assert_eq!(sh.zadd(0, b"z", ZAddOptions { gt: true, ..incr }, &pairs(&[(-1.0, "a")])), Ok(ZAddReply::Score(None)));
    assert_eq!(sh.zadd(0, b"z", ZAddOptions { gt: true, ..incr }, &pairs(&[(0.0, "a")])), Ok(ZAddReply::Score(None)));
    assert_eq!(
        sh.zadd(0, b"z", ZAddOptions { lt: true, ..incr }, &pairs(&[(-1.0, "a")])),
        Ok(ZAddReply::Score(Some(2.5)))
    );
    // A zero increment is processed (not nil) even though nothing changes.
    assert_eq!(sh.zadd(0, b"z", incr, &pairs(&[(0.0, "a")])), Ok(ZAddReply::Score(Some(2.5))));
    assert_eq!(
        sh.zadd(0, b"missing", ZAddOptions { xx: true, ..incr }, &pairs(&[(1.0, "a")])),
        Ok(ZAddReply::Score(None))
    );
    // inf + -inf
    sh.zadd(0, b"z", ZOPT, &pairs(&[(f64::INFINITY, "i")])).unwrap();
    assert_eq!(sh.zadd(0, b"z", incr, &pairs(&[(f64::NEG_INFINITY, "i")])), Err(Error::ScoreNan));
    assert_eq!(sh.zscore(0, b"z", b"i"), Ok(Some(f64::INFINITY)));
}

#[test]
fn zadd_errors() {
    let mut sh = shard();
    let e = |sh: &mut Shard, o: ZAddOptions, v: &[(f64, &str)]| sh.zadd(0, b"z", o, &pairs(v)).unwrap_err();
    let conflict = Error::IncompatibleOptions;
    assert_eq!(
        e(&mut sh, ZAddOptions { nx: true, xx: true, ..ZOPT }, &[(1.0, "a")]),
        conflict(OptionConflict::ZAddNxXx)
    );
    for o in [
        ZAddOptions { nx: true, gt: true, ..ZOPT },
        ZAddOptions { nx: true, lt: true, ..ZOPT },
        ZAddOptions { gt: true, lt: true, ..ZOPT },
    ] {
        assert_eq!(e(&mut sh, o, &[(1.0, "a")]), conflict(OptionConflict::ZAddNxGtLt));
    }
    assert_eq!(
        e(&mut sh, ZAddOptions { incr: true, ..ZOPT }, &[(1.0, "a"), (2.0, "b")]),
        conflict(OptionConflict::ZAddIncrPairs)
    );
    assert_eq!(e(&mut sh, ZOPT, &[]), Error::Syntax);
    assert_eq!(e(&mut sh, ZOPT, &[(1.0, "a"), (f64::NAN, "b")]), Error::ScoreNan);
    assert_eq!(sh.kind_of(0, b"z"), None, "a failed ZADD adds nothing");
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zadd(0, b"s", ZOPT, &pairs(&[(1.0, "a")])), Err(Error::WrongType));
    // Option errors come before the type check.
    let err = sh.zadd(0, b"s", ZAddOptions { nx: true, xx: true, ..ZOPT }, &pairs(&[(1.0, "a")]));
    assert_eq!(err, Err(conflict(OptionConflict::ZAddNxXx)));
}

#[test]
fn zincrby_and_negative_zero() {
    let mut sh = shard();
    assert_eq!(sh.zincrby(0, b"z", 1.5, &b"a"[..]), Ok(1.5));
    assert_eq!(sh.zincrby(0, b"z", -3.0, &b"a"[..]), Ok(-1.5));
    assert_eq!(sh.zincrby(0, b"z", f64::INFINITY, &b"a"[..]), Ok(f64::INFINITY));
    assert_eq!(sh.zincrby(0, b"z", f64::NEG_INFINITY, &b"a"[..]), Err(Error::ScoreNan));
    // Redis replies "-0" for a -0 increment on a new member but stores 0.
    let r = sh.zincrby(0, b"z", -0.0, &b"n"[..]).unwrap();
    assert_eq!(format_double(r), "-0");
    assert_eq!(sh.zscore(0, b"z", b"n").map(|s| s.map(format_double)), Ok(Some("0".to_string())));
    sh.zadd(0, b"z", ZOPT, &pairs(&[(-0.0, "m")])).unwrap();
    assert_eq!(format_double(sh.zscore(0, b"z", b"m").unwrap().unwrap()), "0");
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zincrby(0, b"s", 1.0, &b"a"[..]), Err(Error::WrongType));
}

#[test]
fn zrem_deletes_empty_keys() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b")]);
    assert_eq!(sh.zrem(0, b"z", &[b("a"), b("x"), b("a")]), Ok(1));
    assert_eq!(sh.zcard(0, b"z"), Ok(1));
    assert_eq!(sh.zrem(0, b"z", &[b("b")]), Ok(1));
    assert_eq!(sh.kind_of(0, b"z"), None);
    assert_eq!(sh.zrem(0, b"z", &[b("b")]), Ok(0));
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zrem(0, b"s", &[b("b")]), Err(Error::WrongType));
}

#[test]
fn point_reads() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (2.0, "c"), (f64::INFINITY, "d")]);
    assert_eq!(sh.zscore(0, b"z", b"d"), Ok(Some(f64::INFINITY)));
    assert_eq!(sh.zscore(0, b"z", b"x"), Ok(None));
    assert_eq!(sh.zscore(0, b"nokey", b"x"), Ok(None));
    assert_eq!(sh.zmscore(0, b"z", &[b("a"), b("x"), b("c")]), Ok(vec![Some(1.0), None, Some(2.0)]));
    assert_eq!(sh.zmscore(0, b"nokey", &[b("a"), b("b")]), Ok(vec![None, None]));
    assert_eq!(sh.zcard(0, b"z"), Ok(4));
    assert_eq!(sh.zcard(0, b"nokey"), Ok(0));
    assert_eq!(sh.zrank(0, b"z", b"c"), Ok(Some(2)));
    assert_eq!(sh.zrevrank(0, b"z", b"c"), Ok(Some(1)));
    assert_eq!(sh.zrank(0, b"z", b"x"), Ok(None));
    assert_eq!(sh.zrevrank(0, b"nokey", b"x"), Ok(None));
    assert_eq!(sh.zcount(0, b"z", sb("-inf"), sb("+inf")), Ok(4));
    assert_eq!(sh.zcount(0, b"z", sb("(1"), sb("2")), Ok(2));
    assert_eq!(sh.zcount(0, b"z", sb("2"), sb("(2")), Ok(0));
    assert_eq!(sh.zcount(0, b"z", sb("3"), sb("1")), Ok(0));
    assert_eq!(sh.zcount(0, b"z", sb("(2"), sb("inf")), Ok(1));
    assert_eq!(sh.zcount(0, b"nokey", sb("-inf"), sb("inf")), Ok(0));
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zscore(0, b"s", b"a"), Err(Error::WrongType));
    assert_eq!(sh.zmscore(0, b"s", &[b("a")]), Err(Error::WrongType));
    assert_eq!(sh.zcard(0, b"s"), Err(Error::WrongType));
    assert_eq!(sh.zrank(0, b"s", b"a"), Err(Error::WrongType));
    assert_eq!(sh.zrevrank(0, b"s", b"a"), Err(Error::WrongType));
    assert_eq!(sh.zcount(0, b"s", sb("0"), sb("1")), Err(Error::WrongType));
    assert_eq!(sh.zlexcount(0, b"s", &lb("-"), &lb("+")), Err(Error::WrongType));
}

#[test]
fn lex_commands() {
    let mut sh = shard();
    add(&mut sh, "z", &[(0.0, "a"), (0.0, "b"), (0.0, "c"), (0.0, "d"), (0.0, "e")]);
    assert_eq!(sh.zlexcount(0, b"z", &lb("-"), &lb("+")), Ok(5));
    assert_eq!(sh.zlexcount(0, b"z", &lb("[b"), &lb("(d")), Ok(2));
    assert_eq!(sh.zlexcount(0, b"z", &lb("+"), &lb("-")), Ok(0));
    let r = sh.zrange(0, b"z", &ZRange::lex(lb("[b"), lb("+"))).unwrap();
    assert_eq!(names(&r), ["b", "c", "d", "e"]);
    // ZREVRANGEBYLEX key max min
    let r = sh.zrange(0, b"z", &ZRange::lex(lb("(d"), lb("-")).rev()).unwrap();
    assert_eq!(names(&r), ["c", "b", "a"]);
    let r = sh.zrange(0, b"z", &ZRange::lex(lb("-"), lb("+")).limit(1, 2)).unwrap();
    assert_eq!(names(&r), ["b", "c"]);
    let r = sh.zrange(0, b"z", &ZRange::lex(lb("+"), lb("-")).rev().limit(1, 2)).unwrap();
    assert_eq!(names(&r), ["d", "c"]);
    assert_eq!(sh.zremrangebylex(0, b"z", &lb("(a"), &lb("[c")), Ok(2));
    assert_eq!(all(&mut sh, "z").len(), 3);
    assert_eq!(sh.zremrangebylex(0, b"z", &lb("-"), &lb("+")), Ok(3));
    assert_eq!(sh.kind_of(0, b"z"), None);
}

#[test]
fn zrange_by_rank() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")]);
    let r = |sh: &mut Shard, range: ZRange| names(&sh.zrange(0, b"z", &range).unwrap()).join("");
    assert_eq!(r(&mut sh, ZRange::rank(0, -1)), "abcde");
    assert_eq!(r(&mut sh, ZRange::rank(1, 2)), "bc");
    assert_eq!(r(&mut sh, ZRange::rank(-2, -1)), "de");
    assert_eq!(r(&mut sh, ZRange::rank(-100, 1)), "ab");
    assert_eq!(r(&mut sh, ZRange::rank(3, 100)), "de");
    assert_eq!(r(&mut sh, ZRange::rank(3, 1)), "");
    assert_eq!(r(&mut sh, ZRange::rank(5, 10)), "");
    assert_eq!(r(&mut sh, ZRange::rank(0, -6)), "");
    assert_eq!(r(&mut sh, ZRange::rank(i64::MIN, i64::MAX)), "abcde");
    // ZREVRANGE
    assert_eq!(r(&mut sh, ZRange::rank(0, 1).rev()), "ed");
    assert_eq!(r(&mut sh, ZRange::rank(-2, -1).rev()), "ba");
    assert_eq!(r(&mut sh, ZRange::rank(1, 100).rev()), "dcba");
    // LIMIT x -1 is accepted with ranks and ignored, as in Redis.
    assert_eq!(r(&mut sh, ZRange::rank(0, -1).limit(1, -1)), "abcde");
    assert_eq!(sh.zrange(0, b"nokey", &ZRange::rank(0, -1)), Ok(vec![]));
}

#[test]
fn zrange_by_score() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")]);
    let r = |sh: &mut Shard, range: ZRange| names(&sh.zrange(0, b"z", &range).unwrap()).join("");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf"))), "abcde");
    assert_eq!(r(&mut sh, ZRange::score(sb("(1"), sb("3"))), "bc");
    assert_eq!(r(&mut sh, ZRange::score(sb("(1"), sb("(1"))), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("3"), sb("1"))), "");
    // ZREVRANGEBYSCORE key max min
    assert_eq!(r(&mut sh, ZRange::score(sb("4"), sb("2")).rev()), "dcb");
    assert_eq!(r(&mut sh, ZRange::score(sb("2"), sb("4")).rev()), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("+inf"), sb("(3")).rev()), "ed");
    // LIMIT
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(1, 2)), "bc");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(1, -5)), "bcde");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(-1, 2)), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(0, 0)), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(5, 1)), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("-inf"), sb("+inf")).limit(i64::MAX, i64::MAX)), "");
    assert_eq!(r(&mut sh, ZRange::score(sb("4"), sb("2")).rev().limit(1, 5)), "cb");
    assert_eq!(r(&mut sh, ZRange::score(sb("+inf"), sb("-inf")).rev().limit(3, 1)), "b");
    let scored = sh.zrange(0, b"z", &ZRange::score(sb("2"), sb("2"))).unwrap();
    assert_eq!(scored, vec![(b("b"), 2.0)]);
}

#[test]
fn zrangestore_replaces_and_deletes() {
    let mut sh = shard();
    add(&mut sh, "src", &[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
    wrongtype(&mut sh, "dst");
    let slot = sh.lookup(0, b"dst").unwrap();
    sh.set_expire(slot, Some(sh.now_ms() + 100_000));
    assert_eq!(sh.zrangestore(0, b"dst", b"src", &ZRange::score(sb("(1"), sb("+inf"))), Ok(2));
    assert_eq!(all(&mut sh, "dst"), vec![("b".into(), 2.0), ("c".into(), 3.0)]);
    let slot = sh.lookup(0, b"dst").unwrap();
    assert_eq!(sh.expire_of(slot), None, "the destination loses its TTL");
    assert_eq!(sh.zrangestore(0, b"dst", b"src", &ZRange::rank(0, 0).rev()), Ok(1));
    assert_eq!(all(&mut sh, "dst"), vec![("c".into(), 3.0)]);
    // Empty selection or missing source: the destination is deleted.
    assert_eq!(sh.zrangestore(0, b"dst", b"src", &ZRange::rank(5, 9)), Ok(0));
    assert_eq!(sh.kind_of(0, b"dst"), None);
    add(&mut sh, "dst", &[(1.0, "x")]);
    assert_eq!(sh.zrangestore(0, b"dst", b"nosrc", &ZRange::rank(0, -1)), Ok(0));
    assert_eq!(sh.kind_of(0, b"dst"), None);
    // Onto itself.
    assert_eq!(sh.zrangestore(0, b"src", b"src", &ZRange::rank(1, 1)), Ok(1));
    assert_eq!(all(&mut sh, "src"), vec![("b".into(), 2.0)]);
    wrongtype(&mut sh, "s");
    add(&mut sh, "keep", &[(1.0, "x")]);
    assert_eq!(sh.zrangestore(0, b"keep", b"s", &ZRange::rank(0, -1)), Err(Error::WrongType));
    assert_eq!(sh.zcard(0, b"keep"), Ok(1));
}

#[test]
fn zpop() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
    assert_eq!(sh.zpopmin(0, b"z", None), Ok(vec![(b("a"), 1.0)]));
    assert_eq!(sh.zpopmax(0, b"z", Some(2)), Ok(vec![(b("d"), 4.0), (b("c"), 3.0)]));
    assert_eq!(sh.zpopmax(0, b"z", Some(0)), Ok(vec![]));
    assert_eq!(sh.zpopmin(0, b"z", Some(10)), Ok(vec![(b("b"), 2.0)]));
    assert_eq!(sh.kind_of(0, b"z"), None);
    assert_eq!(sh.zpopmin(0, b"z", None), Ok(vec![]));
    let not_positive = Err(Error::InvalidArgument(ArgError::NotPositive));
    assert_eq!(sh.zpopmin(0, b"z", Some(-1)), not_positive);
    wrongtype(&mut sh, "s");
    // The count is checked before the key; the type before a zero count.
    assert_eq!(sh.zpopmax(0, b"s", Some(-1)), not_positive);
    assert_eq!(sh.zpopmax(0, b"s", Some(0)), Err(Error::WrongType));
    add(&mut sh, "z2", &[(1.0, "a"), (2.0, "b")]);
    assert_eq!(sh.zmpop(0, &[b("none"), b("z2")], true, 5), Ok(Some((1, vec![(b("b"), 2.0), (b("a"), 1.0)]))));
    assert_eq!(sh.zmpop(0, &[b("none"), b("z2")], true, 5), Ok(None));
    assert_eq!(sh.zmpop(0, &[b("s"), b("z2")], false, 1), Err(Error::WrongType));
}

#[test]
fn zremrange() {
    let mut sh = shard();
    let fill = |sh: &mut Shard| add(sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")]);
    fill(&mut sh);
    assert_eq!(sh.zremrangebyrank(0, b"z", 1, 2), Ok(2));
    assert_eq!(all(&mut sh, "z").len(), 3);
    assert_eq!(sh.zremrangebyrank(0, b"z", -1, -1), Ok(1));
    assert_eq!(sh.zremrangebyrank(0, b"z", 5, 1), Ok(0));
    assert_eq!(sh.zremrangebyrank(0, b"z", 0, -1), Ok(2));
    assert_eq!(sh.kind_of(0, b"z"), None);
    fill(&mut sh);
    assert_eq!(sh.zremrangebyscore(0, b"z", sb("(1"), sb("3")), Ok(2));
    assert_eq!(sh.zremrangebyscore(0, b"z", sb("10"), sb("20")), Ok(0));
    assert_eq!(sh.zremrangebyscore(0, b"z", sb("-inf"), sb("+inf")), Ok(3));
    assert_eq!(sh.kind_of(0, b"z"), None);
    assert_eq!(sh.zremrangebyscore(0, b"z", sb("-inf"), sb("+inf")), Ok(0));
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zremrangebyrank(0, b"s", 0, 1), Err(Error::WrongType));
    assert_eq!(sh.zremrangebyscore(0, b"s", sb("0"), sb("1")), Err(Error::WrongType));
    assert_eq!(sh.zremrangebylex(0, b"s", &lb("-"), &lb("+")), Err(Error::WrongType));
}

#[test]
fn zscan_with_match() {
    let mut sh = shard();
    let v: Vec<(f64, Bytes)> = (0..300).map(|i| (i as f64, Bytes::from(format!("m{i}")))).collect();
    sh.zadd(0, b"z", ZOPT, &v).unwrap();
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let (next, batch) = sh.zscan(0, b"z", cursor, Some(b"m1*"), 10).unwrap();
        seen.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    seen.sort_by(|a, b| a.1.total_cmp(&b.1));
    let expected: Vec<(Bytes, f64)> =
        [1].into_iter().chain(10..20).chain(100..200).map(|i| (Bytes::from(format!("m{i}")), i as f64)).collect();
    assert_eq!(seen, expected);
    assert_eq!(sh.zscan(0, b"nokey", 0, None, 10), Ok((0, vec![])));
    assert_eq!(sh.zscan(0, b"z", 1 << 40, None, 10), Ok((0, vec![])));
    // Small sorted sets come whole, in score order, whatever the cursor.
    let small: Vec<(f64, Bytes)> = (0..128).rev().map(|i| (i as f64, Bytes::from(format!("s{i}")))).collect();
    sh.zadd(0, b"small", ZOPT, &small).unwrap();
    let want: Vec<(Bytes, f64)> = (0..128).map(|i| (Bytes::from(format!("s{i}")), i as f64)).collect();
    assert_eq!(sh.zscan(0, b"small", 0, None, 10), Ok((0, want.clone())));
    assert_eq!(sh.zscan(0, b"small", 1 << 40, None, 1), Ok((0, want)));
    let (_, some) = sh.zscan(0, b"small", 0, Some(b"s1?"), 10).unwrap();
    assert_eq!(some.len(), 10);
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zscan(0, b"s", 0, None, 10), Err(Error::WrongType));
}

#[test]
fn zrandmember() {
    let mut sh = shard();
    add(&mut sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")]);
    let pick = |sh: &mut Shard, count: Option<i64>| {
        let mut v = Vec::new();
        let n = sh.zrandmember(0, b"z", count, |m, s| v.push((m.clone(), s))).unwrap();
        assert_eq!(n, v.len());
        v
    };
    assert_eq!(pick(&mut sh, None).len(), 1);
    assert_eq!(pick(&mut sh, Some(0)).len(), 0);
    // The whole set comes highest score first, as in Redis 7.0.
    let all: Vec<&str> = ["e", "d", "c", "b", "a"].to_vec();
    for count in [5, 10] {
        let got = pick(&mut sh, Some(count));
        assert_eq!(
            got.iter().map(|(m, _)| &m[..]).collect::<Vec<_>>(),
            all.iter().map(|m| m.as_bytes()).collect::<Vec<_>>()
        );
    }
    for count in [1, 2, 3, 4] {
        let mut v = pick(&mut sh, Some(count));
        assert_eq!(v.len(), count as usize);
        for (m, s) in &v {
            assert_eq!(sh.zscore(0, b"z", m), Ok(Some(*s)));
        }
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup();
        assert_eq!(v.len(), count as usize, "distinct");
    }
    let v = pick(&mut sh, Some(-50));
    assert_eq!(v.len(), 50);
    let distinct: std::collections::HashSet<_> = v.iter().map(|(m, _)| m.clone()).collect();
    assert!(distinct.len() > 1);
    let mut none = 0;
    assert_eq!(sh.zrandmember(0, b"nokey", Some(-5), |_, _| none += 1), Ok(0));
    assert_eq!(none, 0);
    wrongtype(&mut sh, "s");
    assert_eq!(sh.zrandmember(0, b"s", Some(0), |_, _| {}), Err(Error::WrongType));
}

#[test]
fn set_operations() {
    let mut sh = shard();
    add(&mut sh, "a", &[(1.0, "x"), (2.0, "y"), (3.0, "z")]);
    add(&mut sh, "b", &[(10.0, "y"), (20.0, "z"), (30.0, "w")]);
    let keys = [b("a"), b("b")];
    let flat = |z: ZSet| z.iter().map(|(m, s)| (String::from_utf8(m.to_vec()).unwrap(), s)).collect::<Vec<_>>();
    let s = |m: &str, v: f64| (m.to_string(), v);
    assert_eq!(
        flat(sh.zunion(0, &keys, None, Aggregate::Sum).unwrap()),
        vec![s("x", 1.0), s("y", 12.0), s("z", 23.0), s("w", 30.0)]
    );
    assert_eq!(
        flat(sh.zunion(0, &keys, Some(&[2.0, 0.5]), Aggregate::Max).unwrap()),
        vec![s("x", 2.0), s("y", 5.0), s("z", 10.0), s("w", 15.0)]
    );
    assert_eq!(flat(sh.zinter(0, &keys, None, Aggregate::Min).unwrap()), vec![s("y", 2.0), s("z", 3.0)]);
    assert_eq!(
        flat(sh.zinter(0, &[b("a"), b("a")], None, Aggregate::Sum).unwrap()),
        vec![s("x", 2.0), s("y", 4.0), s("z", 6.0)]
    );
    assert_eq!(flat(sh.zdiff(0, &keys).unwrap()), vec![s("x", 1.0)]);
    assert_eq!(flat(sh.zdiff(0, &[b("nokey"), b("a")]).unwrap()), vec![]);
    assert_eq!(flat(sh.zinter(0, &[b("a"), b("nokey")], None, Aggregate::Sum).unwrap()), vec![]);
    assert_eq!(flat(sh.zunion(0, &[b("a"), b("nokey")], None, Aggregate::Sum).unwrap()).len(), 3);
    assert_eq!(sh.zintercard(0, &keys, 0), Ok(2));
    assert_eq!(sh.zintercard(0, &keys, 1), Ok(1));
    // inf * 0 counts as 0; inf + -inf sums to 0.
    add(&mut sh, "inf", &[(f64::INFINITY, "x")]);
    add(&mut sh, "ninf", &[(f64::NEG_INFINITY, "x")]);
    assert_eq!(flat(sh.zunion(0, &[b("inf")], Some(&[0.0]), Aggregate::Sum).unwrap()), vec![s("x", 0.0)]);
    assert_eq!(flat(sh.zunion(0, &[b("inf"), b("ninf")], None, Aggregate::Sum).unwrap()), vec![s("x", 0.0)]);
    assert_eq!(flat(sh.zinter(0, &[b("inf"), b("ninf")], None, Aggregate::Sum).unwrap()), vec![s("x", 0.0)]);
    // ZUNION replies -0 (from weight -1 × 0); the stored form is 0.
    add(&mut sh, "zero", &[(0.0, "x")]);
    let u = sh.zunion(0, &[b("zero")], Some(&[-1.0]), Aggregate::Sum).unwrap();
    assert_eq!(format_double(u.score(b"x").unwrap()), "-0");
    assert_eq!(sh.zunionstore(0, b"dst", &[b("zero")], Some(&[-1.0]), Aggregate::Sum), Ok(1));
    assert_eq!(format_double(sh.zscore(0, b"dst", b"x").unwrap().unwrap()), "0");
    // Errors.
    let no_key = |command| Err(Error::AtLeastOneKey { command });
    assert_eq!(sh.zunion(0, &[], None, Aggregate::Sum).map(|_| ()), no_key("zunion"));
    assert_eq!(sh.zinterstore(0, b"d", &[], None, Aggregate::Sum).map(|_| ()), no_key("zinterstore"));
    assert_eq!(sh.zdiffstore(0, b"d", &[]).map(|_| ()), no_key("zdiffstore"));
    assert_eq!(sh.zintercard(0, &[], 0).map(|_| ()), no_key("zintercard"));
    assert_eq!(sh.zunion(0, &keys, Some(&[1.0]), Aggregate::Sum), Err(Error::Syntax));
    wrongtype(&mut sh, "str");
    assert_eq!(
        sh.zunion(0, &[b("a"), b("str")], Some(&[1.0]), Aggregate::Sum),
        Err(Error::WrongType),
        "type before weights"
    );
    assert_eq!(sh.zinterstore(0, b"dst", &[b("str")], None, Aggregate::Sum), Err(Error::WrongType));
    assert_eq!(sh.zcard(0, b"dst"), Ok(1), "a failed store leaves the destination alone");
    assert_eq!(sh.zdiff(0, &[b("a"), b("str")]), Err(Error::WrongType));
    assert_eq!(sh.zintercard(0, &[b("str")], 0), Err(Error::WrongType));
}

#[test]
fn set_stores() {
    let mut sh = shard();
    add(&mut sh, "a", &[(1.0, "x"), (2.0, "y")]);
    add(&mut sh, "b", &[(5.0, "y")]);
    wrongtype(&mut sh, "dst");
    let slot = sh.lookup(0, b"dst").unwrap();
    sh.set_expire(slot, Some(sh.now_ms() + 100_000));
    assert_eq!(sh.zunionstore(0, b"dst", &[b("a"), b("b")], None, Aggregate::Sum), Ok(2));
    assert_eq!(all(&mut sh, "dst"), vec![("x".into(), 1.0), ("y".into(), 7.0)]);
    let slot = sh.lookup(0, b"dst").unwrap();
    assert_eq!(sh.expire_of(slot), None);
    assert_eq!(sh.zinterstore(0, b"dst", &[b("a"), b("b")], Some(&[1.0, 2.0]), Aggregate::Sum), Ok(1));
    assert_eq!(all(&mut sh, "dst"), vec![("y".into(), 12.0)]);
    assert_eq!(sh.zdiffstore(0, b"dst", &[b("a"), b("b")]), Ok(1));
    assert_eq!(all(&mut sh, "dst"), vec![("x".into(), 1.0)]);
    // An input may be the destination itself.
    assert_eq!(sh.zunionstore(0, b"a", &[b("a"), b("a")], None, Aggregate::Sum), Ok(2));
    assert_eq!(all(&mut sh, "a"), vec![("x".into(), 2.0), ("y".into(), 4.0)]);
    // Empty result deletes the destination.
    assert_eq!(sh.zinterstore(0, b"dst", &[b("a"), b("nokey")], None, Aggregate::Sum), Ok(0));
    assert_eq!(sh.kind_of(0, b"dst"), None);
    assert_eq!(sh.zdiffstore(0, b"dst", &[b("nokey")]), Ok(0));
    assert_eq!(sh.kind_of(0, b"dst"), None);
}

#[test]
fn plain_sets_are_inputs() {
    // The set type offers no public constructor here, so only an empty set
    // can be stored; it still counts as a valid (empty) input.
    let mut sh = shard();
    add(&mut sh, "a", &[(1.0, "x")]);
    sh.insert_value(0, b"set", Value::Set(Set::default()), None);
    assert_eq!(sh.zunion(0, &[b("a"), b("set")], None, Aggregate::Sum).map(|z| z.len()), Ok(1));
    assert_eq!(sh.zinter(0, &[b("a"), b("set")], None, Aggregate::Sum).map(|z| z.len()), Ok(0));
    assert_eq!(sh.zdiff(0, &[b("a"), b("set")]).map(|z| z.len()), Ok(1));
    assert_eq!(sh.zintercard(0, &[b("set"), b("a")], 0), Ok(0));
    assert!(matches!(sh.zset_operand(0, b"set"), Ok(Some(ZSetOperand::Set(_)))));
    // But set commands do not accept them.
    assert_eq!(sh.zcard(0, b"set"), Err(Error::WrongType));
    assert_eq!(sh.zrangestore(0, b"d", b"set", &ZRange::rank(0, -1)), Err(Error::WrongType));
}

#[test]
fn cross_shard_helpers() {
    let mut one = shard();
    let mut two = Shard::new(1, ShardConfig::default());
    add(&mut one, "a", &[(1.0, "x"), (2.0, "y")]);
    add(&mut two, "b", &[(3.0, "y")]);
    wrongtype(&mut two, "s");
    let a = one.zset_operand(0, b"a").unwrap();
    let b_ = two.zset_operand(0, b"b").unwrap();
    assert_eq!(two.zset_operand(0, b"s"), Err(Error::WrongType));
    assert_eq!(two.zset_operand(0, b"none"), Ok(None));
    let inputs = [(a.as_ref().map(ZSetOperand::as_input), 1.0), (b_.as_ref().map(ZSetOperand::as_input), 1.0)];
    let u = ZSet::combine(&inputs, SetOp::Union, Aggregate::Sum);
    assert_eq!(two.zstore(0, b"dst", u), Ok(2));
    assert_eq!(all(&mut two, "dst"), vec![("x".into(), 1.0), ("y".into(), 5.0)]);
    assert_eq!(two.zstore(0, b"dst", ZSet::new()), Ok(0));
    assert_eq!(two.kind_of(0, b"dst"), None);
    let i = ZSet::intercard(&[a.as_ref().map(ZSetOperand::as_input), b_.as_ref().map(ZSetOperand::as_input)], 0);
    assert_eq!(i, 1);
    assert_eq!(ZSet::combine(&[], SetOp::Union, Aggregate::Sum), ZSet::new());
}

#[test]
fn combine_aggregates_in_size_order() {
    let z = |v: &[(f64, &str)]| v.iter().map(|&(s, m)| (b(m), s)).collect::<ZSet>();
    let big = z(&[(1.0, "m"), (1.0, "p"), (1.0, "q")]);
    let small = z(&[(f64::NAN, "m")]); // stored as 0
    assert_eq!(small.score(b"m"), Some(0.0));
    let inputs = [(Some(ZSetInput::ZSet(&big)), 2.0), (Some(ZSetInput::ZSet(&small)), 3.0)];
    let r = ZSet::combine(&inputs, SetOp::Inter, Aggregate::Max);
    assert_eq!(r.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(b("m"), 2.0)]);
    let r = ZSet::combine(&inputs, SetOp::Union, Aggregate::Min);
    assert_eq!(r.len(), 3);
    assert_eq!(r.score(b"m"), Some(0.0));
    // Inputs are visited smallest first (checked against redis-server):
    // with MIN, 0 × inf from the first input counts as 0, later NaN
    // products are ignored, so the visiting order shows in the result.
    let a = z(&[(f64::INFINITY, "x"), (1.0, "y")]);
    let b5 = z(&[(5.0, "x")]);
    let c = z(&[(f64::NEG_INFINITY, "x"), (1.0, "p"), (2.0, "q"), (3.0, "r")]);
    let r = ZSet::combine(
        &[(Some(ZSetInput::ZSet(&a)), 0.0), (Some(ZSetInput::ZSet(&b5)), 1.0)],
        SetOp::Inter,
        Aggregate::Min,
    );
    assert_eq!(r.score(b"x"), Some(5.0));
    // ZUNION 3 c a b: 5 + inf + -inf is NaN, hence 0 (c first would give 5).
    let r = ZSet::combine(
        &[(Some(ZSetInput::ZSet(&c)), 1.0), (Some(ZSetInput::ZSet(&a)), 1.0), (Some(ZSetInput::ZSet(&b5)), 1.0)],
        SetOp::Union,
        Aggregate::Sum,
    );
    assert_eq!(r.score(b"x"), Some(0.0));
    // Diff ignores weights.
    let r = ZSet::combine(&inputs, SetOp::Diff, Aggregate::Sum);
    assert_eq!(r.iter().map(|(m, s)| (m.clone(), s)).collect::<Vec<_>>(), vec![(b("p"), 1.0), (b("q"), 1.0)]);
}

#[test]
fn writes_keep_ttl_and_account_memory() {
    let mut sh = shard();
    let base = sh.used_memory();
    add(&mut sh, "z", &[(1.0, "a")]);
    let slot = sh.lookup(0, b"z").unwrap();
    let at = sh.now_ms() + 100_000;
    sh.set_expire(slot, Some(at));
    let v: Vec<(f64, Bytes)> = (0..200).map(|i| (i as f64, Bytes::from(vec![b'x'; 100 + i]))).collect();
    sh.zadd(0, b"z", ZOPT, &v).unwrap();
    assert!(sh.used_memory() > base + 200 * 100);
    sh.zincrby(0, b"z", 1.0, &b"a"[..]).unwrap();
    sh.zrem(0, b"z", &[b("a")]).unwrap();
    sh.zpopmin(0, b"z", Some(3)).unwrap();
    sh.zremrangebyrank(0, b"z", 0, 0).unwrap();
    let slot = sh.lookup(0, b"z").unwrap();
    assert_eq!(sh.expire_of(slot), Some(at));
    sh.zremrangebyscore(0, b"z", sb("-inf"), sb("+inf")).unwrap();
    assert_eq!(sh.kind_of(0, b"z"), None);
    assert_eq!(sh.used_memory(), base);
}

#[test]
fn expired_keys_are_missing() {
    let clock = Clock::manual(1_000_000);
    let mut sh = Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() });
    add(&mut sh, "z", &[(1.0, "a")]);
    let slot = sh.lookup(0, b"z").unwrap();
    sh.set_expire(slot, Some(1_000_010));
    clock.advance(11);
    assert_eq!(sh.zcard(0, b"z"), Ok(0));
    assert_eq!(add(&mut sh, "z", &[(1.0, "b")]), 1);
    let slot = sh.lookup(0, b"z").unwrap();
    assert_eq!(sh.expire_of(slot), None, "a re-created key has no TTL");
}

#[derive(Default)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<OwnedMutation>>>);

impl MutationSink for Recorder {
    fn record(&mut self, m: &crate::mutation::Mutation<'_>) {
        self.0.lock().unwrap().push(m.to_owned());
    }
}

#[test]
fn only_real_changes_emit_mutations() {
    let mut sh = shard();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    sh.subscribe(Box::new(Recorder(log.clone())));
    add(&mut sh, "z", &[(1.0, "a")]);
    let n = log.lock().unwrap().len();
    add(&mut sh, "z", &[(1.0, "a")]);
    sh.zrem(0, b"z", &[b("x")]).unwrap();
    sh.zremrangebyscore(0, b"z", sb("5"), sb("6")).unwrap();
    sh.zadd(0, b"z", ZAddOptions { nx: true, ..ZOPT }, &pairs(&[(2.0, "a")])).unwrap();
    assert_eq!(log.lock().unwrap().len(), n, "no-op writes emit nothing");
    sh.zincrby(0, b"z", 1.0, &b"a"[..]).unwrap();
    assert_eq!(log.lock().unwrap().len(), n + 1);
}

// ----- model-based property test with wrong types and TTLs ------------------

type Model = BTreeMap<String, Option<BTreeMap<Bytes, f64>>>; // None = a string key

#[derive(Debug, Clone)]
enum Op {
    Add(usize, Vec<(i8, u8)>),
    Rem(usize, u8),
    Pop(usize, bool, i8),
    Union(usize, Vec<usize>),
    Card(usize),
    SetString(usize),
    Expire(usize),
    Tick,
}

const MKEYS: [&str; 4] = ["k0", "k1", "k2", "k3"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, prop::collection::vec((-3i8..4, 0u8..6), 1..4)).prop_map(|(k, v)| Op::Add(k, v)),
        2 => (0..4usize, 0u8..6).prop_map(|(k, m)| Op::Rem(k, m)),
        2 => (0..4usize, any::<bool>(), -1i8..3).prop_map(|(k, max, c)| Op::Pop(k, max, c)),
        2 => (0..4usize, prop::collection::vec(0..4usize, 1..3)).prop_map(|(k, v)| Op::Union(k, v)),
        1 => (0..4usize).prop_map(Op::Card),
        1 => (0..4usize).prop_map(Op::SetString),
        1 => (0..4usize).prop_map(Op::Expire),
        1 => Just(Op::Tick),
    ]
}

fn mem(m: u8) -> Bytes {
    Bytes::from(vec![b'a' + m])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn model_with_wrong_types_and_ttls(ops in prop::collection::vec(op(), 1..60)) {
        let clock = Clock::manual(1_000_000);
        let mut sh = Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() });
        let mut model: Model = BTreeMap::new();
        // Absolute expiry per key in the model.
        let mut ttl: BTreeMap<String, u64> = BTreeMap::new();
        for op in ops {
            let now = clock.now_ms();
            let expired: Vec<String> = ttl.iter().filter(|(_, &at)| at < now).map(|(k, _)| k.clone()).collect();
            for k in expired {
                model.remove(&k);
                ttl.remove(&k);
            }
            match op {
                Op::Add(k, v) => {
                    let key = MKEYS[k];
                    let p: Vec<(f64, Bytes)> = v.iter().map(|&(s, m)| (s as f64, mem(m))).collect();
                    let got = sh.zadd(0, key.as_bytes(), ZOPT, &p);
                    if matches!(model.get(key), Some(None)) {
                        prop_assert_eq!(got, Err(Error::WrongType));
                    } else {
                        let set = model.entry(key.into()).or_insert_with(|| Some(BTreeMap::new()));
                        let set = set.get_or_insert_with(BTreeMap::new);
                        let mut added = 0;
                        for (s, m) in p {
                            if set.insert(m, s).is_none() {
                                added += 1;
                            }
                        }
                        prop_assert_eq!(got, Ok(ZAddReply::Count(added)));
                    }
                }
                Op::Rem(k, m) => {
                    let key = MKEYS[k];
                    let got = sh.zrem(0, key.as_bytes(), &[mem(m)]);
                    match model.get_mut(key) {
                        Some(None) => prop_assert_eq!(got, Err(Error::WrongType)),
                        Some(Some(set)) => {
                            let n = usize::from(set.remove(&mem(m)).is_some());
                            if set.is_empty() {
                                model.remove(key);
                                ttl.remove(key);
                            }
                            prop_assert_eq!(got, Ok(n));
                        }
                        None => prop_assert_eq!(got, Ok(0)),
                    }
                }
                Op::Pop(k, max, c) => {
                    let key = MKEYS[k];
                    let count = if c == 2 { None } else { Some(c as i64) };
                    let got = if max { sh.zpopmax(0, key.as_bytes(), count) } else { sh.zpopmin(0, key.as_bytes(), count) };
                    if c < 0 {
                        prop_assert_eq!(got, Err(Error::InvalidArgument(ArgError::NotPositive)));
                        continue;
                    }
                    match model.get_mut(key) {
                        Some(None) => prop_assert_eq!(got, Err(Error::WrongType)),
                        Some(Some(set)) => {
                            let mut sorted: Vec<(Bytes, f64)> = set.iter().map(|(m, s)| (m.clone(), *s)).collect();
                            sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                            if max {
                                sorted.reverse();
                            }
                            sorted.truncate(count.unwrap_or(1) as usize);
                            for (m, _) in &sorted {
                                set.remove(m);
                            }
                            if set.is_empty() {
                                model.remove(key);
                                ttl.remove(key);
                            }
                            prop_assert_eq!(got, Ok(sorted));
                        }
                        None => prop_assert_eq!(got, Ok(vec![])),
                    }
                }
                Op::Union(dst, srcs) => {
                    let keys: Vec<Bytes> = srcs.iter().map(|&i| b(MKEYS[i])).collect();
                    let got = sh.zunionstore(0, MKEYS[dst].as_bytes(), &keys, None, Aggregate::Sum);
                    if srcs.iter().any(|&i| matches!(model.get(MKEYS[i]), Some(None))) {
                        prop_assert_eq!(got, Err(Error::WrongType));
                        continue;
                    }
                    let mut out: BTreeMap<Bytes, f64> = BTreeMap::new();
                    for &i in &srcs {
                        if let Some(Some(set)) = model.get(MKEYS[i]) {
                            for (m, s) in set {
                                *out.entry(m.clone()).or_insert(0.0) += s;
                            }
                        }
                    }
                    let n = out.len();
                    ttl.remove(MKEYS[dst]);
                    if n == 0 {
                        model.remove(MKEYS[dst]);
                    } else {
                        model.insert(MKEYS[dst].into(), Some(out));
                    }
                    prop_assert_eq!(got, Ok(n));
                }
                Op::Card(k) => {
                    let got = sh.zcard(0, MKEYS[k].as_bytes());
                    match model.get(MKEYS[k]) {
                        Some(None) => prop_assert_eq!(got, Err(Error::WrongType)),
                        Some(Some(set)) => prop_assert_eq!(got, Ok(set.len())),
                        None => prop_assert_eq!(got, Ok(0)),
                    }
                }
                Op::SetString(k) => {
                    let key = MKEYS[k];
                    match sh.lookup(0, key.as_bytes()) {
                        Some(slot) => sh.replace_str(slot, &b"v"[..], None),
                        None => {
                            sh.insert_str(0, key.as_bytes(), &b"v"[..], None);
                        }
                    }
                    model.insert(key.into(), None);
                    ttl.remove(key);
                }
                Op::Expire(k) => {
                    let key = MKEYS[k];
                    if let Some(slot) = sh.lookup(0, key.as_bytes()) {
                        sh.set_expire(slot, Some(now + 5));
                        ttl.insert(key.into(), now + 5);
                    }
                }
                Op::Tick => clock.advance(3),
            }
            let now = clock.now_ms();
            let expired: Vec<String> = ttl.iter().filter(|(_, &at)| at < now).map(|(k, _)| k.clone()).collect();
            for k in expired {
                model.remove(&k);
                ttl.remove(&k);
            }
            // Full comparison of every key after every step.
            for key in MKEYS {
                let got = match sh.kind_of(0, key.as_bytes()) {
                    None => None,
                    Some(Kind::String) => Some(None),
                    Some(_) => Some(Some(sh.zrange(0, key.as_bytes(), &ZRange::rank(0, -1)).unwrap())),
                };
                let want = model.get(key).map(|v| {
                    v.as_ref().map(|set| {
                        let mut s: Vec<(Bytes, f64)> = set.iter().map(|(m, s)| (m.clone(), *s)).collect();
                        s.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                        s
                    })
                });
                prop_assert_eq!(got, want, "key {}", key);
            }
        }
    }
}

/// The mutation stream's commands for sorted-set writes: each replays to
/// the same keyspace, and a change to a sorted set is a command of its own
/// size.
mod deltas {
    use super::*;
    use crate::propagate::tests::{log_bytes, round_trip, text};

    fn zadd(sh: &mut Shard, opts: ZAddOptions, v: &[(f64, &str)]) -> ZAddReply {
        sh.zadd(0, b"z", opts, &pairs(v)).unwrap()
    }

    #[test]
    fn zadd_in_every_mode_sets_the_scores_that_changed() {
        let log = round_trip(|sh, _| {
            add(sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
            // Plain: an unchanged score is left out; a repeated member is
            // set twice, as the command did.
            assert_eq!(add(sh, "z", &[(1.0, "a"), (5.0, "b"), (4.0, "d"), (6.0, "d")]), 1);
            assert_eq!(zadd(sh, ZAddOptions { nx: true, ..ZOPT }, &[(9.0, "a"), (7.0, "e")]), ZAddReply::Count(1));
            assert_eq!(zadd(sh, ZAddOptions { xx: true, ..ZOPT }, &[(0.5, "a"), (8.0, "zz")]), ZAddReply::Count(0));
            assert_eq!(
                zadd(sh, ZAddOptions { gt: true, ch: true, ..ZOPT }, &[(0.0, "a"), (10.0, "c"), (11.0, "f")]),
                ZAddReply::Count(2)
            );
            assert_eq!(
                zadd(sh, ZAddOptions { lt: true, ch: true, ..ZOPT }, &[(9.0, "c"), (12.0, "b")]),
                ZAddReply::Count(1)
            );
            assert_eq!(zadd(sh, ZAddOptions { incr: true, ..ZOPT }, &[(2.5, "a")]), ZAddReply::Score(Some(3.0)));
            assert_eq!(zadd(sh, ZAddOptions { incr: true, gt: true, ..ZOPT }, &[(-1.0, "a")]), ZAddReply::Score(None));
            assert_eq!(zadd(sh, ZAddOptions { incr: true, xx: true, ..ZOPT }, &[(1.0, "zz")]), ZAddReply::Score(None));
            assert_eq!(
                zadd(sh, ZAddOptions { incr: true, nx: true, ..ZOPT }, &[(1.0, "g")]),
                ZAddReply::Score(Some(1.0))
            );
            assert_eq!(sh.zincrby(0, b"z", 0.25, "g").unwrap(), 1.25);
            assert_eq!(sh.zincrby(0, b"z", f64::INFINITY, "h").unwrap(), f64::INFINITY);
            assert_eq!(sh.zincrby(0, b"z", f64::NEG_INFINITY, "h").unwrap_err(), Error::ScoreNan);
            add(sh, "z", &[(f64::NEG_INFINITY, "i"), (-0.0, "j")]);
        });
        assert_eq!(
            text(&log[2..]),
            [
                "ZADD z 5 b 4 d 6 d",
                "ZADD z 7 e",
                "ZADD z 0.5 a",
                "ZADD z 10 c 11 f",
                "ZADD z 9 c",
                "ZADD z 3 a",
                "ZADD z 1 g",
                "ZADD z 1.25 g",
                "ZADD z inf h",
                "ZADD z -inf i 0 j",
            ]
        );
    }

    #[test]
    fn removals_name_the_members_removed() {
        let log = round_trip(|sh, _| {
            let members: Vec<(f64, String)> = (0..20).map(|i| (f64::from(i), format!("m{i:02}"))).collect();
            let v: Vec<(f64, &str)> = members.iter().map(|(s, m)| (*s, m.as_str())).collect();
            add(sh, "z", &v);
            assert_eq!(sh.zrem(0, b"z", &[b("zz"), b("m00"), b("m01"), b("m01")]).unwrap(), 2);
            assert_eq!(sh.zrem(0, b"z", &[b("zz")]).unwrap(), 0);
            assert_eq!(names(&sh.zpopmin(0, b"z", None).unwrap()), ["m02"]);
            assert_eq!(names(&sh.zpopmax(0, b"z", Some(2)).unwrap()), ["m19", "m18"]);
            assert!(sh.zpopmin(0, b"z", Some(0)).unwrap().is_empty());
            assert_eq!(sh.zmpop(0, &[b("none"), b("z")], false, 1).unwrap().unwrap().0, 1);
            assert_eq!(sh.zremrangebyrank(0, b"z", 0, 1).unwrap(), 2);
            assert_eq!(sh.zremrangebyrank(0, b"z", 100, 200).unwrap(), 0);
            assert_eq!(sh.zremrangebyscore(0, b"z", sb("(9"), sb("11")).unwrap(), 2);
            assert_eq!(sh.zremrangebyscore(0, b"z", sb("100"), sb("+inf")).unwrap(), 0);
            add(sh, "lex", &[(0.0, "a"), (0.0, "b"), (0.0, "c"), (0.0, "d")]);
            assert_eq!(sh.zremrangebylex(0, b"lex", &lb("[b"), &lb("(d")).unwrap(), 2);
            // More than the set holds: all of it, and the key is gone.
            assert_eq!(sh.zpopmax(0, b"lex", Some(10)).unwrap().len(), 2);
            assert_eq!(sh.zremrangebyscore(0, b"z", sb("-inf"), sb("+inf")).unwrap(), 10);
        });
        assert_eq!(
            text(&log[2..]),
            [
                "ZREM z m00 m01",
                "ZREM z m02",
                "ZREM z m19 m18",
                "ZREM z m03",
                "ZREM z m04 m05",
                "ZREM z m10 m11",
                "DEL lex",
                "ZADD lex 0 a 0 b 0 c 0 d",
                "ZREM lex b c",
                "DEL lex",
                "DEL z",
            ]
        );
    }

    #[test]
    fn store_commands_write_the_whole_result_and_a_ttl_is_kept() {
        round_trip(|sh, clock| {
            add(sh, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
            add(sh, "y", &[(1.0, "c")]);
            sh.pexpire(0, b"z", 1_000, Default::default()).unwrap();
            clock.advance(10);
            add(sh, "z", &[(5.0, "e"), (0.0, "a")]);
            sh.zincrby(0, b"z", 1.0, "a").unwrap();
            sh.zrem(0, b"z", &[b("b")]).unwrap();
            sh.zpopmin(0, b"z", None).unwrap();
            sh.zremrangebyscore(0, b"z", sb("5"), sb("5")).unwrap();
            let slot = sh.lookup(0, b"z").unwrap();
            assert!(sh.expire_of(slot).is_some());
            sh.zunionstore(0, b"u", &[b("z"), b("y")], None, Aggregate::Sum).unwrap();
            sh.zinterstore(0, b"y", &[b("z"), b("y")], None, Aggregate::Max).unwrap();
            sh.zrangestore(0, b"z", b"u", &ZRange::rank(0, 0)).unwrap();
        });
    }

    #[test]
    fn a_change_to_a_large_sorted_set_is_a_small_command() {
        let log = round_trip(|sh, _| {
            let all: Vec<(f64, Bytes)> = (0..100_000).map(|i| (f64::from(i), b(&format!("member-{i}")))).collect();
            sh.zadd(0, b"z", ZOPT, &all).unwrap();
            add(sh, "z", &[(0.5, "one more")]);
            add(sh, "z", &[(7.0, "member-7"), (-1.0, "member-8")]);
            sh.zincrby(0, b"z", 2.0, "one more").unwrap();
            sh.zrem(0, b"z", &[b("member-9")]).unwrap();
            sh.zpopmax(0, b"z", None).unwrap();
            sh.zremrangebyrank(0, b"z", 0, 0).unwrap();
        });
        let (whole, deltas) = log.split_at(log.len() - 6);
        assert!(log_bytes(whole) > 1_000_000);
        assert_eq!(
            text(deltas),
            [
                "ZADD z 0.5 one more",
                "ZADD z -1 member-8",
                "ZADD z 2.5 one more",
                "ZREM z member-9",
                "ZREM z member-99999",
                "ZREM z member-8",
            ]
        );
        for entry in deltas {
            assert!(log_bytes(std::slice::from_ref(entry)) < 100);
        }
    }
}
