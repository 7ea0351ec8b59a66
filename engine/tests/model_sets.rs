//! Model-based tests for sets: random operation sequences applied to a
//! `Shard` and to a `BTreeMap<key, BTreeSet>` model, comparing every result.
//! Random commands (SPOP, SRANDMEMBER) are checked by their properties, and
//! the mutation stream is replayed to check it tells the same story.
//!
//! Wrong-type keys cannot be created through the public API of this crate
//! alone (no string or list writes yet), so the wrong-type interplay is
//! model-tested in `types/set.rs`'s unit tests instead.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use coreshard_engine::types::Set;
use coreshard_engine::{ArgError, Clock, Error, Mutation, OwnedEvent, Shard, ShardConfig, Value};
use proptest::prelude::*;

const KEYS: u8 = 4;
const DBS: u8 = 2;
const MEMBERS: u8 = 10;

type Key = (u8, u8);
type Model = BTreeMap<Key, BTreeSet<u8>>;

fn name(k: u8) -> Vec<u8> {
    format!("key{k}").into_bytes()
}

fn mem(x: u8) -> Bytes {
    Bytes::from(format!("m{x}"))
}

fn unmem(b: &[u8]) -> u8 {
    b.get(1..).and_then(|b| std::str::from_utf8(b).ok()).and_then(|s| s.parse().ok()).unwrap_or(u8::MAX)
}

fn mems(xs: &[u8]) -> Vec<Bytes> {
    xs.iter().map(|&x| mem(x)).collect()
}

fn sorted_set(v: &[Bytes]) -> Vec<u8> {
    let mut out: Vec<u8> = v.iter().map(|b| unmem(b)).collect();
    out.sort();
    out
}

#[derive(Debug, Clone)]
enum Op {
    Add(u8, u8, Vec<u8>),
    Rem(u8, u8, Vec<u8>),
    Members(u8, u8),
    IsMember(u8, u8, u8),
    MIsMember(u8, u8, Vec<u8>),
    Card(u8, u8),
    Pop(u8, u8),
    PopCount(u8, u8, i64),
    Rand(u8, u8),
    RandCount(u8, u8, i64),
    Move(u8, u8, u8, u8),
    /// 0 = SINTER, 1 = SUNION, 2 = SDIFF.
    Algebra(u8, u8, Vec<u8>),
    /// 0 = SINTERSTORE, 1 = SUNIONSTORE, 2 = SDIFFSTORE.
    Store(u8, u8, u8, Vec<u8>),
    /// The multi-shard path: SCOPY each source, combine, SSTORE.
    Gather(u8, u8, u8, Vec<u8>),
    InterCard(u8, Vec<u8>, i64),
    Scan(u8, u8, i64, Option<&'static str>),
}

fn op() -> impl Strategy<Value = Op> {
    let db = || 0..DBS;
    let k = || 0..KEYS;
    let m = || 0..MEMBERS;
    let ms = || proptest::collection::vec(0..MEMBERS, 0..5);
    let ks = || proptest::collection::vec(0..KEYS, 1..4);
    prop_oneof![
        4 => (db(), k(), ms()).prop_map(|(d, k, ms)| Op::Add(d, k, ms)),
        2 => (db(), k(), ms()).prop_map(|(d, k, ms)| Op::Rem(d, k, ms)),
        1 => (db(), k()).prop_map(|(d, k)| Op::Members(d, k)),
        1 => (db(), k(), m()).prop_map(|(d, k, m)| Op::IsMember(d, k, m)),
        1 => (db(), k(), ms()).prop_map(|(d, k, ms)| Op::MIsMember(d, k, ms)),
        1 => (db(), k()).prop_map(|(d, k)| Op::Card(d, k)),
        1 => (db(), k()).prop_map(|(d, k)| Op::Pop(d, k)),
        1 => (db(), k(), -2i64..12).prop_map(|(d, k, c)| Op::PopCount(d, k, c)),
        1 => (db(), k()).prop_map(|(d, k)| Op::Rand(d, k)),
        1 => (db(), k(), -14i64..14).prop_map(|(d, k, c)| Op::RandCount(d, k, c)),
        2 => (db(), k(), k(), m()).prop_map(|(d, a, b, m)| Op::Move(d, a, b, m)),
        2 => (0u8..3, db(), ks()).prop_map(|(o, d, ks)| Op::Algebra(o, d, ks)),
        2 => (0u8..3, db(), k(), ks()).prop_map(|(o, d, k, ks)| Op::Store(o, d, k, ks)),
        1 => (0u8..3, db(), k(), ks()).prop_map(|(o, d, k, ks)| Op::Gather(o, d, k, ks)),
        1 => (db(), ks(), -1i64..4).prop_map(|(d, ks, l)| Op::InterCard(d, ks, l)),
        1 => (db(), k(), 1i64..5, prop::option::of(prop::sample::select(vec!["m1*", "m?", "*0", "m[2-5]"])))
            .prop_map(|(d, k, c, p)| Op::Scan(d, k, c, p)),
    ]
}

fn combine(model: &Model, o: u8, db: u8, ks: &[u8]) -> BTreeSet<u8> {
    let mut sets = ks.iter().map(|&k| model.get(&(db, k)).cloned().unwrap_or_default());
    let first = sets.next().unwrap_or_default();
    sets.fold(first, |acc, s| match o {
        0 => acc.intersection(&s).copied().collect(),
        1 => acc.union(&s).copied().collect(),
        _ => acc.difference(&s).copied().collect(),
    })
}

fn put(model: &mut Model, key: Key, s: BTreeSet<u8>) {
    if s.is_empty() {
        model.remove(&key);
    } else {
        model.insert(key, s);
    }
}

/// What the mutation stream says the keyspace holds.
#[derive(Default)]
struct Replay {
    keys: BTreeMap<Key, BTreeSet<u8>>,
    last_seq: u64,
    gap: bool,
}

fn subscribe(sh: &mut Shard) -> Arc<Mutex<Replay>> {
    let replay = Arc::new(Mutex::new(Replay::default()));
    let r = replay.clone();
    sh.subscribe(Box::new(move |m: &Mutation<'_>| {
        let m = m.to_owned();
        let mut r = r.lock().unwrap();
        r.gap |= m.seq != r.last_seq + 1;
        r.last_seq = m.seq;
        let key = (m.db, unmem_key(&m.key));
        match m.event {
            OwnedEvent::Write { value: Value::Set(s), .. } => {
                r.keys.insert(key, s.iter().map(|b| unmem(b)).collect());
            }
            OwnedEvent::FlushAll => r.keys.clear(),
            OwnedEvent::FlushDb => r.keys.retain(|(db, _), _| *db != m.db),
            _ => {
                r.keys.remove(&key);
            }
        }
    }));
    replay
}

