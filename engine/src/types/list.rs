//! Lists: LPUSH/RPUSH, LPOP/RPOP, LRANGE, LINDEX, LSET, LREM, LTRIM,
//! LINSERT, LPOS and LMOVE, with Redis 7 semantics.
//!
//! A list is a `VecDeque<Bytes>`: O(1) push and pop at both ends and O(1)
//! index access, which is what LINDEX/LSET/LRANGE want. Redis's quicklist
//! saves memory on small elements but makes indexing O(n/node).

use std::collections::VecDeque;

use bytes::Bytes;

use crate::error::{ArgError, Error, Result};
use crate::mutation::Arg;
use crate::propagate::{pop_name, push_name, side_name};
use crate::shard::{IntoBytes, Shard};
use crate::types::index_range;
use crate::value::{Kind, Value, ValueRef};

/// Per-element bookkeeping counted towards memory use.
const ELEM_OVERHEAD: usize = std::mem::size_of::<Bytes>();

/// Below this capacity a list never gives memory back.
const SHRINK_MIN_CAPACITY: usize = 64;

/// A list of binary strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    items: VecDeque<Bytes>,
    bytes: usize,
}

impl List {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the list has no elements.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes + self.items.capacity() * ELEM_OVERHEAD
    }

    /// Elements from head to tail.
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.items.iter()
    }

    /// The element at `index` from the head.
    pub fn get(&self, index: usize) -> Option<&Bytes> {
        self.items.get(index)
    }

    /// Adds an element at one end.
    pub fn push(&mut self, side: ListSide, value: Bytes) {
        self.bytes += value.len();
        match side {
            ListSide::Left => self.items.push_front(value),
            ListSide::Right => self.items.push_back(value),
        }
    }

    /// Removes the element at one end.
    pub fn pop(&mut self, side: ListSide) -> Option<Bytes> {
        let v = match side {
            ListSide::Left => self.items.pop_front(),
            ListSide::Right => self.items.pop_back(),
        }?;
        self.bytes -= v.len();
        self.maybe_shrink();
        Some(v)
    }

    /// Gives memory back after a list shrank to a fraction of its capacity,
    /// so a list that once held millions of elements does not pin that much.
    fn maybe_shrink(&mut self) {
        let cap = self.items.capacity();
        if cap > SHRINK_MIN_CAPACITY && self.items.len() * 4 < cap {
            self.items.shrink_to((self.items.len() * 2).max(SHRINK_MIN_CAPACITY / 2));
        }
    }

    fn set(&mut self, index: usize, value: Bytes) -> bool {
        match self.items.get_mut(index) {
            Some(slot) => {
                self.bytes = self.bytes - slot.len() + value.len();
                *slot = value;
                true
            }
            None => false,
        }
    }

    fn insert(&mut self, index: usize, value: Bytes) {
        self.bytes += value.len();
        self.items.insert(index, value);
    }

    /// Removes matches of `element`: the first `limit` from the head, the
    /// last `limit` from the tail when `from_tail`, or all when `limit` is
    /// `usize::MAX`.
    fn remove_matches(&mut self, element: &[u8], limit: usize, from_tail: bool) -> usize {
        if limit == 0 {
            return 0;
        }
        // Indexes in `start..` that match are removed, up to `limit` of them.
        let start = if from_tail {
            let mut found = 0;
            let mut start = 0;
            for (i, v) in self.items.iter().enumerate().rev() {
                if v.as_ref() == element {
                    found += 1;
                    if found == limit {
                        start = i;
                        break;
                    }
                }
            }
            if found == 0 {
                return 0;
            }
            start
        } else {
            0
        };
        let mut removed = 0;
        let mut freed = 0;
        let mut index = 0;
        self.items.retain(|v| {
            let keep = index < start || removed == limit || v.as_ref() != element;
            index += 1;
            if !keep {
                removed += 1;
                freed += v.len();
            }
            keep
        });
        self.bytes -= freed;
        if removed > 0 {
            self.maybe_shrink();
        }
        removed
    }

    /// Keeps only `start..end` (clamped).
    fn keep_range(&mut self, start: usize, end: usize) {
        let end = end.min(self.items.len());
        let start = start.min(end);
        let freed: usize = self.items.iter().take(start).map(Bytes::len).sum::<usize>()
            + self.items.range(end..).map(Bytes::len).sum::<usize>();
        self.items.truncate(end);
        self.items.drain(..start);
        self.bytes -= freed;
        if freed > 0 || start > 0 {
            self.maybe_shrink();
        }
    }
}

impl FromIterator<Bytes> for List {
    fn from_iter<I: IntoIterator<Item = Bytes>>(iter: I) -> Self {
        let items: VecDeque<Bytes> = iter.into_iter().collect();
        let bytes = items.iter().map(Bytes::len).sum();
        List { items, bytes }
    }
}

/// One end of a list (`LEFT` is the head, `RIGHT` the tail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSide {
    /// The head (index 0).
    #[default]
    Left,
    /// The tail (index -1).
    Right,
}

impl ListSide {
    /// The other end.
    pub fn opposite(self) -> ListSide {
        match self {
            ListSide::Left => ListSide::Right,
            ListSide::Right => ListSide::Left,
        }
    }
}

/// Where LINSERT puts the new element relative to the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InsertWhere {
    /// `BEFORE`: at the pivot's index, shifting it towards the tail.
    #[default]
    Before,
    /// `AFTER`: right after the pivot.
    After,
}

/// The `RANK` and `MAXLEN` options of LPOS.
#[derive(Debug, Clone, Copy, Default)]
pub struct LposOptions {
    /// `RANK`: skip to the n-th match (1 = first); negative counts from the
    /// tail and scans backwards. `None` means 1; 0 is an error.
    pub rank: Option<i64>,
    /// `MAXLEN`: compare at most this many elements; `None` or 0 means all;
    /// negative is an error.
    pub maxlen: Option<i64>,
}

/// Resolves a Redis index (negative counts from the tail) against `len`.
#[inline]
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { index.checked_add(len)? } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

impl Shard {
    fn list_ref(&self, slot: u32) -> Option<&List> {
        match self.value(slot) {
            ValueRef::List(l) => Some(l),
            _ => None,
        }
    }

    /// Runs `f` on the list in `slot` (which a kind-checked lookup found);
    /// `delta` describes the change, given `f`'s result and the list after
    /// it (see [`Shard::modify_delta`]).
    fn list_mut<'x, R: Default>(
        &mut self,
        slot: u32,
        f: impl FnOnce(&mut List) -> (R, bool),
        delta: impl FnOnce(&R, &List, &mut Vec<Arg<'x>>),
    ) -> R {
        self.modify_delta_reading(
            slot,
            |v| match v {
                Value::List(l) => f(l),
                _ => (R::default(), false),
            },
            |r, v, args| {
                if let ValueRef::List(l) = v {
                    delta(r, l, args);
                }
            },
        )
    }

