//! Sorted sets: the [`ZSet`] structure and the Z* commands on [`Shard`].
//!
//! The structure (`index.rs`) is a member → node hash index plus an
//! order-statistic skiplist; range bounds and score arguments live in
//! `bounds.rs`; the ZUNION/ZINTER/ZDIFF arithmetic in `combine.rs`.

mod bounds;
mod combine;
mod index;

use bytes::Bytes;

pub use self::bounds::{parse_score, parse_weight, LexBound, ScoreBound};
pub use self::combine::{Aggregate, SetOp, ZSetInput, ZSetOperand};
pub use self::index::{ZSet, ZSetIter};

use crate::error::{ArgError, Error, OptionConflict, Result};
use crate::mutation::Arg;
use crate::shard::Shard;
use crate::types::{index_range, Noted};
use crate::value::{Kind, Value, ValueRef};

/// ZSCAN returns sorted sets of at most this many members in one call, as
/// Redis does for its compact (listpack) encoding.
const SCAN_WHOLE_MAX: usize = 128;

/// Members with their scores, as range and pop commands return them.
pub type ScoredMembers = Vec<(Bytes, f64)>;

/// Flags of ZADD. Redis rejects NX with XX, and NX/GT/LT with each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    /// Only add new members; never update existing ones.
    pub nx: bool,
    /// Only update existing members; never add.
    pub xx: bool,
    /// Update an existing member only if the new score is greater.
    pub gt: bool,
    /// Update an existing member only if the new score is less.
    pub lt: bool,
    /// Count changed members (added or score updated) instead of added ones.
    pub ch: bool,
    /// Increment the score (like ZINCRBY); allows a single pair.
    pub incr: bool,
}

impl ZAddOptions {
    /// Checks the flag combination for `pairs` score/member pairs, in
    /// Redis's order: no pairs is [`Error::Syntax`]; NX with XX, NX/GT/LT
    /// combined and INCR with more than one pair are
    /// [`Error::IncompatibleOptions`]. A server must call this
    /// before parsing the scores, as Redis reports these errors first.
    pub fn validate(&self, pairs: usize) -> Result<()> {
        if pairs == 0 {
            return Err(Error::Syntax);
        }
        if self.nx && self.xx {
            return Err(Error::IncompatibleOptions(OptionConflict::ZAddNxXx));
        }
        if (self.nx && (self.gt || self.lt)) || (self.gt && self.lt) {
            return Err(Error::IncompatibleOptions(OptionConflict::ZAddNxGtLt));
        }
        if self.incr && pairs > 1 {
            return Err(Error::IncompatibleOptions(OptionConflict::ZAddIncrPairs));
        }
        Ok(())
    }
}

/// What ZADD replies with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ZAddReply {
    /// Without INCR: members added (or added + updated with CH).
    Count(usize),
    /// With INCR: the new score, or `None` when NX/XX/GT/LT stopped it.
    Score(Option<f64>),
}

/// How a ZRANGE selects members.
///
/// Bounds are given in command-argument order: for a reversed range the
/// first is the upper end, as in `ZRANGE key max min BYSCORE REV` and
/// `ZREVRANGEBYSCORE key max min`.
#[derive(Debug, Clone, PartialEq)]
pub enum ZRangeBy {
    /// By 0-based rank; negative indexes count from the end.
    Rank {
        /// First index.
        start: i64,
        /// Last index (inclusive).
        stop: i64,
    },
    /// BYSCORE.
    Score {
        /// Minimum (maximum when reversed).
        start: ScoreBound,
        /// Maximum (minimum when reversed).
        stop: ScoreBound,
    },
    /// BYLEX (meaningful when all scores are equal).
    Lex {
        /// Minimum (maximum when reversed).
        start: LexBound,
        /// Maximum (minimum when reversed).
        stop: LexBound,
    },
}

