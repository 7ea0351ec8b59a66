//! A snapshot holds the keyspace as it was when it began, whatever is
//! written while it is taken.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::clock::Clock;
use crate::propagate::tests::random_writes::{self, Op};
use crate::propagate::tests::{contents, new_shard, NOW};
use crate::types::SetOptions;
use crate::value::Value;

type Entry = (u8, Bytes, Value, Option<u64>);

/// Keeps every key handed over.
struct Collector(Rc<RefCell<Vec<Entry>>>);

impl SnapshotSink for Collector {
    fn entry(&mut self, db: u8, key: &[u8], value: ValueRef<'_>, expire_at: Option<u64>) {
        self.0.borrow_mut().push((db, Bytes::copy_from_slice(key), value.to_value(), expire_at));
    }
}

fn begin(s: &mut Shard) -> Rc<RefCell<Vec<Entry>>> {
    let got: Rc<RefCell<Vec<Entry>>> = Rc::default();
    s.snapshot_begin(Box::new(Collector(got.clone()))).expect("no snapshot in progress");
    got
}

fn finish(s: &mut Shard, got: &Rc<RefCell<Vec<Entry>>>) -> Vec<Entry> {
    while s.snapshot_step(3, usize::MAX) == Step::More {}
    assert!(s.snapshot_end().is_some());
    let mut all = got.borrow().clone();
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

#[test]
fn a_quiet_shard_is_handed_over_whole() {
    let clock = Clock::manual(NOW);
    let mut s = new_shard(&clock);
    for i in 0..10_000u32 {
        s.set((i % 3) as u8, format!("k{i}").as_bytes(), format!("v{i}"), SetOptions::default()).unwrap();
    }
    s.rpush(1, b"list", &[Bytes::from("a"), Bytes::from("b")]).unwrap();
    let want = contents(&mut s);
    let got = begin(&mut s);
    assert_eq!(s.snapshot_begin(Box::new(Collector(Rc::default()))), Err(SnapshotBusy));
    assert_eq!(finish(&mut s, &got), want);
}

#[test]
fn keys_expired_when_it_began_are_left_out() {
    let clock = Clock::manual(NOW);
    let mut s = new_shard(&clock);
    s.set(0, b"gone", "x", SetOptions::default()).unwrap();
    s.pexpireat(0, b"gone", (NOW + 10) as i64, Default::default()).unwrap();
    s.set(0, b"kept", "y", SetOptions::default()).unwrap();
    clock.advance(20);
    let got = begin(&mut s);
    let all = finish(&mut s, &got);
    assert_eq!(all.iter().map(|e| &e.1[..]).collect::<Vec<_>>(), vec![&b"kept"[..]]);
}

/// What can happen to a shard while its snapshot is taken.
#[derive(Debug, Clone)]
enum During {
    Write(Op),
    Step(usize),
    FlushAll,
    FlushDb(u8),
    SwapDb(u8, u8),
    SetIn(u8, usize),
}

fn during() -> impl Strategy<Value = During> {
    prop_oneof![
        8 => random_writes::op().prop_map(During::Write),
        3 => (1usize..6).prop_map(During::Step),
        1 => Just(During::FlushAll),
        1 => (0u8..4).prop_map(During::FlushDb),
        1 => (0u8..4, 0u8..4).prop_map(|(a, b)| During::SwapDb(a, b)),
        2 => (0u8..4, 0usize..20).prop_map(|(d, k)| During::SetIn(d, k)),
    ]
}

fn run(s: &mut Shard, clock: &Clock, d: &During) {
    match *d {
        During::Write(ref op) => random_writes::run(s, clock, op),
        During::Step(n) => {
            s.snapshot_step(n, usize::MAX);
        }
        During::FlushAll => {
            s.flushall();
        }
        During::FlushDb(db) => {
            s.flushdb(db);
        }
        During::SwapDb(a, b) => s.swapdb(a, b).unwrap(),
        During::SetIn(db, k) => {
            s.set(db, format!("o{k}").as_bytes(), format!("{db}:{k}"), SetOptions::default()).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn writes_while_it_runs_are_not_seen(
        before in prop::collection::vec(during(), 0..60),
        after in prop::collection::vec(during(), 0..80),
    ) {
        let clock = Clock::manual(NOW);
        let mut s = new_shard(&clock);
        for d in before.iter().filter(|d| !matches!(d, During::Step(_))) {
            run(&mut s, &clock, d);
        }
        let want = contents(&mut s);
        let got = begin(&mut s);
        for d in &after {
            run(&mut s, &clock, d);
        }
        let all = finish(&mut s, &got);
        prop_assert_eq!(all, want);
    }
}