fn unmem_key(k: &[u8]) -> u8 {
    k.get(3..).and_then(|k| std::str::from_utf8(k).ok()).and_then(|s| s.parse().ok()).unwrap_or(u8::MAX)
}

fn apply(sh: &mut Shard, model: &mut Model, op: Op) -> Result<(), TestCaseError> {
    let seq_before = sh.seq();
    let mut read_only = false;
    match op {
        Op::Add(d, k, ms) => {
            let got = sh.sadd(d, &name(k), &mems(&ms)).unwrap();
            let mut s = model.get(&(d, k)).cloned().unwrap_or_default();
            let before = s.len();
            s.extend(ms.iter().copied());
            prop_assert_eq!(got, s.len() - before);
            read_only = got == 0;
            put(model, (d, k), s);
        }
        Op::Rem(d, k, ms) => {
            let got = sh.srem(d, &name(k), &mems(&ms)).unwrap();
            let mut s = model.get(&(d, k)).cloned().unwrap_or_default();
            let n = ms.iter().filter(|x| s.remove(x)).count();
            prop_assert_eq!(got, n);
            read_only = n == 0;
            put(model, (d, k), s);
        }
        Op::Members(d, k) => {
            read_only = true;
            let got = sh.smembers(d, &name(k)).unwrap();
            prop_assert_eq!(got.len(), sorted_set(&got).iter().collect::<BTreeSet<_>>().len(), "duplicates");
            let want: Vec<u8> = model.get(&(d, k)).map(|s| s.iter().copied().collect()).unwrap_or_default();
            prop_assert_eq!(sorted_set(&got), want);
        }
        Op::IsMember(d, k, m) => {
            read_only = true;
            let want = model.get(&(d, k)).is_some_and(|s| s.contains(&m));
            prop_assert_eq!(sh.sismember(d, &name(k), &mem(m)).unwrap(), want);
        }
        Op::MIsMember(d, k, ms) => {
            read_only = true;
            let want: Vec<bool> = ms.iter().map(|m| model.get(&(d, k)).is_some_and(|s| s.contains(m))).collect();
            prop_assert_eq!(sh.smismember(d, &name(k), &mems(&ms)).unwrap(), want);
        }
        Op::Card(d, k) => {
            read_only = true;
            prop_assert_eq!(sh.scard(d, &name(k)).unwrap(), model.get(&(d, k)).map_or(0, BTreeSet::len));
        }
        Op::Pop(d, k) => {
            let got = sh.spop(d, &name(k)).unwrap();
            let mut s = model.get(&(d, k)).cloned().unwrap_or_default();
            match got {
                None => {
                    prop_assert!(s.is_empty());
                    read_only = true;
                }
                Some(m) => prop_assert!(s.remove(&unmem(&m)), "popped {:?}, not a member", m),
            }
            put(model, (d, k), s);
        }
        Op::PopCount(d, k, count) => {
            let got = sh.spop_count(d, &name(k), count);
            if count < 0 {
                prop_assert_eq!(got, Err(Error::InvalidArgument(ArgError::NotPositive)));
                read_only = true;
            } else {
                let got = got.unwrap();
                let mut s = model.get(&(d, k)).cloned().unwrap_or_default();
                prop_assert_eq!(got.len(), s.len().min(count as usize));
                for m in &got {
                    prop_assert!(s.remove(&unmem(m)), "popped {:?}: not a member, or twice", m);
                }
                read_only = got.is_empty();
                put(model, (d, k), s);
            }
        }
        Op::Rand(d, k) => {
            read_only = true;
            let got = sh.srandmember(d, &name(k)).unwrap();
            match model.get(&(d, k)) {
                None => prop_assert_eq!(got, None),
                Some(s) => prop_assert!(got.is_some_and(|m| s.contains(&unmem(&m)))),
            }
        }
        Op::RandCount(d, k, count) => {
            read_only = true;
            let got = sh.srandmember_count(d, &name(k), count).unwrap();
            let s = model.get(&(d, k)).cloned().unwrap_or_default();
            prop_assert!(got.iter().all(|m| s.contains(&unmem(m))), "{:?} not all in {:?}", got, s);
            if s.is_empty() {
                prop_assert!(got.is_empty());
            } else if count >= 0 {
                prop_assert_eq!(got.len(), s.len().min(count as usize));
                prop_assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "repeats in {:?}", got);
            } else {
                prop_assert_eq!(got.len() as u64, count.unsigned_abs());
            }
        }
        Op::Move(d, a, b, m) => {
            let got = sh.smove(d, &name(a), &name(b), &mem(m)).unwrap();
            let mut src = model.get(&(d, a)).cloned().unwrap_or_default();
            let want = if a == b {
                read_only = true;
                src.contains(&m)
            } else if src.remove(&m) {
                let mut dst = model.get(&(d, b)).cloned().unwrap_or_default();
                dst.insert(m);
                put(model, (d, a), src);
                put(model, (d, b), dst);
                true
            } else {
                read_only = true;
                false
            };
            prop_assert_eq!(got, want);
        }
        Op::Algebra(o, d, ks) => {
            read_only = true;
            let keys: Vec<Vec<u8>> = ks.iter().map(|&k| name(k)).collect();
            let got = match o {
                0 => sh.sinter(d, &keys),
                1 => sh.sunion(d, &keys),
                _ => sh.sdiff(d, &keys),
            }
            .unwrap();
            let want: Vec<u8> = combine(model, o, d, &ks).into_iter().collect();
            prop_assert_eq!(got.len(), want.len(), "duplicates in {:?}", got);
            prop_assert_eq!(sorted_set(&got), want);
        }
        Op::Store(o, d, k, ks) => {
            let keys: Vec<Vec<u8>> = ks.iter().map(|&k| name(k)).collect();
            let got = match o {
                0 => sh.sinterstore(d, &name(k), &keys),
                1 => sh.sunionstore(d, &name(k), &keys),
                _ => sh.sdiffstore(d, &name(k), &keys),
            }
            .unwrap();
            let want = combine(model, o, d, &ks);
            prop_assert_eq!(got, want.len());
            read_only = want.is_empty() && !model.contains_key(&(d, k));
            put(model, (d, k), want);
        }
        Op::Gather(o, d, k, ks) => {
            let copies: Vec<Option<Set>> = ks.iter().map(|&k| sh.scopy(d, &name(k)).unwrap()).collect();
            let sets: Vec<&Set> = copies.iter().map(|c| c.as_ref().unwrap_or(Set::empty())).collect();
            let result = match o {
                0 => Set::inter(&sets),
                1 => Set::union(&sets),
                _ => Set::diff(sets[0], &sets[1..]),
            };
            let got = sh.sstore(d, &name(k), result).unwrap();
            let want = combine(model, o, d, &ks);
            prop_assert_eq!(got, want.len());
            read_only = want.is_empty() && !model.contains_key(&(d, k));
            put(model, (d, k), want);
        }
        Op::InterCard(d, ks, limit) => {
            read_only = true;
            let keys: Vec<Vec<u8>> = ks.iter().map(|&k| name(k)).collect();
            let got = sh.sintercard(d, &keys, limit);
            if limit < 0 {
                prop_assert_eq!(got, Err(Error::InvalidArgument(ArgError::LimitNegative)));
            } else {
                let n = combine(model, 0, d, &ks).len();
                let want = if limit == 0 { n } else { n.min(limit as usize) };
                prop_assert_eq!(got, Ok(want));
            }
        }
        Op::Scan(d, k, count, pattern) => {
            read_only = true;
            let mut seen = Vec::new();
            let mut cursor = 0;
            for _ in 0..100 {
                let (next, got) = sh.sscan(d, &name(k), cursor, pattern.map(str::as_bytes), Some(count)).unwrap();
                prop_assert!(got.len() as i64 <= count);
                seen.extend(got);
                cursor = next;
                if cursor == 0 {
                    break;
                }
            }
            prop_assert_eq!(cursor, 0, "scan did not finish");
            let want: BTreeSet<u8> = model
                .get(&(d, k))
                .map(|s| {
                    s.iter()
                        .copied()
                        .filter(|&x| pattern.is_none_or(|p| coreshard_engine::glob::matches(p.as_bytes(), &mem(x))))
                        .collect()
                })
                .unwrap_or_default();
            prop_assert_eq!(sorted_set(&seen).into_iter().collect::<BTreeSet<_>>(), want);
        }
    }
    if read_only {
        prop_assert_eq!(sh.seq(), seq_before, "a command that changed nothing emitted a mutation");
    }
    Ok(())
}

