//! Model-based test of the hash operations: random operation sequences on a
//! few shared keys (one of them holding a list) are applied to a `Shard` and
//! to a `BTreeMap`-per-key model; deterministic results must agree exactly,
//! HRANDFIELD must satisfy its contract, and interleaved HSCANs must return
//! every field that stayed in the hash for the whole scan.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use coreshard_engine::{ArgError, Error, Event, Kind, Mutation, Shard, ShardConfig, ValueRef};
use proptest::prelude::*;

const KEYS: &[&[u8]] = &[b"a", b"b", b"l"];
const WRONG: usize = 2;
const FIELDS: &[&str] = &["f0", "f1", "f2", "f3", "f4", "", "long-field-name"];
/// Values: plain text, canonical and non-canonical integers, floats.
const VALUES: &[&str] = &["v", "", "0", "7", "-12", "01", "+1", " 1", "1.5", "-0.25", "9223372036854775807", "x y"];
/// HINCRBYFLOAT increments: dyadic rationals (exact in `f64` and `long
/// double`, so the model can use `f64`), plus invalid ones.
const FLOAT_INCRS: &[&str] = &["0.5", "-1.25", "3", "1e1", "-0.75", "+2", ".25", "abc", "inf", "-Infinity", "1e", ""];
/// Float sums at or above this magnitude are not modelled exactly.
const LARGE: f64 = (1u64 << 50) as f64;
/// Marks a model result to be taken from the engine.
const ADOPT: &str = "<adopt>";
const INT_INCRS: &[i64] = &[1, -1, 5, 0, -100, i64::MAX, i64::MIN];

#[derive(Debug, Clone)]
enum Op {
    Set {
        key: usize,
        pairs: Vec<(usize, usize)>,
    },
    SetNx {
        key: usize,
        field: usize,
        value: usize,
    },
    Get {
        key: usize,
        field: usize,
    },
    MGet {
        key: usize,
        fields: Vec<usize>,
    },
    Del {
        key: usize,
        fields: Vec<usize>,
    },
    Len {
        key: usize,
    },
    Exists {
        key: usize,
        field: usize,
    },
    StrLen {
        key: usize,
        field: usize,
    },
    GetAll {
        key: usize,
    },
    Keys {
        key: usize,
    },
    Vals {
        key: usize,
    },
    IncrBy {
        key: usize,
        field: usize,
        incr: usize,
    },
    IncrByFloat {
        key: usize,
        field: usize,
        incr: usize,
    },
    RandField {
        key: usize,
    },
    RandCount {
        key: usize,
        count: i64,
        with_values: bool,
    },
    /// Adds `n` numbered fields, to get past the size where HSCAN pages.
    Bulk {
        key: usize,
        start: usize,
        n: usize,
    },
    /// Deletes every `step`-th numbered field in a window.
    BulkDel {
        key: usize,
        start: usize,
        n: usize,
        step: usize,
    },
    /// One complete HSCAN with nothing in between.
    ScanAll {
        key: usize,
        pattern: Option<&'static str>,
        count: usize,
    },
    /// One step of a long-running HSCAN interleaved with the other ops.
    ScanStep {
        key: usize,
        count: usize,
    },
}

fn key() -> impl Strategy<Value = usize> {
    prop_oneof![5 => 0..2usize, 1 => Just(WRONG)]
}

