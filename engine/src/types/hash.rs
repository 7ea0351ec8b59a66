//! Hashes: HSET, HGET, HDEL, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN and
//! the rest of the H* family, with Redis 7 semantics.
//!
//! Layout: the fields live densely in a `Vec<(field, value)>` and a
//! hashbrown `HashTable<u32>` maps a field's hash to its position (the
//! indexmap design). Removal swaps the last entry into the hole. This gives:
//! * O(1) uniform random picks for HRANDFIELD (a random position);
//! * an HSCAN cursor with Redis's guarantee and more: the scan walks positions
//!   from the end towards 0, and since entries only ever move from the end
//!   into a hole (never from an unvisited position to a visited one), every
//!   field present for the whole scan is returned, however the hash grows or
//!   shrinks in between, and a scan always ends after at most `len / COUNT`
//!   calls.

use bytes::Bytes;
use hashbrown::HashTable;
use rand::Rng;

use crate::error::{ArgError, Error, Result};
use crate::glob;
use crate::mutation::Arg;
use crate::numbers::{string2ll, LongDouble};
use crate::shard::{IntoBytes, Shard};
use crate::types::Noted;
use crate::value::{Kind, Value, ValueRef};

/// Bytes per index bucket: a `u32` position plus hashbrown's control byte.
const BUCKET_BYTES: usize = std::mem::size_of::<u32>() + 1;

/// Below this capacity a hash never gives memory back.
const SHRINK_MIN_CAPACITY: usize = 64;

/// Positions are `u32`s; a hash refuses to grow beyond this many fields.
const MAX_FIELDS: usize = u32::MAX as usize;

/// Hashes with at most this many fields are returned by HSCAN in one call
/// with cursor 0, as Redis does for its compact (listpack) encoding.
const SCAN_WHOLE_MAX: usize = 128;

/// A map of binary field names to binary values.
#[derive(Clone, Default)]
pub struct Hash {
    entries: Vec<(Bytes, Bytes)>,
    index: HashTable<u32>,
    bytes: usize,
}

/// The field hasher, shared by every hash in the process: randomly keyed
/// once (against collision attacks), then only read, so shards never
/// contend on it, and no hash pays 32 bytes for its own keys.
fn hasher() -> &'static ahash::RandomState {
    static HASHER: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    HASHER.get_or_init(ahash::RandomState::new)
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(f) == Some(v))
    }
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes
            + self.entries.capacity() * std::mem::size_of::<(Bytes, Bytes)>()
            + self.index.num_buckets() * BUCKET_BYTES
    }

    /// Fields and values in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Bytes)> {
        self.entries.iter().map(|(f, v)| (f, v))
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&Bytes> {
        self.position(field).and_then(|i| self.entries.get(i)).map(|(_, v)| v)
    }

    /// Sets `field` to `value`; true when the field is new. A hash already
    /// holding `u32::MAX` fields refuses new ones (returns false).
    pub fn insert(&mut self, field: Bytes, value: Bytes) -> bool {
        self.insert_full(field, value).is_some_and(|(_, new)| new)
    }

    /// [`insert`](Self::insert) that also says where the field is: its
    /// position and whether it is new, or `None` when it was refused.
    fn insert_full(&mut self, field: Bytes, value: Bytes) -> Option<(usize, bool)> {
        if let Some(i) = self.position(&field) {
            self.set_value_at(i, value);
            return Some((i, false));
        }
        if self.entries.len() >= MAX_FIELDS {
            return None;
        }
        let Hash { entries, index, bytes } = self;
        let hasher = hasher();
        let h = hasher.hash_one(field.as_ref());
        index.insert_unique(h, entries.len() as u32, |&i| hash_at(entries, hasher, i));
        *bytes += field.len() + value.len();
        entries.push((field, value));
        Some((entries.len() - 1, true))
    }

    /// Removes `field`, returning its value.
    pub fn remove(&mut self, field: &[u8]) -> Option<Bytes> {
        let Hash { entries, index, bytes } = self;
        let hasher = hasher();
        let h = hasher.hash_one(field);
        let found = index.find_entry(h, |&i| entries.get(i as usize).is_some_and(|(f, _)| f.as_ref() == field)).ok()?;
        let (pos, _) = found.remove();
        let pos = pos as usize;
        let last = entries.len() - 1;
        let (f, v) = entries.swap_remove(pos);
        if pos != last {
            // The former last entry now sits in the hole: repoint its index.
            let moved = hash_at(entries, hasher, pos as u32);
            if let Some(p) = index.find_mut(moved, |&i| i as usize == last) {
                *p = pos as u32;
            }
        }
        *bytes -= f.len() + v.len();
        self.maybe_shrink();
        Some(v)
    }

    fn position(&self, field: &[u8]) -> Option<usize> {
        let h = hasher().hash_one(field);
        let entries = &self.entries;
        self.index.find(h, |&i| entries.get(i as usize).is_some_and(|(f, _)| f.as_ref() == field)).map(|&i| i as usize)
    }

    fn set_value_at(&mut self, i: usize, value: Bytes) {
        if let Some((_, v)) = self.entries.get_mut(i) {
            self.bytes = self.bytes - v.len() + value.len();
            *v = value;
        }
    }

    /// Gives memory back once the hash shrank to a fraction of its capacity.
    fn maybe_shrink(&mut self) {
        let len = self.entries.len();
        if self.entries.capacity() > SHRINK_MIN_CAPACITY && len * 4 < self.entries.capacity() {
            self.entries.shrink_to(len * 2);
        }
        if self.index.capacity() > SHRINK_MIN_CAPACITY && len * 4 < self.index.capacity() {
            let Hash { entries, index, .. } = self;
            let hasher = hasher();
            index.shrink_to(len * 2, |&i| hash_at(entries, hasher, i));
        }
    }
}

