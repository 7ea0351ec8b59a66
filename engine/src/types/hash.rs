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

use crate::error::{Error, Result};
use crate::glob;
use crate::shard::{IntoBytes, Shard};
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

/// Redis's reply for an integer argument outside `-LONG_MAX..=LONG_MAX`.
const NOT_LONG_RANGE: &str = "value is out of range, value must between -9223372036854775807 and 9223372036854775807";

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
        if let Some(i) = self.position(&field) {
            self.set_value_at(i, value);
            return false;
        }
        if self.entries.len() >= MAX_FIELDS {
            return false;
        }
        let Hash { entries, index, bytes } = self;
        let hasher = hasher();
        let h = hasher.hash_one(field.as_ref());
        index.insert_unique(h, entries.len() as u32, |&i| hash_at(entries, hasher, i));
        *bytes += field.len() + value.len();
        entries.push((field, value));
        true
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

/// Parses a stored hash value as Redis's `string2ll` does: optional `-`, no
/// `+`, no spaces, no leading zeros, at most 20 characters.
fn parse_i64_strict(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > 1 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Decimal text of `v` without allocating a `String`.
fn i64_bytes(v: i64) -> Bytes {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = Vec::with_capacity(buf.len() - i + 1);
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
    Bytes::from(out)
}

impl Shard {
    fn hash_ref(&self, slot: u32) -> Option<&Hash> {
        match self.value(slot) {
            ValueRef::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// Runs `f` on the hash in `slot` (which a kind-checked lookup found).
    fn hash_mut<R: Default>(&mut self, slot: u32, f: impl FnOnce(&mut Hash) -> (R, bool)) -> R {
        self.modify(slot, |v| match v {
            Value::Hash(h) => f(h),
            _ => (R::default(), false),
        })
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
                Ok(self.hash_mut(slot, |h| (h.insert(field, value), true)))
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
        Ok(self.hash_mut(slot, |h| {
            let new = pairs.iter().filter(|(f, v)| h.insert(f.clone(), v.clone())).count();
            (new, true)
        }))
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
        Ok(self.hash_mut(slot, |h| {
            let n = fields.iter().filter(|f| h.remove(f.as_ref()).is_some()).count();
            (n, n > 0)
        }))
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
    /// returns the result. Errors: `ERR hash value is not an integer`, `ERR
    /// increment or decrement would overflow`.
    pub fn hincrby(&mut self, db: u8, key: &[u8], field: impl IntoBytes, incr: i64) -> Result<i64> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        let current = match slot.and_then(|s| self.hash_ref(s)).and_then(|h| h.get(field.as_ref())) {
            Some(v) => parse_i64_strict(v).ok_or(Error::HashNotInteger)?,
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
    /// Errors, in Redis's order: `ERR value is not a valid float` and `ERR
    /// value is NaN or Infinity` for `incr`, WRONGTYPE, `ERR hash value is not
    /// a float`, `ERR increment would produce NaN or Infinity`.
    pub fn hincrbyfloat(&mut self, db: u8, key: &[u8], field: impl IntoBytes, incr: &[u8]) -> Result<Bytes> {
        self.make_room()?;
        let incr = long_double::parse(incr).ok_or(Error::NotFloat)?;
        if !incr.is_finite() {
            return Err(Error::OutOfRange("value is NaN or Infinity"));
        }
        let slot = self.lookup_write_kind(db, key, Kind::Hash)?;
        let current = match slot.and_then(|s| self.hash_ref(s)).and_then(|h| h.get(field.as_ref())) {
            Some(v) => long_double::parse(v).ok_or(Error::HashNotFloat)?,
            None => long_double::Ld::ZERO,
        };
        let sum = long_double::add(current, incr);
        if !sum.is_finite() {
            return Err(Error::NanOrInfinity);
        }
        let text = Bytes::from(long_double::format_human(sum));
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
    /// below `-(i64::MAX / 2)` is Redis's `ERR value is out of range`.
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
            return Err(Error::OutOfRange(NOT_LONG_RANGE));
        }
        if with_values && count < -(i64::MAX / 2) {
            return Err(Error::OutOfRange("value is out of range"));
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

/// Emulation of the x87 80-bit `long double` that Redis on x86-64 uses for
/// HINCRBYFLOAT/INCRBYFLOAT: `strtold` parsing, one correctly rounded
/// addition, and `%.17Lf` printing with trailing zeros removed. Plain `f64`
/// would print `0.1 + 0.2` as `0.30000000000000004` where Redis says `0.3`.
mod long_double {
    use std::cmp::Ordering;

    /// Exponent of the least significant mantissa bit of subnormals (and of
    /// the smallest normal numbers).
    const EMIN: i64 = -16445;
    /// Largest exponent of the least significant bit of a finite number.
    const EMAX: i64 = 16320;
    /// Redis's `MAX_LONG_DOUBLE_CHARS`: longer strings are not floats.
    const MAX_CHARS: usize = 5 * 1024;
    /// Bits of quotient computed when dividing by a power of ten: 64 for the
    /// mantissa, the rest for rounding.
    const QUOTIENT_BITS: i64 = 66;

    /// A `long double` value: `mant * 2^exp`, with `mant`'s top bit set unless
    /// the number is subnormal (`exp == EMIN`) or zero (`mant == 0`).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(super) enum Ld {
        Num { neg: bool, mant: u64, exp: i64 },
        Inf(bool),
        Nan,
    }

    impl Ld {
        pub(super) const ZERO: Ld = Ld::Num { neg: false, mant: 0, exp: 0 };

        pub(super) fn is_finite(self) -> bool {
            matches!(self, Ld::Num { .. })
        }
    }

    /// Rounds `(m + s) * 2^exp2` to the nearest `long double` (ties to even),
    /// where `s` is in (0, 1) when `sticky` and 0 otherwise. `sticky` is only
    /// meaningful when `m` has more than 64 significant bits.
    fn round(neg: bool, m: u128, exp2: i64, sticky: bool) -> Ld {
        if m == 0 {
            return Ld::Num { neg, mant: 0, exp: 0 };
        }
        let bits = 128 - i64::from(m.leading_zeros());
        let top = exp2 + bits - 1;
        let e = (top - 63).max(EMIN);
        let shift = e - exp2;
        let q = if shift <= 0 {
            m << (-shift) as u32
        } else if shift > 128 {
            0
        } else {
            let (hi, rem) = if shift == 128 { (0, m) } else { (m >> shift, m & ((1u128 << shift) - 1)) };
            let half = 1u128 << (shift - 1);
            let up = rem > half || (rem == half && (sticky || hi & 1 == 1));
            hi + u128::from(up)
        };
        let (mant, e) = if q >> 64 != 0 { ((q >> 1) as u64, e + 1) } else { (q as u64, e) };
        if e > EMAX {
            Ld::Inf(neg)
        } else if mant == 0 {
            Ld::Num { neg, mant: 0, exp: 0 }
        } else {
            Ld::Num { neg, mant, exp: e }
        }
    }

    /// The correctly rounded sum (x87 `fadd` in round-to-nearest).
    pub(super) fn add(a: Ld, b: Ld) -> Ld {
        let (an, am, ae, bn, bm, be) = match (a, b) {
            (Ld::Nan, _) | (_, Ld::Nan) => return Ld::Nan,
            (Ld::Inf(x), Ld::Inf(y)) => return if x == y { a } else { Ld::Nan },
            (Ld::Inf(_), _) => return a,
            (_, Ld::Inf(_)) => return b,
            (Ld::Num { neg: an, mant: am, exp: ae }, Ld::Num { neg: bn, mant: bm, exp: be }) => {
                (an, am, ae, bn, bm, be)
            }
        };
        if bm == 0 {
            return if am == 0 { Ld::ZERO } else { a };
        }
        if am == 0 {
            return b;
        }
        // Order by magnitude; with normalised mantissas that is (exp, mant).
        let ((neg, m1, e1), (n2, m2, e2)) =
            if (ae, am) >= (be, bm) { ((an, am, ae), (bn, bm, be)) } else { ((bn, bm, be), (an, am, ae)) };
        let same = neg == n2;
        let d = e1 - e2;
        if d <= 63 {
            let x = u128::from(m1) << d;
            let y = u128::from(m2);
            let m = if same { x + y } else { x - y };
            round(neg, m, e2, false)
        } else {
            let x = u128::from(m1) << 63;
            let sh = d - 63;
            let (y, lost) = if sh >= 64 { (0, m2 != 0) } else { (u128::from(m2 >> sh), m2 & ((1u64 << sh) - 1) != 0) };
            let m = if same {
                x + y
            } else {
                // x - (y + s) = (x - y - 1) + (1 - s), with 1 - s in (0, 1).
                x - y - u128::from(lost)
            };
            round(neg, m, e1 - 63, lost)
        }
    }

    /// Parses like Redis's `string2ld`: all of `s` must be a `strtold`
    /// number (decimal, hex, `inf`/`infinity`), with no leading space and at
    /// most 5119 bytes; NaN, and values that overflow or underflow to zero,
    /// are rejected.
    pub(super) fn parse(s: &[u8]) -> Option<Ld> {
        if s.is_empty() || s.len() >= MAX_CHARS || matches!(s[0], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            return None;
        }
        let (neg, rest) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
            return Some(Ld::Inf(neg));
        }
        let v = match rest {
            [b'0', b'x' | b'X', hex @ ..] => parse_hex(neg, hex)?,
            _ => parse_decimal(neg, rest)?,
        };
        match v {
            Ld::Num { .. } => Some(v),
            _ => None,
        }
    }

    /// Splits `digits[.digits]` off the front: (digits without the point,
    /// digits after the point, rest).
    fn split_mantissa(s: &[u8], is_digit: fn(&u8) -> bool) -> (Vec<u8>, usize, &[u8]) {
        let int_len = s.iter().take_while(|c| is_digit(c)).count();
        let mut digits = s[..int_len].to_vec();
        let mut rest = &s[int_len..];
        let mut frac = 0;
        if let [b'.', after @ ..] = rest {
            frac = after.iter().take_while(|c| is_digit(c)).count();
            digits.extend_from_slice(&after[..frac]);
            rest = &after[frac..];
        }
        (digits, frac, rest)
    }

    /// Parses an exponent `[+-]digits` that must end the string; saturates.
    fn parse_exponent(s: &[u8]) -> Option<i64> {
        let (neg, digits) = match s {
            [b'-', d @ ..] => (true, d),
            [b'+', d @ ..] => (false, d),
            d => (false, d),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = digits.iter().fold(0i64, |acc, &c| (acc * 10 + i64::from(c - b'0')).min(1_000_000_000));
        Some(if neg { -v } else { v })
    }

    fn parse_decimal(neg: bool, s: &[u8]) -> Option<Ld> {
        let (digits, frac, rest) = split_mantissa(s, u8::is_ascii_digit);
        if digits.is_empty() {
            return None;
        }
        let exp = match rest {
            [] => 0,
            [b'e' | b'E', e @ ..] => parse_exponent(e)?,
            _ => return None,
        };
        let first = digits.iter().position(|&c| c != b'0');
        let Some(first) = first else { return Some(Ld::Num { neg, mant: 0, exp: 0 }) };
        let last = digits.iter().rposition(|&c| c != b'0').unwrap_or(first);
        let sig = &digits[first..=last];
        // value = sig * 10^e10
        let e10 = exp - frac as i64 + (digits.len() - 1 - last) as i64;
        let n = sig.len() as i64;
        if n + e10 - 1 > 4933 || n + e10 < -4952 {
            return None; // certain overflow, or below half the smallest subnormal
        }
        let mut d = Big::from_decimal(sig);
        let v = if e10 >= 0 {
            d.mul_pow10(e10 as u64);
            let (m, sh, st) = d.top128();
            round(neg, m, sh, st)
        } else {
            let mut dv = Big::from_u64(1);
            dv.mul_pow10(e10.unsigned_abs());
            let k = QUOTIENT_BITS + dv.bits() as i64 - d.bits() as i64;
            let lost = if k >= 0 {
                d.shl(k as u64);
                false
            } else {
                d.shr_sticky(k.unsigned_abs())
            };
            let (q, rem) = d.div_small_quotient(&dv);
            round(neg, q, -k, lost || rem)
        };
        checked(v)
    }

    fn parse_hex(neg: bool, s: &[u8]) -> Option<Ld> {
        let (digits, frac, rest) = split_mantissa(s, u8::is_ascii_hexdigit);
        if digits.is_empty() {
            return None;
        }
        let exp = match rest {
            [] => 0,
            [b'p' | b'P', e @ ..] => parse_exponent(e)?,
            _ => return None,
        };
        let mut m = Big::default();
        for &c in &digits {
            let v = (c as char).to_digit(16).unwrap_or(0);
            m.mul_small_add(16, v);
        }
        if m.is_zero() {
            return Some(Ld::Num { neg, mant: 0, exp: 0 });
        }
        let e2 = exp - 4 * frac as i64;
        let top = e2 + m.bits() as i64 - 1;
        if !(EMIN - 2..=16384).contains(&top) {
            return None;
        }
        let (q, sh, st) = m.top128();
        checked(round(neg, q, e2 + sh, st))
    }

    /// `strtold` signals ERANGE for overflow and for a non-zero input that
    /// rounded to zero; `string2ld` rejects both.
    fn checked(v: Ld) -> Option<Ld> {
        match v {
            Ld::Num { mant: 0, .. } | Ld::Inf(_) | Ld::Nan => None,
            v => Some(v),
        }
    }

    /// `%.17Lf` with trailing fractional zeros (and a bare point) removed,
    /// and `-0` printed as `0` — Redis's `ld2string(.., LD_STR_HUMAN)`.
    pub(super) fn format_human(v: Ld) -> Vec<u8> {
        let (neg, mant, exp) = match v {
            Ld::Num { neg, mant, exp } => (neg, mant, exp),
            Ld::Inf(neg) => return if neg { b"-inf".to_vec() } else { b"inf".to_vec() },
            Ld::Nan => return b"nan".to_vec(),
        };
        let mut out = Vec::with_capacity(32);
        if mant == 0 {
            out.push(b'0');
            return out;
        }
        const SCALE: u128 = 100_000_000_000_000_000; // 10^17
        if exp >= 0 {
            if neg {
                out.push(b'-');
            }
            let mut big = Big::from_u64(mant);
            big.shl(exp as u64);
            big.write_decimal(&mut out);
            return out;
        }
        // Fraction: round(mant * 10^17 / 2^-exp), ties to even like glibc.
        let n = u128::from(mant) * SCALE; // < 2^121
        let s = exp.unsigned_abs();
        let q = if s > 121 {
            0
        } else {
            let (hi, rem) = (n >> s, n & ((1u128 << s) - 1));
            let half = 1u128 << (s - 1);
            hi + u128::from(rem > half || (rem == half && hi & 1 == 1))
        };
        let (int, frac) = (q / SCALE, (q % SCALE) as u64);
        if int == 0 && frac == 0 {
            out.push(b'0');
            return out;
        }
        if neg {
            out.push(b'-');
        }
        write_u128(&mut out, int);
        if frac != 0 {
            let mut digits = [b'0'; 17];
            let mut f = frac;
            for d in digits.iter_mut().rev() {
                *d = b'0' + (f % 10) as u8;
                f /= 10;
            }
            let keep = digits.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
            out.push(b'.');
            out.extend_from_slice(&digits[..keep]);
        }
        out
    }

    fn write_u128(out: &mut Vec<u8>, mut v: u128) {
        let mut buf = [0u8; 40];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend_from_slice(&buf[i..]);
    }

    /// A minimal unsigned big integer (little-endian `u32` limbs, no high
    /// zero limbs) for exact decimal ↔ binary conversion.
    #[derive(Debug, Clone, Default)]
    struct Big(Vec<u32>);

    impl Big {
        fn from_u64(v: u64) -> Big {
            let mut b = Big(vec![v as u32, (v >> 32) as u32]);
            b.trim();
            b
        }

        fn from_decimal(digits: &[u8]) -> Big {
            let mut b = Big::default();
            for chunk in digits.chunks(9) {
                let v = chunk.iter().fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
                b.mul_small_add(10u32.pow(chunk.len() as u32), v);
            }
            b
        }

        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }

        fn is_zero(&self) -> bool {
            self.0.is_empty()
        }

        fn bits(&self) -> u64 {
            match self.0.last() {
                Some(&top) => (self.0.len() as u64 - 1) * 32 + u64::from(32 - top.leading_zeros()),
                None => 0,
            }
        }

        fn mul_small_add(&mut self, m: u32, a: u32) {
            let mut carry = u64::from(a);
            for limb in &mut self.0 {
                let v = u64::from(*limb) * u64::from(m) + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
        }

        fn mul_pow10(&mut self, mut n: u64) {
            while n >= 9 {
                self.mul_small_add(1_000_000_000, 0);
                n -= 9;
            }
            if n > 0 {
                self.mul_small_add(10u32.pow(n as u32), 0);
            }
        }

        fn shl(&mut self, bits: u64) {
            if self.is_zero() {
                return;
            }
            let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
            if rem != 0 {
                let mut carry = 0u32;
                for limb in &mut self.0 {
                    let v = (*limb << rem) | carry;
                    carry = *limb >> (32 - rem);
                    *limb = v;
                }
                if carry != 0 {
                    self.0.push(carry);
                }
            }
            if limbs > 0 {
                self.0.splice(0..0, std::iter::repeat_n(0, limbs));
            }
        }

        /// Shifts right by `bits`, returning whether any 1 bit was lost.
        fn shr_sticky(&mut self, bits: u64) -> bool {
            let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
            if limbs >= self.0.len() {
                let lost = !self.is_zero();
                self.0.clear();
                return lost;
            }
            let mut lost = self.0[..limbs].iter().any(|&l| l != 0);
            self.0.drain(..limbs);
            if rem != 0 {
                lost |= self.0[0] & ((1 << rem) - 1) != 0;
                for i in 0..self.0.len() {
                    let next = self.0.get(i + 1).copied().unwrap_or(0);
                    self.0[i] = (self.0[i] >> rem) | (next << (32 - rem));
                }
            }
            self.trim();
            lost
        }

        fn shr1(&mut self) {
            for i in 0..self.0.len() {
                let next = self.0.get(i + 1).copied().unwrap_or(0);
                self.0[i] = (self.0[i] >> 1) | (next << 31);
            }
            self.trim();
        }

        fn cmp(&self, other: &Big) -> Ordering {
            self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
        }

        /// `self -= other`; requires `self >= other`.
        fn sub_assign(&mut self, other: &Big) {
            let mut borrow = 0i64;
            for (i, limb) in self.0.iter_mut().enumerate() {
                let v = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
                borrow = i64::from(v < 0);
                *limb = v.rem_euclid(1 << 32) as u32;
            }
            self.trim();
        }

        /// The top (up to) 128 bits as `(m, shift, sticky)`: `self` equals
        /// `(m + s) * 2^shift` with `s` in [0, 1), non-zero iff `sticky`.
        fn top128(&self) -> (u128, i64, bool) {
            let bits = self.bits();
            let shift = bits.saturating_sub(128);
            let mut top = self.clone();
            let lost = top.shr_sticky(shift);
            let m = top.0.iter().rev().fold(0u128, |acc, &l| (acc << 32) | u128::from(l));
            (m, shift as i64, lost)
        }

        /// `(self / d, self % d != 0)` for a quotient below 2^127; `self`
        /// becomes the remainder.
        fn div_small_quotient(&mut self, d: &Big) -> (u128, bool) {
            let (nb, db) = (self.bits(), d.bits());
            if nb < db {
                return (0, !self.is_zero());
            }
            let l = (nb - db).min(126);
            let mut ds = d.clone();
            ds.shl(l);
            let mut q = 0u128;
            for i in (0..=l).rev() {
                if self.cmp(&ds) != Ordering::Less {
                    self.sub_assign(&ds);
                    q |= 1u128 << i;
                }
                ds.shr1();
            }
            (q, !self.is_zero())
        }

        /// Appends the decimal digits.
        fn write_decimal(&self, out: &mut Vec<u8>) {
            let mut n = self.clone();
            let mut chunks = Vec::new();
            while !n.is_zero() {
                let mut rem = 0u64;
                for limb in n.0.iter_mut().rev() {
                    let v = (rem << 32) | u64::from(*limb);
                    *limb = (v / 1_000_000_000) as u32;
                    rem = v % 1_000_000_000;
                }
                n.trim();
                chunks.push(rem as u32);
            }
            let Some((first, rest)) = chunks.split_last() else {
                out.push(b'0');
                return;
            };
            write_u128(out, u128::from(*first));
            for &c in rest.iter().rev() {
                let mut digits = [b'0'; 9];
                let mut c = c;
                for d in digits.iter_mut().rev() {
                    *d = b'0' + (c % 10) as u8;
                    c /= 10;
                }
                out.extend_from_slice(&digits);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn incr(start: &str, by: &str) -> Option<String> {
            let a = parse(start.as_bytes())?;
            let b = parse(by.as_bytes())?;
            Some(String::from_utf8(format_human(add(a, b))).unwrap())
        }

        /// Every expected output here was produced by redis-server 7.0.15.
        #[test]
        fn matches_redis_outputs() {
            let cases: &[(&str, &str, &str)] = &[
                ("0", "1.5", "1.5"),
                ("1.5", "0.1", "1.6"),
                ("1.6", "1e17", "100000000000000001.6015625"),
                ("0", "3.0e3", "3000"),
                ("3000", "-3000", "0"),
                ("5", "1.25", "6.25"),
                ("5.0e1", "0", "50"),
                ("1.1", "2.2", "3.3"),
                ("0", "0.1", "0.1"),
                ("0.1", "0.2", "0.3"),
                ("0", "0.00000000000000000001", "0"),
                ("0", "-1e-20", "0"),
                ("0", "123456789012345678901234567890", "123456789012345678899921813504"),
                ("0", "-0.0", "0"),
                ("01", "0", "1"),
                ("+1", "0", "1"),
                ("-0", "0", "0"),
                ("0x10", "0", "16"),
                ("1e3", "0", "1000"),
                (".5", "0", "0.5"),
                ("5.", "0", "5"),
                ("0", "0x10", "16"),
                ("0", "1e-4940", "0"),
                ("0", "0.000003814697265625", "0.00000381469726562"),
                ("0", "0.000011444091796875", "0.00001144409179688"),
                ("100", "-100.5", "-0.5"),
                ("0", "3.7e-4951", "0"),
                ("0", "-.5", "-0.5"),
                ("0", "1E2", "100"),
                ("0", "+1", "1"),
                ("0", "1e+2", "100"),
                ("0", "0x1p-2", "0.25"),
                ("0", "1.e1", "10"),
                ("9223372036854775806", "0", "9223372036854775806"),
            ];
            for (start, by, want) in cases {
                assert_eq!(incr(start, by).as_deref(), Some(*want), "{start} + {by}");
            }
        }

        #[test]
        fn huge_values_print_every_digit() {
            let max = "1189731495357231765021263853030970205169063322294624200440323733891737005522970722616410290336528882853545697807495577314427443153670288434198125573853743678673593200706973263201915918282961524365529510646791086614311790632169778838896134786560600399148753433211454911160088679845154866512852340149773037600009125479393966223151383622417838542743917838138717805889487540575168226347659235576974805113725649020884855222494791399377585026011773549180099796226026859508558883608159846900235645132346594476384939859276456284579661772930407806609229102715046085388087959327781622986827547830768080040150694942303411728957777100335714010559775242124057347007386251660110828379119623008469277200965153500208474470792443848545912886723000619085126472111951361467527633519562927597957250278002980795904193139603021470997035276467445530922022679656280991498232083329641241038509239184734786121921697210543484287048353408113042573002216421348917347174234800714880751002064390517234247656004721768096486107994943415703476320643558624207443504424380566136017608837478165389027809576975977286860071487028287955567141404632615832623602762896316173978484254486860609948270867968048078702511858930838546584223040908805996294594586201903766048446790926002225410530775901065760671347200125846406957030257138960983757998926954553052368560758683179223113639519468850880771872104705203957587480013143131444254943919940175753169339392366881856189129931729104252921236835159922322050998001677102784035360140829296398115122877768135706045789343535451696539561254048846447169786893211671087229088082778350518228857646062218739702851655083720992349483334435228984751232753726636066213902281264706234075352071724058665079518217303463782631353393706774901950197841690441824738063162828586857741432581165364040218402724913393320949219498422442730427019873044536620350262386957804682003601447291997123095530057206141866974852846856186514832715974481203121946751686379343096189615107330065552421485195201762858595091051839472502863871632494167613804996319791441870254302706758495192008837915169401581740046711477877201459644461175204059453504764721807975761111720846273639279600339670470037613374509553184150073796412605047923251661354841291884211340823015473304754067072818763503617332908005951896325207071673904547777129682265206225651439919376804400292380903112437912614776255964694221981375146967079446870358004392507659451618379811859392049544036114915310782251072691486979809240946772142727012404377187409216756613634938900451232351668146089322400697993176017805338191849981933008410985993938760292601390911414526003720284872132411955424282101831204216104467404621635336900583664606591156298764745525068145003932941404131495400677602951005962253022823003631473824681059648442441324864573137437595096416168048024129351876204668135636877532814675538798871771836512893947195335061885003267607354388673368002074387849657014576090349857571243045102038730494854256702479339322809110526041538528994849203991091946129912491633289917998094380337879522093131466946149705939664152375949285890960489916121944989986384837022486672249148924678410206183364627416969576307632480235587975245253737035433882960862753427740016333434055083537048507374544819754722228975281083020898682633020285259923084168054539687911418297629988964576482765287504562854924265165217750799516259669229114977788962356670956627138482018191348321687995863652637620978285070099337294396784639879024914514222742527006363942327998483976739987154418554201562244154926653014515504685489258620276085761837129763358761215382565129633538141663949516556000264159186554850057052611431952919918807954522394649627635630178580896692226406235382898535867595990647008385687123810329591926494846250768992258419305480763620215089022149220528069842018350840586938493815498909445461977893029113576516775406232278298314033473276603952231603422824717528181818844304880921321933550869873395861276073670866652375555675803171490108477320096424318780070008797346032906278943553743564448851907191616455141155761939399690767415156402826543664026760095087523945507341556135867933066031744720924446513532366647649735400851967040771103640538150073486891798364049570606189535005089840913826869535090066783324472578712196604415284924840041850932811908963634175739897166596000759487800619164094854338758520657116541072260996288150123144377944008749301944744330784388995701842710004808305012177123560622895076269042856800047718893158089358515593863176652948089031267747029662545110861548958395087796755464137944895960527975209874813839762578592105756284401759349324162148339565350189196811389091843795734703269406342890087805846940352453479398080674273236297887100867175802531561302356064878709259865288416350972529537091114317204887747405539054009425375424119317944175137064689643861517718849867010341532542385911089624710885385808688837777258648564145934262121086647588489260031762345960769508849149662444156604419552086811989770240";
            assert_eq!(incr("0", "1.18973149535723176502e+4932").as_deref(), Some(max));
            let e400 = incr("1e400", "1").unwrap();
            assert!(e400.starts_with("1000000000000000000028188068394758651458645343362905203862591069353968553400862986203936399484832416052209405392731761620029582277725925573402382897659334066101779744743454617391786244811667497172377894382439159333804747067502624668440135923751360383034373548550524495596497902182503828009106841494740245689865304095101751265809261582758892018347251164331659136266413817630973480634373249743022194688"));
            assert_eq!(e400.len(), 401);
        }

        #[test]
        fn rejects_what_string2ld_rejects() {
            for bad in [
                "",
                " 1",
                "1 ",
                "\t1",
                "abc",
                "nan",
                "-nan",
                "NaN",
                "1e",
                "e1",
                "0x",
                "0xg",
                "0x1p",
                "1e-5000",
                "1e5000",
                "-1e5000",
                "1.8e-4951",
                "--1",
                "+-1",
                "1..2",
                "1e1.5",
                "1\0",
                "\x001",
                "inf1",
                "infinit",
                "0x.p1",
                ".",
                "-",
                "+",
                "1f",
            ] {
                assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
            }
            assert_eq!(parse(&vec![b'1'; MAX_CHARS]), None);
            assert!(parse(&vec![b'1'; MAX_CHARS - 1]).is_none(), "5119 nines overflow");
            assert!(parse(&[b"0.".as_slice(), &vec![b'1'; 4000]].concat()).is_some());
            for inf in ["inf", "INF", "-inf", "infinity", "+Infinity"] {
                assert!(matches!(parse(inf.as_bytes()), Some(Ld::Inf(_))), "{inf}");
            }
            for ok in ["0", "-0", "0e99999999999999", "0x0p-99999", "0x.8", "0X1.8P1", "1e-4940", "3.7e-4951"] {
                assert!(matches!(parse(ok.as_bytes()), Some(Ld::Num { .. })), "{ok}");
            }
        }

        #[test]
        fn addition_rounds_correctly() {
            let one = parse(b"1").unwrap();
            let tiny = parse(b"0x1p-64").unwrap();
            // 1 + 2^-64 is a tie between 1 and 1 + 2^-63: even wins.
            assert_eq!(add(one, tiny), one);
            let above = parse(b"0x1.000000000000001p-64").unwrap();
            assert_eq!(add(one, above), parse(b"0x1.0000000000000002p0").unwrap());
            // Cancellation and signs.
            let x = parse(b"123.25").unwrap();
            let y = parse(b"-123.25").unwrap();
            assert_eq!(format_human(add(x, y)), b"0");
            assert_eq!(format_human(add(parse(b"-1").unwrap(), parse(b"0.25").unwrap())), b"-0.75");
            // Far-apart exponents: the small one only affects rounding.
            let big = parse(b"1e300").unwrap();
            assert_eq!(add(big, parse(b"-1").unwrap()), add(big, parse(b"-0.5").unwrap()));
            let max = parse(b"1.18973149535723176502e+4932").unwrap();
            assert_eq!(add(max, max), Ld::Inf(false));
            assert_eq!(add(Ld::Inf(true), Ld::Inf(false)), Ld::Nan);
            assert_eq!(add(Ld::Inf(true), one), Ld::Inf(true));
            // Subnormals add exactly.
            let min = parse(b"0x1p-16445").unwrap();
            assert_eq!(add(min, min), parse(b"0x1p-16444").unwrap());
        }

        #[test]
        fn formatting_ties_go_to_even() {
            // 2^-18 and 3 * 2^-18 end exactly on a 5 in the 18th decimal.
            assert_eq!(format_human(parse(b"0x1p-18").unwrap()), b"0.00000381469726562");
            assert_eq!(format_human(parse(b"0x3p-18").unwrap()), b"0.00001144409179688");
            assert_eq!(format_human(parse(b"-0x1p-70").unwrap()), b"0");
            assert_eq!(format_human(parse(b"0x1p63").unwrap()), b"9223372036854775808");
            assert_eq!(format_human(parse(b"0x1p64").unwrap()), b"18446744073709551616");
        }
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
        assert_eq!(s.hincrby(0, b"h", "max", 1).unwrap_err().to_string(), "ERR increment or decrement would overflow");
        assert_eq!(s.hincrby(0, b"h", "min", -1).unwrap_err(), Error::Overflow);
        assert_eq!(s.hincrby(0, b"h", "min", 0).unwrap(), i64::MIN);
        assert_eq!(s.hincrby(0, b"h", "max", i64::MIN).unwrap(), -1);
        for bad in ["01", "+1", "-0", " 1", "1 ", "", "abc", "1.5", "9223372036854775808", "-9223372036854775809", "-"]
        {
            s.hset(0, b"h", &[(b("bad"), b(bad))]).unwrap();
            assert_eq!(
                s.hincrby(0, b"h", "bad", 1).unwrap_err().to_string(),
                "ERR hash value is not an integer",
                "{bad:?}"
            );
        }
        assert_eq!(s.hget(0, b"h", b"bad").unwrap(), Some(b("-")), "failed increments change nothing");
        s.hset(0, b"h", &[(b("z"), b("0"))]).unwrap();
        assert_eq!(s.hincrby(0, b"h", "z", 0).unwrap(), 0);
    }

    #[test]
    fn parse_i64_strict_matches_string2ll() {
        assert_eq!(parse_i64_strict(b"0"), Some(0));
        assert_eq!(parse_i64_strict(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64_strict(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64_strict(b"123"), Some(123));
        assert_eq!(parse_i64_strict(b"-123"), Some(-123));
        assert_eq!(parse_i64_strict(b"00"), None);
        assert_eq!(parse_i64_strict(b"99999999999999999999"), None);
        assert_eq!(parse_i64_strict(b"000000000000000000001"), None);
        for v in [0, 1, -1, 42, i64::MAX, i64::MIN, -1234567890] {
            assert_eq!(parse_i64_strict(&i64_bytes(v)), Some(v));
        }
    }

    #[test]
    fn hincrbyfloat_rules() {
        let mut s = shard();
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"1.5").unwrap(), b("1.5"));
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"0.1").unwrap(), b("1.6"));
        assert_eq!(s.hget(0, b"h", b"f").unwrap(), Some(b("1.6")));
        assert_eq!(s.hincrbyfloat(0, b"h", "g", b"0.1").unwrap(), b("0.1"));
        assert_eq!(s.hincrbyfloat(0, b"h", "g", b"0.2").unwrap(), b("0.3"));
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"abc").unwrap_err().to_string(), "ERR value is not a valid float");
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"inf").unwrap_err().to_string(), "ERR value is NaN or Infinity");
        assert_eq!(s.hincrbyfloat(0, b"h", "f", b"nan").unwrap_err(), Error::NotFloat);
        s.hset(0, b"h", &pairs(&[("x", "abc"), ("i", "inf"), ("n", "5.0e1")])).unwrap();
        assert_eq!(s.hincrbyfloat(0, b"h", "x", b"1").unwrap_err().to_string(), "ERR hash value is not a float");
        assert_eq!(
            s.hincrbyfloat(0, b"h", "i", b"1").unwrap_err().to_string(),
            "ERR increment would produce NaN or Infinity"
        );
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
        let long = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
        assert_eq!(s.hrandfield_count(0, b"h", i64::MIN).unwrap_err().to_string(), long);
        assert_eq!(s.hrandfield_count(0, b"missing", i64::MIN).unwrap_err().to_string(), long);
        assert_eq!(
            s.hrandfield_withvalues(0, b"h", -4611686018427387904).unwrap_err().to_string(),
            "ERR value is out of range"
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
}