fn field() -> impl Strategy<Value = usize> {
    0..FIELDS.len()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (key(), prop::collection::vec((field(), 0..VALUES.len()), 1..4)).prop_map(|(key, pairs)| Op::Set { key, pairs }),
        2 => (key(), field(), 0..VALUES.len()).prop_map(|(key, field, value)| Op::SetNx { key, field, value }),
        2 => (key(), field()).prop_map(|(key, field)| Op::Get { key, field }),
        1 => (key(), prop::collection::vec(field(), 1..4)).prop_map(|(key, fields)| Op::MGet { key, fields }),
        3 => (key(), prop::collection::vec(field(), 1..4)).prop_map(|(key, fields)| Op::Del { key, fields }),
        1 => key().prop_map(|key| Op::Len { key }),
        1 => (key(), field()).prop_map(|(key, field)| Op::Exists { key, field }),
        1 => (key(), field()).prop_map(|(key, field)| Op::StrLen { key, field }),
        1 => key().prop_map(|key| Op::GetAll { key }),
        1 => key().prop_map(|key| Op::Keys { key }),
        1 => key().prop_map(|key| Op::Vals { key }),
        3 => (key(), field(), 0..INT_INCRS.len()).prop_map(|(key, field, incr)| Op::IncrBy { key, field, incr }),
        3 => (key(), field(), 0..FLOAT_INCRS.len()).prop_map(|(key, field, incr)| Op::IncrByFloat { key, field, incr }),
        2 => key().prop_map(|key| Op::RandField { key }),
        4 => (key(), prop_oneof![-12i64..12, Just(i64::MIN), Just(-(i64::MAX / 2) - 1)], any::<bool>())
            .prop_map(|(key, count, with_values)| Op::RandCount { key, count, with_values }),
        1 => (key(), 0..300usize, 1..250usize).prop_map(|(key, start, n)| Op::Bulk { key, start, n }),
        1 => (key(), 0..300usize, 1..200usize, 1..4usize).prop_map(|(key, start, n, step)| Op::BulkDel { key, start, n, step }),
        1 => (key(), prop::option::of(prop_oneof![Just("f*"), Just("n1*"), Just("*"), Just("?")]), 1..40usize)
            .prop_map(|(key, pattern, count)| Op::ScanAll { key, pattern, count }),
        3 => (0..2usize, 1..30usize).prop_map(|(key, count)| Op::ScanStep { key, count }),
    ]
}

fn bulk_field(i: usize) -> Bytes {
    Bytes::from(format!("n{i}"))
}

fn s(x: &str) -> Bytes {
    Bytes::copy_from_slice(x.as_bytes())
}

#[derive(Debug, Clone)]
enum Slot {
    Hash(BTreeMap<Bytes, Bytes>),
    Other,
}

#[derive(Default)]
struct Model {
    keys: BTreeMap<usize, Slot>,
}

/// `string2ll`: exactly the canonical decimal form of an `i64`.
fn model_int(v: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(v).ok()?;
    let n: i64 = t.parse().ok()?;
    (n.to_string() == t).then_some(n)
}

