//! Strings: GET/SET and friends, counters, ranges and multi-key string
//! commands. Their number rules (`string2ll`, the `long double` of
//! INCRBYFLOAT) live in [`crate::numbers`].

use bytes::Bytes;

use crate::error::{ArgError, Error, Result};
use crate::item::INLINE_MAX;
use crate::mutation::Arg;
use crate::numbers::{string2ll, LongDouble};
use crate::shard::{IntoBytes, Shard};
use crate::value::{Kind, Value, ValueRef};

/// Largest string Redis accepts (`proto-max-bulk-len`, 512 MB).
pub const MAX_STRING_LEN: usize = 512 * 1024 * 1024;

/// An expiry given to SET, SETEX, PSETEX or GETEX, as the client wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// `EX seconds`: relative, in seconds.
    Ex(i64),
    /// `PX milliseconds`: relative, in milliseconds.
    Px(i64),
    /// `EXAT unix-seconds`: absolute, in seconds.
    ExAt(i64),
    /// `PXAT unix-milliseconds`: absolute, in milliseconds.
    PxAt(i64),
}

impl Expiry {
    /// The absolute deadline in Unix ms, checked as Redis does: the amount
    /// must be positive and the deadline must fit in a signed 64-bit
    /// millisecond count; otherwise [`Error::InvalidExpire`] for `cmd`.
    pub fn deadline(self, now_ms: u64, cmd: &'static str) -> Result<u64> {
        let bad = Error::InvalidExpire { command: cmd };
        let (amount, seconds, relative) = match self {
            Expiry::Ex(v) => (v, true, true),
            Expiry::Px(v) => (v, false, true),
            Expiry::ExAt(v) => (v, true, false),
            Expiry::PxAt(v) => (v, false, false),
        };
        if amount <= 0 {
            return Err(bad);
        }
        let ms = if seconds { amount.checked_mul(1000).ok_or(bad.clone())? } else { amount };
        let at = if relative { ms.checked_add(i64::try_from(now_ms).unwrap_or(i64::MAX)).ok_or(bad)? } else { ms };
        Ok(at as u64)
    }

    fn is_absolute(self) -> bool {
        matches!(self, Expiry::ExAt(_) | Expiry::PxAt(_))
    }
}

/// Flags of `SET`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// `NX`: only set when the key does not exist.
    pub nx: bool,
    /// `XX`: only set when the key exists.
    pub xx: bool,
    /// `GET`: return the old string (WRONGTYPE, and no write, for other kinds).
    pub get: bool,
    /// `KEEPTTL`: keep the key's TTL instead of clearing it.
    pub keep_ttl: bool,
    /// `EX`/`PX`/`EXAT`/`PXAT`.
    pub expiry: Option<Expiry>,
}

impl SetOptions {
    /// Rejects flag combinations Redis rejects, as [`Error::Syntax`].
    pub fn validate(&self) -> Result<()> {
        if (self.nx && self.xx) || (self.keep_ttl && self.expiry.is_some()) {
            return Err(Error::Syntax);
        }
        Ok(())
    }
}

/// Outcome of `SET`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetResult {
    /// Whether the value was stored (false when NX/XX prevented it).
    pub written: bool,
    /// With `GET`: the previous string, or `None` when the key was absent.
    /// Always `None` without `GET`.
    pub old: Option<Bytes>,
}

/// How a string was built, where Redis's `OBJECT ENCODING` depends on it
/// and not only on the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOrigin {
    /// Modified in place by APPEND or SETRANGE: Redis reports `raw` at any
    /// length.
    Raw,
    /// Written by INCRBYFLOAT: never `int`, even for an integral result.
    Text,
}

/// What `GETEX` does to the key's TTL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GetExAction {
    /// No option: leave the TTL alone.
    #[default]
    Keep,
    /// `EX`/`PX`/`EXAT`/`PXAT`: set a new TTL (a past EXAT/PXAT deletes the key).
    Expire(Expiry),
    /// `PERSIST`: remove the TTL.
    Persist,
}