    fn list_read(&mut self, db: u8, key: &[u8]) -> Result<Option<&List>> {
        Ok(match self.lookup_read_kind(db, key, Kind::List)? {
            Some(slot) => self.list_ref(slot),
            None => None,
        })
    }

    /// Pushes `values` one by one at `side` (LPUSH/RPUSH, or LPUSHX/RPUSHX
    /// when `only_existing`); returns the new length.
    pub fn list_push(
        &mut self,
        db: u8,
        key: &[u8],
        side: ListSide,
        values: &[Bytes],
        only_existing: bool,
    ) -> Result<usize> {
        self.make_room()?;
        match self.lookup_write_kind(db, key, Kind::List)? {
            Some(slot) => Ok(self.list_mut(
                slot,
                |l| {
                    for v in values {
                        l.push(side, v.clone());
                    }
                    (l.len(), !values.is_empty())
                },
                |_, _, args| {
                    args.extend([Arg::Bytes(push_name(side)), Arg::Key]);
                    args.extend(values.iter().map(|v| Arg::Bytes(v)));
                },
            )),
            None if only_existing || values.is_empty() => Ok(0),
            None => {
                let mut list = List::new();
                for v in values {
                    list.push(side, v.clone());
                }
                let len = list.len();
                self.insert_value(db, key, Value::List(list), None);
                Ok(len)
            }
        }
    }

    /// LPUSH: inserts `values` at the head, each in turn (so the last ends
    /// up first); creates the list. Returns the new length.
    pub fn lpush(&mut self, db: u8, key: &[u8], values: &[Bytes]) -> Result<usize> {
        self.list_push(db, key, ListSide::Left, values, false)
    }

    /// RPUSH: appends `values` at the tail; creates the list. Returns the new
    /// length.
    pub fn rpush(&mut self, db: u8, key: &[u8], values: &[Bytes]) -> Result<usize> {
        self.list_push(db, key, ListSide::Right, values, false)
    }

    /// LPUSHX: LPUSH only if the list exists; returns the new length (0 when
    /// the key is missing).
    pub fn lpushx(&mut self, db: u8, key: &[u8], values: &[Bytes]) -> Result<usize> {
        self.list_push(db, key, ListSide::Left, values, true)
    }

    /// RPUSHX: RPUSH only if the list exists; returns the new length (0 when
    /// the key is missing).
    pub fn rpushx(&mut self, db: u8, key: &[u8], values: &[Bytes]) -> Result<usize> {
        self.list_push(db, key, ListSide::Right, values, true)
    }

    /// LPOP/RPOP without a count: the element at `side`, or `None` for a
    /// missing key. The key is deleted when it becomes empty.
    pub fn list_pop(&mut self, db: u8, key: &[u8], side: ListSide) -> Result<Option<Bytes>> {
        match self.lookup_write_kind(db, key, Kind::List)? {
            Some(slot) => Ok(self.list_mut(
                slot,
                |l| {
                    let v = l.pop(side);
                    let changed = v.is_some();
                    (v, changed)
                },
                |_, _, args| args.extend([Arg::Bytes(pop_name(side)), Arg::Key, Arg::Uint(1)]),
            )),
            None => Ok(None),
        }
    }