/// A full ZRANGE request: ZRANGE, ZREVRANGE, `Z[REV]RANGEBYSCORE`,
/// `Z[REV]RANGEBYLEX` and ZRANGESTORE all map onto it.
#[derive(Debug, Clone, PartialEq)]
pub struct ZRange {
    /// The selection.
    pub by: ZRangeBy,
    /// Descending order (REV, or the ZREV* commands).
    pub rev: bool,
    /// `LIMIT offset count` (BYSCORE/BYLEX only; ignored by rank, as Redis
    /// ignores `LIMIT offset -1` there). A negative offset selects nothing; a
    /// negative count means no limit.
    pub limit: Option<(i64, i64)>,
}

impl ZRange {
    /// A range by rank.
    pub fn rank(start: i64, stop: i64) -> Self {
        ZRange { by: ZRangeBy::Rank { start, stop }, rev: false, limit: None }
    }

    /// A range by score, bounds in argument order.
    pub fn score(start: ScoreBound, stop: ScoreBound) -> Self {
        ZRange { by: ZRangeBy::Score { start, stop }, rev: false, limit: None }
    }

    /// A lexical range, bounds in argument order.
    pub fn lex(start: LexBound, stop: LexBound) -> Self {
        ZRange { by: ZRangeBy::Lex { start, stop }, rev: false, limit: None }
    }

    /// The same range in descending order.
    pub fn rev(mut self) -> Self {
        self.rev = true;
        self
    }

    /// The same range with `LIMIT offset count`.
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }
}

impl ZSet {
    /// Ascending rank interval `lo..hi` selected by `range`, and whether to
    /// emit it in descending order.
    fn select(&self, range: &ZRange) -> (usize, usize) {
        let (lo, hi) = match &range.by {
            ZRangeBy::Rank { start, stop } => {
                let Some((a, b)) = index_range(*start, *stop, self.len()) else { return (0, 0) };
                return if range.rev { (self.len() - b, self.len() - a) } else { (a, b) };
            }
            ZRangeBy::Score { start, stop } => {
                let (min, max) = if range.rev { (stop, start) } else { (start, stop) };
                self.score_range_ranks(min, max)
            }
            ZRangeBy::Lex { start, stop } => {
                let (min, max) = if range.rev { (stop, start) } else { (start, stop) };
                self.lex_range_ranks(min, max)
            }
        };
        let (offset, count) = range.limit.unwrap_or((0, -1));
        if offset < 0 || count == 0 {
            return (0, 0);
        }
        let n = hi - lo;
        let off = usize::try_from(offset).unwrap_or(usize::MAX);
        if off >= n {
            return (0, 0);
        }
        let take = if count < 0 { n - off } else { usize::try_from(count).unwrap_or(usize::MAX).min(n - off) };
        if range.rev {
            (hi - off - take, hi - off)
        } else {
            (lo + off, lo + off + take)
        }
    }

    /// The members and scores `range` selects, in the order it asks for.
    pub fn range(&self, range: &ZRange) -> ScoredMembers {
        let (lo, hi) = self.select(range);
        let it = self.range_iter(lo, hi).map(|(m, s)| (m.clone(), s));
        if range.rev {
            it.rev().collect()
        } else {
            it.collect()
        }
    }

    /// Number of members `range` selects.
    pub fn range_len(&self, range: &ZRange) -> usize {
        let (lo, hi) = self.select(range);
        hi - lo
    }

    /// The selected members as a new sorted set (ZRANGESTORE).
    pub fn range_to_zset(&self, range: &ZRange) -> ZSet {
        let (lo, hi) = self.select(range);
        let mut out = ZSet::new();
        // Descending insertion stops at the head every time.
        for (m, s) in self.range_iter(lo, hi).rev() {
            out.insert_new(m.clone(), s);
        }
        out
    }
}