fn shard() -> Shard {
    Shard::new(0, ShardConfig { clock: Clock::manual(1_700_000_000_000), ..Default::default() })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sets_match_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut sh = shard();
        let replay = subscribe(&mut sh);
        let mut model = Model::new();
        for op in ops {
            apply(&mut sh, &mut model, op)?;
            for d in 0..DBS {
                prop_assert_eq!(sh.dbsize(d), model.keys().filter(|(db, _)| *db == d).count());
            }
            let r = replay.lock().unwrap();
            prop_assert!(!r.gap, "mutation sequence has a gap");
            prop_assert_eq!(&r.keys, &model, "mutation stream disagrees with the model");
        }
        // Everything removed again: memory accounting returns to zero.
        sh.flushall();
        prop_assert_eq!(sh.used_memory(), 0);
    }

    /// The SSCAN guarantee: a member present from the first call to the last
    /// is returned, however the set changes in between; nothing returned was
    /// never in the set.
    #[test]
    fn sscan_returns_every_member_present_throughout(
        initial in proptest::collection::btree_set(0u16..400, 1..200),
        steps in proptest::collection::vec((1i64..20, 0u8..4, proptest::collection::vec(0u16..600, 0..30)), 1..80),
    ) {
        let mut sh = shard();
        let m = |x: u16| Bytes::from(format!("v{x}"));
        let init: Vec<Bytes> = initial.iter().map(|&x| m(x)).collect();
        sh.sadd(0, b"s", &init).unwrap();
        let mut throughout: BTreeSet<Bytes> = init.iter().cloned().collect();
        let mut ever: BTreeSet<Bytes> = throughout.clone();
        let mut seen: BTreeSet<Bytes> = BTreeSet::new();
        let mut cursor = 0;
        let mut steps = steps.into_iter().cycle();
        for _ in 0..10_000 {
            let Some((count, action, xs)) = steps.next() else { break };
            let (next, got) = sh.sscan(0, b"s", cursor, None, Some(count)).unwrap();
            seen.extend(got);
            cursor = next;
            if cursor == 0 {
                break;
            }
            let xs: Vec<Bytes> = xs.into_iter().map(m).collect();
            match action {
                0 => {
                    sh.sadd(0, b"s", &xs).unwrap();
                    ever.extend(xs);
                }
                1 => {
                    sh.srem(0, b"s", &xs).unwrap();
                    for x in &xs {
                        throughout.remove(x);
                    }
                }
                2 => {
                    for x in sh.spop_count(0, b"s", xs.len() as i64).unwrap() {
                        throughout.remove(&x);
                    }
                }
                _ => {
                    // Grow a lot at once, then remove low members.
                    sh.sadd(0, b"s", &xs).unwrap();
                    ever.extend(xs.iter().cloned());
                    let low: Vec<Bytes> = (0..50).map(m).collect();
                    sh.srem(0, b"s", &low).unwrap();
                    for x in &low {
                        throughout.remove(x);
                    }
                }
            }
        }
        prop_assert_eq!(cursor, 0, "scan did not finish");
        for x in &throughout {
            prop_assert!(seen.contains(x), "member {:?} present throughout was not returned", x);
        }
        prop_assert!(seen.is_subset(&ever));
    }

    /// The set algebra the multi-shard runtime uses, against `BTreeSet`.
    #[test]
    fn pure_set_algebra(
        sets in proptest::collection::vec(proptest::collection::btree_set(0u8..30, 0..20), 1..5),
        limit in 0usize..10,
    ) {
        let built: Vec<Set> = sets.iter().map(|s| Set::from_members(s.iter().map(|&x| mem(x)))).collect();
        let refs: Vec<&Set> = built.iter().collect();
        let to_model = |s: &Set| -> BTreeSet<u8> { s.iter().map(|b| unmem(b)).collect() };
        let mut inter = sets[0].clone();
        let mut union = sets[0].clone();
        let mut diff = sets[0].clone();
        for s in &sets[1..] {
            inter = inter.intersection(s).copied().collect();
            union = union.union(s).copied().collect();
            diff = diff.difference(s).copied().collect();
        }
        prop_assert_eq!(to_model(&Set::inter(&refs)), inter.clone());
        prop_assert_eq!(to_model(&Set::union(&refs)), union.clone());
        prop_assert_eq!(to_model(&Set::diff(refs[0], &refs[1..])), diff.clone());
        prop_assert_eq!(Set::union(&refs).len(), union.len());
        let want = if limit == 0 { inter.len() } else { inter.len().min(limit) };
        prop_assert_eq!(Set::inter_card(&refs, limit), want);
        for (s, m) in built.iter().zip(&sets) {
            prop_assert_eq!(s.len(), m.len());
            for x in 0u8..30 {
                prop_assert_eq!(s.contains(&mem(x)), m.contains(&x));
            }
        }
        let mut with_missing = refs.clone();
        with_missing.push(Set::empty());
        prop_assert!(Set::inter(&with_missing).is_empty());
        prop_assert_eq!(Set::union(&with_missing), Set::union(&refs));
    }
}