#[inline]
fn hash_at(entries: &[(Bytes, Bytes)], hasher: &ahash::RandomState, i: u32) -> u64 {
    entries.get(i as usize).map_or(0, |(f, _)| hasher.hash_one(f.as_ref()))
}

impl FromIterator<(Bytes, Bytes)> for Hash {
    fn from_iter<I: IntoIterator<Item = (Bytes, Bytes)>>(iter: I) -> Self {
        let mut h = Hash::default();
        for (f, v) in iter {
            h.insert(f, v);
        }
        h
    }
}

/// Decimal text of `v`.
fn i64_bytes(v: i64) -> Bytes {
    Bytes::copy_from_slice(itoa::Buffer::new().format(v).as_bytes())
}

impl Shard {
    fn hash_ref(&self, slot: u32) -> Option<&Hash> {
        match self.value(slot) {
            ValueRef::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// Runs `f` on the hash in `slot` (which a kind-checked lookup found);
    /// `delta` describes the change, given `f`'s result and the hash after
    /// it (see [`Shard::modify_delta`]).
    fn hash_mut<'x, R: Default>(
        &mut self,
        slot: u32,
        f: impl FnOnce(&mut Hash) -> (R, bool),
        delta: impl FnOnce(&R, &Hash, &mut Vec<Arg<'x>>),
    ) -> R {
        self.modify_delta_reading(
            slot,
            |v| match v {
                Value::Hash(h) => f(h),
                _ => (R::default(), false),
            },
            |r, v, args| {
                if let ValueRef::Hash(h) = v {
                    delta(r, h, args);
                }
            },
        )
    }

    fn hash_read(&mut self, db: u8, key: &[u8]) -> Result<Option<&Hash>> {
        Ok(match self.lookup_read_kind(db, key, Kind::Hash)? {
            Some(slot) => self.hash_ref(slot),
            None => None,
        })
    }

    /// Sets one field of the hash at `key`, creating the key; `slot` is the
    /// result of a kind-checked write lookup. Returns true for a new field.
    fn hash_set_one(&mut self, db: u8, key: &[u8], slot: Option<u32>, field: Bytes, value: Bytes) -> Result<bool> {
        match slot {
            Some(slot) => {
                if self.hash_ref(slot).is_some_and(|h| h.len() >= MAX_FIELDS) {
                    return Err(Error::OutOfMemory);
                }
                let at = self.hash_mut(
                    slot,
                    |h| {
                        let at = h.insert_full(field, value);
                        (at, at.is_some())
                    },
                    // The field and value now stored are the ones set.
                    |at, h, args| {
                        if let Some((f, v)) = at.and_then(|(i, _)| h.entries.get(i)) {
                            args.extend([Arg::Bytes(b"HSET"), Arg::Key, Arg::Owned(f.clone()), Arg::Owned(v.clone())]);
                        }
                    },
                );
                Ok(at.is_some_and(|(_, new)| new))
            }
            None => {
                let mut h = Hash::default();
                h.insert(field, value);
                self.insert_value(db, key, Value::Hash(h), None);
                Ok(true)
            }
        }
    }

    /// HSET: sets each `(field, value)` in order, creating the hash; returns
    /// how many fields were new.
    pub fn hset(&mut self, db: u8, key: &[u8], pairs: &[(Bytes, Bytes)]) -> Result<usize> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        if pairs.is_empty() {
            return Ok(0);
        }
        let Some(slot) = slot else {
            let h: Hash = pairs.iter().cloned().collect();
            let new = h.len();
            self.insert_value(db, key, Value::Hash(h), None);
            return Ok(new);
        };
        // Positions are u32: refuse (conservatively) what could overflow them.
        if self.hash_ref(slot).is_some_and(|h| h.len().saturating_add(pairs.len()) > MAX_FIELDS) {
            return Err(Error::OutOfMemory);
        }
        Ok(self.hash_mut(
            slot,
            |h| {
                let new = pairs.iter().filter(|(f, v)| h.insert(f.clone(), v.clone())).count();
                (new, true)
            },
            |_, _, args| {
                args.extend([Arg::Bytes(b"HSET"), Arg::Key]);
                for (f, v) in pairs {
                    args.extend([Arg::Bytes(f), Arg::Bytes(v)]);
                }
            },
        ))
    }

    /// HSETNX: sets `field` only if it is absent; true when it was set.
    pub fn hsetnx(&mut self, db: u8, key: &[u8], field: impl IntoBytes, value: impl IntoBytes) -> Result<bool> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        if let Some(slot) = slot {
            if self.hash_ref(slot).is_some_and(|h| h.get(field.as_ref()).is_some()) {
                return Ok(false);
            }
        }
        self.hash_set_one(db, key, slot, field.into_bytes(), value.into_bytes())
    }

    /// HGET: the value of `field`.
    pub fn hget(&mut self, db: u8, key: &[u8], field: &[u8]) -> Result<Option<Bytes>> {
        Ok(self.hash_read(db, key)?.and_then(|h| h.get(field).cloned()))
    }

    /// HMGET: the value of each field, `None` where absent (all `None` for a
    /// missing key).
    pub fn hmget<F: AsRef<[u8]>>(&mut self, db: u8, key: &[u8], fields: &[F]) -> Result<Vec<Option<Bytes>>> {
        let h = self.hash_read(db, key)?;
        Ok(fields.iter().map(|f| h.and_then(|h| h.get(f.as_ref()).cloned())).collect())
    }