impl Shard {
    /// `GET`: the string at `key`; WRONGTYPE for other kinds.
    ///
    /// Long strings are shared with the keyspace (no copy); short ones are
    /// copied out of the item.
    pub fn get(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(None) };
        Ok(Some(self.str_bytes(slot)))
    }

    /// Reads the string at `key` in place, so a caller can encode a reply
    /// straight from the keyspace without copying.
    pub fn get_with<R>(&mut self, db: u8, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(None) };
        match self.value(slot) {
            ValueRef::Str(s) => Ok(Some(f(s))),
            _ => Err(Error::WrongType),
        }
    }

    /// `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT t|KEEPTTL]`.
    ///
    /// The expiry is validated first ([`Error::InvalidExpire`]). A deadline already in the past (EXAT/PXAT) still stores
    /// the key, which is then immediately expired, as in Redis.
    pub fn set(&mut self, db: u8, key: &[u8], value: impl IntoBytes, opts: SetOptions) -> Result<SetResult> {
        opts.validate()?;
        self.make_room()?;
        self.set_inner(db, key, value, opts, "set")
    }

    fn set_inner(
        &mut self,
        db: u8,
        key: &[u8],
        value: impl IntoBytes,
        opts: SetOptions,
        cmd: &'static str,
    ) -> Result<SetResult> {
        let expire = match opts.expiry {
            Some(e) => Some(e.deadline(self.now_ms(), cmd)?),
            None => None,
        };
        let slot = if opts.get { self.lookup_read(db, key) } else { self.lookup_write(db, key) };
        let mut old = None;
        if let (true, Some(s)) = (opts.get, slot) {
            if self.item(s).kind() != Kind::String {
                return Err(Error::WrongType);
            }
            old = Some(self.str_bytes(s));
        }
        if (opts.nx && slot.is_some()) || (opts.xx && slot.is_none()) {
            return Ok(SetResult { written: false, old });
        }
        match slot {
            Some(s) => {
                let expire = if opts.keep_ttl { self.expire_of(s) } else { expire };
                self.replace_str(s, value, expire);
            }
            None => {
                self.insert_str(db, key, value, expire);
            }
        }
        Ok(SetResult { written: true, old })
    }

    /// `SETNX`: sets only when absent; true when set.
    pub fn setnx(&mut self, db: u8, key: &[u8], value: impl IntoBytes) -> Result<bool> {
        self.make_room()?;
        let opts = SetOptions { nx: true, ..SetOptions::default() };
        Ok(self.set_inner(db, key, value, opts, "setnx")?.written)
    }

    /// `SETEX key seconds value`.
    pub fn setex(&mut self, db: u8, key: &[u8], seconds: i64, value: impl IntoBytes) -> Result<()> {
        self.make_room()?;
        let opts = SetOptions { expiry: Some(Expiry::Ex(seconds)), ..SetOptions::default() };
        self.set_inner(db, key, value, opts, "setex").map(drop)
    }

    /// `PSETEX key milliseconds value`.
    pub fn psetex(&mut self, db: u8, key: &[u8], ms: i64, value: impl IntoBytes) -> Result<()> {
        self.make_room()?;
        let opts = SetOptions { expiry: Some(Expiry::Px(ms)), ..SetOptions::default() };
        self.set_inner(db, key, value, opts, "psetex").map(drop)
    }

    /// `GETDEL`: returns the string and deletes the key.
    pub fn getdel(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(None) };
        let v = self.str_bytes(slot);
        self.delete_slot(slot);
        Ok(Some(v))
    }

    /// `GETEX key [EX|PX|EXAT|PXAT t|PERSIST]`.
    ///
    /// As in Redis, a missing key answers `None` before the expiry is
    /// validated, and an EXAT/PXAT deadline not after now deletes the key
    /// (the old value is still returned).
    pub fn getex(&mut self, db: u8, key: &[u8], action: GetExAction) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(None) };
        let now = self.now_ms();
        let deadline = match action {
            GetExAction::Expire(e) => Some((e, e.deadline(now, "getex")?)),
            _ => None,
        };
        let v = self.str_bytes(slot);
        match (action, deadline) {
            (_, Some((e, at))) if e.is_absolute() && at <= now => self.delete_slot(slot),
            (_, Some((_, at))) => self.set_expire(slot, Some(at)),
            (GetExAction::Persist, _) if self.expire_of(slot).is_some() => self.set_expire(slot, None),
            _ => {}
        }
        Ok(Some(v))
    }

    /// `APPEND`: appends to the string (creating it), keeps the TTL, and
    /// returns the new length.
    pub fn append(&mut self, db: u8, key: &[u8], value: &[u8]) -> Result<usize> {
        self.make_room()?;
        let Some(slot) = self.lookup_write_kind(db, key, Kind::String)? else {
            self.insert_str(db, key, value, None);
            return Ok(value.len());
        };
        let old = self.str_ref(slot);
        let len = old.len() + value.len();
        if len > MAX_STRING_LEN {
            return Err(Error::StringTooLong);
        }
        if value.is_empty() {
            self.set_origin(slot, StrOrigin::Raw);
            return Ok(len);
        }
        let expire = self.expire_of(slot);
        if len <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..old.len()].copy_from_slice(old);
            buf[old.len()..len].copy_from_slice(value);
            self.replace_str_delta(slot, &buf[..len], expire, |args| append_delta(value, args));
        } else {
            let mut v = Vec::with_capacity(len);
            v.extend_from_slice(old);
            v.extend_from_slice(value);
            self.replace_str_delta(slot, v, expire, |args| append_delta(value, args));
        }
        self.set_origin(slot, StrOrigin::Raw);
        Ok(len)
    }

    /// `STRLEN`: length of the string, 0 when absent.
    pub fn strlen(&mut self, db: u8, key: &[u8]) -> Result<usize> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(0) };
        Ok(self.str_ref(slot).len())
    }

    /// `INCR`.
    pub fn incr(&mut self, db: u8, key: &[u8]) -> Result<i64> {
        self.incrby(db, key, 1)
    }

    /// `DECR`.
    pub fn decr(&mut self, db: u8, key: &[u8]) -> Result<i64> {
        self.incrby(db, key, -1)
    }

    /// `DECRBY`: [`Error::DecrementOverflow`] for `i64::MIN` (checked
    /// before the key is looked at, as in Redis).
    pub fn decrby(&mut self, db: u8, key: &[u8], by: i64) -> Result<i64> {
        if by == i64::MIN {
            return Err(Error::DecrementOverflow);
        }
        self.incrby(db, key, -by)
    }

    /// `INCRBY`: the stored string must be a canonical 64-bit integer (no
    /// sign `+`, no leading zeros or spaces); keeps the TTL.
    pub fn incrby(&mut self, db: u8, key: &[u8], by: i64) -> Result<i64> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::String)?;
        let current = match slot {
            Some(s) => string2ll(self.str_ref(s)).ok_or(Error::NotInteger)?,
            None => 0,
        };
        let n = current.checked_add(by).ok_or(Error::Overflow)?;
        let mut buf = itoa::Buffer::new();
        let text = buf.format(n).as_bytes();
        match slot {
            Some(s) => {
                let expire = self.expire_of(s);
                self.replace_str(s, text, expire);
            }
            None => {
                self.insert_str(db, key, text, None);
            }
        }
        Ok(n)
    }

    /// `INCRBYFLOAT`: `incr` is the argument text. Both it and the stored
    /// string are read and added as C `long double` (x87 80-bit) and the
    /// result is written like Redis (`%.17Lf`, trailing zeros removed), so
    /// the digits match Redis exactly. Keeps the TTL; returns the new text.
    pub fn incrbyfloat(&mut self, db: u8, key: &[u8], incr: &[u8]) -> Result<Bytes> {
        self.make_room()?;
        let slot = self.lookup_write_kind(db, key, Kind::String)?;
        let current = match slot {
            Some(s) => LongDouble::parse(self.str_ref(s)).ok_or(Error::NotFloat)?,
            None => LongDouble::ZERO,
        };
        let incr = LongDouble::parse(incr).ok_or(Error::NotFloat)?;
        let sum = current.add(&incr).ok_or(Error::NanOrInfinity)?;
        let text = Bytes::from(sum.to_human());
        let slot = match slot {
            Some(s) => {
                let expire = self.expire_of(s);
                self.replace_str(s, &text, expire);
                s
            }
            None => self.insert_str(db, key, &text, None),
        };
        self.set_origin(slot, StrOrigin::Text);
        Ok(text)
    }

    /// `GETRANGE key start end` with Redis's index rules (negative indexes
    /// count from the end; an empty string when absent or out of range).
    pub fn getrange(&mut self, db: u8, key: &[u8], start: i64, end: i64) -> Result<Bytes> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::String)? else { return Ok(Bytes::new()) };
        let len = self.str_ref(slot).len() as i64;
        if start < 0 && end < 0 && start > end {
            return Ok(Bytes::new());
        }
        let mut start = if start < 0 { len.saturating_add(start) } else { start };
        let mut end = if end < 0 { len.saturating_add(end) } else { end };
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            return Ok(Bytes::new());
        }
        Ok(self.str_slice(slot, start as usize, end as usize + 1))
    }

    /// `SETRANGE key offset value`: overwrites from `offset`, zero-padding
    /// as needed; returns the new length. Keeps the TTL.
    pub fn setrange(&mut self, db: u8, key: &[u8], offset: i64, value: &[u8]) -> Result<usize> {
        self.make_room()?;
        if offset < 0 {
            return Err(Error::InvalidArgument(ArgError::OffsetOutOfRange));
        }
        let slot = self.lookup_write_kind(db, key, Kind::String)?;
        let olen = slot.map_or(0, |s| self.str_ref(s).len());
        if value.is_empty() {
            return Ok(olen);
        }
        let end = (offset as u64).saturating_add(value.len() as u64);
        if end > MAX_STRING_LEN as u64 {
            return Err(Error::StringTooLong);
        }
        let (offset, end) = (offset as usize, end as usize);
        let len = olen.max(end);
        let mut v = Vec::with_capacity(len);
        if let Some(s) = slot {
            v.extend_from_slice(self.str_ref(s));
        }
        v.resize(len, 0);
        v[offset..end].copy_from_slice(value);
        let slot = match slot {
            Some(s) => {
                let expire = self.expire_of(s);
                self.replace_str_delta(s, v, expire, |args| {
                    args.extend([Arg::Bytes(b"SETRANGE"), Arg::Key, Arg::Uint(offset as u64), Arg::Bytes(value)])
                });
                s
            }
            None => self.insert_str(db, key, v, None),
        };
        self.set_origin(slot, StrOrigin::Raw);
        Ok(len)
    }

    /// `MGET`: one entry per key; `None` for absent keys and other kinds.
    pub fn mget<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> Vec<Option<Bytes>> {
        keys.iter()
            .map(|k| match self.lookup_read(db, k.as_ref()) {
                Some(s) if self.item(s).kind() == Kind::String => Some(self.str_bytes(s)),
                _ => None,
            })
            .collect()
    }

    /// `MSET`: sets every pair (later pairs win), clearing TTLs. All keys
    /// must belong to this shard; the runtime splits multi-shard calls.
    pub fn mset(&mut self, db: u8, pairs: &[(Bytes, Bytes)]) -> Result<()> {
        self.make_room()?;
        for (k, v) in pairs {
            self.set_plain(db, k, v);
        }
        Ok(())
    }

    /// `MSETNX`: sets every pair only if none of the keys exists; true when set.
    pub fn msetnx(&mut self, db: u8, pairs: &[(Bytes, Bytes)]) -> Result<bool> {
        self.make_room()?;
        if pairs.iter().any(|(k, _)| self.lookup_write(db, k).is_some()) {
            return Ok(false);
        }
        for (k, v) in pairs {
            self.set_plain(db, k, v);
        }
        Ok(true)
    }

    // ----- helpers ----------------------------------------------------------

    fn set_plain(&mut self, db: u8, key: &[u8], value: &Bytes) {
        match self.lookup_write(db, key) {
            Some(s) => self.replace_str(s, value, None),
            None => {
                self.insert_str(db, key, value, None);
            }
        }
    }

    /// The string in `slot` (the caller checked the kind).
    fn str_ref(&self, slot: u32) -> &[u8] {
        match self.value(slot) {
            ValueRef::Str(s) => s,
            _ => &[],
        }
    }

    /// The string in `slot` as shared bytes: the stored `Bytes` when boxed,
    /// a copy when inline.
    pub(crate) fn str_bytes(&self, slot: u32) -> Bytes {
        let it = self.item(slot);
        match it.value() {
            ValueRef::Str(s) if s.len() <= INLINE_MAX => Bytes::copy_from_slice(s),
            ValueRef::Str(s) => match it.boxed_value() {
                Some(Value::Str(b)) => b.clone(),
                _ => Bytes::copy_from_slice(s),
            },
            _ => Bytes::new(),
        }
    }

    /// `str_bytes(slot).slice(from..to)`, without copying long strings.
    fn str_slice(&self, slot: u32, from: usize, to: usize) -> Bytes {
        let it = self.item(slot);
        match it.boxed_value() {
            Some(Value::Str(b)) => b.slice(from..to),
            _ => Bytes::copy_from_slice(self.str_ref(slot).get(from..to).unwrap_or_default()),
        }
    }
}