/// Stored scores are never -0: Redis's compact encoding stores -0 as 0,
/// though replies computed before storing (ZINCRBY) may still say "-0".
#[inline]
fn stored(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

/// What one ZADD element did.
enum AddOutcome {
    Added(f64),
    Updated(f64),
    Unchanged(f64),
    Nop,
}

/// Redis's `zsetAdd` for one element.
fn zset_add(z: &mut ZSet, opts: &ZAddOptions, score: f64, member: &Bytes) -> Result<AddOutcome> {
    match z.find(member) {
        Some(n) => {
            if opts.nx {
                return Ok(AddOutcome::Nop);
            }
            let cur = z.score_at(n);
            let mut new = score;
            if opts.incr {
                new += cur;
                if new.is_nan() {
                    return Err(Error::ScoreNan);
                }
            }
            if (opts.lt && new >= cur) || (opts.gt && new <= cur) {
                return Ok(AddOutcome::Nop);
            }
            if new != cur {
                z.set_score(n, stored(new));
                Ok(AddOutcome::Updated(new))
            } else {
                Ok(AddOutcome::Unchanged(new))
            }
        }
        None if !opts.xx => {
            z.insert_new(member.clone(), stored(score));
            Ok(AddOutcome::Added(score))
        }
        None => Ok(AddOutcome::Nop),
    }
}

#[derive(Default)]
struct AddTally<'p> {
    added: usize,
    updated: usize,
    processed: usize,
    last: f64,
    /// The members added or given a new score, with the score they now
    /// have (kept for a delta).
    changed: Noted<(f64, &'p [u8])>,
}

/// Redis's ZADD loop; `keep` keeps the changed members in the tally.
fn add_all<'p>(z: &mut ZSet, opts: &ZAddOptions, pairs: &'p [(f64, Bytes)], keep: bool) -> Result<AddTally<'p>> {
    let mut t = AddTally { changed: Noted::new(keep), ..AddTally::default() };
    for (score, member) in pairs {
        match zset_add(z, opts, *score, member)? {
            AddOutcome::Added(s) => {
                t.added += 1;
                t.processed += 1;
                t.last = s;
                t.changed.note((stored(s), member));
            }
            AddOutcome::Updated(s) => {
                t.updated += 1;
                t.processed += 1;
                t.last = s;
                t.changed.note((stored(s), member));
            }
            AddOutcome::Unchanged(s) => {
                t.processed += 1;
                t.last = s;
            }
            AddOutcome::Nop => {}
        }
    }
    Ok(t)
}

/// The error of a ZUNION/ZINTER/ZDIFF(STORE) without input keys.
pub(crate) fn at_least_one_key(op: SetOp, store: bool) -> Error {
    let command = match (op, store) {
        (SetOp::Union, false) => "zunion",
        (SetOp::Union, true) => "zunionstore",
        (SetOp::Inter, false) => "zinter",
        (SetOp::Inter, true) => "zinterstore",
        (SetOp::Diff, false) => "zdiff",
        (SetOp::Diff, true) => "zdiffstore",
    };
    Error::AtLeastOneKey { command }
}

impl Shard {
    // ----- private helpers --------------------------------------------------