    /// LPOP/RPOP with a count: up to `count` elements from `side` in pop
    /// order; `None` for a missing key, an empty vector for `count == 0`.
    /// A negative count is [`ArgError::NotPositive`] (checked first).
    pub fn list_pop_count(&mut self, db: u8, key: &[u8], side: ListSide, count: i64) -> Result<Option<Vec<Bytes>>> {
        if count < 0 {
            return Err(Error::InvalidArgument(ArgError::NotPositive));
        }
        let Some(slot) = self.lookup_write_kind(db, key, Kind::List)? else { return Ok(None) };
        Ok(Some(self.list_mut(
            slot,
            |l| {
                let n = usize::try_from(count).unwrap_or(usize::MAX).min(l.len());
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    if let Some(v) = l.pop(side) {
                        out.push(v);
                    }
                }
                (out, n > 0)
            },
            |out, _, args| args.extend([Arg::Bytes(pop_name(side)), Arg::Key, Arg::Uint(out.len() as u64)]),
        )))
    }

    /// LPOP without a count.
    pub fn lpop(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        self.list_pop(db, key, ListSide::Left)
    }

    /// RPOP without a count.
    pub fn rpop(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        self.list_pop(db, key, ListSide::Right)
    }

    /// LPOP with a count (see [`list_pop_count`](Self::list_pop_count)).
    pub fn lpop_count(&mut self, db: u8, key: &[u8], count: i64) -> Result<Option<Vec<Bytes>>> {
        self.list_pop_count(db, key, ListSide::Left, count)
    }

    /// RPOP with a count (see [`list_pop_count`](Self::list_pop_count)).
    pub fn rpop_count(&mut self, db: u8, key: &[u8], count: i64) -> Result<Option<Vec<Bytes>>> {
        self.list_pop_count(db, key, ListSide::Right, count)
    }

    /// First half of a move between shards: pops one element from `side`
    /// of the list at `key` (deleting it when emptied). `None` when missing.
    pub fn list_pop_one(&mut self, db: u8, key: &[u8], side: ListSide) -> Result<Option<Bytes>> {
        self.list_pop(db, key, side)
    }

    /// Second half of a move between shards: pushes `value` at `side`,
    /// creating the list; returns the new length. On error (WRONGTYPE, OOM)
    /// nothing changed, so the caller can return the element to its source
    /// with `list_push_one` on the side it was popped from.
    pub fn list_push_one(&mut self, db: u8, key: &[u8], side: ListSide, value: Bytes) -> Result<usize> {
        self.list_push(db, key, side, std::slice::from_ref(&value), false)
    }

    /// LLEN: the length, 0 for a missing key.
    pub fn llen(&mut self, db: u8, key: &[u8]) -> Result<usize> {
        Ok(self.list_read(db, key)?.map_or(0, List::len))
    }

    /// LRANGE: elements `start..=stop`, negative indexes counting from the
    /// tail, clamped to the list.
    pub fn lrange(&mut self, db: u8, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>> {
        let Some(l) = self.list_read(db, key)? else { return Ok(Vec::new()) };
        Ok(match index_range(start, stop, l.len()) {
            Some((from, to)) => l.items.range(from..to).cloned().collect(),
            None => Vec::new(),
        })
    }

    /// LINDEX: the element at `index` (negative from the tail), `None` when
    /// out of range or missing.
    pub fn lindex(&mut self, db: u8, key: &[u8], index: i64) -> Result<Option<Bytes>> {
        let Some(l) = self.list_read(db, key)? else { return Ok(None) };
        Ok(resolve_index(index, l.len()).and_then(|i| l.items.get(i).cloned()))
    }

    /// LSET: replaces the element at `index`. Errors with
    /// [`Error::NoSuchKey`] for a missing key and [`Error::IndexOutOfRange`].
    pub fn lset(&mut self, db: u8, key: &[u8], index: i64, value: impl IntoBytes) -> Result<()> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::List)?.ok_or(Error::NoSuchKey)?;
        let len = self.list_ref(slot).map_or(0, List::len);
        let i = resolve_index(index, len).ok_or(Error::IndexOutOfRange)?;
        let value = value.into_bytes();
        self.list_mut(
            slot,
            |l| ((), l.set(i, value)),
            |_, l, args| {
                if let Some(e) = l.get(i) {
                    args.extend([Arg::Bytes(b"LSET"), Arg::Key, Arg::Uint(i as u64), Arg::Owned(e.clone())]);
                }
            },
        );
        Ok(())
    }

    /// LREM: removes elements equal to `element`: the first `count` from the
    /// head when positive, the last `|count|` from the tail when negative,
    /// all when 0. Returns how many were removed.
    pub fn lrem(&mut self, db: u8, key: &[u8], count: i64, element: &[u8]) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::List)? else { return Ok(0) };
        let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
        Ok(self.list_mut(
            slot,
            |l| {
                let n = l.remove_matches(element, limit, count < 0);
                (n, n > 0)
            },
            |_, _, args| args.extend([Arg::Bytes(b"LREM"), Arg::Key, Arg::Int(count), Arg::Bytes(element)]),
        ))
    }

    /// LTRIM: keeps only `start..=stop` (same index rules as LRANGE); an
    /// empty selection deletes the key.
    pub fn ltrim(&mut self, db: u8, key: &[u8], start: i64, stop: i64) -> Result<()> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::List)? else { return Ok(()) };
        self.list_mut(
            slot,
            |l| {
                let len = l.len();
                let (from, to) = index_range(start, stop, len).unwrap_or((0, 0));
                l.keep_range(from, to);
                ((from, to), l.len() != len)
            },
            // Only a non-empty selection gets here: `to > from`.
            |&(from, to), _, args| {
                args.extend([Arg::Bytes(b"LTRIM"), Arg::Key, Arg::Uint(from as u64), Arg::Uint(to as u64 - 1)])
            },
        );
        Ok(())
    }

    /// LINSERT: inserts `value` before or after the first element equal to
    /// `pivot`. Returns the new length, -1 when the pivot is absent, 0 when
    /// the key is missing.
    pub fn linsert(
        &mut self,
        db: u8,
        key: &[u8],
        place: InsertWhere,
        pivot: &[u8],
        value: impl IntoBytes,
    ) -> Result<i64> {
        self.make_room()?;
        let Some(slot) = self.lookup_write_kind(db, key, Kind::List)? else { return Ok(0) };
        let found = self.list_ref(slot).and_then(|l| l.items.iter().position(|v| v.as_ref() == pivot));
        let Some(pos) = found else { return Ok(-1) };
        let at = match place {
            InsertWhere::Before => pos,
            InsertWhere::After => pos + 1,
        };
        let value = value.into_bytes();
        Ok(self.list_mut(
            slot,
            |l| {
                l.insert(at, value);
                (l.len() as i64, true)
            },
            // Replayed on the same list, the pivot's first match is the same.
            |_, l, args| {
                if let Some(e) = l.get(at) {
                    let place: &'static [u8] = match place {
                        InsertWhere::Before => b"BEFORE",
                        InsertWhere::After => b"AFTER",
                    };
                    args.extend([Arg::Bytes(b"LINSERT"), Arg::Key, Arg::Bytes(place), Arg::Bytes(pivot)]);
                    args.push(Arg::Owned(e.clone()));
                }
            },
        ))
    }

    /// Validates LPOS's RANK and MAXLEN: returns (matches to skip, scan from
    /// the tail, elements to compare).
    fn lpos_params(opts: LposOptions) -> Result<(u64, bool, usize)> {
        let rank = opts.rank.unwrap_or(1);
        if rank == i64::MIN {
            return Err(Error::InvalidArgument(ArgError::OutsideLongRange));
        }
        if rank == 0 {
            return Err(Error::InvalidArgument(ArgError::RankZero));
        }
        let maxlen = opts.maxlen.unwrap_or(0);
        if maxlen < 0 {
            return Err(Error::InvalidArgument(ArgError::MaxlenNegative));
        }
        let maxlen = if maxlen == 0 { usize::MAX } else { usize::try_from(maxlen).unwrap_or(usize::MAX) };
        Ok((rank.unsigned_abs() - 1, rank < 0, maxlen))
    }

    /// Indexes (from the head) of up to `want` matches, honouring RANK and
    /// MAXLEN.
    fn lpos_scan(l: &List, element: &[u8], skip: u64, from_tail: bool, maxlen: usize, want: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut skip = skip;
        let mut visit = |i: usize, v: &Bytes| -> bool {
            if v.as_ref() == element {
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.push(i);
                    if out.len() >= want {
                        return false;
                    }
                }
            }
            true
        };
        if from_tail {
            for (i, v) in l.items.iter().enumerate().rev().take(maxlen) {
                if !visit(i, v) {
                    break;
                }
            }
        } else {
            for (i, v) in l.items.iter().enumerate().take(maxlen) {
                if !visit(i, v) {
                    break;
                }
            }
        }
        out
    }

    /// LPOS without COUNT: the index of the RANK-th match of `element`
    /// (scanning at most MAXLEN elements), `None` when there is none.
    /// Errors: RANK 0 or `i64::MIN`, negative MAXLEN (checked in that order,
    /// before the key).
    pub fn lpos(&mut self, db: u8, key: &[u8], element: &[u8], opts: LposOptions) -> Result<Option<usize>> {
        let (skip, from_tail, maxlen) = Self::lpos_params(opts)?;
        let Some(l) = self.list_read(db, key)? else { return Ok(None) };
        Ok(Self::lpos_scan(l, element, skip, from_tail, maxlen, 1).first().copied())
    }

    /// LPOS with COUNT: indexes of up to `count` matches (0 = all) in scan
    /// order, starting at the RANK-th match. A missing key gives an empty
    /// vector. Errors: RANK as for [`lpos`](Self::lpos), then
    /// [`ArgError::CountNegative`], then MAXLEN.
    pub fn lpos_count(
        &mut self,
        db: u8,
        key: &[u8],
        element: &[u8],
        count: i64,
        opts: LposOptions,
    ) -> Result<Vec<usize>> {
        let rank_only = LposOptions { rank: opts.rank, maxlen: None };
        Self::lpos_params(rank_only)?;
        if count < 0 {
            return Err(Error::InvalidArgument(ArgError::CountNegative));
        }
        let (skip, from_tail, maxlen) = Self::lpos_params(opts)?;
        let want = if count == 0 { usize::MAX } else { usize::try_from(count).unwrap_or(usize::MAX) };
        let Some(l) = self.list_read(db, key)? else { return Ok(Vec::new()) };
        Ok(Self::lpos_scan(l, element, skip, from_tail, maxlen, want))
    }

    /// LMOVE within this shard: pops from `from` of `src` and pushes at `to`
    /// of `dst`, returning the element (`None` when `src` is missing). The
    /// type of `dst` is checked before anything is popped; `src == dst`
    /// rotates the list in place.
    pub fn lmove(&mut self, db: u8, src: &[u8], dst: &[u8], from: ListSide, to: ListSide) -> Result<Option<Bytes>> {
        self.make_room()?;
        let Some(src_slot) = self.lookup_write_kind(db, src, Kind::List)? else { return Ok(None) };
        if src == dst {
            // One record: the rotation never empties the list.
            return Ok(self.list_mut(
                src_slot,
                |l| match l.pop(from) {
                    Some(v) => {
                        l.push(to, v.clone());
                        (Some(v), true)
                    }
                    None => (None, false),
                },
                |_, _, args| {
                    args.extend([Arg::Bytes(b"LMOVE"), Arg::Key, Arg::Key]);
                    args.extend([Arg::Bytes(side_name(from)), Arg::Bytes(side_name(to))]);
                },
            ));
        }
        let dst_slot = self.lookup_write_kind(db, dst, Kind::List)?;
        let Some(v) = self.list_mut(
            src_slot,
            |l| {
                let v = l.pop(from);
                let changed = v.is_some();
                (v, changed)
            },
            |_, _, args| args.extend([Arg::Bytes(pop_name(from)), Arg::Key, Arg::Uint(1)]),
        ) else {
            return Ok(None);
        };
        match dst_slot {
            // Still valid: removing `src` (if it emptied) frees only its own slot.
            Some(slot) => self.list_mut(
                slot,
                |l| {
                    l.push(to, v.clone());
                    ((), true)
                },
                |_, _, args| args.extend([Arg::Bytes(push_name(to)), Arg::Key, Arg::Bytes(&v)]),
            ),
            None => {
                let list: List = std::iter::once(v.clone()).collect();
                self.insert_value(db, dst, Value::List(list), None);
            }
        }
        Ok(Some(v))
    }

    /// RPOPLPUSH: [`lmove`](Self::lmove) from the tail of `src` to the head
    /// of `dst`.
    pub fn rpoplpush(&mut self, db: u8, src: &[u8], dst: &[u8]) -> Result<Option<Bytes>> {
        self.lmove(db, src, dst, ListSide::Right, ListSide::Left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::shard::ShardConfig;

    fn shard() -> Shard {
        Shard::new(0, ShardConfig { clock: Clock::manual(1_000_000), ..Default::default() })
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn bs(items: &[&str]) -> Vec<Bytes> {
        items.iter().map(|s| b(s)).collect()
    }

    fn all(s: &mut Shard, key: &[u8]) -> Vec<Bytes> {
        s.lrange(0, key, 0, -1).unwrap()
    }

    /// A key of another type, made with the hash operations of this crate.
    fn wrong(s: &mut Shard, key: &[u8]) {
        s.hset(0, key, &[(b("f"), b("v"))]).unwrap();
    }

    fn exists(s: &mut Shard, key: &[u8]) -> bool {
        s.kind_of(0, key).is_some()
    }

    #[test]
    fn push_and_pop_both_ends() {
        let mut s = shard();
        assert_eq!(s.lpush(0, b"l", &bs(&["a", "b"])).unwrap(), 2);
        assert_eq!(s.rpush(0, b"l", &bs(&["c", "d"])).unwrap(), 4);
        assert_eq!(all(&mut s, b"l"), bs(&["b", "a", "c", "d"]));
        assert_eq!(s.lpop(0, b"l").unwrap(), Some(b("b")));
        assert_eq!(s.rpop(0, b"l").unwrap(), Some(b("d")));
        assert_eq!(s.llen(0, b"l").unwrap(), 2);
        assert_eq!(s.lpop(0, b"l").unwrap(), Some(b("a")));
        assert_eq!(s.lpop(0, b"l").unwrap(), Some(b("c")));
        assert!(!exists(&mut s, b"l"), "emptied list is deleted");
        assert_eq!(s.lpop(0, b"l").unwrap(), None);
        assert_eq!(s.rpop(0, b"l").unwrap(), None);
        assert_eq!(s.llen(0, b"l").unwrap(), 0);
        // No values: nothing is created.
        assert_eq!(s.rpush(0, b"e", &[]).unwrap(), 0);
        assert!(!exists(&mut s, b"e"));
    }

    #[test]
    fn pushx_only_on_existing() {
        let mut s = shard();
        assert_eq!(s.lpushx(0, b"l", &bs(&["a"])).unwrap(), 0);
        assert_eq!(s.rpushx(0, b"l", &bs(&["a"])).unwrap(), 0);
        assert!(!exists(&mut s, b"l"));
        s.rpush(0, b"l", &bs(&["x"])).unwrap();
        assert_eq!(s.lpushx(0, b"l", &bs(&["a", "b"])).unwrap(), 3);
        assert_eq!(s.rpushx(0, b"l", &bs(&["z"])).unwrap(), 4);
        assert_eq!(all(&mut s, b"l"), bs(&["b", "a", "x", "z"]));
    }

    #[test]
    fn pop_with_count() {
        let mut s = shard();
        s.rpush(0, b"l", &bs(&["a", "b", "c", "d", "e"])).unwrap();
        assert_eq!(s.lpop_count(0, b"l", 0).unwrap(), Some(vec![]));
        assert_eq!(s.lpop_count(0, b"l", 2).unwrap(), Some(bs(&["a", "b"])));
        assert_eq!(s.rpop_count(0, b"l", 2).unwrap(), Some(bs(&["e", "d"])));
        assert_eq!(s.rpop_count(0, b"l", i64::MAX).unwrap(), Some(bs(&["c"])));
        assert!(!exists(&mut s, b"l"));
        assert_eq!(s.lpop_count(0, b"l", 3).unwrap(), None);
        assert_eq!(s.lpop_count(0, b"l", 0).unwrap(), None);
        let not_positive = Error::InvalidArgument(ArgError::NotPositive);
        assert_eq!(s.lpop_count(0, b"l", -1).unwrap_err(), not_positive);
        // The range error comes before the type check, as in Redis.
        wrong(&mut s, b"h");
        assert_eq!(s.rpop_count(0, b"h", -1).unwrap_err(), not_positive);
        assert_eq!(s.rpop_count(0, b"h", 1).unwrap_err(), Error::WrongType);
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut s = shard();
        wrong(&mut s, b"h");
        let v = bs(&["a"]);
        assert_eq!(s.lpush(0, b"h", &v).unwrap_err(), Error::WrongType);
        assert_eq!(s.rpush(0, b"h", &v).unwrap_err(), Error::WrongType);
        assert_eq!(s.lpushx(0, b"h", &v).unwrap_err(), Error::WrongType);
        assert_eq!(s.rpushx(0, b"h", &v).unwrap_err(), Error::WrongType);
        assert_eq!(s.lpop(0, b"h").unwrap_err(), Error::WrongType);
        assert_eq!(s.rpop(0, b"h").unwrap_err(), Error::WrongType);
        assert_eq!(s.llen(0, b"h").unwrap_err(), Error::WrongType);
        assert_eq!(s.lrange(0, b"h", 0, -1).unwrap_err(), Error::WrongType);
        assert_eq!(s.lindex(0, b"h", 0).unwrap_err(), Error::WrongType);
        assert_eq!(s.lset(0, b"h", 0, "x").unwrap_err(), Error::WrongType);
        assert_eq!(s.lrem(0, b"h", 0, b"a").unwrap_err(), Error::WrongType);
        assert_eq!(s.ltrim(0, b"h", 0, 1).unwrap_err(), Error::WrongType);
        assert_eq!(s.linsert(0, b"h", InsertWhere::Before, b"a", "b").unwrap_err(), Error::WrongType);
        assert_eq!(s.lpos(0, b"h", b"a", LposOptions::default()).unwrap_err(), Error::WrongType);
        assert_eq!(s.lpos_count(0, b"h", b"a", 0, LposOptions::default()).unwrap_err(), Error::WrongType);
        assert_eq!(s.list_pop_one(0, b"h", ListSide::Left).unwrap_err(), Error::WrongType);
        assert_eq!(s.list_push_one(0, b"h", ListSide::Left, b("x")).unwrap_err(), Error::WrongType);
        assert_eq!(s.hlen(0, b"h").unwrap(), 1, "the other value is untouched");
    }

    #[test]
    fn lrange_index_rules() {
        let mut s = shard();
        s.rpush(0, b"l", &bs(&["a", "b", "c", "d", "e"])).unwrap();
        assert_eq!(s.lrange(0, b"l", 1, 2).unwrap(), bs(&["b", "c"]));
        assert_eq!(s.lrange(0, b"l", -2, -1).unwrap(), bs(&["d", "e"]));
        assert_eq!(s.lrange(0, b"l", -100, 100).unwrap(), bs(&["a", "b", "c", "d", "e"]));
        assert_eq!(s.lrange(0, b"l", 5, 10).unwrap(), Vec::<Bytes>::new());
        assert_eq!(s.lrange(0, b"l", 3, 1).unwrap(), Vec::<Bytes>::new());
        assert_eq!(s.lrange(0, b"l", 1, -100).unwrap(), Vec::<Bytes>::new());
        assert_eq!(s.lrange(0, b"l", i64::MIN, i64::MAX).unwrap().len(), 5);
        assert_eq!(s.lrange(0, b"l", i64::MAX, i64::MIN).unwrap(), Vec::<Bytes>::new());
        assert_eq!(s.lrange(0, b"missing", 0, -1).unwrap(), Vec::<Bytes>::new());
        assert_eq!(s.lindex(0, b"l", 0).unwrap(), Some(b("a")));
        assert_eq!(s.lindex(0, b"l", -1).unwrap(), Some(b("e")));
        assert_eq!(s.lindex(0, b"l", -5).unwrap(), Some(b("a")));
        assert_eq!(s.lindex(0, b"l", -6).unwrap(), None);
        assert_eq!(s.lindex(0, b"l", 5).unwrap(), None);
        assert_eq!(s.lindex(0, b"l", i64::MIN).unwrap(), None);
        assert_eq!(s.lindex(0, b"l", i64::MAX).unwrap(), None);
        assert_eq!(s.lindex(0, b"missing", 0).unwrap(), None);
    }

    #[test]
    fn lset_errors_and_success() {
        let mut s = shard();
        assert_eq!(s.lset(0, b"l", 0, "x").unwrap_err(), Error::NoSuchKey);
        s.rpush(0, b"l", &bs(&["a", "b"])).unwrap();
        assert_eq!(s.lset(0, b"l", 2, "x").unwrap_err(), Error::IndexOutOfRange);
        assert_eq!(s.lset(0, b"l", -3, "x").unwrap_err(), Error::IndexOutOfRange);
        s.lset(0, b"l", -1, "Z").unwrap();
        s.lset(0, b"l", 0, "longer value").unwrap();
        assert_eq!(all(&mut s, b"l"), bs(&["longer value", "Z"]));
    }

    #[test]
    fn lrem_directions() {
        let mut s = shard();
        let base = bs(&["a", "b", "a", "c", "a", "b"]);
        s.rpush(0, b"l", &base).unwrap();
        assert_eq!(s.lrem(0, b"l", 2, b"a").unwrap(), 2);
        assert_eq!(all(&mut s, b"l"), bs(&["b", "c", "a", "b"]));
        s.list_test_del(b"l");
        s.rpush(0, b"l", &base).unwrap();
        assert_eq!(s.lrem(0, b"l", -2, b"a").unwrap(), 2);
        assert_eq!(all(&mut s, b"l"), bs(&["a", "b", "c", "b"]));
        assert_eq!(s.lrem(0, b"l", -10, b"b").unwrap(), 2);
        assert_eq!(all(&mut s, b"l"), bs(&["a", "c"]));
        assert_eq!(s.lrem(0, b"l", 0, b"zz").unwrap(), 0);
        assert_eq!(s.lrem(0, b"l", i64::MIN, b"a").unwrap(), 1);
        assert_eq!(s.lrem(0, b"l", 0, b"c").unwrap(), 1);
        assert!(!exists(&mut s, b"l"));
        assert_eq!(s.lrem(0, b"l", 0, b"c").unwrap(), 0);
    }

    #[test]
    fn ltrim_rules() {
        let mut s = shard();
        let base = bs(&["a", "b", "c", "d", "e"]);
        s.rpush(0, b"l", &base).unwrap();
        s.ltrim(0, b"l", 1, -2).unwrap();
        assert_eq!(all(&mut s, b"l"), bs(&["b", "c", "d"]));
        s.ltrim(0, b"l", -100, 100).unwrap();
        assert_eq!(all(&mut s, b"l"), bs(&["b", "c", "d"]));
        s.ltrim(0, b"l", -100, -3).unwrap();
        assert_eq!(all(&mut s, b"l"), bs(&["b"]));
        s.ltrim(0, b"l", 5, 10).unwrap();
        assert!(!exists(&mut s, b"l"));
        s.ltrim(0, b"missing", 0, 1).unwrap();
        assert!(!exists(&mut s, b"missing"));
        s.rpush(0, b"l", &base).unwrap();
        s.ltrim(0, b"l", 2, 1).unwrap();
        assert!(!exists(&mut s, b"l"));
    }

    #[test]
    fn linsert_cases() {
        let mut s = shard();
        assert_eq!(s.linsert(0, b"l", InsertWhere::Before, b"a", "x").unwrap(), 0);
        assert!(!exists(&mut s, b"l"));
        s.rpush(0, b"l", &bs(&["a", "b", "a"])).unwrap();
        assert_eq!(s.linsert(0, b"l", InsertWhere::Before, b"zz", "x").unwrap(), -1);
        assert_eq!(s.linsert(0, b"l", InsertWhere::Before, b"a", "x").unwrap(), 4);
        assert_eq!(s.linsert(0, b"l", InsertWhere::After, b"a", "y").unwrap(), 5);
        assert_eq!(s.linsert(0, b"l", InsertWhere::After, b"b", "z").unwrap(), 6);
        assert_eq!(all(&mut s, b"l"), bs(&["x", "a", "y", "b", "z", "a"]));
    }

    #[test]
    fn lpos_options() {
        let mut s = shard();
        s.rpush(0, b"l", &bs(&["a", "b", "c", "1", "2", "3", "c", "c"])).unwrap();
        let o = |rank: Option<i64>, maxlen: Option<i64>| LposOptions { rank, maxlen };
        assert_eq!(s.lpos(0, b"l", b"a", o(None, None)).unwrap(), Some(0));
        assert_eq!(s.lpos(0, b"l", b"c", o(None, None)).unwrap(), Some(2));
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(1), None)).unwrap(), Some(2));
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(2), None)).unwrap(), Some(6));
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(4), None)).unwrap(), None);
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(-1), None)).unwrap(), Some(7));
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(-2), None)).unwrap(), Some(6));
        assert_eq!(s.lpos(0, b"l", b"c", o(Some(i64::MAX), None)).unwrap(), None);
        assert_eq!(s.lpos_count(0, b"l", b"c", 0, o(None, None)).unwrap(), vec![2, 6, 7]);
        assert_eq!(s.lpos_count(0, b"l", b"c", 1, o(None, None)).unwrap(), vec![2]);
        assert_eq!(s.lpos_count(0, b"l", b"c", 2, o(None, None)).unwrap(), vec![2, 6]);
        assert_eq!(s.lpos_count(0, b"l", b"c", 100, o(None, None)).unwrap(), vec![2, 6, 7]);
        assert_eq!(s.lpos_count(0, b"l", b"c", 0, o(Some(2), None)).unwrap(), vec![6, 7]);
        assert_eq!(s.lpos_count(0, b"l", b"c", 2, o(Some(-1), None)).unwrap(), vec![7, 6]);
        assert_eq!(s.lpos_count(0, b"l", b"zz", 0, o(None, None)).unwrap(), Vec::<usize>::new());
        assert_eq!(s.lpos(0, b"l", b"c", o(None, Some(2))).unwrap(), None);
        assert_eq!(s.lpos(0, b"l", b"c", o(None, Some(3))).unwrap(), Some(2));
        assert_eq!(s.lpos(0, b"l", b"c", o(None, Some(0))).unwrap(), Some(2));
        assert_eq!(s.lpos(0, b"l", b"a", o(Some(-1), Some(7))).unwrap(), None);
        assert_eq!(s.lpos(0, b"l", b"a", o(Some(-1), Some(8))).unwrap(), Some(0));
        assert_eq!(s.lpos_count(0, b"l", b"c", 0, o(Some(-1), Some(2))).unwrap(), vec![7, 6]);
        assert_eq!(s.lpos(0, b"missing", b"c", o(None, None)).unwrap(), None);
        assert_eq!(s.lpos_count(0, b"missing", b"c", 0, o(None, None)).unwrap(), Vec::<usize>::new());
    }

    #[test]
    fn lpos_errors() {
        let mut s = shard();
        let o = |rank: Option<i64>, maxlen: Option<i64>| LposOptions { rank, maxlen };
        let arg = Error::InvalidArgument;
        let zero = arg(ArgError::RankZero);
        assert_eq!(s.lpos(0, b"l", b"a", o(Some(0), None)).unwrap_err(), zero);
        assert_eq!(s.lpos_count(0, b"l", b"a", -1, o(Some(0), None)).unwrap_err(), zero);
        assert_eq!(s.lpos(0, b"l", b"a", o(Some(i64::MIN), None)).unwrap_err(), arg(ArgError::OutsideLongRange));
        assert_eq!(s.lpos_count(0, b"l", b"a", -1, o(None, Some(-1))).unwrap_err(), arg(ArgError::CountNegative));
        assert_eq!(s.lpos(0, b"l", b"a", o(None, Some(-1))).unwrap_err(), arg(ArgError::MaxlenNegative));
        wrong(&mut s, b"h");
        // Argument errors come before the type check.
        assert_eq!(s.lpos(0, b"h", b"a", o(Some(0), None)).unwrap_err(), zero);
    }

    #[test]
    fn lmove_between_keys_and_rotation() {
        let mut s = shard();
        assert_eq!(s.lmove(0, b"src", b"dst", ListSide::Left, ListSide::Right).unwrap(), None);
        assert!(!exists(&mut s, b"dst"));
        s.rpush(0, b"src", &bs(&["a", "b", "c"])).unwrap();
        assert_eq!(s.lmove(0, b"src", b"src", ListSide::Left, ListSide::Right).unwrap(), Some(b("a")));
        assert_eq!(all(&mut s, b"src"), bs(&["b", "c", "a"]));
        assert_eq!(s.rpoplpush(0, b"src", b"src").unwrap(), Some(b("a")));
        assert_eq!(all(&mut s, b"src"), bs(&["a", "b", "c"]));
        assert_eq!(s.lmove(0, b"src", b"src", ListSide::Right, ListSide::Right).unwrap(), Some(b("c")));
        assert_eq!(all(&mut s, b"src"), bs(&["a", "b", "c"]));
        assert_eq!(s.rpoplpush(0, b"src", b"dst").unwrap(), Some(b("c")));
        assert_eq!(s.lmove(0, b"src", b"dst", ListSide::Left, ListSide::Right).unwrap(), Some(b("a")));
        assert_eq!(all(&mut s, b"dst"), bs(&["c", "a"]));
        assert_eq!(s.lmove(0, b"src", b"dst", ListSide::Right, ListSide::Left).unwrap(), Some(b("b")));
        assert!(!exists(&mut s, b"src"), "emptied source is deleted");
        assert_eq!(all(&mut s, b"dst"), bs(&["b", "c", "a"]));
        // A single-element list rotated onto itself survives.
        s.rpush(0, b"one", &bs(&["x"])).unwrap();
        assert_eq!(s.lmove(0, b"one", b"one", ListSide::Left, ListSide::Right).unwrap(), Some(b("x")));
        assert_eq!(all(&mut s, b"one"), bs(&["x"]));
    }

    #[test]
    fn lmove_checks_destination_type_before_popping() {
        let mut s = shard();
        wrong(&mut s, b"h");
        s.rpush(0, b"l", &bs(&["a", "b"])).unwrap();
        assert_eq!(s.lmove(0, b"l", b"h", ListSide::Left, ListSide::Right).unwrap_err(), Error::WrongType);
        assert_eq!(s.rpoplpush(0, b"l", b"h").unwrap_err(), Error::WrongType);
        assert_eq!(all(&mut s, b"l"), bs(&["a", "b"]));
        assert_eq!(s.lmove(0, b"h", b"l", ListSide::Left, ListSide::Right).unwrap_err(), Error::WrongType);
        // A missing source wins over a wrong-typed destination, as in Redis.
        assert_eq!(s.lmove(0, b"missing", b"h", ListSide::Left, ListSide::Right).unwrap(), None);
    }

    #[test]
    fn cross_shard_building_blocks() {
        let mut a = shard();
        let mut c = Shard::new(1, ShardConfig::default());
        a.rpush(0, b"src", &bs(&["x", "y"])).unwrap();
        let v = a.list_pop_one(0, b"src", ListSide::Right).unwrap().unwrap();
        assert_eq!(c.list_push_one(0, b"dst", ListSide::Left, v).unwrap(), 1);
        let v = a.list_pop_one(0, b"src", ListSide::Right).unwrap().unwrap();
        assert_eq!(c.list_push_one(0, b"dst", ListSide::Left, v).unwrap(), 2);
        assert_eq!(a.list_pop_one(0, b"src", ListSide::Right).unwrap(), None);
        assert!(!exists(&mut a, b"src"));
        assert_eq!(c.lrange(0, b"dst", 0, -1).unwrap(), bs(&["x", "y"]));
    }

    #[test]
    fn ttl_is_kept_and_expired_lists_are_missing() {
        let mut s = shard();
        s.rpush(0, b"l", &bs(&["a", "b", "c"])).unwrap();
        let slot = s.lookup(0, b"l").unwrap();
        let at = s.now_ms() + 100;
        s.set_expire(slot, Some(at));
        s.rpush(0, b"l", &bs(&["d"])).unwrap();
        s.lpop(0, b"l").unwrap();
        s.lset(0, b"l", 0, "B").unwrap();
        s.linsert(0, b"l", InsertWhere::After, b"B", "x").unwrap();
        s.lrem(0, b"l", 0, b"x").unwrap();
        s.ltrim(0, b"l", 0, -1).unwrap();
        s.lmove(0, b"l", b"l", ListSide::Left, ListSide::Right).unwrap();
        let slot = s.lookup(0, b"l").unwrap();
        assert_eq!(s.expire_of(slot), Some(at));
        s.clock().advance(101);
        assert_eq!(s.llen(0, b"l").unwrap(), 0);
        assert_eq!(s.lpushx(0, b"l", &bs(&["a"])).unwrap(), 0);
        assert_eq!(s.rpush(0, b"l", &bs(&["a"])).unwrap(), 1);
        let slot = s.lookup(0, b"l").unwrap();
        assert_eq!(s.expire_of(slot), None, "a recreated list has no TTL");
    }

    #[test]
    fn memory_accounting_tracks_changes() {
        let mut s = shard();
        let base = s.used_memory();
        let big: Vec<Bytes> = (0..1000).map(|i| Bytes::from(vec![b'x'; 100 + i % 7])).collect();
        s.rpush(0, b"l", &big).unwrap();
        let full = s.used_memory();
        assert!(full >= base + 100_000);
        s.ltrim(0, b"l", 0, 9).unwrap();
        let trimmed = s.used_memory();
        assert!(trimmed < full - 90_000, "trim frees element bytes: {trimmed} vs {full}");
        let slot = s.lookup(0, b"l").unwrap();
        let usage = match s.value(slot) {
            ValueRef::List(l) => l.mem_usage(),
            _ => unreachable!(),
        };
        let recount: usize = s.lrange(0, b"l", 0, -1).unwrap().iter().map(Bytes::len).sum();
        assert!(usage >= recount);
        while s.rpop(0, b"l").unwrap().is_some() {}
        assert_eq!(s.used_memory(), base);
    }

    #[test]
    fn oom_is_reported_before_anything_else() {
        let mut s = shard();
        s.rpush(0, b"l", &bs(&["a"])).unwrap();
        s.set_maxmemory(1);
        assert_eq!(s.rpush(0, b"l", &bs(&["b"])).unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.lset(0, b"l", 0, "b").unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.linsert(0, b"l", InsertWhere::Before, b"a", "b").unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.lmove(0, b"l", b"m", ListSide::Left, ListSide::Left).unwrap_err(), Error::OutOfMemory);
        // Commands that only free memory still work.
        assert_eq!(s.lpop(0, b"l").unwrap(), Some(b("a")));
    }

    #[test]
    fn list_struct_helpers() {
        let l: List = bs(&["a", "bb"]).into_iter().collect();
        assert_eq!(l.len(), 2);
        assert_eq!(l.get(1), Some(&b("bb")));
        assert!(l.mem_usage() >= 3);
        let mut m = List::new();
        m.push(ListSide::Right, b("a"));
        m.push(ListSide::Right, b("bb"));
        assert_eq!(l, m);
        assert_eq!(ListSide::Left.opposite(), ListSide::Right);
        let mut big: List = (0..10_000).map(|_| b("x")).collect();
        while big.len() > 10 {
            big.pop(ListSide::Left);
        }
        assert!(big.items.capacity() < 1000, "popped-down list gives memory back");
    }

    /// The mutation stream's commands for list writes: each replays to the
    /// same keyspace, and a change to a list is a command of its own size.
    mod deltas {
        use super::*;
        use crate::propagate::tests::{log_bytes, round_trip, text};

        #[test]
        fn pushes_and_pops() {
            let log = round_trip(|s, _| {
                s.rpush(0, b"l", &bs(&["a", "b", "c", "d", "e", "f"])).unwrap();
                s.lpush(0, b"l", &bs(&["x", "y"])).unwrap();
                s.rpushx(0, b"l", &bs(&["z"])).unwrap();
                s.lpushx(0, b"l", &bs(&["w"])).unwrap();
                s.lpushx(0, b"missing", &bs(&["w"])).unwrap();
                s.rpush(0, b"l", &[]).unwrap();
                s.lpop(0, b"l").unwrap();
                s.rpop(0, b"l").unwrap();
                s.lpop_count(0, b"l", 2).unwrap();
                s.rpop_count(0, b"l", 0).unwrap();
                s.rpop_count(0, b"l", 2).unwrap();
                let v = s.list_pop_one(0, b"l", ListSide::Left).unwrap().unwrap();
                s.list_push_one(0, b"l", ListSide::Right, v).unwrap();
                // More than there is: the list empties, which is a delete.
                s.lpop_count(0, b"l", 100).unwrap();
            });
            assert_eq!(
                text(&log),
                [
                    "DEL l",
                    "RPUSH l a b c d e f",
                    "LPUSH l x y",
                    "RPUSH l z",
                    "LPUSH l w",
                    "LPOP l 1",
                    "RPOP l 1",
                    "LPOP l 2",
                    "RPOP l 2",
                    "LPOP l 1",
                    "RPUSH l a",
                    "DEL l",
                ]
            );
        }

        #[test]
        fn lset_linsert_lrem_ltrim() {
            let log = round_trip(|s, _| {
                s.rpush(0, b"l", &bs(&["a", "b", "a", "c", "a", "b", "a"])).unwrap();
                s.lset(0, b"l", -1, "z").unwrap();
                s.lset(0, b"l", 1, "B").unwrap();
                assert_eq!(s.lset(0, b"l", 7, "out").unwrap_err(), Error::IndexOutOfRange);
                // The first match of the pivot, whichever place.
                s.linsert(0, b"l", InsertWhere::Before, b"a", "p").unwrap();
                s.linsert(0, b"l", InsertWhere::After, b"a", "q").unwrap();
                assert_eq!(s.linsert(0, b"l", InsertWhere::After, b"nope", "r").unwrap(), -1);
                assert_eq!(s.linsert(0, b"missing", InsertWhere::After, b"a", "r").unwrap(), 0);
                s.lrem(0, b"l", -1, b"a").unwrap();
                s.lrem(0, b"l", 1, b"a").unwrap();
                assert_eq!(s.lrem(0, b"l", 0, b"nope").unwrap(), 0);
                s.lrem(0, b"l", 0, b"b").unwrap();
                s.ltrim(0, b"l", 1, -2).unwrap();
                s.ltrim(0, b"l", -100, 100).unwrap();
            });
            assert_eq!(
                text(&log[2..]),
                [
                    "LSET l 6 z",
                    "LSET l 1 B",
                    "LINSERT l BEFORE a p",
                    "LINSERT l AFTER a q",
                    "LREM l -1 a",
                    "LREM l 1 a",
                    "LREM l 0 b",
                    "LTRIM l 1 4",
                ]
            );
        }

        #[test]
        fn lrem_and_ltrim_that_empty_the_list_are_deletes() {
            let log = round_trip(|s, _| {
                s.rpush(0, b"l", &bs(&["a", "a", "b"])).unwrap();
                s.lrem(0, b"l", -5, b"a").unwrap();
                s.lrem(0, b"l", 0, b"b").unwrap();
                s.rpush(0, b"m", &bs(&["a", "b", "c"])).unwrap();
                s.ltrim(0, b"m", 2, 1).unwrap();
                s.rpush(0, b"n", &bs(&["a", "b", "c"])).unwrap();
                s.ltrim(0, b"n", 5, 10).unwrap();
            });
            let text = text(&log);
            assert_eq!(text[2..4], ["LREM l -5 a", "DEL l"]);
            assert_eq!(text.iter().filter(|c| c.starts_with("DEL")).count(), 6, "{text:?}");
        }

        #[test]
        fn lmove_pops_from_the_source_and_pushes_at_the_destination() {
            let log = round_trip(|s, _| {
                s.rpush(0, b"src", &bs(&["a", "b", "c", "d"])).unwrap();
                s.rpush(0, b"dst", &bs(&["x"])).unwrap();
                s.lmove(0, b"src", b"dst", ListSide::Left, ListSide::Right).unwrap();
                s.rpoplpush(0, b"src", b"dst").unwrap();
                // Onto a missing key: it is created, written whole.
                s.lmove(0, b"src", b"new", ListSide::Right, ListSide::Left).unwrap();
                // Rotations, and the same end.
                s.rpush(0, b"src", &bs(&["e", "f"])).unwrap();
                s.lmove(0, b"src", b"src", ListSide::Left, ListSide::Right).unwrap();
                s.rpoplpush(0, b"src", b"src").unwrap();
                s.lmove(0, b"src", b"src", ListSide::Right, ListSide::Right).unwrap();
                // Emptying the source deletes it.
                s.rpush(0, b"one", &bs(&["o"])).unwrap();
                s.lmove(0, b"one", b"one", ListSide::Left, ListSide::Right).unwrap();
                s.lmove(0, b"one", b"dst", ListSide::Left, ListSide::Left).unwrap();
                assert_eq!(s.lmove(0, b"one", b"dst", ListSide::Left, ListSide::Left).unwrap(), None);
            });
            let text = text(&log);
            assert_eq!(
                text[4..],
                [
                    "LPOP src 1",
                    "RPUSH dst a",
                    "RPOP src 1",
                    "LPUSH dst d",
                    "RPOP src 1",
                    "DEL new",
                    "RPUSH new c",
                    "RPUSH src e f",
                    "LMOVE src src LEFT RIGHT",
                    "LMOVE src src RIGHT LEFT",
                    "LMOVE src src RIGHT RIGHT",
                    "DEL one",
                    "RPUSH one o",
                    "LMOVE one one LEFT RIGHT",
                    "DEL one",
                    "LPUSH dst o",
                ]
            );
        }

        #[test]
        fn an_expiring_list_keeps_its_ttl() {
            round_trip(|s, clock| {
                s.rpush(0, b"l", &bs(&["a", "b", "c", "d"])).unwrap();
                s.pexpire(0, b"l", 1_000, Default::default()).unwrap();
                clock.advance(10);
                s.lpush(0, b"l", &bs(&["x"])).unwrap();
                s.rpop(0, b"l").unwrap();
                s.lset(0, b"l", 0, "y").unwrap();
                s.linsert(0, b"l", InsertWhere::After, b"y", "z").unwrap();
                s.lrem(0, b"l", 1, b"z").unwrap();
                s.ltrim(0, b"l", 0, 1).unwrap();
                s.lmove(0, b"l", b"l", ListSide::Left, ListSide::Right).unwrap();
                s.lmove(0, b"l", b"other", ListSide::Left, ListSide::Right).unwrap();
                let slot = s.lookup(0, b"l").unwrap();
                assert!(s.expire_of(slot).is_some());
            });
        }

        #[test]
        fn a_change_to_a_long_list_is_a_small_command() {
            let log = round_trip(|s, _| {
                let items: Vec<Bytes> = (0..100_000).map(|i| b(&format!("element-{i}"))).collect();
                s.rpush(0, b"l", &items).unwrap();
                s.lpush(0, b"l", &bs(&["one more"])).unwrap();
                s.rpop(0, b"l").unwrap();
                s.lset(0, b"l", 50_000, "middle").unwrap();
                s.linsert(0, b"l", InsertWhere::Before, b"middle", "before").unwrap();
                s.lrem(0, b"l", 1, b"before").unwrap();
                s.ltrim(0, b"l", 1, -2).unwrap();
                s.lmove(0, b"l", b"l", ListSide::Left, ListSide::Right).unwrap();
            });
            let whole = log.iter().position(|(_, a)| a[0] == "LPUSH").unwrap();
            assert!(log_bytes(&log[..whole]) > 1_000_000);
            for entry in &log[whole..] {
                assert!(log_bytes(std::slice::from_ref(entry)) < 100, "{:?}", text(std::slice::from_ref(entry)));
            }
        }
    }

    impl Shard {
        fn list_test_del(&mut self, key: &[u8]) {
            if let Some(slot) = self.lookup(0, key) {
                self.delete_slot(slot);
            }
        }
    }
}