/// One run of consecutive matching bytes found by [`lcs`]: inclusive
/// ranges in the first and second string, and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// `(start, end)` in the first string.
    pub a: (usize, usize),
    /// `(start, end)` in the second string.
    pub b: (usize, usize),
    /// Number of bytes matched.
    pub len: usize,
}

/// Result of [`lcs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lcs {
    /// Length of the longest common subsequence.
    pub len: usize,
    /// The subsequence itself (empty unless asked for).
    pub text: Vec<u8>,
    /// The matching runs of at least `min_match_len` bytes, last one first
    /// (as `LCS ... IDX` lists them; empty unless asked for).
    pub matches: Vec<LcsMatch>,
}

/// The `LCS` command's computation, as Redis 7 does it: the classic
/// dynamic-programming table, walked back from the end preferring to drop
/// a byte of the second string on ties, so the subsequence and the match
/// ranges are the ones Redis reports. With `walk` false only the length
/// is computed. Fails with [`Error::LcsTooLarge`] when the table would
/// exceed the 512 MB string limit.
pub fn lcs(a: &[u8], b: &[u8], walk: bool, min_match_len: usize) -> Result<Lcs> {
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen + 1).checked_mul(blen + 1).filter(|&n| n.saturating_mul(4) <= MAX_STRING_LEN);
    let Some(cells) = cells else {
        return Err(Error::LcsTooLarge);
    };
    let w = blen + 1;
    let mut t = vec![0u32; cells];
    for i in 1..=alen {
        for j in 1..=blen {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let len = t[alen * w + blen] as usize;
    let mut out = Lcs { len, ..Lcs::default() };
    if !walk {
        return Ok(out);
    }
    out.text = vec![0; len];
    let mut idx = len;
    // `None`: no run in progress. Runs grow backwards from their end.
    let mut run: Option<LcsMatch> = None;
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            out.text[idx - 1] = a[i - 1];
            match run.as_mut() {
                None => run = Some(LcsMatch { a: (i - 1, i - 1), b: (j - 1, j - 1), len: 0 }),
                Some(r) if r.a.0 == i && r.b.0 == j => {
                    r.a.0 -= 1;
                    r.b.0 -= 1;
                }
                Some(_) => emit = true,
            }
            if run.is_some_and(|r| r.a.0 == 0 || r.b.0 == 0) {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            emit = run.is_some();
        }
        if emit {
            if let Some(mut r) = run.take() {
                r.len = r.a.1 - r.a.0 + 1;
                if r.len >= min_match_len {
                    out.matches.push(r);
                }
            }
        }
    }
    Ok(out)
}