    /// The sorted set at `key` for a read command.
    fn zread(&mut self, db: u8, key: &[u8]) -> Result<Option<&ZSet>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::ZSet)? else { return Ok(None) };
        Ok(match self.value(slot) {
            ValueRef::ZSet(z) => Some(z),
            _ => None,
        })
    }

    /// Runs `f` on the sorted set in `slot`; `delta` describes the change,
    /// given `f`'s result (see [`Shard::modify_delta`]).
    fn zmodify<'x, R>(
        &mut self,
        slot: u32,
        f: impl FnOnce(&mut ZSet) -> (R, bool),
        delta: impl FnOnce(&R, &mut Vec<Arg<'x>>),
    ) -> Option<R> {
        self.modify_delta(
            slot,
            |v| match v {
                Value::ZSet(z) => {
                    let (r, changed) = f(z);
                    (Some(r), changed)
                }
                _ => (None, false),
            },
            |r, args| {
                if let Some(r) = r {
                    delta(r, args);
                }
            },
        )
    }

    /// Removes the members at the ranks `select` picks (`lo..hi`), as the
    /// ZREMRANGEBY* commands do; returns how many were removed. The delta
    /// is ZREM of those members.
    fn zremrange(&mut self, slot: u32, select: impl FnOnce(&ZSet) -> (usize, usize)) -> usize {
        let keep = self.wants_deltas();
        self.zmodify(
            slot,
            |z| {
                let (lo, hi) = select(z);
                let mut removed = Noted::new(keep);
                z.remove_range_with(lo, hi, |m, _| removed.note(m));
                let changed = removed.count() > 0;
                (removed, changed)
            },
            |removed, args| {
                args.extend([Arg::Bytes(b"ZREM"), Arg::Key]);
                args.extend(removed.items().iter().map(|m| Arg::Owned(m.clone())));
            },
        )
        .map_or(0, |removed| removed.count())
    }

    /// Stores `z` at `key` as a set-producing command does: replaces any
    /// value of any type and clears its TTL, or deletes the key when `z` is
    /// empty. Returns the stored cardinality.
    fn zput(&mut self, db: u8, key: &[u8], mut z: ZSet) -> usize {
        z.normalize_zeros();
        let n = z.len();
        match self.lookup_write(db, key) {
            Some(slot) if n == 0 => self.delete_slot(slot),
            Some(slot) => self.replace_value(slot, Value::ZSet(z), None),
            None if n == 0 => {}
            None => {
                self.insert_value(db, key, Value::ZSet(z), None);
            }
        }
        n
    }

    /// Slots of set-operation inputs; [`Error::WrongType`] unless each is a zset or set.
    fn zinputs(&mut self, db: u8, keys: &[Bytes]) -> Result<Vec<Option<u32>>> {
        let mut slots = Vec::with_capacity(keys.len());
        for key in keys {
            match self.lookup_read(db, key) {
                Some(slot) if matches!(self.item(slot).kind(), Kind::ZSet | Kind::Set) => slots.push(Some(slot)),
                Some(_) => return Err(Error::WrongType),
                None => slots.push(None),
            }
        }
        Ok(slots)
    }

    fn zinput(&self, slot: Option<u32>) -> Option<ZSetInput<'_>> {
        match self.value(slot?) {
            ValueRef::ZSet(z) => Some(ZSetInput::ZSet(z)),
            ValueRef::Set(s) => Some(ZSetInput::Set(s)),
            _ => None,
        }
    }

    fn zsetop(
        &mut self,
        db: u8,
        op: SetOp,
        store: bool,
        keys: &[Bytes],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<ZSet> {
        if keys.is_empty() {
            return Err(at_least_one_key(op, store));
        }
        let slots = self.zinputs(db, keys)?;
        // Redis parses WEIGHTS after looking the keys up.
        if weights.is_some_and(|w| w.len() != keys.len()) {
            return Err(Error::Syntax);
        }
        let inputs: Vec<(Option<ZSetInput<'_>>, f64)> = slots
            .iter()
            .enumerate()
            .map(|(i, &slot)| (self.zinput(slot), weights.and_then(|w| w.get(i).copied()).unwrap_or(1.0)))
            .collect();
        Ok(ZSet::combine(&inputs, op, aggregate))
    }

    fn zpop(&mut self, db: u8, key: &[u8], count: Option<i64>, max: bool) -> Result<Vec<(Bytes, f64)>> {
        let count = match count {
            None => 1,
            Some(c) if c < 0 => return Err(Error::InvalidArgument(ArgError::NotPositive)),
            Some(c) => usize::try_from(c).unwrap_or(usize::MAX),
        };
        let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? else { return Ok(Vec::new()) };
        if count == 0 {
            return Ok(Vec::new());
        }
        Ok(self.zpop_slot(slot, count, max))
    }

    fn zpop_slot(&mut self, slot: u32, count: usize, max: bool) -> Vec<(Bytes, f64)> {
        self.zmodify(
            slot,
            |z| {
                let n = count.min(z.len());
                let mut out = Vec::with_capacity(n);
                if max {
                    let len = z.len();
                    z.remove_range_with(len - n, len, |m, s| out.push((m, s)));
                    out.reverse();
                } else {
                    z.remove_range_with(0, n, |m, s| out.push((m, s)));
                }
                (out, n > 0)
            },
            |out, args| {
                args.extend([Arg::Bytes(b"ZREM"), Arg::Key]);
                args.extend(out.iter().map(|(m, _)| Arg::Owned(m.clone())));
            },
        )
        .unwrap_or_default()
    }

    // ----- commands ---------------------------------------------------------

    /// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`.
    ///
    /// Errors, in Redis's order: those of [`ZAddOptions::validate`]; a NaN
    /// score; [`Error::WrongType`]; and with INCR a NaN result
    /// ([`Error::ScoreNan`]).
    pub fn zadd(&mut self, db: u8, key: &[u8], opts: ZAddOptions, pairs: &[(f64, Bytes)]) -> Result<ZAddReply> {
        self.make_room()?;
        opts.validate(pairs.len())?;
        if pairs.iter().any(|(s, _)| s.is_nan()) {
            return Err(Error::ScoreNan);
        }
        let tally = match self.lookup_write_kind(db, key, Kind::ZSet)? {
            None if opts.xx => AddTally::default(),
            None => {
                let mut z = ZSet::new();
                let tally = add_all(&mut z, &opts, pairs, false)?;
                self.insert_value(db, key, Value::ZSet(z), None);
                tally
            }
            Some(slot) => {
                let keep = self.wants_deltas();
                self.zmodify(
                    slot,
                    |z| {
                        let r = add_all(z, &opts, pairs, keep);
                        let changed = r.as_ref().is_ok_and(|t| t.added + t.updated > 0);
                        (r, changed)
                    },
                    // Whatever the flags, the members that changed and the
                    // scores they now have: a plain ZADD sets them.
                    |r, args| {
                        if let Ok(t) = r {
                            args.extend([Arg::Bytes(b"ZADD"), Arg::Key]);
                            for &(score, member) in t.changed.items() {
                                args.extend([Arg::Double(score), Arg::Bytes(member)]);
                            }
                        }
                    },
                )
                .unwrap_or_else(|| Ok(AddTally::default()))?
            }
        };
        Ok(if opts.incr {
            ZAddReply::Score((tally.processed > 0).then_some(tally.last))
        } else if opts.ch {
            ZAddReply::Count(tally.added + tally.updated)
        } else {
            ZAddReply::Count(tally.added)
        })
    }

    /// ZINCRBY key increment member: the new score. A NaN result (inf + -inf)
    /// fails with [`Error::ScoreNan`].
    pub fn zincrby(&mut self, db: u8, key: &[u8], increment: f64, member: impl crate::shard::IntoBytes) -> Result<f64> {
        let opts = ZAddOptions { incr: true, ..ZAddOptions::default() };
        match self.zadd(db, key, opts, &[(increment, member.into_bytes())])? {
            ZAddReply::Score(Some(s)) => Ok(s),
            _ => Err(Error::ScoreNan),
        }
    }

    /// ZREM key member [member ...]: how many were removed. Deletes the key
    /// when it empties.
    pub fn zrem(&mut self, db: u8, key: &[u8], members: &[Bytes]) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? else { return Ok(0) };
        let keep = self.wants_deltas();
        Ok(self
            .zmodify(
                slot,
                |z| {
                    let mut removed = Noted::new(keep);
                    for m in members {
                        if z.remove(m).is_some() {
                            removed.note(&m[..]);
                        }
                    }
                    let changed = removed.count() > 0;
                    (removed, changed)
                },
                |removed, args| {
                    args.extend([Arg::Bytes(b"ZREM"), Arg::Key]);
                    args.extend(removed.items().iter().map(|&m| Arg::Bytes(m)));
                },
            )
            .map_or(0, |removed| removed.count()))
    }

    /// ZSCORE key member.
    pub fn zscore(&mut self, db: u8, key: &[u8], member: &[u8]) -> Result<Option<f64>> {
        Ok(self.zread(db, key)?.and_then(|z| z.score(member)))
    }

    /// ZMSCORE key member [member ...]: one score (or `None`) per member; a
    /// missing key gives all `None`.
    pub fn zmscore(&mut self, db: u8, key: &[u8], members: &[Bytes]) -> Result<Vec<Option<f64>>> {
        let z = self.zread(db, key)?;
        Ok(members.iter().map(|m| z.and_then(|z| z.score(m))).collect())
    }

    /// ZCARD key.
    pub fn zcard(&mut self, db: u8, key: &[u8]) -> Result<usize> {
        Ok(self.zread(db, key)?.map_or(0, ZSet::len))
    }

    /// ZCOUNT key min max: members with scores within the range.
    pub fn zcount(&mut self, db: u8, key: &[u8], min: ScoreBound, max: ScoreBound) -> Result<usize> {
        Ok(self.zread(db, key)?.map_or(0, |z| {
            let (lo, hi) = z.score_range_ranks(&min, &max);
            hi - lo
        }))
    }

    /// ZLEXCOUNT key min max: members within the lexical range.
    pub fn zlexcount(&mut self, db: u8, key: &[u8], min: &LexBound, max: &LexBound) -> Result<usize> {
        Ok(self.zread(db, key)?.map_or(0, |z| {
            let (lo, hi) = z.lex_range_ranks(min, max);
            hi - lo
        }))
    }

    /// ZRANK key member: 0-based ascending rank.
    pub fn zrank(&mut self, db: u8, key: &[u8], member: &[u8]) -> Result<Option<usize>> {
        Ok(self.zread(db, key)?.and_then(|z| z.rank(member)))
    }

    /// ZREVRANK key member: 0-based descending rank.
    pub fn zrevrank(&mut self, db: u8, key: &[u8], member: &[u8]) -> Result<Option<usize>> {
        Ok(self.zread(db, key)?.and_then(|z| z.rank(member).map(|r| z.len() - 1 - r)))
    }

    /// ZRANGE in every form (and ZREVRANGE, `Z[REV]RANGEBYSCORE`,
    /// `Z[REV]RANGEBYLEX`): members with scores, in the requested order.
    /// WITHSCORES only changes the reply, so scores are always returned.
    pub fn zrange(&mut self, db: u8, key: &[u8], range: &ZRange) -> Result<ScoredMembers> {
        Ok(self.zread(db, key)?.map_or_else(Vec::new, |z| z.range(range)))
    }

    /// ZRANGESTORE dst src ...: stores the selection at `dst` (replacing any
    /// value and its TTL; deleting `dst` when the selection is empty) and
    /// returns its size.
    pub fn zrangestore(&mut self, db: u8, dst: &[u8], src: &[u8], range: &ZRange) -> Result<usize> {
        self.make_room()?;
        let z = self.zread(db, src)?.map_or_else(ZSet::new, |z| z.range_to_zset(range));
        Ok(self.zput(db, dst, z))
    }

    /// `ZPOPMIN key [count]`: removes and returns up to `count` lowest members
    /// (one when `None`). A negative count fails with
    /// [`ArgError::NotPositive`] before the key is looked at (Redis gives
    /// the same error for a count that is not an integer at all).
    pub fn zpopmin(&mut self, db: u8, key: &[u8], count: Option<i64>) -> Result<ScoredMembers> {
        self.zpop(db, key, count, false)
    }

    /// `ZPOPMAX key [count]`: as [`zpopmin`](Self::zpopmin), highest first.
    pub fn zpopmax(&mut self, db: u8, key: &[u8], count: Option<i64>) -> Result<ScoredMembers> {
        self.zpop(db, key, count, true)
    }

    /// ZMPOP over keys of this shard: pops up to `count` members from the
    /// first key that exists (lowest first, or highest with `max`), returning
    /// that key's index and the members; [`Error::WrongType`] if the first existing key
    /// is not a sorted set.
    pub fn zmpop(&mut self, db: u8, keys: &[Bytes], max: bool, count: usize) -> Result<Option<(usize, ScoredMembers)>> {
        for (i, key) in keys.iter().enumerate() {
            if let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? {
                return Ok(Some((i, self.zpop_slot(slot, count.max(1), max))));
            }
        }
        Ok(None)
    }

    /// `ZRANDMEMBER key [count]`: calls `f` with each picked member and its
    /// score and returns how many were picked. Without a count, one member
    /// (none for a missing key). A positive count picks that many distinct
    /// members (all of them when it reaches the size, highest score first as
    /// Redis 7.0 replies); a negative count picks `|count|` members
    /// independently, so repeats are possible.
    /// Results stream through `f` because a negative count may ask for far
    /// more picks than the set has members.
    pub fn zrandmember(
        &mut self,
        db: u8,
        key: &[u8],
        count: Option<i64>,
        mut f: impl FnMut(&Bytes, f64),
    ) -> Result<usize> {
        let seed = rand::Rng::gen::<u64>(&mut self.rng);
        let Some(z) = self.zread(db, key)? else { return Ok(0) };
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(seed);
        let len = z.len();
        let mut emit = |rank: usize| {
            if let Some((m, s)) = z.get_by_rank(rank) {
                f(m, s);
            }
        };
        let count = match count {
            None => 1,
            Some(c) if c < 0 => {
                let n = c.unsigned_abs();
                for _ in 0..n {
                    emit(rand::Rng::gen_range(&mut rng, 0..len));
                }
                return Ok(usize::try_from(n).unwrap_or(usize::MAX));
            }
            Some(c) => usize::try_from(c).unwrap_or(usize::MAX),
        };
        if count >= len {
            // The whole set, highest score first: Redis 7.0 walks its
            // sorted-set iterator from the tail.
            for rank in (0..len).rev() {
                emit(rank);
            }
            return Ok(len);
        }
        // Distinct ranks: a partial shuffle when most of the set is wanted,
        // Floyd's sampling otherwise.
        if count.saturating_mul(3) > len {
            let mut ranks: Vec<usize> = (0..len).collect();
            for i in 0..count {
                let j = rand::Rng::gen_range(&mut rng, i..len);
                ranks.swap(i, j);
            }
            ranks[..count].iter().for_each(|&r| emit(r));
        } else {
            let mut picked = hashbrown::HashSet::with_capacity_and_hasher(count, ahash::RandomState::new());
            for j in len - count..len {
                let r = rand::Rng::gen_range(&mut rng, 0..=j);
                let r = if picked.insert(r) { r } else { j };
                picked.insert(r);
                emit(r);
            }
        }
        Ok(count)
    }

    /// ZREMRANGEBYRANK key start stop: how many were removed.
    pub fn zremrangebyrank(&mut self, db: u8, key: &[u8], start: i64, stop: i64) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? else { return Ok(0) };
        Ok(self.zremrange(slot, |z| index_range(start, stop, z.len()).unwrap_or((0, 0))))
    }

    /// ZREMRANGEBYSCORE key min max: how many were removed.
    pub fn zremrangebyscore(&mut self, db: u8, key: &[u8], min: ScoreBound, max: ScoreBound) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? else { return Ok(0) };
        Ok(self.zremrange(slot, |z| z.score_range_ranks(&min, &max)))
    }

    /// ZREMRANGEBYLEX key min max: how many were removed.
    pub fn zremrangebylex(&mut self, db: u8, key: &[u8], min: &LexBound, max: &LexBound) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::ZSet)? else { return Ok(0) };
        Ok(self.zremrange(slot, |z| z.lex_range_ranks(min, max)))
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count]: the next cursor (0 when
    /// done) and a batch of members with scores. Every member present for
    /// the whole scan is returned exactly once. Sorted sets of up to 128
    /// members come whole, in score order, with cursor 0 (whatever the
    /// cursor), as Redis does for its compact encoding.
    pub fn zscan(
        &mut self,
        db: u8,
        key: &[u8],
        cursor: u64,
        pattern: Option<&[u8]>,
        count: usize,
    ) -> Result<(u64, ScoredMembers)> {
        let Some(z) = self.zread(db, key)? else { return Ok((0, Vec::new())) };
        let matching = |m: &Bytes| pattern.is_none_or(|p| crate::glob::matches(p, m));
        if z.len() <= SCAN_WHOLE_MAX {
            return Ok((0, z.iter().filter(|(m, _)| matching(m)).map(|(m, s)| (m.clone(), s)).collect()));
        }
        let mut out = Vec::new();
        let next = z.scan(cursor, count, |m, s| {
            if matching(m) {
                out.push((m.clone(), s));
            }
        });
        Ok((next, out))
    }

    /// ZUNION numkeys key ... [WEIGHTS ...] [AGGREGATE ...]: the union of the
    /// sorted sets (or sets) at `keys`, all on this shard.
    pub fn zunion(&mut self, db: u8, keys: &[Bytes], weights: Option<&[f64]>, aggregate: Aggregate) -> Result<ZSet> {
        self.zsetop(db, SetOp::Union, false, keys, weights, aggregate)
    }

    /// ZINTER numkeys key ... [WEIGHTS ...] [AGGREGATE ...].
    pub fn zinter(&mut self, db: u8, keys: &[Bytes], weights: Option<&[f64]>, aggregate: Aggregate) -> Result<ZSet> {
        self.zsetop(db, SetOp::Inter, false, keys, weights, aggregate)
    }

    /// ZDIFF numkeys key ...: members of the first input in no other, with
    /// the first input's scores.
    pub fn zdiff(&mut self, db: u8, keys: &[Bytes]) -> Result<ZSet> {
        self.zsetop(db, SetOp::Diff, false, keys, None, Aggregate::Sum)
    }

    /// ZUNIONSTORE dst numkeys key ...: stores the union at `dst` (replacing
    /// any value and TTL, deleting `dst` if empty) and returns its size.
    pub fn zunionstore(
        &mut self,
        db: u8,
        dst: &[u8],
        keys: &[Bytes],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        self.make_room()?;
        let z = self.zsetop(db, SetOp::Union, true, keys, weights, aggregate)?;
        Ok(self.zput(db, dst, z))
    }

    /// ZINTERSTORE dst numkeys key ...: as [`zunionstore`](Self::zunionstore).
    pub fn zinterstore(
        &mut self,
        db: u8,
        dst: &[u8],
        keys: &[Bytes],
        weights: Option<&[f64]>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        self.make_room()?;
        let z = self.zsetop(db, SetOp::Inter, true, keys, weights, aggregate)?;
        Ok(self.zput(db, dst, z))
    }

    /// ZDIFFSTORE dst numkeys key ...: as [`zunionstore`](Self::zunionstore).
    pub fn zdiffstore(&mut self, db: u8, dst: &[u8], keys: &[Bytes]) -> Result<usize> {
        self.make_room()?;
        let z = self.zsetop(db, SetOp::Diff, true, keys, None, Aggregate::Sum)?;
        Ok(self.zput(db, dst, z))
    }

    /// ZINTERCARD numkeys key ... [LIMIT limit]: the intersection's size,
    /// counting no further than `limit` (0 = no limit).
    pub fn zintercard(&mut self, db: u8, keys: &[Bytes], limit: usize) -> Result<usize> {
        if keys.is_empty() {
            return Err(Error::AtLeastOneKey { command: "zintercard" });
        }
        let slots = self.zinputs(db, keys)?;
        let inputs: Vec<Option<ZSetInput<'_>>> = slots.iter().map(|&slot| self.zinput(slot)).collect();
        Ok(ZSet::intercard(&inputs, limit))
    }

    /// A copy of the sorted set or set at `key`, for set operations whose
    /// inputs live on several shards (combine them with [`ZSet::combine`]).
    /// [`Error::WrongType`] for other kinds.
    pub fn zset_operand(&mut self, db: u8, key: &[u8]) -> Result<Option<ZSetOperand>> {
        let Some(slot) = self.lookup_read(db, key) else { return Ok(None) };
        match self.value(slot) {
            ValueRef::ZSet(z) => Ok(Some(ZSetOperand::ZSet(z.clone()))),
            ValueRef::Set(s) => Ok(Some(ZSetOperand::Set(s.clone()))),
            _ => Err(Error::WrongType),
        }
    }

    /// Stores a computed sorted set at `key` as the *STORE commands do
    /// (replacing any value and its TTL; deleting `key` when `zset` is
    /// empty); returns its size. For results computed from other shards.
    pub fn zstore(&mut self, db: u8, key: &[u8], zset: ZSet) -> Result<usize> {
        self.make_room()?;
        Ok(self.zput(db, key, zset))
    }
}

#[cfg(test)]
mod tests;