/// SPOP and SRANDMEMBER pick uniformly: over many draws from a set whose
/// positions have been shuffled by removals, every member comes up within
/// 15% of its expected share.
#[test]
fn random_commands_are_uniform() {
    let mut sh = shard();
    let all = mems(&(0..MEMBERS).collect::<Vec<_>>());
    sh.sadd(0, b"s", &all).unwrap();
    sh.srem(0, b"s", &all[..4]).unwrap();
    sh.sadd(0, b"s", &all[..4]).unwrap();
    let draws = 30_000usize;
    let expected = draws as f64 / MEMBERS as f64;
    let check = |counts: &BTreeMap<Bytes, usize>, what: &str| {
        assert_eq!(counts.len(), MEMBERS as usize, "{what}: {counts:?}");
        for (m, &c) in counts {
            assert!((c as f64 - expected).abs() < expected * 0.15, "{what}: {m:?} drawn {c} times");
        }
    };
    let mut rand = BTreeMap::new();
    let mut rand_neg = BTreeMap::new();
    let mut rand_pos = BTreeMap::new();
    let mut pop = BTreeMap::new();
    for _ in 0..draws {
        *rand.entry(sh.srandmember(0, b"s").unwrap().unwrap()).or_insert(0) += 1;
        let m = sh.spop(0, b"s").unwrap().unwrap();
        sh.sadd(0, b"s", std::slice::from_ref(&m)).unwrap();
        *pop.entry(m).or_insert(0) += 1;
    }
    for _ in 0..draws / 3 {
        for m in sh.srandmember_count(0, b"s", -3).unwrap() {
            *rand_neg.entry(m).or_insert(0) += 1;
        }
        for m in sh.srandmember_count(0, b"s", 3).unwrap() {
            *rand_pos.entry(m).or_insert(0) += 1;
        }
    }
    check(&rand, "SRANDMEMBER");
    check(&pop, "SPOP");
    check(&rand_neg, "SRANDMEMBER -3");
    check(&rand_pos, "SRANDMEMBER 3");
}