    /// HDEL: removes the given fields; returns how many existed. The key is
    /// deleted when no field is left.
    pub fn hdel<F: AsRef<[u8]>>(&mut self, db: u8, key: &[u8], fields: &[F]) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::Hash)? else { return Ok(0) };
        let keep = self.wants_deltas();
        let removed = self.hash_mut(
            slot,
            |h| {
                let mut removed = Noted::new(keep);
                for f in fields {
                    if h.remove(f.as_ref()).is_some() {
                        removed.note(f.as_ref());
                    }
                }
                let changed = removed.count() > 0;
                (removed, changed)
            },
            |removed, _, args| {
                args.extend([Arg::Bytes(b"HDEL"), Arg::Key]);
                args.extend(removed.items().iter().map(|&f| Arg::Bytes(f)));
            },
        );
        Ok(removed.count())
    }

    /// HLEN: the number of fields, 0 for a missing key.
    pub fn hlen(&mut self, db: u8, key: &[u8]) -> Result<usize> {
        Ok(self.hash_read(db, key)?.map_or(0, Hash::len))
    }

    /// HEXISTS: whether `field` exists.
    pub fn hexists(&mut self, db: u8, key: &[u8], field: &[u8]) -> Result<bool> {
        Ok(self.hash_read(db, key)?.is_some_and(|h| h.get(field).is_some()))
    }

    /// HSTRLEN: the length of the value of `field`, 0 when absent.
    pub fn hstrlen(&mut self, db: u8, key: &[u8], field: &[u8]) -> Result<usize> {
        Ok(self.hash_read(db, key)?.and_then(|h| h.get(field)).map_or(0, Bytes::len))
    }

    /// HGETALL: every `(field, value)` pair.
    pub fn hgetall(&mut self, db: u8, key: &[u8]) -> Result<Vec<(Bytes, Bytes)>> {
        Ok(self.hash_read(db, key)?.map_or_else(Vec::new, |h| h.entries.clone()))
    }

    /// HKEYS: every field.
    pub fn hkeys(&mut self, db: u8, key: &[u8]) -> Result<Vec<Bytes>> {
        Ok(self.hash_read(db, key)?.map_or_else(Vec::new, |h| h.entries.iter().map(|(f, _)| f.clone()).collect()))
    }

    /// HVALS: every value.
    pub fn hvals(&mut self, db: u8, key: &[u8]) -> Result<Vec<Bytes>> {
        Ok(self.hash_read(db, key)?.map_or_else(Vec::new, |h| h.entries.iter().map(|(_, v)| v.clone()).collect()))
    }

    /// HINCRBY: adds `incr` to the integer in `field` (0 when absent) and
    /// returns the result. Errors: [`Error::HashNotInteger`],
    /// [`Error::Overflow`].
    pub fn hincrby(&mut self, db: u8, key: &[u8], field: impl IntoBytes, incr: i64) -> Result<i64> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        let current = match slot.and_then(|s| self.hash_ref(s)).and_then(|h| h.get(field.as_ref())) {
            Some(v) => string2ll(v).ok_or(Error::HashNotInteger)?,
            None => 0,
        };
        let new = current.checked_add(incr).ok_or(Error::Overflow)?;
        self.hash_set_one(db, key, slot, field.into_bytes(), i64_bytes(new))?;
        Ok(new)
    }

    /// HINCRBYFLOAT: adds the decimal `incr` (the command's argument text) to
    /// the number in `field` (0 when absent) in x87 80-bit `long double`
    /// arithmetic, stores the result formatted as Redis does (`%.17Lf`,
    /// trailing zeros removed) and returns that text.
    ///
    /// Errors, in Redis's order: [`Error::NotFloat`] and
    /// [`ArgError::NotFinite`] for `incr`, [`Error::WrongType`],
    /// [`Error::HashNotFloat`], [`Error::NanOrInfinity`].
    pub fn hincrbyfloat(&mut self, db: u8, key: &[u8], field: impl IntoBytes, incr: &[u8]) -> Result<Bytes> {
        self.make_room()?;
        let incr = LongDouble::parse(incr).ok_or(Error::NotFloat)?;
        if !incr.is_finite() {
            return Err(Error::InvalidArgument(ArgError::NotFinite));
        }
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        let current = match slot.and_then(|s| self.hash_ref(s)).and_then(|h| h.get(field.as_ref())) {
            Some(v) => LongDouble::parse(v).ok_or(Error::HashNotFloat)?,
            None => LongDouble::ZERO,
        };
        let sum = current.add(&incr).ok_or(Error::NanOrInfinity)?;
        let text = Bytes::from(sum.to_human());
        self.hash_set_one(db, key, slot, field.into_bytes(), text.clone())?;
        Ok(text)
    }

    /// HRANDFIELD without a count: a uniformly random field, `None` for a
    /// missing key.
    pub fn hrandfield(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Hash)? else { return Ok(None) };
        let len = self.hash_ref(slot).map_or(0, Hash::len);
        if len == 0 {
            return Ok(None);
        }
        let i = self.rng.gen_range(0..len);
        Ok(self.hash_ref(slot).and_then(|h| h.entries.get(i)).map(|(f, _)| f.clone()))
    }

    /// HRANDFIELD with a count: positive gives up to `count` distinct fields
    /// (the whole hash when `count >= len`), negative gives exactly `|count|`
    /// uniform picks that may repeat. A missing key gives an empty vector.
    pub fn hrandfield_count(&mut self, db: u8, key: &[u8], count: i64) -> Result<Vec<Bytes>> {
        self.hrandfield_pick(db, key, count, false, |(f, _)| f.clone())
    }

    /// HRANDFIELD with a count and WITHVALUES: as
    /// [`hrandfield_count`](Self::hrandfield_count) but with values. A count
    /// below `-(i64::MAX / 2)` is [`ArgError::CountTooLarge`].
    pub fn hrandfield_withvalues(&mut self, db: u8, key: &[u8], count: i64) -> Result<Vec<(Bytes, Bytes)>> {
        self.hrandfield_pick(db, key, count, true, Clone::clone)
    }

    fn hrandfield_pick<T>(
        &mut self,
        db: u8,
        key: &[u8],
        count: i64,
        with_values: bool,
        mut take: impl FnMut(&(Bytes, Bytes)) -> T,
    ) -> Result<Vec<T>> {
        if count == i64::MIN {
            return Err(Error::InvalidArgument(ArgError::OutsideLongRange));
        }
        if with_values && count < -(i64::MAX / 2) {
            return Err(Error::InvalidArgument(ArgError::CountTooLarge));
        }
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Hash)? else { return Ok(Vec::new()) };
        let len = self.hash_ref(slot).map_or(0, Hash::len);
        if count == 0 || len == 0 {
            return Ok(Vec::new());
        }
        let n = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        if count > 0 && n >= len {
            return Ok(self.hash_ref(slot).map_or_else(Vec::new, |h| h.entries.iter().map(take).collect()));
        }
        let mut out = Vec::new();
        // A huge negative count must fail cleanly rather than abort the process.
        out.try_reserve_exact(n).map_err(|_| Error::OutOfMemory)?;
        let Shard { ks, rng, .. } = self;
        let Some(ValueRef::Hash(h)) = ks.get(slot).map(|it| it.value()) else { return Ok(out) };
        if count < 0 {
            for _ in 0..n {
                if let Some(e) = h.entries.get(rng.gen_range(0..len)) {
                    out.push(take(e));
                }
            }
        } else {
            for i in rand::seq::index::sample(rng, len, n) {
                if let Some(e) = h.entries.get(i) {
                    out.push(take(e));
                }
            }
        }
        Ok(out)
    }

    /// HSCAN: up to about `count` pairs whose field matches `pattern`, and
    /// the cursor for the next call (0 when done). Start with cursor 0.
    ///
    /// Every field present from the first call to the last is returned at
    /// least once, whatever happens to the hash in between, and a scan ends
    /// after at most `len / count` calls. Hashes of up to 128 fields are
    /// returned whole in one call, as Redis does for small hashes.
    pub fn hscan(
        &mut self,
        db: u8,
        key: &[u8],
        cursor: u64,
        pattern: Option<&[u8]>,
        count: usize,
    ) -> Result<(u64, Vec<(Bytes, Bytes)>)> {
        let Some(h) = self.hash_read(db, key)? else { return Ok((0, Vec::new())) };
        let len = h.len();
        let matching = |(f, _): &&(Bytes, Bytes)| pattern.is_none_or(|p| glob::matches(p, f));
        if len <= SCAN_WHOLE_MAX {
            return Ok((0, h.entries.iter().filter(matching).cloned().collect()));
        }
        // The cursor is the number of positions not yet visited: positions
        // are walked downwards, and 0 starts from the current end.
        let end = if cursor == 0 { len } else { usize::try_from(cursor).unwrap_or(usize::MAX).min(len) };
        let start = end.saturating_sub(count.max(1));
        let out = h.entries[start..end].iter().rev().filter(matching).cloned().collect();
        Ok((start as u64, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::shard::ShardConfig;
    use std::collections::{BTreeMap, BTreeSet};

    fn shard() -> Shard {
        Shard::new(0, ShardConfig { clock: Clock::manual(1_000_000), ..Default::default() })
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(Bytes, Bytes)> {
        items.iter().map(|(f, v)| (b(f), b(v))).collect()
    }

    fn sorted(mut v: Vec<(Bytes, Bytes)>) -> Vec<(Bytes, Bytes)> {
        v.sort();
        v
    }

    fn wrong(s: &mut Shard, key: &[u8]) {
        s.rpush(0, key, &[b("x")]).unwrap();
    }

    #[test]
    fn hset_hget_hdel_and_delete_when_empty() {
        let mut s = shard();
        assert_eq!(s.hset(0, b"h", &pairs(&[("a", "1"), ("b", "2"), ("a", "3")])).unwrap(), 2);
        assert_eq!(s.hget(0, b"h", b"a").unwrap(), Some(b("3")));
        assert_eq!(s.hget(0, b"h", b"zz").unwrap(), None);
        assert_eq!(s.hget(0, b"missing", b"a").unwrap(), None);
        assert_eq!(s.hset(0, b"h", &pairs(&[("a", "4"), ("c", "5")])).unwrap(), 1);
        assert_eq!(s.hlen(0, b"h").unwrap(), 3);
        assert_eq!(s.hdel(0, b"h", &[b"zz".as_slice(), b"a", b"a"]).unwrap(), 1);
        assert_eq!(s.hlen(0, b"h").unwrap(), 2);
        assert_eq!(s.hdel(0, b"h", &[b"b", b"c"]).unwrap(), 2);
        assert_eq!(s.kind_of(0, b"h"), None, "emptied hash is deleted");
        assert_eq!(s.hdel(0, b"h", &[b"b"]).unwrap(), 0);
        assert_eq!(s.hset(0, b"h", &[]).unwrap(), 0);
        assert_eq!(s.kind_of(0, b"h"), None, "no pairs, no key");
    }

    #[test]
    fn hsetnx_hexists_hstrlen_hmget() {
        let mut s = shard();
        assert!(s.hsetnx(0, b"h", "a", "1").unwrap());
        assert!(!s.hsetnx(0, b"h", "a", "2").unwrap());
        assert_eq!(s.hget(0, b"h", b"a").unwrap(), Some(b("1")));
        assert!(s.hsetnx(0, b"h", "c", "hello").unwrap());
        assert!(s.hexists(0, b"h", b"a").unwrap());
        assert!(!s.hexists(0, b"h", b"b").unwrap());
        assert!(!s.hexists(0, b"missing", b"b").unwrap());
        assert_eq!(s.hstrlen(0, b"h", b"c").unwrap(), 5);
        assert_eq!(s.hstrlen(0, b"h", b"zz").unwrap(), 0);
        assert_eq!(s.hstrlen(0, b"missing", b"c").unwrap(), 0);
        assert_eq!(
            s.hmget(0, b"h", &[b"a".as_slice(), b"zz", b"c"]).unwrap(),
            vec![Some(b("1")), None, Some(b("hello"))]
        );
        assert_eq!(s.hmget(0, b"missing", &[b"a", b"b"]).unwrap(), vec![None, None]);
    }

    #[test]
    fn getall_keys_vals() {
        let mut s = shard();
        let p = pairs(&[("a", "1"), ("b", "2"), ("c", "3")]);
        s.hset(0, b"h", &p).unwrap();
        assert_eq!(sorted(s.hgetall(0, b"h").unwrap()), p);
        let mut keys = s.hkeys(0, b"h").unwrap();
        keys.sort();
        assert_eq!(keys, vec![b("a"), b("b"), b("c")]);
        let mut vals = s.hvals(0, b"h").unwrap();
        vals.sort();
        assert_eq!(vals, vec![b("1"), b("2"), b("3")]);
        assert!(s.hgetall(0, b"missing").unwrap().is_empty());
        assert!(s.hkeys(0, b"missing").unwrap().is_empty());
        assert!(s.hvals(0, b"missing").unwrap().is_empty());
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut s = shard();
        wrong(&mut s, b"l");
        let w = Err::<(), _>(Error::WrongType);
        assert_eq!(s.hset(0, b"l", &pairs(&[("a", "1")])).map(drop), w);
        assert_eq!(s.hsetnx(0, b"l", "a", "1").map(drop), w);
        assert_eq!(s.hget(0, b"l", b"a").map(drop), w);
        assert_eq!(s.hmget(0, b"l", &[b"a"]).map(drop), w);
        assert_eq!(s.hdel(0, b"l", &[b"a"]).map(drop), w);
        assert_eq!(s.hlen(0, b"l").map(drop), w);
        assert_eq!(s.hexists(0, b"l", b"a").map(drop), w);
        assert_eq!(s.hstrlen(0, b"l", b"a").map(drop), w);
        assert_eq!(s.hgetall(0, b"l").map(drop), w);
        assert_eq!(s.hkeys(0, b"l").map(drop), w);
        assert_eq!(s.hvals(0, b"l").map(drop), w);
        assert_eq!(s.hincrby(0, b"l", "a", 1).map(drop), w);
        assert_eq!(s.hincrbyfloat(0, b"l", "a", b"1").map(drop), w);
        assert_eq!(s.hrandfield(0, b"l").map(drop), w);
        assert_eq!(s.hrandfield_count(0, b"l", 0).map(drop), w);
        assert_eq!(s.hrandfield_withvalues(0, b"l", -1).map(drop), w);
        assert_eq!(s.hscan(0, b"l", 0, None, 10).map(drop), w);
        assert_eq!(s.llen(0, b"l").unwrap(), 1);
    }

    #[test]
    fn hincrby_rules() {
        let mut s = shard();
        assert_eq!(s.hincrby(0, b"h", "n", 5).unwrap(), 5);
        assert_eq!(s.hincrby(0, b"h", "n", -7).unwrap(), -2);
        assert_eq!(s.hget(0, b"h", b"n").unwrap(), Some(b("-2")));
        s.hset(0, b"h", &pairs(&[("max", "9223372036854775807"), ("min", "-9223372036854775808")])).unwrap();
        assert_eq!(s.hincrby(0, b"h", "max", 1).unwrap_err(), Error::Overflow);
        assert_eq!(s.hincrby(0, b"h", "min", -1).unwrap_err(), Error::Overflow);
        assert_eq!(s.hincrby(0, b"h", "min", 0).unwrap(), i64::MIN);
        assert_eq!(s.hincrby(0, b"h", "max", i64::MIN).unwrap(), -1);
        for bad in ["01", "+1", "-0", " 1", "1 ", "", "abc", "1.5", "9223372036854775808", "-9223372036854775809", "-"]
        {
            s.hset(0, b"h", &[(b("bad"), b(bad))]).unwrap();
            assert_eq!(s.hincrby(0, b"h", "bad", 1).unwrap_err(), Error::HashNotInteger, "{bad:?}");
        }
        assert_eq!(s.hget(0, b"h", b"bad").unwrap(), Some(b("-")), "failed increments change nothing");
        s.hset(0, b"h", &[(b("z"), b("0"))]).unwrap();
        assert_eq!(s.hincrby(0, b"h", "z", 0).unwrap(), 0);
    }

    #[test]
    fn hincrbyfloat_rules() {
        let mut s = shard();
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"1.5").unwrap(), b("1.5"));
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"0.1").unwrap(), b("1.6"));
        assert_eq!(s.hget(0, b"h", b"f").unwrap(), Some(b("1.6")));
        assert_eq!(s.hincrbyfloat(0, b"h", "g", b"0.1").unwrap(), b("0.1"));
        assert_eq!(s.hincrbyfloat(0, b"h", "g", b"0.2").unwrap(), b("0.3"));
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"abc").unwrap_err(), Error::NotFloat);
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"inf").unwrap_err(), Error::InvalidArgument(ArgError::NotFinite));
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"nan").unwrap_err(), Error::NotFloat);
        s.hset(0, b"h", &pairs(&[("x", "abc"), ("i", "inf"), ("n", "5.0e1")])).unwrap();
        assert_eq!(s.hincrbyfloat(0, b"h", "x", b"1").unwrap_err(), Error::HashNotFloat);
        assert_eq!(s.hincrbyfloat(0, b"h", "i", b"1").unwrap_err(), Error::NanOrInfinity);
        assert_eq!(s.hincrbyfloat(0, b"h", "n", b"0").unwrap(), b("50"));
        s.hset(0, b"h", &pairs(&[("m", "1.18973149535723176502e+4932")])).unwrap();
        assert_eq!(s.hincrbyfloat(0, b"h", "m", b"1e4932").unwrap_err(), Error::NanOrInfinity);
        // Argument errors come before the type check.
        wrong(&mut s, b"l");
        assert_eq!(s.hincrbyfloat(0, b"l", "f", b"x").unwrap_err(), Error::NotFloat);
        assert_eq!(s.hincrbyfloat(0, b"l", "f", b"1").unwrap_err(), Error::WrongType);
        // The result of an integer-valued sum is stored as an integer string.
        assert_eq!(s.hincrbyfloat(0, b"h", "k", b"3.0e3").unwrap(), b("3000"));
        assert_eq!(s.hincrby(0, b"h", "k", 1).unwrap(), 3001);
    }

    #[test]
    fn hrandfield_shapes() {
        let mut s = shard();
        assert_eq!(s.hrandfield(0, b"h").unwrap(), None);
        assert!(s.hrandfield_count(0, b"h", 5).unwrap().is_empty());
        assert!(s.hrandfield_count(0, b"h", -5).unwrap().is_empty());
        let p: Vec<(Bytes, Bytes)> = (0..20).map(|i| (i64_bytes(i), i64_bytes(i * 10))).collect();
        s.hset(0, b"h", &p).unwrap();
        let model: BTreeMap<Bytes, Bytes> = p.iter().cloned().collect();
        for _ in 0..50 {
            let f = s.hrandfield(0, b"h").unwrap().unwrap();
            assert!(model.contains_key(&f));
        }
        assert!(s.hrandfield_count(0, b"h", 0).unwrap().is_empty());
        for count in [1i64, 5, 19] {
            let got = s.hrandfield_count(0, b"h", count).unwrap();
            assert_eq!(got.len(), count as usize);
            let distinct: BTreeSet<_> = got.iter().collect();
            assert_eq!(distinct.len(), got.len());
            assert!(got.iter().all(|f| model.contains_key(f)));
        }
        let whole = s.hrandfield_count(0, b"h", 100).unwrap();
        assert_eq!(whole.iter().collect::<BTreeSet<_>>(), model.keys().collect());
        let rep = s.hrandfield_count(0, b"h", -100).unwrap();
        assert_eq!(rep.len(), 100);
        assert!(rep.iter().all(|f| model.contains_key(f)));
        let wv = s.hrandfield_withvalues(0, b"h", -7).unwrap();
        assert_eq!(wv.len(), 7);
        assert!(wv.iter().all(|(f, v)| model.get(f) == Some(v)));
        let wv = s.hrandfield_withvalues(0, b"h", 7).unwrap();
        assert_eq!(wv.iter().map(|(f, _)| f).collect::<BTreeSet<_>>().len(), 7);
        assert!(wv.iter().all(|(f, v)| model.get(f) == Some(v)));
    }

    #[test]
    fn hrandfield_range_errors() {
        let mut s = shard();
        s.hset(0, b"h", &pairs(&[("a", "1")])).unwrap();
        let long = Error::InvalidArgument(ArgError::OutsideLongRange);
        assert_eq!(s.hrandfield_count(0, b"h", i64::MIN).unwrap_err(), long);
        assert_eq!(s.hrandfield_count(0, b"missing", i64::MIN).unwrap_err(), long);
        assert_eq!(
            s.hrandfield_withvalues(0, b"h", -4611686018427387904).unwrap_err(),
            Error::InvalidArgument(ArgError::CountTooLarge)
        );
        // A count that cannot be allocated fails instead of aborting.
        assert_eq!(s.hrandfield_count(0, b"h", -i64::MAX).unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.hrandfield_withvalues(0, b"h", -(i64::MAX / 2)).unwrap_err(), Error::OutOfMemory);
    }

    #[test]
    fn hrandfield_is_roughly_uniform() {
        let mut s = shard();
        let p: Vec<(Bytes, Bytes)> = (0..10).map(|i| (i64_bytes(i), b("v"))).collect();
        s.hset(0, b"h", &p).unwrap();
        // Delete and re-add to exercise swap-removal.
        s.hdel(0, b"h", &[b"3", b"7"]).unwrap();
        s.hset(0, b"h", &pairs(&[("3", "v"), ("7", "v")])).unwrap();
        let mut counts = BTreeMap::new();
        for f in s.hrandfield_count(0, b"h", -20_000).unwrap() {
            *counts.entry(f).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 10);
        assert!(counts.values().all(|&c| (1600..2400).contains(&c)), "{counts:?}");
    }

    fn scan_all(s: &mut Shard, key: &[u8], pattern: Option<&[u8]>, count: usize) -> Vec<(Bytes, Bytes)> {
        let mut cursor = 0;
        let mut out = Vec::new();
        loop {
            let (next, batch) = s.hscan(0, key, cursor, pattern, count).unwrap();
            out.extend(batch);
            if next == 0 {
                return out;
            }
            cursor = next;
        }
    }

    #[test]
    fn hscan_small_and_large() {
        let mut s = shard();
        assert_eq!(s.hscan(0, b"missing", 0, None, 10).unwrap(), (0, vec![]));
        let small = pairs(&[("a1", "1"), ("b1", "2"), ("a2", "3")]);
        s.hset(0, b"small", &small).unwrap();
        let (cur, got) = s.hscan(0, b"small", 0, None, 1).unwrap();
        assert_eq!((cur, sorted(got)), (0, sorted(small.clone())));
        let (_, got) = s.hscan(0, b"small", 0, Some(b"a*"), 10).unwrap();
        assert_eq!(sorted(got), pairs(&[("a1", "1"), ("a2", "3")]));

        let big: Vec<(Bytes, Bytes)> = (0..1000).map(|i| (i64_bytes(i), i64_bytes(-i))).collect();
        s.hset(0, b"big", &big).unwrap();
        let (cur, got) = s.hscan(0, b"big", 0, None, 10).unwrap();
        assert_ne!(cur, 0);
        assert_eq!(got.len(), 10);
        let all = scan_all(&mut s, b"big", None, 7);
        assert_eq!(all.len(), 1000, "no duplicates without concurrent changes");
        assert_eq!(sorted(all), sorted(big.clone()));
        let ones = scan_all(&mut s, b"big", Some(b"1*"), 50);
        assert_eq!(ones.len(), 1 + 10 + 100);
        // A stale cursor past the end is clamped, not an error.
        let (_, got) = s.hscan(0, b"big", u64::MAX, None, 5).unwrap();
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn hscan_returns_survivors_despite_growth_and_deletes() {
        let mut s = shard();
        let initial: Vec<(Bytes, Bytes)> = (0..500).map(|i| (i64_bytes(i), b("v"))).collect();
        s.hset(0, b"h", &initial).unwrap();
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut round = 0i64;
        loop {
            let (next, batch) = s.hscan(0, b"h", cursor, None, 13).unwrap();
            seen.extend(batch.into_iter().map(|(f, _)| f));
            if next == 0 {
                break;
            }
            cursor = next;
            // Churn: delete some even fields, add many new ones.
            let doomed: Vec<Bytes> = (0..5).map(|j| i64_bytes((round * 10 + j * 2) % 500)).collect();
            s.hdel(0, b"h", &doomed).unwrap();
            let fresh: Vec<(Bytes, Bytes)> = (0..40).map(|j| (i64_bytes(10_000 + round * 40 + j), b("n"))).collect();
            s.hset(0, b"h", &fresh).unwrap();
            round += 1;
        }
        // Odd fields were never deleted: all must have been seen.
        for i in (1..500).step_by(2) {
            assert!(seen.contains(&i64_bytes(i)), "missed {i}");
        }
        assert!(round < 40, "scan length bounded by the size at the start");
    }

    #[test]
    fn ttl_kept_and_expired_hash_is_missing() {
        let mut s = shard();
        s.hset(0, b"h", &pairs(&[("a", "1"), ("b", "2")])).unwrap();
        let slot = s.lookup(0, b"h").unwrap();
        let at = s.now_ms() + 50;
        s.set_expire(slot, Some(at));
        s.hset(0, b"h", &pairs(&[("c", "3")])).unwrap();
        s.hincrby(0, b"h", "a", 1).unwrap();
        s.hincrbyfloat(0, b"h", "a", b"1.5").unwrap();
        s.hdel(0, b"h", &[b"b"]).unwrap();
        s.hsetnx(0, b"h", "d", "4").unwrap();
        let slot = s.lookup(0, b"h").unwrap();
        assert_eq!(s.expire_of(slot), Some(at));
        s.clock().advance(51);
        assert_eq!(s.hlen(0, b"h").unwrap(), 0);
        assert_eq!(s.hget(0, b"h", b"a").unwrap(), None);
        assert_eq!(s.hincrby(0, b"h", "a", 1).unwrap(), 1);
        let slot = s.lookup(0, b"h").unwrap();
        assert_eq!(s.expire_of(slot), None);
    }

    #[test]
    fn memory_accounting() {
        let mut s = shard();
        let base = s.used_memory();
        let p: Vec<(Bytes, Bytes)> = (0..2000).map(|i| (i64_bytes(i), Bytes::from(vec![b'v'; 50]))).collect();
        s.hset(0, b"h", &p).unwrap();
        let full = s.used_memory();
        assert!(full >= base + 2000 * 50);
        let fields: Vec<Bytes> = p.iter().map(|(f, _)| f.clone()).collect();
        s.hdel(0, b"h", &fields[..1990]).unwrap();
        let small = s.used_memory();
        assert!(small < base + 10_000, "deleting fields gives memory back: {small} vs {base}");
        s.hset(0, b"h", &[(fields[1995].clone(), Bytes::from(vec![b'x'; 5000]))]).unwrap();
        assert!(s.used_memory() >= small + 4950);
        s.hdel(0, b"h", &fields[1990..]).unwrap();
        assert_eq!(s.used_memory(), base);
    }

    #[test]
    fn oom_refuses_growing_commands_only() {
        let mut s = shard();
        s.hset(0, b"h", &pairs(&[("a", "1")])).unwrap();
        s.set_maxmemory(1);
        assert_eq!(s.hset(0, b"h", &pairs(&[("b", "1")])).unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.hsetnx(0, b"h", "b", "1").unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.hincrby(0, b"h", "a", 1).unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.hincrbyfloat(0, b"h", "a", b"1").unwrap_err(), Error::OutOfMemory);
        assert_eq!(s.hget(0, b"h", b"a").unwrap(), Some(b("1")));
        assert_eq!(s.hdel(0, b"h", &[b"a"]).unwrap(), 1);
    }

    #[test]
    fn hash_struct_invariants_under_churn() {
        let mut h = Hash::default();
        let mut model = BTreeMap::new();
        let mut x: u64 = 1;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = i64_bytes((x % 300) as i64);
            if x % 3 == 0 {
                assert_eq!(h.remove(&f), model.remove(&f));
            } else {
                let v = i64_bytes((x >> 20) as i64 % 1000);
                assert_eq!(h.insert(f.clone(), v.clone()), model.insert(f, v).is_none());
            }
            assert_eq!(h.len(), model.len());
        }
        for (f, v) in &model {
            assert_eq!(h.get(f), Some(v));
        }
        let bytes: usize = model.iter().map(|(f, v)| f.len() + v.len()).sum();
        assert_eq!(h.bytes, bytes);
        let copy: Hash = model.clone().into_iter().collect();
        assert_eq!(copy, h);
        assert_eq!(format!("{:?}", Hash::default()), "{}");
    }

    /// The mutation stream's commands for hash writes: each replays to the
    /// same keyspace, and a change to a hash is a command of its own size.
    mod deltas {
        use super::*;
        use crate::propagate::tests::{log_bytes, round_trip, text};

        #[test]
        fn writes_name_only_what_they_changed() {
            let log = round_trip(|s, _| {
                s.hset(0, b"h", &pairs(&[("a", "1"), ("b", "2"), ("c", "3"), ("n", "10"), ("x", "1.5")])).unwrap();
                s.hset(0, b"h", &pairs(&[("a", "4"), ("d", "5"), ("a", "6")])).unwrap();
                assert!(!s.hsetnx(0, b"h", "a", "7").unwrap());
                assert!(s.hsetnx(0, b"h", "e", "8").unwrap());
                s.hincrby(0, b"h", "n", 5).unwrap();
                s.hincrby(0, b"h", "new", -3).unwrap();
                s.hincrbyfloat(0, b"h", "x", b"0.1").unwrap();
                s.hincrbyfloat(0, b"h", "x", b"1e2").unwrap();
                s.hincrbyfloat(0, b"h", "y", b"-2.50").unwrap();
                assert_eq!(s.hincrby(0, b"h", "a", i64::MAX).unwrap_err(), Error::Overflow);
                assert_eq!(s.hdel(0, b"h", &[b"zz".as_slice(), b"b", b"b", b"c"]).unwrap(), 2);
                assert_eq!(s.hdel(0, b"h", &[b"zz"]).unwrap(), 0);
            });
            assert_eq!(
                text(&log[2..]),
                [
                    "HSET h a 4 d 5 a 6",
                    "HSET h e 8",
                    "HSET h n 15",
                    "HSET h new -3",
                    "HSET h x 1.6",
                    "HSET h x 101.6",
                    "HSET h y -2.5",
                    "HDEL h b c",
                ]
            );
        }

        #[test]
        fn emptying_is_a_delete_and_a_ttl_is_kept() {
            let log = round_trip(|s, clock| {
                s.hset(0, b"h", &pairs(&[("a", "1"), ("b", "2")])).unwrap();
                s.pexpire(0, b"h", 1_000, Default::default()).unwrap();
                clock.advance(10);
                s.hset(0, b"h", &pairs(&[("c", "3")])).unwrap();
                s.hincrby(0, b"h", "a", 1).unwrap();
                s.hincrbyfloat(0, b"h", "b", b"0.5").unwrap();
                s.hsetnx(0, b"h", "d", "4").unwrap();
                s.hdel(0, b"h", &[b"d"]).unwrap();
                let slot = s.lookup(0, b"h").unwrap();
                assert!(s.expire_of(slot).is_some());
                s.hset(0, b"g", &pairs(&[("a", "1"), ("b", "2")])).unwrap();
                s.hdel(0, b"g", &[b"a".as_slice(), b"b"]).unwrap();
            });
            assert_eq!(text(&log[log.len() - 3..]), ["DEL g", "HSET g a 1 b 2", "DEL g"]);
        }

        #[test]
        fn a_change_to_a_large_hash_is_a_small_command() {
            let log = round_trip(|s, _| {
                let all: Vec<(Bytes, Bytes)> =
                    (0..100_000).map(|i| (b(&format!("field-{i}")), b(&format!("value-{i}")))).collect();
                s.hset(0, b"h", &all).unwrap();
                s.hset(0, b"h", &pairs(&[("field-7", "changed")])).unwrap();
                s.hsetnx(0, b"h", "another", "1").unwrap();
                s.hincrby(0, b"h", "another", 1).unwrap();
                s.hincrbyfloat(0, b"h", "another", b"0.25").unwrap();
                s.hdel(0, b"h", &[b"field-9"]).unwrap();
            });
            let (whole, deltas) = log.split_at(log.len() - 5);
            assert!(log_bytes(whole) > 1_000_000);
            assert_eq!(
                text(deltas),
                [
                    "HSET h field-7 changed",
                    "HSET h another 1",
                    "HSET h another 2",
                    "HSET h another 2.25",
                    "HDEL h field-9"
                ]
            );
            for entry in deltas {
                assert!(log_bytes(std::slice::from_ref(entry)) < 100);
            }
        }
    }
}