/// `strtold` on the model's alphabet: Rust's float syntax minus NaN and
/// infinities spelled the Rust way, which `strtold` also accepts.
fn model_float(v: &[u8]) -> Option<f64> {
    let t = std::str::from_utf8(v).ok()?;
    if t.is_empty() || t.starts_with(char::is_whitespace) {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body == "inf" || body == "infinity" {
        return Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if body.contains("nan") || body.contains("inf") {
        return None;
    }
    t.parse().ok()
}

/// `%.17Lf` with trailing zeros trimmed; exact for the model's dyadic values.
fn model_format(x: f64) -> String {
    let t = format!("{x:.17}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

impl Model {
    fn hash(&mut self, key: usize) -> Result<Option<&mut BTreeMap<Bytes, Bytes>>, Error> {
        match self.keys.get_mut(&key) {
            None => Ok(None),
            Some(Slot::Other) => Err(Error::WrongType),
            Some(Slot::Hash(h)) => Ok(Some(h)),
        }
    }

    fn hash_or_new(&mut self, key: usize) -> Result<&mut BTreeMap<Bytes, Bytes>, Error> {
        match self.keys.entry(key).or_insert_with(|| Slot::Hash(BTreeMap::new())) {
            Slot::Other => Err(Error::WrongType),
            Slot::Hash(h) => Ok(h),
        }
    }

    fn gc(&mut self) {
        self.keys.retain(|_, v| !matches!(v, Slot::Hash(h) if h.is_empty()));
    }

    /// Applies a deterministic op; `None` for the ones checked by property.
    fn apply(&mut self, op: &Op) -> Option<String> {
        let out = match op {
            Op::Set { key, pairs } => format!(
                "{:?}",
                self.hash_or_new(*key)
                    .map(|h| pairs.iter().filter(|(f, v)| h.insert(s(FIELDS[*f]), s(VALUES[*v])).is_none()).count())
            ),
            Op::SetNx { key, field, value } => format!(
                "{:?}",
                self.hash_or_new(*key).map(|h| {
                    let f = s(FIELDS[*field]);
                    match h.entry(f) {
                        std::collections::btree_map::Entry::Occupied(_) => false,
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(s(VALUES[*value]));
                            true
                        }
                    }
                })
            ),
            Op::Get { key, field } => {
                format!("{:?}", self.hash(*key).map(|h| h.and_then(|h| h.get(FIELDS[*field].as_bytes()).cloned())))
            }
            Op::MGet { key, fields } => format!(
                "{:?}",
                self.hash(*key).map(|h| fields
                    .iter()
                    .map(|f| h.as_ref().and_then(|h| h.get(FIELDS[*f].as_bytes()).cloned()))
                    .collect::<Vec<_>>())
            ),
            Op::Del { key, fields } => format!(
                "{:?}",
                self.hash(*key)
                    .map(|h| h
                        .map_or(0, |h| fields.iter().filter(|f| h.remove(FIELDS[**f].as_bytes()).is_some()).count()))
            ),
            Op::Len { key } => format!("{:?}", self.hash(*key).map(|h| h.map_or(0, |h| h.len()))),
            Op::Exists { key, field } => {
                format!("{:?}", self.hash(*key).map(|h| h.is_some_and(|h| h.contains_key(FIELDS[*field].as_bytes()))))
            }
            Op::StrLen { key, field } => format!(
                "{:?}",
                self.hash(*key).map(|h| h.and_then(|h| h.get(FIELDS[*field].as_bytes())).map_or(0, |v| v.len()))
            ),
            Op::GetAll { key } => format!(
                "{:?}",
                self.hash(*key).map(|h| h.map_or(vec![], |h| h.iter().map(|(f, v)| (f.clone(), v.clone())).collect()))
            ),
            Op::Keys { key } => {
                format!("{:?}", self.hash(*key).map(|h| h.map_or(vec![], |h| h.keys().cloned().collect())))
            }
            Op::Vals { key } => format!(
                "{:?}",
                self.hash(*key).map(|h| {
                    let mut v: Vec<Bytes> = h.map_or(vec![], |h| h.values().cloned().collect());
                    v.sort();
                    v
                })
            ),
            Op::IncrBy { key, field, incr } => {
                let incr = INT_INCRS[*incr];
                let f = s(FIELDS[*field]);
                let r: Result<i64, Error> = (|| {
                    let cur = match self.hash(*key)? {
                        Some(h) => match h.get(&f) {
                            Some(v) => model_int(v).ok_or(Error::HashNotInteger)?,
                            None => 0,
                        },
                        None => 0,
                    };
                    let new = cur.checked_add(incr).ok_or(Error::Overflow)?;
                    self.hash_or_new(*key)?.insert(f.clone(), s(&new.to_string()));
                    Ok(new)
                })();
                format!("{r:?}")
            }
            Op::IncrByFloat { key, field, incr } => {
                let f = s(FIELDS[*field]);
                let r: Result<Bytes, Error> = (|| {
                    let by = model_float(FLOAT_INCRS[*incr].as_bytes()).ok_or(Error::NotFloat)?;
                    if !by.is_finite() {
                        return Err(Error::InvalidArgument(ArgError::NotFinite));
                    }
                    let cur = match self.hash(*key)? {
                        Some(h) => match h.get(&f) {
                            Some(v) => model_float(v).ok_or(Error::HashNotFloat)?,
                            None => 0.0,
                        },
                        None => 0.0,
                    };
                    let sum = cur + by;
                    if !sum.is_finite() {
                        return Err(Error::NanOrInfinity);
                    }
                    if cur.abs() >= LARGE || sum.abs() >= LARGE {
                        // Beyond f64's exact range: `long double` rounds
                        // differently, so the engine's text is adopted below.
                        return Ok(Bytes::from_static(ADOPT.as_bytes()));
                    }
                    let text = s(&model_format(sum));
                    self.hash_or_new(*key)?.insert(f.clone(), text.clone());
                    Ok(text)
                })();
                format!("{r:?}")
            }
            Op::Bulk { key, start, n } => format!(
                "{:?}",
                self.hash_or_new(*key)
                    .map(|h| (*start..start + n).filter(|&i| h.insert(bulk_field(i), s("b")).is_none()).count())
            ),
            Op::BulkDel { key, start, n, step } => format!(
                "{:?}",
                self.hash(*key).map(|h| h.map_or(0, |h| (*start..start + n)
                    .step_by(*step)
                    .filter(|&i| h.remove(&bulk_field(i)).is_some())
                    .count()))
            ),
            Op::RandField { .. } | Op::RandCount { .. } | Op::ScanAll { .. } | Op::ScanStep { .. } => {
                return None;
            }
        };
        self.gc();
        Some(out)
    }
}

fn apply(sh: &mut Shard, op: &Op) -> String {
    let k = |i: usize| KEYS[i];
    let fs = |v: &[usize]| v.iter().map(|&f| s(FIELDS[f])).collect::<Vec<_>>();
    match op {
        Op::Set { key, pairs } => {
            let p: Vec<(Bytes, Bytes)> = pairs.iter().map(|(f, v)| (s(FIELDS[*f]), s(VALUES[*v]))).collect();
            format!("{:?}", sh.hset(0, k(*key), &p))
        }
        Op::SetNx { key, field, value } => format!("{:?}", sh.hsetnx(0, k(*key), FIELDS[*field], VALUES[*value])),
        Op::Get { key, field } => format!("{:?}", sh.hget(0, k(*key), FIELDS[*field].as_bytes())),
        Op::MGet { key, fields } => format!("{:?}", sh.hmget(0, k(*key), &fs(fields))),
        Op::Del { key, fields } => format!("{:?}", sh.hdel(0, k(*key), &fs(fields))),
        Op::Len { key } => format!("{:?}", sh.hlen(0, k(*key))),
        Op::Exists { key, field } => format!("{:?}", sh.hexists(0, k(*key), FIELDS[*field].as_bytes())),
        Op::StrLen { key, field } => format!("{:?}", sh.hstrlen(0, k(*key), FIELDS[*field].as_bytes())),
        Op::GetAll { key } => format!(
            "{:?}",
            sh.hgetall(0, k(*key)).map(|mut v| {
                v.sort();
                v
            })
        ),
        Op::Keys { key } => format!(
            "{:?}",
            sh.hkeys(0, k(*key)).map(|mut v| {
                v.sort();
                v
            })
        ),
        Op::Vals { key } => format!(
            "{:?}",
            sh.hvals(0, k(*key)).map(|mut v| {
                v.sort();
                v
            })
        ),
        Op::IncrBy { key, field, incr } => format!("{:?}", sh.hincrby(0, k(*key), FIELDS[*field], INT_INCRS[*incr])),
        Op::IncrByFloat { key, field, incr } => {
            format!("{:?}", sh.hincrbyfloat(0, k(*key), FIELDS[*field], FLOAT_INCRS[*incr].as_bytes()))
        }
        Op::Bulk { key, start, n } => {
            let p: Vec<(Bytes, Bytes)> = (*start..start + n).map(|i| (bulk_field(i), s("b"))).collect();
            format!("{:?}", sh.hset(0, k(*key), &p))
        }
        Op::BulkDel { key, start, n, step } => {
            let f: Vec<Bytes> = (*start..start + n).step_by(*step).map(bulk_field).collect();
            format!("{:?}", sh.hdel(0, k(*key), &f))
        }
        Op::RandField { .. } | Op::RandCount { .. } | Op::ScanAll { .. } | Op::ScanStep { .. } => unreachable!(),
    }
}

/// A long-running scan: its cursor, the fields present when it started and
/// not deleted since (all must be returned), and what it has returned.
#[derive(Debug, Default)]
struct Scan {
    cursor: u64,
    must: BTreeSet<Bytes>,
    returned: BTreeSet<Bytes>,
    active: bool,
    steps: usize,
    start_len: usize,
}

fn check_property_op(sh: &mut Shard, model: &mut Model, op: &Op, scans: &mut [Scan; 2]) -> Result<(), TestCaseError> {
    match op {
        Op::RandField { key } => {
            let got = sh.hrandfield(0, KEYS[*key]);
            match model.hash(*key) {
                Err(e) => prop_assert_eq!(got, Err(e)),
                Ok(None) => prop_assert_eq!(got, Ok(None)),
                Ok(Some(h)) => {
                    let f = got.unwrap().unwrap();
                    prop_assert!(h.contains_key(&f));
                }
            }
        }
        Op::RandCount { key, count, with_values } => {
            let got: Result<Vec<(Bytes, Option<Bytes>)>, Error> = if *with_values {
                sh.hrandfield_withvalues(0, KEYS[*key], *count)
                    .map(|v| v.into_iter().map(|(f, v)| (f, Some(v))).collect())
            } else {
                sh.hrandfield_count(0, KEYS[*key], *count).map(|v| v.into_iter().map(|f| (f, None)).collect())
            };
            if *count == i64::MIN {
                prop_assert_eq!(got, Err(Error::InvalidArgument(ArgError::OutsideLongRange)));
                return Ok(());
            }
            if *with_values && *count < -(i64::MAX / 2) {
                prop_assert_eq!(got, Err(Error::InvalidArgument(ArgError::CountTooLarge)));
                return Ok(());
            }
            match model.hash(*key) {
                Err(e) => prop_assert_eq!(got, Err(e)),
                Ok(None) => prop_assert_eq!(got, Ok(vec![])),
                Ok(Some(h)) if *count < -1_000_000 => {
                    // Without WITHVALUES a huge negative count cannot be allocated.
                    prop_assert_eq!(got, Err(Error::OutOfMemory));
                    prop_assert!(!h.is_empty());
                }
                Ok(Some(h)) => {
                    let got = got.unwrap();
                    let n = count.unsigned_abs() as usize;
                    let want_len = if *count >= 0 { n.min(h.len()) } else { n };
                    prop_assert_eq!(got.len(), want_len);
                    for (f, v) in &got {
                        let Some(mv) = h.get(f) else { return Err(TestCaseError::fail(format!("{f:?} not a field"))) };
                        if let Some(v) = v {
                            prop_assert_eq!(v, mv);
                        }
                    }
                    if *count >= 0 {
                        let distinct: BTreeSet<&Bytes> = got.iter().map(|(f, _)| f).collect();
                        prop_assert_eq!(distinct.len(), got.len(), "positive count gives distinct fields");
                    }
                }
            }
        }
        Op::ScanAll { key, pattern, count } => {
            let mut cursor = 0;
            let mut seen = BTreeMap::new();
            let mut calls = 0;
            let got = loop {
                match sh.hscan(0, KEYS[*key], cursor, pattern.map(str::as_bytes), *count) {
                    Err(e) => break Err(e),
                    Ok((next, batch)) => {
                        for (f, v) in batch {
                            seen.insert(f, v);
                        }
                        calls += 1;
                        if next == 0 {
                            break Ok(seen);
                        }
                        cursor = next;
                    }
                }
            };
            let want = model.hash(*key).map(|h| {
                h.map_or(BTreeMap::new(), |h| {
                    h.iter()
                        .filter(|(f, _)| pattern.is_none_or(|p| coreshard_engine::glob::matches(p.as_bytes(), f)))
                        .map(|(f, v)| (f.clone(), v.clone()))
                        .collect()
                })
            });
            prop_assert_eq!(got, want);
            let len = model.hash(*key).ok().flatten().map_or(0, |h| h.len());
            prop_assert!(calls <= len / count + 2, "{} calls for {} fields", calls, len);
        }
        Op::ScanStep { key, count } => {
            let scan = &mut scans[*key];
            if !scan.active {
                let Ok(Some(h)) = model.hash(*key) else { return Ok(()) };
                *scan = Scan { must: h.keys().cloned().collect(), active: true, start_len: h.len(), ..Scan::default() };
            }
            let (next, batch) = match sh.hscan(0, KEYS[*key], scan.cursor, None, *count) {
                Ok(r) => r,
                Err(e) => return Err(TestCaseError::fail(format!("scan on a hash failed: {e}"))),
            };
            let current = model.hash(*key).ok().flatten().cloned().unwrap_or_default();
            for (f, v) in batch {
                prop_assert_eq!(current.get(&f), Some(&v), "scan returned a live pair");
                scan.returned.insert(f);
            }
            scan.steps += 1;
            scan.cursor = next;
            if next == 0 {
                let missed: Vec<_> = scan.must.difference(&scan.returned).collect();
                prop_assert!(missed.is_empty(), "scan missed fields present throughout: {:?}", missed);
                prop_assert!(scan.steps <= scan.start_len.max(1), "scan ends within its starting size");
                scan.active = false;
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn hashes_match_the_model(ops in prop::collection::vec(op(), 1..70)) {
        let mut sh = Shard::new(0, ShardConfig::default());
        let empty_writes = Arc::new(AtomicUsize::new(0));
        let seen = empty_writes.clone();
        sh.subscribe(Box::new(move |m: &Mutation<'_>| {
            if let Event::Write { value: ValueRef::Hash(h), .. } = m.event {
                if h.is_empty() {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
        sh.rpush(0, KEYS[WRONG], &[s("x")]).unwrap();
        let mut model = Model::default();
        model.keys.insert(WRONG, Slot::Other);
        let mut scans: [Scan; 2] = Default::default();
        for (n, op) in ops.iter().enumerate() {
            match model.apply(op) {
                Some(want) if want.contains(ADOPT) => {
                    let Op::IncrByFloat { key, field, .. } = op else { unreachable!() };
                    let got = apply(&mut sh, op);
                    prop_assert!(got.starts_with("Ok("), "op #{} {:?}: {}", n, op, got);
                    let value = sh.hget(0, KEYS[*key], FIELDS[*field].as_bytes()).unwrap().unwrap();
                    prop_assert!(model_float(&value).is_some_and(|v| v.abs() >= LARGE / 2.0));
                    model.hash_or_new(*key).unwrap().insert(s(FIELDS[*field]), value);
                }
                Some(want) => {
                    let got = apply(&mut sh, op);
                    prop_assert_eq!(&got, &want, "op #{} {:?}", n, op);
                }
                None => check_property_op(&mut sh, &mut model, op, &mut scans)?,
            }
            // Fields deleted (or whose key vanished) no longer have to be returned.
            for (i, scan) in scans.iter_mut().enumerate() {
                let live: BTreeSet<Bytes> = model.hash(i).ok().flatten().map_or_else(BTreeSet::new, |h| h.keys().cloned().collect());
                scan.must.retain(|f| live.contains(f));
                if live.is_empty() {
                    scan.active = false;
                }
            }
            for (i, key) in KEYS.iter().enumerate() {
                let want_kind = match model.keys.get(&i) {
                    None => None,
                    Some(Slot::Hash(_)) => Some(Kind::Hash),
                    Some(Slot::Other) => Some(Kind::List),
                };
                prop_assert_eq!(sh.kind_of(0, key), want_kind, "kind of key {} after op #{}", i, n);
            }
        }
        for (i, key) in KEYS.iter().enumerate().take(2) {
            let mut got = sh.hgetall(0, key).unwrap();
            got.sort();
            let want: Vec<(Bytes, Bytes)> = model.hash(i).unwrap().map_or(vec![], |h| h.clone().into_iter().collect());
            prop_assert_eq!(got, want);
        }
        prop_assert_eq!(empty_writes.load(Ordering::Relaxed), 0);
    }
}

#[test]
fn hincrbyfloat_sums_print_like_redis() {
    // Outputs recorded from redis-server 7.0.15 (x87 long double).
    let mut sh = Shard::new(0, ShardConfig::default());
    let steps: &[(&str, &str)] = &[
        ("0.1", "0.1"),
        ("0.2", "0.3"),
        ("1e17", "100000000000000000.296875"),
        ("-100000000000000000", "0.296875"),
        ("-0.29999999999999999", "-0.00312499999999999"),
        ("123456789012345678901234567890", "123456789012345678899921813504"),
        ("-1.5e29", "-26543210987654321100346621952"),
        ("0.000001", "-26543210987654321100346621952"),
        ("1e-17", "-26543210987654321100346621952"),
    ];
    for (incr, want) in steps {
        let got = sh.hincrbyfloat(0, b"h", "f", incr.as_bytes()).unwrap();
        assert_eq!(got, want, "after += {incr}");
    }
}

#[derive(Debug, Clone)]
enum ChurnOp {
    Step(usize),
    Add { start: usize, n: usize },
    Del { start: usize, n: usize, step: usize },
}

fn churn_op() -> impl Strategy<Value = ChurnOp> {
    prop_oneof![
        4 => (1..40usize).prop_map(ChurnOp::Step),
        1 => (0..1000usize, 1..120usize).prop_map(|(start, n)| ChurnOp::Add { start, n }),
        2 => (0..1000usize, 1..200usize, 1..5usize).prop_map(|(start, n, step)| ChurnOp::Del { start, n, step }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// HSCAN's guarantee under heavy interleaved growth and deletion: a
    /// field present from a scan's first call to its last is returned.
    #[test]
    fn hscan_returns_every_field_present_throughout(
        initial in 130..600usize,
        ops in prop::collection::vec(churn_op(), 1..120),
    ) {
        let mut sh = Shard::new(0, ShardConfig::default());
        let p: Vec<(Bytes, Bytes)> = (0..initial).map(|i| (bulk_field(i), s("v"))).collect();
        sh.hset(0, b"h", &p).unwrap();
        let mut live: BTreeSet<Bytes> = p.into_iter().map(|(f, _)| f).collect();
        let mut scan = Scan::default();
        for op in &ops {
            match op {
                ChurnOp::Add { start, n } => {
                    let p: Vec<(Bytes, Bytes)> = (*start..start + n).map(|i| (bulk_field(i), s("v"))).collect();
                    sh.hset(0, b"h", &p).unwrap();
                    live.extend(p.into_iter().map(|(f, _)| f));
                }
                ChurnOp::Del { start, n, step } => {
                    let f: Vec<Bytes> = (*start..start + n).step_by(*step).map(bulk_field).collect();
                    sh.hdel(0, b"h", &f).unwrap();
                    for f in &f {
                        live.remove(f);
                        scan.must.remove(f);
                    }
                }
                ChurnOp::Step(count) => {
                    if !scan.active {
                        scan = Scan { must: live.clone(), active: true, start_len: live.len(), ..Scan::default() };
                    }
                    let (next, batch) = sh.hscan(0, b"h", scan.cursor, None, *count).unwrap();
                    for (f, _) in batch {
                        prop_assert!(live.contains(&f));
                        scan.returned.insert(f);
                    }
                    scan.steps += 1;
                    scan.cursor = next;
                    if next == 0 {
                        let missed: Vec<_> = scan.must.difference(&scan.returned).collect();
                        prop_assert!(missed.is_empty(), "missed {:?}", missed);
                        prop_assert!(scan.steps <= scan.start_len.max(1));
                        scan.active = false;
                    }
                }
            }
            if live.is_empty() {
                scan.active = false;
            }
        }
    }
}