/// APPEND's delta: the tail it appended.
fn append_delta<'x>(tail: &'x [u8], args: &mut Vec<Arg<'x>>) {
    args.extend([Arg::Bytes(b"APPEND"), Arg::Key, Arg::Bytes(tail)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_origins_for_object_encoding() {
        let mut s = Shard::new(0, crate::shard::ShardConfig::default());
        s.set(0, b"k", "hello", SetOptions::default()).unwrap();
        assert_eq!(s.str_origin(0, b"k"), None);
        s.append(0, b"k", b"").unwrap();
        assert_eq!(s.str_origin(0, b"k"), Some(StrOrigin::Raw), "even an empty APPEND");
        s.set(0, b"k", "again", SetOptions::default()).unwrap();
        assert_eq!(s.str_origin(0, b"k"), None, "a new value forgets");
        s.append(0, b"new", b"x").unwrap();
        assert_eq!(s.str_origin(0, b"new"), None, "APPEND creating the key stores the argument");
        s.setrange(0, b"r", 2, b"x").unwrap();
        assert_eq!(s.str_origin(0, b"r"), Some(StrOrigin::Raw));
        s.incrbyfloat(0, b"f", b"3").unwrap();
        assert_eq!(s.str_origin(0, b"f"), Some(StrOrigin::Text));
        s.incrby(0, b"f", 1).unwrap();
        assert_eq!(s.str_origin(0, b"f"), None);
        s.incrbyfloat(0, b"f", b"1").unwrap();
        s.expire(0, b"f", 100, crate::types::ExpireOptions::default()).unwrap();
        assert_eq!(s.str_origin(0, b"f"), Some(StrOrigin::Text), "a TTL change keeps the object");
        s.del(0, &[b"f"]);
        s.set(0, b"f", "1", SetOptions::default()).unwrap();
        assert_eq!(s.str_origin(0, b"f"), None, "a deleted key's slot starts clean");
        s.flushall();
        s.set(0, b"r", "1", SetOptions::default()).unwrap();
        assert_eq!(s.str_origin(0, b"r"), None);
    }

    #[test]
    fn lcs_like_redis() {
        // Redis's documentation example.
        let r = lcs(b"ohmytext", b"mynewtext", true, 0).unwrap();
        assert_eq!((r.len, &r.text[..]), (6, &b"mytext"[..]));
        assert_eq!(
            r.matches,
            vec![LcsMatch { a: (4, 7), b: (5, 8), len: 4 }, LcsMatch { a: (2, 3), b: (0, 1), len: 2 }]
        );
        let r = lcs(b"ohmytext", b"mynewtext", true, 4).unwrap();
        assert_eq!(r.matches, vec![LcsMatch { a: (4, 7), b: (5, 8), len: 4 }]);
        let r = lcs(b"ohmytext", b"mynewtext", false, 0).unwrap();
        assert_eq!((r.len, r.text.len(), r.matches.len()), (6, 0, 0));
        assert_eq!(lcs(b"", b"abc", true, 0).unwrap(), Lcs::default());
        // Ties drop a byte of the second string first.
        assert_eq!(lcs(b"ab", b"ba", true, 0).unwrap().text, b"b");
        let big = vec![b'x'; 20_000];
        assert_eq!(lcs(&big, &big, true, 0), Err(Error::LcsTooLarge));
    }
    use crate::clock::Clock;
    use crate::shard::ShardConfig;
    use crate::types::List;

    const NOW: u64 = 1_700_000_000_000;

    fn shard() -> (Shard, Clock) {
        let clock = Clock::manual(NOW);
        (Shard::new(0, ShardConfig { clock: clock.clone(), ..ShardConfig::default() }), clock)
    }

    /// A key of another kind (the list type's own commands live elsewhere).
    fn put_list(s: &mut Shard, key: &[u8]) {
        s.insert_value(0, key, Value::List(List::new()), None);
    }

    fn get(s: &mut Shard, key: &[u8]) -> Option<Vec<u8>> {
        s.get(0, key).unwrap().map(|b| b.to_vec())
    }

    fn opts() -> SetOptions {
        SetOptions::default()
    }

    #[test]
    fn get_set_inline_and_boxed() {
        let (mut s, _) = shard();
        assert_eq!(s.get(0, b"k").unwrap(), None);
        assert!(s.set(0, b"k", b"v", opts()).unwrap().written);
        assert_eq!(get(&mut s, b"k").as_deref(), Some(&b"v"[..]));
        let big = Bytes::from(vec![7u8; 1000]);
        s.set(0, b"big", big.clone(), opts()).unwrap();
        let a = s.get(0, b"big").unwrap().unwrap();
        let b = s.get(0, b"big").unwrap().unwrap();
        assert_eq!(a, big);
        // Long values are handed out without copying.
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert_eq!(a.as_ptr(), big.as_ptr());
        let exact = vec![1u8; INLINE_MAX];
        s.set(0, b"edge", &exact[..], opts()).unwrap();
        assert_eq!(get(&mut s, b"edge"), Some(exact));
        assert_eq!(s.get(1, b"k").unwrap(), None);
        assert_eq!(s.get_with(0, b"big", |v| v.len()).unwrap(), Some(1000));
        assert_eq!(s.get_with(0, b"none", |v| v.len()).unwrap(), None);
        put_list(&mut s, b"l");
        assert_eq!(s.get(0, b"l"), Err(Error::WrongType));
        assert_eq!(s.get_with(0, b"l", |v| v.len()), Err(Error::WrongType));
    }

    #[test]
    fn same_length_overwrite_reuses_an_unshared_buffer_only() {
        let (mut s, _) = shard();
        s.set(0, b"k", &[1u8; 4096][..], opts()).unwrap();
        let before = s.get_with(0, b"k", |v| v.as_ptr() as usize).unwrap();
        s.set(0, b"k", &[2u8; 4096][..], opts()).unwrap();
        assert_eq!(get(&mut s, b"k"), Some(vec![2u8; 4096]));
        // Overwritten in its own buffer (`get` above handed out a clone that
        // is gone again).
        assert_eq!(s.get_with(0, b"k", |v| v.as_ptr() as usize).unwrap(), before);
        // A value handed out earlier keeps its content.
        let held = s.get(0, b"k").unwrap().unwrap();
        s.set(0, b"k", &[3u8; 4096][..], opts()).unwrap();
        assert_eq!(&held[..], &[2u8; 4096][..]);
        assert_eq!(get(&mut s, b"k"), Some(vec![3u8; 4096]));
        // SET ... GET returns the old value intact.
        let get_opt = SetOptions { get: true, ..opts() };
        let r = s.set(0, b"k", &[4u8; 4096][..], get_opt).unwrap();
        assert_eq!(r.old.as_deref(), Some(&[3u8; 4096][..]));
        assert_eq!(get(&mut s, b"k"), Some(vec![4u8; 4096]));
        // Another length, or a new expiry, replaces the value.
        s.set(0, b"k", &[5u8; 100][..], opts()).unwrap();
        assert_eq!(get(&mut s, b"k"), Some(vec![5u8; 100]));
        let ex = SetOptions { expiry: Some(Expiry::Ex(100)), ..opts() };
        s.set(0, b"k", &[6u8; 100][..], ex).unwrap();
        assert_eq!(get(&mut s, b"k"), Some(vec![6u8; 100]));
        assert!(s.pttl(0, b"k") > 0);
    }

    #[test]
    fn set_conditions_and_get() {
        let (mut s, _) = shard();
        let nx = SetOptions { nx: true, ..opts() };
        let xx = SetOptions { xx: true, ..opts() };
        assert_eq!(s.set(0, b"k", b"1", xx).unwrap(), SetResult { written: false, old: None });
        assert_eq!(s.get(0, b"k").unwrap(), None);
        assert_eq!(s.set(0, b"k", b"1", nx).unwrap(), SetResult { written: true, old: None });
        assert_eq!(s.set(0, b"k", b"2", nx).unwrap(), SetResult { written: false, old: None });
        assert_eq!(s.set(0, b"k", b"3", xx).unwrap(), SetResult { written: true, old: None });
        let get_nx = SetOptions { nx: true, get: true, ..opts() };
        // SET NX GET on an existing key: not written, old value returned.
        assert_eq!(s.set(0, b"k", b"4", get_nx).unwrap(), SetResult { written: false, old: Some(Bytes::from("3")) });
        let get = SetOptions { get: true, ..opts() };
        assert_eq!(s.set(0, b"k", b"5", get).unwrap(), SetResult { written: true, old: Some(Bytes::from("3")) });
        assert_eq!(s.set(0, b"new", b"x", get).unwrap(), SetResult { written: true, old: None });
        let get_xx = SetOptions { xx: true, get: true, ..opts() };
        assert_eq!(s.set(0, b"absent", b"x", get_xx).unwrap(), SetResult { written: false, old: None });
        assert_eq!(s.get(0, b"absent").unwrap(), None);
        assert_eq!(s.set(0, b"k", b"1", SetOptions { nx: true, xx: true, ..opts() }), Err(Error::Syntax));
        let bad = SetOptions { keep_ttl: true, expiry: Some(Expiry::Ex(10)), ..opts() };
        assert_eq!(s.set(0, b"k", b"1", bad), Err(Error::Syntax));
    }

    #[test]
    fn set_get_on_wrong_type_does_not_write() {
        let (mut s, _) = shard();
        put_list(&mut s, b"l");
        let get = SetOptions { get: true, ..opts() };
        assert_eq!(s.set(0, b"l", b"v", get), Err(Error::WrongType));
        assert_eq!(s.key_type(0, b"l"), Some(Kind::List));
        assert_eq!(s.set(0, b"l", b"v", SetOptions { nx: true, get: true, ..opts() }), Err(Error::WrongType));
        // Without GET, SET overwrites any kind.
        assert!(s.set(0, b"l", b"v", SetOptions { xx: true, ..opts() }).unwrap().written);
        assert_eq!(s.key_type(0, b"l"), Some(Kind::String));
    }

    #[test]
    fn set_expiry_variants_and_keepttl() {
        let (mut s, clock) = shard();
        let ex = |e| SetOptions { expiry: Some(e), ..opts() };
        s.set(0, b"a", b"v", ex(Expiry::Ex(10))).unwrap();
        assert_eq!(s.pexpiretime(0, b"a"), (NOW + 10_000) as i64);
        s.set(0, b"b", b"v", ex(Expiry::Px(1500))).unwrap();
        assert_eq!(s.pttl(0, b"b"), 1500);
        s.set(0, b"c", b"v", ex(Expiry::ExAt(1_800_000_000))).unwrap();
        assert_eq!(s.pexpiretime(0, b"c"), 1_800_000_000_000);
        s.set(0, b"d", b"v", ex(Expiry::PxAt(NOW as i64 + 5))).unwrap();
        assert_eq!(s.pttl(0, b"d"), 5);
        // A plain SET clears the TTL, KEEPTTL keeps it.
        s.set(0, b"a", b"w", opts()).unwrap();
        assert_eq!(s.ttl(0, b"a"), -1);
        s.set(0, b"b", b"w", SetOptions { keep_ttl: true, ..opts() }).unwrap();
        assert_eq!(s.pttl(0, b"b"), 1500);
        assert_eq!(get(&mut s, b"b").as_deref(), Some(&b"w"[..]));
        clock.advance(1500);
        assert!(s.get(0, b"b").unwrap().is_some());
        clock.advance(1);
        assert_eq!(s.get(0, b"b").unwrap(), None);
        // A deadline in the past: the write succeeds and the key is gone.
        assert!(s.set(0, b"p", b"v", ex(Expiry::ExAt(1))).unwrap().written);
        assert_eq!(s.get(0, b"p").unwrap(), None);
        assert!(s.set(0, b"p", b"v", ex(Expiry::PxAt(clock.now_ms() as i64))).unwrap().written);
        assert_eq!(s.exists(0, &[b"p"]), 1);
    }

    #[test]
    fn invalid_expire_errors() {
        let (mut s, _) = shard();
        let ex = |e| SetOptions { expiry: Some(e), ..opts() };
        for e in [Expiry::Ex(0), Expiry::Ex(-1), Expiry::Px(0), Expiry::ExAt(0), Expiry::PxAt(-5)] {
            assert_eq!(s.set(0, b"k", b"v", ex(e)), Err(Error::InvalidExpire { command: "set" }));
        }
        // Overflow of the unit conversion or of now + amount.
        for e in
            [Expiry::Ex(9_223_372_036_854_775), Expiry::Ex(i64::MAX), Expiry::Px(i64::MAX - 1), Expiry::ExAt(i64::MAX)]
        {
            assert_eq!(s.set(0, b"k", b"v", ex(e)), Err(Error::InvalidExpire { command: "set" }));
        }
        assert!(s.set(0, b"k", b"v", ex(Expiry::ExAt(9_223_372_036_854_775))).unwrap().written);
        assert!(s.set(0, b"k", b"v", ex(Expiry::PxAt(i64::MAX))).unwrap().written);
        assert_eq!(s.pexpiretime(0, b"k"), i64::MAX);
        assert_eq!(s.expiretime(0, b"k"), 9_223_372_036_854_776);
        assert_eq!(s.setex(0, b"k", 0, b"v"), Err(Error::InvalidExpire { command: "setex" }));
        assert_eq!(s.psetex(0, b"k", -1, b"v"), Err(Error::InvalidExpire { command: "psetex" }));
        // The expiry is checked before the type.
        put_list(&mut s, b"l");
        assert_eq!(
            s.set(0, b"l", b"v", SetOptions { get: true, ..ex(Expiry::Ex(0)) }),
            Err(Error::InvalidExpire { command: "set" })
        );
    }

    #[test]
    fn setnx_setex_psetex() {
        let (mut s, _) = shard();
        assert!(s.setnx(0, b"k", b"1").unwrap());
        assert!(!s.setnx(0, b"k", b"2").unwrap());
        assert_eq!(get(&mut s, b"k").as_deref(), Some(&b"1"[..]));
        s.setex(0, b"k", 100, b"3").unwrap();
        assert_eq!(s.ttl(0, b"k"), 100);
        assert_eq!(get(&mut s, b"k").as_deref(), Some(&b"3"[..]));
        s.psetex(0, b"k", 2500, b"4").unwrap();
        assert_eq!(s.pttl(0, b"k"), 2500);
        assert_eq!(s.ttl(0, b"k"), 3);
        put_list(&mut s, b"l");
        assert!(!s.setnx(0, b"l", b"1").unwrap());
        s.setex(0, b"l", 5, b"now a string").unwrap();
        assert_eq!(s.key_type(0, b"l"), Some(Kind::String));
    }

    #[test]
    fn getdel_and_getex() {
        let (mut s, clock) = shard();
        assert_eq!(s.getdel(0, b"k").unwrap(), None);
        s.set(0, b"k", b"v", opts()).unwrap();
        assert_eq!(s.getdel(0, b"k").unwrap(), Some(Bytes::from("v")));
        assert_eq!(s.exists(0, &[b"k"]), 0);
        put_list(&mut s, b"l");
        assert_eq!(s.getdel(0, b"l"), Err(Error::WrongType));
        assert_eq!(s.getex(0, b"l", GetExAction::Keep), Err(Error::WrongType));
        // A missing key answers nil even with an invalid expiry.
        assert_eq!(s.getex(0, b"nokey", GetExAction::Expire(Expiry::Ex(0))).unwrap(), None);
        s.set(0, b"k", b"v", opts()).unwrap();
        let err = s.getex(0, b"k", GetExAction::Expire(Expiry::Ex(0)));
        assert_eq!(err, Err(Error::InvalidExpire { command: "getex" }));
        assert_eq!(s.getex(0, b"k", GetExAction::Expire(Expiry::Ex(100))).unwrap(), Some(Bytes::from("v")));
        assert_eq!(s.ttl(0, b"k"), 100);
        assert_eq!(s.getex(0, b"k", GetExAction::Keep).unwrap(), Some(Bytes::from("v")));
        assert_eq!(s.ttl(0, b"k"), 100);
        assert_eq!(s.getex(0, b"k", GetExAction::Persist).unwrap(), Some(Bytes::from("v")));
        assert_eq!(s.ttl(0, b"k"), -1);
        s.getex(0, b"k", GetExAction::Expire(Expiry::Px(5000))).unwrap();
        assert_eq!(s.pttl(0, b"k"), 5000);
        s.getex(0, b"k", GetExAction::Expire(Expiry::PxAt(NOW as i64 + 10))).unwrap();
        assert_eq!(s.pttl(0, b"k"), 10);
        clock.advance(5);
        // An absolute deadline not after now deletes the key, returning it.
        let now = NOW as i64 + 5;
        assert_eq!(s.getex(0, b"k", GetExAction::Expire(Expiry::PxAt(now))).unwrap(), Some(Bytes::from("v")));
        assert_eq!(s.exists(0, &[b"k"]), 0);
        s.set(0, b"k", b"v", opts()).unwrap();
        assert!(s.getex(0, b"k", GetExAction::Expire(Expiry::ExAt(1))).unwrap().is_some());
        assert_eq!(s.exists(0, &[b"k"]), 0);
    }

    #[test]
    fn append_and_strlen() {
        let (mut s, _) = shard();
        assert_eq!(s.strlen(0, b"k").unwrap(), 0);
        assert_eq!(s.append(0, b"k", b"").unwrap(), 0);
        assert_eq!(s.exists(0, &[b"k"]), 1); // APPEND of "" creates the key
        assert_eq!(s.append(0, b"k", b"abc").unwrap(), 3);
        s.expire(0, b"k", 100, Default::default()).unwrap();
        // Growing past the inline size keeps content and TTL.
        let chunk = [b'x'; 40];
        assert_eq!(s.append(0, b"k", &chunk).unwrap(), 43);
        assert_eq!(s.append(0, b"k", &chunk).unwrap(), 83);
        assert_eq!(s.strlen(0, b"k").unwrap(), 83);
        assert_eq!(s.ttl(0, b"k"), 100);
        let v = get(&mut s, b"k").unwrap();
        assert_eq!(&v[..3], b"abc");
        assert!(v[3..].iter().all(|&c| c == b'x'));
        put_list(&mut s, b"l");
        assert_eq!(s.append(0, b"l", b"x"), Err(Error::WrongType));
        assert_eq!(s.strlen(0, b"l"), Err(Error::WrongType));
    }

    #[test]
    fn integer_counters() {
        let (mut s, _) = shard();
        assert_eq!(s.incr(0, b"n").unwrap(), 1);
        assert_eq!(s.incrby(0, b"n", 10).unwrap(), 11);
        assert_eq!(s.decr(0, b"n").unwrap(), 10);
        assert_eq!(s.decrby(0, b"n", 15).unwrap(), -5);
        assert_eq!(get(&mut s, b"n").as_deref(), Some(&b"-5"[..]));
        assert_eq!(s.decrby(0, b"m", 5).unwrap(), -5);
        s.expire(0, b"n", 100, Default::default()).unwrap();
        s.incr(0, b"n").unwrap();
        assert_eq!(s.ttl(0, b"n"), 100);
        s.set(0, b"n", b"9223372036854775807", opts()).unwrap();
        assert_eq!(s.incr(0, b"n"), Err(Error::Overflow));
        s.set(0, b"n", b"-9223372036854775808", opts()).unwrap();
        assert_eq!(s.decr(0, b"n"), Err(Error::Overflow));
        assert_eq!(s.incrby(0, b"n", 0).unwrap(), i64::MIN);
        assert_eq!(get(&mut s, b"n").as_deref(), Some(&b"-9223372036854775808"[..]));
        assert_eq!(s.incrby(0, b"n", 1).unwrap(), i64::MIN + 1);
        assert_eq!(s.decrby(0, b"n", i64::MIN), Err(Error::DecrementOverflow));
        put_list(&mut s, b"l");
        // DECRBY's own overflow check comes before the type check.
        assert_eq!(s.decrby(0, b"l", i64::MIN), Err(Error::DecrementOverflow));
        assert_eq!(s.incr(0, b"l"), Err(Error::WrongType));
        for bad in ["-0", "007", "+1", " 1", "1 ", "1.0", "", "9223372036854775808", "abc", "-"] {
            s.set(0, b"n", bad, opts()).unwrap();
            assert_eq!(s.incr(0, b"n"), Err(Error::NotInteger), "{bad}");
            assert_eq!(get(&mut s, b"n").as_deref(), Some(bad.as_bytes()));
        }
    }

    /// (stored value or None, increment, Redis 7.0 reply) — every row was
    /// checked against redis-server on x86-64.
    const INCRBYFLOAT_CASES: &[(Option<&str>, &str, &str)] = &[
        (Some("10.5"), "0.1", "10.6"),
        (Some("5.0e3"), "0", "5000"),
        (Some("5.0e3"), "1.5", "5001.5"),
        (Some("3"), "1.1", "4.1"),
        (Some("0.1"), "0.2", "0.3"),
        (Some("1"), "1e-20", "1"),
        (Some("1"), "-1", "0"),
        (Some("0"), "-0", "0"),
        (Some("-0"), "0", "0"),
        (Some("0x10"), "1", "17"),
        (Some("1e5"), "1", "100001"),
        (Some("123456789012345678"), "0", "123456789012345678"),
        (Some("1"), "1.23456789012345678901", "2.23456789012345679"),
        (None, "2.5", "2.5"),
        (Some("1."), "1", "2"),
        (Some(".5"), "1", "1.5"),
        (Some("+5"), "1", "6"),
        (Some("5"), "1e17", "100000000000000005"),
        (Some("3.0"), "0.00001", "3.00001"),
        (Some("1e-5"), "0", "0.00001"),
        (Some("1"), "-1e-10", "0.9999999999"),
        (Some("1234567.1234567"), "0", "1234567.12345670000001974"),
        (Some("-5"), "2.5", "-2.5"),
        (Some("99999999999999999999999"), "0", "100000000000000000000000"),
        (Some("0.000003814697265625"), "0", "0.00000381469726562"),
        (Some("0.000011444091796875"), "0", "0.00001144409179688"),
        (Some("0.000000000000000005"), "0", "0"),
        (Some("0.000000000000000015"), "0", "0.00000000000000002"),
        (Some("-0.000000000000000001"), "0", "0"),
        (Some("1e-4940"), "1", "1"),
        (Some("0x1p-16445"), "1", "1"),
        (Some("0x1.8p1"), "0", "3"),
        (Some("0x.8"), "0", "0.5"),
        (Some("0X1P+3"), "0", "8"),
        (Some("1e+2"), "0", "100"),
        (Some("0e99999999999"), "0", "0"),
        (
            Some("1"),
            "1e300",
            "10000000000000000000089973240795591938705239442732907479382600823212656465961809357558491520837504971903\
             50372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370\
             030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144",
        ),
        (Some("94061507.68496382"), "-1e-17", "94061507.6849638200001209"),
        (Some("403e-1"), "-7078270696462417943", "-7078270696462417902.5"),
        (Some("30010.62493"), "874e-24", "30010.62493000000000087"),
        (Some("6159384898096066967"), "6.5874192033135196e+35", "658741920331351966173629284014358528"),
        (Some("-488029.41586430813"), "-655768.0545866499", "-1143797.47045095803002823"),
        (Some("-135989.57158509654"), "714e11", "71399999864010.42841339111328125"),
        (Some("-.389882339628"), "2.237634", "1.847751660372"),
        (Some("0.3"), "498e-13", "0.3000000000498"),
        (Some("145122.6556895068"), "-1.5347102837441317e-17", "145122.65568950680000171"),
        (Some("-9.30407507603142e-12"), "-497e-13", "-0.00000000005900408"),
        (Some("166153499473114484112975882535043072"), "-855515.4715659728", "166153499473114484112975882535043072"),
        (Some("3.025569378543123e-09"), "-9.725217147911983e-12", "0.00000000301584416"),
        (Some("80."), "023.407145100", "103.4071451"),
        (Some("0.00001051483559422194957733154296875"), "0", "0.00001051483559422"),
        (Some("-0xFAfD8F693229F1FA7c2dc0afE"), "0.1", "-1242844606826058123090400903168"),
        (None, ".12548846131631437806", "0.12548846131631438"),
        (Some("75283e-2562"), "-473478.1146771087", "-473478.11467710869999337"),
        (Some("38431434963."), "-8159965443840262.49", "-8159927012405299.490234375"),
        (None, "-869e29", "-86899999999999999996902791708672"),
        (Some("-838e27"), "-8508670339799167247", "-838000000008508670308482285568"),
        (Some("-0x10000000000000000p-11"), "-863208056771.9735", "-9008062462797763.9736328125"),
        (Some("-10.2365935329455008866"), "-6.279080595622664", "-16.51567412856816489"),
    ];

    const NOT_A_FLOAT: &[(Option<&str>, &str)] = &[
        (Some(" 1"), "1"),
        (Some("1 "), "1"),
        (Some(""), "1"),
        (Some("1"), "nan"),
        (Some("nan(123)"), "0"),
        (Some("1e"), "0"),
        (Some("-"), "0"),
        (Some("."), "0"),
        (Some("0x"), "0"),
        (Some("1e5000"), "0"),
        (Some("1e-4960"), "1"),
        (Some("1e-99999999999"), "0"),
        (Some("1.18973149535723176508e+4932"), "0"),
        (Some("3415555401286032e4919"), "1"),
        (Some("33280e-4964"), "-1"),
        (Some("1\0"), "0"),
        (Some("\0"), "0"),
        (Some("1"), "2 "),
        (Some("1"), "- 1"),
        (None, "1e"),
        (Some("966731.2562453942"), "-"),
    ];

    #[test]
    fn incrbyfloat_matches_redis_digits() {
        for &(stored, incr, want) in INCRBYFLOAT_CASES {
            let (mut s, _) = shard();
            if let Some(v) = stored {
                s.set(0, b"k", v, opts()).unwrap();
            }
            let got = s.incrbyfloat(0, b"k", incr.as_bytes());
            assert_eq!(got, Ok(Bytes::copy_from_slice(want.as_bytes())), "{stored:?} + {incr}");
            assert_eq!(get(&mut s, b"k").as_deref(), Some(want.as_bytes()));
        }
        for &(stored, incr) in NOT_A_FLOAT {
            let (mut s, _) = shard();
            if let Some(v) = stored {
                s.set(0, b"k", v, opts()).unwrap();
            }
            assert_eq!(s.incrbyfloat(0, b"k", incr.as_bytes()), Err(Error::NotFloat), "{stored:?} + {incr}");
            assert_eq!(get(&mut s, b"k").as_deref(), stored.map(str::as_bytes));
        }
    }

    #[test]
    fn incrbyfloat_infinity_ttl_and_type() {
        let (mut s, _) = shard();
        for (v, incr) in [("inf", "1"), ("1", "inf"), ("-INF", "0"), ("infinity", "-infinity"), ("1e4932", "1e4932")] {
            s.set(0, b"k", v, opts()).unwrap();
            let err = s.incrbyfloat(0, b"k", incr.as_bytes());
            assert_eq!(err, Err(Error::NanOrInfinity), "{v} + {incr}");
        }
        s.set(0, b"k", b"1", SetOptions { expiry: Some(Expiry::Ex(100)), ..opts() }).unwrap();
        assert_eq!(s.incrbyfloat(0, b"k", b"1").unwrap(), Bytes::from("2"));
        assert_eq!(s.ttl(0, b"k"), 100);
        put_list(&mut s, b"l");
        assert_eq!(s.incrbyfloat(0, b"l", b"abc"), Err(Error::WrongType));
        assert_eq!(s.incrbyfloat(0, b"k", b"abc"), Err(Error::NotFloat));
    }

    /// GETRANGE on "abcdef" — every row checked against redis-server 7.0.
    const GETRANGE_CASES: &[(i64, i64, &str)] = &[
        (0, -1, "abcdef"),
        (0, -100, "a"),
        (-100, -200, ""),
        (-3, -1, "def"),
        (-1, -3, ""),
        (2, 1, ""),
        (3, 100, "def"),
        (10, 20, ""),
        (-100, 2, "abc"),
        (6, 6, ""),
        (5, 5, "f"),
        (-6, 0, "a"),
        (0, 0, "a"),
        (-7, -7, "a"),
        (-7, -6, "a"),
        (i64::MIN, i64::MAX, "abcdef"),
        (i64::MAX, i64::MAX, ""),
    ];

    #[test]
    fn getrange_indexes() {
        let (mut s, _) = shard();
        s.set(0, b"s", b"abcdef", opts()).unwrap();
        let long: Vec<u8> = (0..200u8).collect();
        s.set(0, b"long", &long[..], opts()).unwrap();
        for &(a, b, want) in GETRANGE_CASES {
            assert_eq!(s.getrange(0, b"s", a, b).unwrap(), want.as_bytes(), "{a} {b}");
        }
        assert_eq!(s.getrange(0, b"long", 10, 19).unwrap(), &long[10..20]);
        assert_eq!(s.getrange(0, b"long", -5, -1).unwrap(), &long[195..]);
        assert_eq!(s.getrange(0, b"none", 0, -1).unwrap(), Bytes::new());
        s.set(0, b"e", b"", opts()).unwrap();
        assert_eq!(s.getrange(0, b"e", 0, -1).unwrap(), Bytes::new());
        assert_eq!(s.getrange(0, b"e", -1, 0).unwrap(), Bytes::new());
        put_list(&mut s, b"l");
        assert_eq!(s.getrange(0, b"l", 0, 1), Err(Error::WrongType));
    }

    #[test]
    fn setrange_padding_and_errors() {
        let (mut s, _) = shard();
        assert_eq!(s.setrange(0, b"k", 5, b"").unwrap(), 0);
        assert_eq!(s.exists(0, &[b"k"]), 0); // nothing set on a missing key
        let offset = Err(Error::InvalidArgument(ArgError::OffsetOutOfRange));
        assert_eq!(s.setrange(0, b"k", -1, b"x"), offset);
        assert_eq!(s.setrange(0, b"k", 3, b"ab").unwrap(), 5);
        assert_eq!(get(&mut s, b"k").as_deref(), Some(&b"\0\0\0ab"[..]));
        assert_eq!(s.setrange(0, b"k", 0, b"").unwrap(), 5);
        assert_eq!(s.setrange(0, b"k", 1, b"XY").unwrap(), 5);
        assert_eq!(get(&mut s, b"k").as_deref(), Some(&b"\0XYab"[..]));
        s.expire(0, b"k", 50, Default::default()).unwrap();
        assert_eq!(s.setrange(0, b"k", 100, b"Z").unwrap(), 101);
        assert_eq!(s.ttl(0, b"k"), 50);
        let v = get(&mut s, b"k").unwrap();
        assert_eq!(v.len(), 101);
        assert_eq!(&v[..5], b"\0XYab");
        assert!(v[5..100].iter().all(|&c| c == 0));
        assert_eq!(v[100], b'Z');
        assert_eq!(s.setrange(0, b"k", MAX_STRING_LEN as i64, b"x"), Err(Error::StringTooLong));
        assert_eq!(s.setrange(0, b"k", MAX_STRING_LEN as i64 - 1, b"xy"), Err(Error::StringTooLong));
        assert_eq!(s.setrange(0, b"new", i64::MAX, b"x"), Err(Error::StringTooLong));
        // Empty value on an existing key: its length, no size check.
        assert_eq!(s.setrange(0, b"k", i64::MAX, b"").unwrap(), 101);
        put_list(&mut s, b"l");
        assert_eq!(s.setrange(0, b"l", 0, b"x"), Err(Error::WrongType));
        assert_eq!(s.setrange(0, b"l", 0, b""), Err(Error::WrongType));
        assert_eq!(s.setrange(0, b"l", -1, b""), offset);
    }

    #[test]
    fn mget_mset_msetnx() {
        let (mut s, _) = shard();
        let pairs = |kv: &[(&str, &str)]| -> Vec<(Bytes, Bytes)> {
            kv.iter()
                .map(|(k, v)| (Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v.as_bytes())))
                .collect()
        };
        s.set(0, b"t", b"x", SetOptions { expiry: Some(Expiry::Ex(100)), ..opts() }).unwrap();
        s.mset(0, &pairs(&[("a", "1"), ("b", "2"), ("a", "3"), ("t", "y")])).unwrap();
        assert_eq!(s.ttl(0, b"t"), -1); // MSET clears TTLs
        put_list(&mut s, b"l");
        let got = s.mget(0, &[&b"a"[..], b"b", b"c", b"l"]);
        assert_eq!(got, vec![Some(Bytes::from("3")), Some(Bytes::from("2")), None, None]);
        assert!(!s.msetnx(0, &pairs(&[("a", "1"), ("x", "2")])).unwrap());
        assert_eq!(s.exists(0, &[b"x"]), 0);
        assert!(!s.msetnx(0, &pairs(&[("l", "1")])).unwrap());
        assert!(s.msetnx(0, &pairs(&[("x", "1"), ("y", "2"), ("x", "3")])).unwrap());
        assert_eq!(get(&mut s, b"x").as_deref(), Some(&b"3"[..]));
        assert_eq!(get(&mut s, b"y").as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn memory_accounting_returns_to_zero() {
        let (mut s, _) = shard();
        let big = vec![9u8; 300];
        s.set(0, b"a", &big[..], opts()).unwrap();
        s.append(0, b"a", &big).unwrap();
        s.set(0, b"b", b"short", opts()).unwrap();
        s.append(0, b"b", &big).unwrap();
        s.setrange(0, b"c", 200, b"x").unwrap();
        s.setrange(0, b"c", 0, b"y").unwrap();
        s.incr(0, b"d").unwrap();
        s.incrbyfloat(0, b"e", b"1e300").unwrap();
        s.set(0, b"a", b"small again", opts()).unwrap();
        s.getex(0, b"c", GetExAction::Expire(Expiry::Ex(10))).unwrap();
        s.getex(0, b"c", GetExAction::Persist).unwrap();
        assert!(s.used_memory() > 0);
        s.getdel(0, b"e").unwrap();
        assert_eq!(s.del(0, &[&b"a"[..], b"b", b"c", b"d"]), 4);
        assert_eq!(s.used_memory(), 0);
        assert_eq!(s.dbsize(0), 0);
    }

    /// The mutation stream's commands for string writes: APPEND and
    /// SETRANGE on an existing string are commands of their own size.
    mod deltas {
        use super::*;
        use crate::propagate::tests::{log_bytes, round_trip, text};

        #[test]
        fn append_and_setrange_carry_what_they_wrote() {
            let log = round_trip(|s, clock| {
                s.append(0, b"k", b"new").unwrap();
                s.append(0, b"k", b" and more").unwrap();
                s.append(0, b"k", b"").unwrap();
                s.setrange(0, b"k", 0, b"NEW").unwrap();
                // Past the end: zero padding, as on the first write.
                s.setrange(0, b"k", 20, b"!").unwrap();
                s.setrange(0, b"k", 1, b"").unwrap();
                s.setrange(0, b"pad", 3, b"x").unwrap();
                s.set(0, b"t", "1", SetOptions { expiry: Some(Expiry::Px(1_000)), ..SetOptions::default() }).unwrap();
                clock.advance(10);
                s.append(0, b"t", b"23").unwrap();
                s.setrange(0, b"t", 0, b"9").unwrap();
                s.incrby(0, b"t", 1).unwrap();
            });
            assert_eq!(
                text(&log),
                [
                    "SET k new",
                    "APPEND k  and more",
                    "SETRANGE k 0 NEW",
                    "SETRANGE k 20 !",
                    &format!("SET pad {}x", "\0".repeat(3)),
                    &format!("SET t 1 PXAT {}", crate::propagate::tests::NOW + 1_000),
                    "APPEND t 23",
                    "SETRANGE t 0 9",
                    &format!("SET t 924 PXAT {}", crate::propagate::tests::NOW + 1_000),
                ]
            );
        }

        #[test]
        fn a_change_to_a_long_string_is_a_small_command() {
            let log = round_trip(|s, _| {
                s.set(0, b"k", vec![b'x'; 100_000], SetOptions::default()).unwrap();
                s.append(0, b"k", b"tail").unwrap();
                s.setrange(0, b"k", 50_000, b"middle").unwrap();
            });
            assert!(log_bytes(&log[..1]) > 100_000);
            assert!(log_bytes(&log[1..]) < 100, "{:?}", text(&log[1..]));
        }
    }
}
