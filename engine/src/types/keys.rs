//! Generic key commands: DEL, EXISTS, TYPE, RENAME, COPY, SCAN, KEYS, the
//! EXPIRE/TTL family, and the building blocks the multi-shard runtime uses
//! to move values between shards (`dump`, `take`, `restore`).

use bytes::Bytes;

use crate::error::{Error, OptionConflict, Result};
use crate::shard::Shard;
use crate::types::{Hash, List, Set, ZSet};
use crate::value::{Kind, Value, ValueRef};

/// Conditions of `EXPIRE`/`PEXPIRE`/`EXPIREAT`/`PEXPIREAT` (Redis 7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpireOptions {
    /// `NX`: only when the key has no TTL.
    pub nx: bool,
    /// `XX`: only when the key has a TTL.
    pub xx: bool,
    /// `GT`: only when the new deadline is later (no TTL counts as infinite).
    pub gt: bool,
    /// `LT`: only when the new deadline is earlier (no TTL counts as infinite).
    pub lt: bool,
}

impl ExpireOptions {
    /// Rejects the combinations Redis rejects, as
    /// [`Error::IncompatibleOptions`].
    pub fn validate(&self) -> Result<()> {
        if self.nx && (self.xx || self.gt || self.lt) {
            return Err(Error::IncompatibleOptions(OptionConflict::ExpireNx));
        }
        if self.gt && self.lt {
            return Err(Error::IncompatibleOptions(OptionConflict::ExpireGtLt));
        }
        Ok(())
    }
}

/// Options of `SCAN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions<'a> {
    /// `MATCH pattern` (glob).
    pub pattern: Option<&'a [u8]>,
    /// `COUNT n`: keys to visit per call; 0 means Redis's default of 10.
    pub count: usize,
    /// `TYPE kind`.
    pub kind: Option<Kind>,
}

impl Shard {
    /// `DEL`: removes the keys that exist; returns how many were removed
    /// (a repeated key counts once).
    pub fn del<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> usize {
        let mut n = 0;
        for k in keys {
            if let Some(slot) = self.lookup_write(db, k.as_ref()) {
                self.delete_slot(slot);
                n += 1;
            }
        }
        n
    }

    /// `UNLINK`: the same as [`del`](Self::del); values are dropped on the
    /// shard's own thread.
    pub fn unlink<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> usize {
        self.del(db, keys)
    }

    /// `EXISTS`: how many of `keys` exist, counting repeats.
    pub fn exists<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> usize {
        keys.iter().filter(|k| self.lookup_read_notouch(db, k.as_ref()).is_some()).count()
    }

    /// `TOUCH`: marks the keys as accessed; returns how many exist.
    ///
    /// (Named `touch_keys` because `Shard::touch` is the framework's
    /// per-slot eviction hook.)
    pub fn touch_keys<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> usize {
        keys.iter().filter(|k| self.lookup_read(db, k.as_ref()).is_some()).count()
    }

    /// `TYPE`: the key's kind, `None` for a missing key (`none`).
    pub fn key_type(&mut self, db: u8, key: &[u8]) -> Option<Kind> {
        let slot = self.lookup_read_notouch(db, key)?;
        Some(self.item(slot).kind())
    }

    /// `RENAME` within this shard: moves the value and its TTL, replacing
    /// `dst`. [`Error::NoSuchKey`] when `src` is missing (even if `src == dst`).
    pub fn rename(&mut self, db: u8, src: &[u8], dst: &[u8]) -> Result<()> {
        self.rename_inner(db, src, dst, false).map(drop)
    }

    /// `RENAMENX` within this shard: false (and nothing changes) when `dst`
    /// exists, including when `src == dst`.
    pub fn renamenx(&mut self, db: u8, src: &[u8], dst: &[u8]) -> Result<bool> {
        self.rename_inner(db, src, dst, true)
    }

    fn rename_inner(&mut self, db: u8, src: &[u8], dst: &[u8], nx: bool) -> Result<bool> {
        let Some(src_slot) = self.lookup_write(db, src) else { return Err(Error::NoSuchKey) };
        if src == dst {
            return Ok(!nx);
        }
        let dst_slot = self.lookup_write(db, dst);
        if nx && dst_slot.is_some() {
            return Ok(false);
        }
        let (value, expire) = self.take_slot(src_slot);
        match dst_slot {
            Some(d) => self.replace_value(d, value, expire),
            None => {
                self.insert_value(db, dst, value, expire);
            }
        }
        Ok(true)
    }

    /// `COPY src dst [DB dst_db] [REPLACE]` within this shard: copies the
    /// value and TTL; false when `src` is missing or `dst` exists without
    /// `replace`.
    pub fn copy(&mut self, src_db: u8, src: &[u8], dst_db: u8, dst: &[u8], replace: bool) -> Result<bool> {
        self.check_db(src_db)?;
        self.check_db(dst_db)?;
        if src_db == dst_db && src == dst {
            return Err(Error::SameObject);
        }
        self.make_room()?;
        let Some(src_slot) = self.lookup_read(src_db, src) else { return Ok(false) };
        let dst_slot = self.lookup_write(dst_db, dst);
        if dst_slot.is_some() && !replace {
            return Ok(false);
        }
        let expire = self.expire_of(src_slot);
        let value = self.copy_slot(src_slot);
        match dst_slot {
            Some(d) => self.replace_value(d, value, expire),
            None => {
                self.insert_value(dst_db, dst, value, expire);
            }
        }
        Ok(true)
    }

    /// `RANDOMKEY`: a random live key of `db`.
    pub fn randomkey(&mut self, db: u8) -> Option<Bytes> {
        let slot = self.random_slot(db)?;
        Some(Bytes::copy_from_slice(self.key_of(slot)))
    }

    /// `SCAN cursor [MATCH p] [COUNT n] [TYPE t]` over this shard's keys of
    /// `db`. The cursor is a slab position: start at 0; the scan is over
    /// when the returned cursor is 0. Every key that exists for the whole
    /// scan is returned at least once.
    pub fn scan(&mut self, db: u8, cursor: u64, opts: ScanOptions<'_>) -> (u64, Vec<Bytes>) {
        let count = if opts.count == 0 { 10 } else { opts.count };
        let mut out = Vec::new();
        let next = self.scan_slots(db, cursor, count, |sh, slot| {
            let it = sh.item(slot);
            if opts.kind.is_some_and(|k| k != it.kind()) {
                return;
            }
            if opts.pattern.is_some_and(|p| !crate::glob::matches(p, it.key())) {
                return;
            }
            out.push(Bytes::copy_from_slice(it.key()));
        });
        (next, out)
    }

    /// `KEYS pattern`: every live key of `db` in this shard that matches.
    pub fn keys(&mut self, db: u8, pattern: &[u8]) -> Vec<Bytes> {
        let all = pattern == b"*";
        let mut out = Vec::new();
        self.scan_slots(db, 0, usize::MAX, |sh, slot| {
            let key = sh.key_of(slot);
            if all || crate::glob::matches(pattern, key) {
                out.push(Bytes::copy_from_slice(key));
            }
        });
        out
    }

    /// `EXPIRE key seconds [NX|XX|GT|LT]`.
    pub fn expire(&mut self, db: u8, key: &[u8], seconds: i64, opts: ExpireOptions) -> Result<bool> {
        let when = self.expire_when(seconds, true, true, opts, "expire")?;
        Ok(self.expire_at_ms(db, key, when, opts))
    }

    /// `PEXPIRE key milliseconds [NX|XX|GT|LT]`.
    pub fn pexpire(&mut self, db: u8, key: &[u8], ms: i64, opts: ExpireOptions) -> Result<bool> {
        let when = self.expire_when(ms, false, true, opts, "pexpire")?;
        Ok(self.expire_at_ms(db, key, when, opts))
    }

    /// `EXPIREAT key unix-seconds [NX|XX|GT|LT]`.
    pub fn expireat(&mut self, db: u8, key: &[u8], unix_s: i64, opts: ExpireOptions) -> Result<bool> {
        let when = self.expire_when(unix_s, true, false, opts, "expireat")?;
        Ok(self.expire_at_ms(db, key, when, opts))
    }

    /// `PEXPIREAT key unix-ms [NX|XX|GT|LT]`.
    pub fn pexpireat(&mut self, db: u8, key: &[u8], unix_ms: i64, opts: ExpireOptions) -> Result<bool> {
        let when = self.expire_when(unix_ms, false, false, opts, "pexpireat")?;
        Ok(self.expire_at_ms(db, key, when, opts))
    }

    /// The absolute deadline in ms, with Redis's overflow checks (done
    /// before the key is looked up, so they apply to missing keys too).
    fn expire_when(
        &self,
        v: i64,
        seconds: bool,
        relative: bool,
        opts: ExpireOptions,
        cmd: &'static str,
    ) -> Result<i64> {
        opts.validate()?;
        let ms = if seconds { v.checked_mul(1000).ok_or(Error::InvalidExpire { command: cmd })? } else { v };
        if !relative {
            return Ok(ms);
        }
        let base = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        ms.checked_add(base).ok_or(Error::InvalidExpire { command: cmd })
    }

    /// Applies a validated deadline: the conditions, then delete when it
    /// is not in the future, else set it.
    fn expire_at_ms(&mut self, db: u8, key: &[u8], when: i64, opts: ExpireOptions) -> bool {
        let Some(slot) = self.lookup_write(db, key) else { return false };
        let current = self.expire_of(slot).map(|at| i64::try_from(at).unwrap_or(i64::MAX));
        if (opts.nx && current.is_some()) || (opts.xx && current.is_none()) {
            return false;
        }
        // No TTL is an infinite TTL: GT never beats it, LT always does.
        if opts.gt && current.is_none_or(|c| when <= c) {
            return false;
        }
        if opts.lt && current.is_some_and(|c| when >= c) {
            return false;
        }
        if when <= i64::try_from(self.now_ms()).unwrap_or(i64::MAX) {
            self.delete_slot(slot);
        } else {
            self.set_expire(slot, Some(when as u64));
        }
        true
    }

    /// `TTL`: seconds left, rounded to nearest; -2 missing, -1 no TTL.
    pub fn ttl(&mut self, db: u8, key: &[u8]) -> i64 {
        self.ttl_generic(db, key, false, false)
    }

    /// `PTTL`: milliseconds left; -2 missing, -1 no TTL.
    pub fn pttl(&mut self, db: u8, key: &[u8]) -> i64 {
        self.ttl_generic(db, key, true, false)
    }

    /// `EXPIRETIME`: the deadline in Unix seconds (rounded to nearest);
    /// -2 missing, -1 no TTL.
    pub fn expiretime(&mut self, db: u8, key: &[u8]) -> i64 {
        self.ttl_generic(db, key, false, true)
    }

    /// `PEXPIRETIME`: the deadline in Unix ms; -2 missing, -1 no TTL.
    pub fn pexpiretime(&mut self, db: u8, key: &[u8]) -> i64 {
        self.ttl_generic(db, key, true, true)
    }

    fn ttl_generic(&mut self, db: u8, key: &[u8], ms: bool, absolute: bool) -> i64 {
        let Some(slot) = self.lookup_read_notouch(db, key) else { return -2 };
        let Some(at) = self.expire_of(slot) else { return -1 };
        let at = at.min(i64::MAX as u64);
        let v = if absolute { at } else { at.saturating_sub(self.now_ms()) };
        // Redis rounds seconds as (ms + 500) / 1000.
        (if ms { v } else { (v + 500) / 1000 }) as i64
    }

    /// `PERSIST`: removes the TTL; true when there was one.
    pub fn persist(&mut self, db: u8, key: &[u8]) -> bool {
        let Some(slot) = self.lookup_write(db, key) else { return false };
        if self.expire_of(slot).is_none() {
            return false;
        }
        self.set_expire(slot, None);
        true
    }

    /// `MOVE key db`: moves the key, with its TTL, to database `dst_db`
    /// (keys live on the same shard in every database). False when the key
    /// is missing or `dst_db` already holds it. Errors as Redis: a database
    /// out of range, then [`Error::SameObject`].
    pub fn move_to_db(&mut self, db: u8, key: &[u8], dst_db: u8) -> Result<bool> {
        self.check_db(dst_db)?;
        if db == dst_db {
            return Err(Error::SameObject);
        }
        let Some(slot) = self.lookup_write(db, key) else { return Ok(false) };
        if self.lookup_write(dst_db, key).is_some() {
            return Ok(false);
        }
        let (value, expire) = self.take_slot(slot);
        self.insert_value(dst_db, key, value, expire);
        Ok(true)
    }

    /// Runs `f` on the value at `key`, in place, with its absolute expiry
    /// (Unix ms): for commands that serialise or inspect any kind of value
    /// (DUMP). Counts as a read (stats, eviction policy). `None` when the
    /// key is missing.
    pub fn read_value<R>(&mut self, db: u8, key: &[u8], f: impl FnOnce(ValueRef<'_>, Option<u64>) -> R) -> Option<R> {
        let slot = self.lookup_read(db, key)?;
        Some(f(self.value(slot), self.expire_of(slot)))
    }

    /// [`read_value`](Self::read_value) that leaves stats and the eviction
    /// policy alone (OBJECT inspects a key without "using" it).
    pub fn peek_value<R>(&mut self, db: u8, key: &[u8], f: impl FnOnce(ValueRef<'_>, Option<u64>) -> R) -> Option<R> {
        let slot = self.lookup(db, key)?;
        Some(f(self.value(slot), self.expire_of(slot)))
    }

    // ----- building blocks for the multi-shard runtime -----------------------

    /// A copy of the value at `key` and its absolute expiry (Unix ms), for
    /// moving or copying it to another shard. Touches no stats.
    pub fn dump(&mut self, db: u8, key: &[u8]) -> Option<(Value, Option<u64>)> {
        let slot = self.lookup(db, key)?;
        Some((self.copy_slot(slot), self.expire_of(slot)))
    }

    /// Removes `key` and returns its value and absolute expiry, without
    /// copying the value.
    pub fn take(&mut self, db: u8, key: &[u8]) -> Option<(Value, Option<u64>)> {
        let slot = self.lookup(db, key)?;
        Some(self.take_slot(slot))
    }

    /// Stores `value` at `key` with an absolute expiry. Returns false (and
    /// changes nothing) when the key exists and `replace` is false. An
    /// empty collection means "no key": an existing key is deleted.
    pub fn restore(&mut self, db: u8, key: &[u8], value: Value, expire: Option<u64>, replace: bool) -> Result<bool> {
        self.make_room()?;
        Ok(self.place(db, key, value, expire, replace))
    }

    /// [`restore`](Self::restore) without the memory check, for moves between
    /// shards that free on one what they add on the other (RENAME and
    /// RENAMENX never fail for memory in Redis).
    pub(crate) fn place(&mut self, db: u8, key: &[u8], value: Value, expire: Option<u64>, replace: bool) -> bool {
        let slot = self.lookup(db, key);
        if slot.is_some() && !replace {
            return false;
        }
        if value.is_empty_collection() {
            if let Some(s) = slot {
                self.delete_slot(s);
            }
            return true;
        }
        match slot {
            Some(s) => self.replace_value(s, value, expire),
            None => {
                self.insert_value(db, key, value, expire);
            }
        }
        true
    }

    /// True when any of `keys` exists (no stats), e.g. for a multi-shard
    /// MSETNX or RENAMENX check.
    pub fn exists_any<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> bool {
        keys.iter().any(|k| self.lookup(db, k.as_ref()).is_some())
    }

    // ----- helpers ----------------------------------------------------------

    /// A copy of the value in `slot`; long strings share their bytes.
    fn copy_slot(&self, slot: u32) -> Value {
        match self.item(slot).boxed_value() {
            Some(Value::Str(b)) => Value::Str(b.clone()),
            _ => self.value(slot).to_value(),
        }
    }

    /// Removes the key in `slot`, returning its value (moved, not copied)
    /// and expiry.
    fn take_slot(&mut self, slot: u32) -> (Value, Option<u64>) {
        let expire = self.expire_of(slot);
        match self.item(slot).boxed_value() {
            // Inline strings are at most 64 bytes: copying them is the move.
            None => return self.take_value(slot).unwrap_or((Value::Str(Bytes::new()), expire)),
            Some(Value::Str(b)) => {
                let value = Value::Str(b.clone());
                self.delete_slot(slot);
                return (value, expire);
            }
            Some(_) => {}
        }
        // Swapping in an empty collection moves the value out in O(1); the
        // emptied key is then deleted (and accounted) by `modify`.
        let value = self.modify(slot, |v| {
            let empty = match v {
                Value::List(_) => Value::List(List::default()),
                Value::Hash(_) => Value::Hash(Hash::default()),
                Value::Set(_) => Value::Set(Set::default()),
                Value::ZSet(_) => Value::ZSet(ZSet::default()),
                Value::Str(_) => Value::List(List::default()),
            };
            (std::mem::replace(v, empty), true)
        });
        (value, expire)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clock::Clock;
    use crate::mutation::{Mutation, OwnedEvent, OwnedMutation};
    use crate::shard::ShardConfig;
    use crate::types::SetOptions;

    const NOW: u64 = 1_700_000_000_000;

    fn shard() -> (Shard, Clock) {
        let clock = Clock::manual(NOW);
        (Shard::new(0, ShardConfig { clock: clock.clone(), databases: 4, ..ShardConfig::default() }), clock)
    }

    fn set(s: &mut Shard, db: u8, key: &[u8], v: &[u8]) {
        s.set(db, key, v, SetOptions::default()).unwrap();
    }

    fn get(s: &mut Shard, db: u8, key: &[u8]) -> Option<Vec<u8>> {
        s.get(db, key).unwrap().map(|b| b.to_vec())
    }

    fn no() -> ExpireOptions {
        ExpireOptions::default()
    }

    #[test]
    fn del_unlink_exists_touch_type() {
        let (mut s, _) = shard();
        set(&mut s, 0, b"a", b"1");
        set(&mut s, 0, b"b", b"2");
        set(&mut s, 1, b"a", b"other db");
        s.insert_value(0, b"l", Value::List(List::new()), None);
        assert_eq!(s.exists(0, &[&b"a"[..], b"a", b"a", b"b", b"zz"]), 4);
        assert_eq!(s.touch_keys(0, &[&b"a"[..], b"a", b"zz"]), 2);
        assert_eq!(s.key_type(0, b"a"), Some(Kind::String));
        assert_eq!(s.key_type(0, b"l"), Some(Kind::List));
        assert_eq!(s.key_type(0, b"zz"), None);
        assert_eq!(s.del(0, &[&b"a"[..], b"a", b"zz"]), 1);
        assert_eq!(s.unlink(0, &[&b"b"[..], b"l", b"b"]), 2);
        assert_eq!(s.exists(0, &[&b"a"[..], b"b", b"l"]), 0);
        assert_eq!(get(&mut s, 1, b"a").as_deref(), Some(&b"other db"[..]));
        let keys: [&[u8]; 0] = [];
        assert_eq!(s.del(0, &keys), 0);
    }

    #[test]
    fn rename_and_renamenx() {
        let (mut s, _) = shard();
        assert_eq!(s.rename(0, b"nokey", b"x"), Err(Error::NoSuchKey));
        assert_eq!(s.rename(0, b"nokey", b"nokey"), Err(Error::NoSuchKey));
        assert_eq!(s.renamenx(0, b"nokey", b"x"), Err(Error::NoSuchKey));
        set(&mut s, 0, b"a", b"1");
        s.rename(0, b"a", b"a").unwrap();
        assert!(!s.renamenx(0, b"a", b"a").unwrap());
        assert_eq!(get(&mut s, 0, b"a").as_deref(), Some(&b"1"[..]));
        s.expire(0, b"a", 100, no()).unwrap();
        set(&mut s, 0, b"b", b"2");
        s.rename(0, b"a", b"b").unwrap();
        assert_eq!(get(&mut s, 0, b"b").as_deref(), Some(&b"1"[..]));
        assert_eq!(s.ttl(0, b"b"), 100);
        assert_eq!(s.exists(0, &[b"a"]), 0);
        // The destination's TTL goes away with its value.
        set(&mut s, 0, b"c", b"3");
        s.rename(0, b"c", b"b").unwrap();
        assert_eq!(s.ttl(0, b"b"), -1);
        set(&mut s, 0, b"a", b"1");
        assert!(!s.renamenx(0, b"a", b"b").unwrap());
        assert_eq!(get(&mut s, 0, b"b").as_deref(), Some(&b"3"[..]));
        assert!(s.renamenx(0, b"a", b"c").unwrap());
        assert_eq!(get(&mut s, 0, b"c").as_deref(), Some(&b"1"[..]));
        // Long strings and other kinds move too.
        let big = Bytes::from(vec![5u8; 500]);
        s.set(0, b"big", big.clone(), SetOptions::default()).unwrap();
        s.rename(0, b"big", b"big2").unwrap();
        let moved = s.get(0, b"big2").unwrap().unwrap();
        assert_eq!(moved.as_ptr(), big.as_ptr());
        s.insert_value(0, b"l", Value::List(List::new()), Some(NOW + 5000));
        s.rename(0, b"l", b"l2").unwrap();
        assert_eq!(s.key_type(0, b"l2"), Some(Kind::List));
        assert_eq!(s.pttl(0, b"l2"), 5000);
    }

    #[test]
    fn copy_within_and_across_dbs() {
        let (mut s, _) = shard();
        set(&mut s, 0, b"c", b"1");
        assert_eq!(s.copy(0, b"c", 0, b"c", false), Err(Error::SameObject));
        assert_eq!(s.copy(0, b"c", 99, b"c", false), Err(Error::DbIndexOutOfRange));
        assert!(s.copy(0, b"c", 1, b"c", false).unwrap());
        assert_eq!(get(&mut s, 1, b"c").as_deref(), Some(&b"1"[..]));
        assert!(!s.copy(0, b"nokey", 0, b"d", false).unwrap());
        assert!(s.copy(0, b"c", 0, b"d", false).unwrap());
        set(&mut s, 0, b"c", b"2");
        assert!(!s.copy(0, b"c", 0, b"d", false).unwrap());
        assert_eq!(get(&mut s, 0, b"d").as_deref(), Some(&b"1"[..]));
        s.expire(0, b"c", 100, no()).unwrap();
        assert!(s.copy(0, b"c", 0, b"d", true).unwrap());
        assert_eq!(get(&mut s, 0, b"d").as_deref(), Some(&b"2"[..]));
        assert_eq!(s.ttl(0, b"d"), 100);
        assert_eq!(s.ttl(0, b"c"), 100);
        // Copies are independent.
        set(&mut s, 0, b"c", b"changed");
        assert_eq!(get(&mut s, 0, b"d").as_deref(), Some(&b"2"[..]));
        let big = Bytes::from(vec![1u8; 100]);
        s.set(0, b"big", big.clone(), SetOptions::default()).unwrap();
        s.copy(0, b"big", 2, b"big", false).unwrap();
        assert_eq!(s.get(2, b"big").unwrap(), Some(big));
    }

    #[test]
    fn expire_conditions() {
        let (mut s, _) = shard();
        let (nx, xx, gt, lt) = (
            ExpireOptions { nx: true, ..no() },
            ExpireOptions { xx: true, ..no() },
            ExpireOptions { gt: true, ..no() },
            ExpireOptions { lt: true, ..no() },
        );
        set(&mut s, 0, b"k", b"v");
        assert!(!s.expire(0, b"k", 100, gt).unwrap()); // no TTL = infinite
        assert!(s.expire(0, b"k", 100, lt).unwrap());
        assert_eq!(s.ttl(0, b"k"), 100);
        assert!(s.expire(0, b"k", 50, lt).unwrap());
        assert!(!s.expire(0, b"k", 50, lt).unwrap()); // equal is not less
        assert!(!s.expire(0, b"k", 50, gt).unwrap());
        assert!(s.expire(0, b"k", 60, gt).unwrap());
        assert_eq!(s.ttl(0, b"k"), 60);
        assert!(!s.expire(0, b"k", 100, nx).unwrap());
        assert!(s.persist(0, b"k"));
        assert!(!s.expire(0, b"k", 100, xx).unwrap());
        assert!(s.expire(0, b"k", 100, nx).unwrap());
        assert!(s.expire(0, b"k", 200, ExpireOptions { xx: true, gt: true, ..no() }).unwrap());
        assert_eq!(s.ttl(0, b"k"), 200);
        assert!(!s.expire(0, b"k", 300, ExpireOptions { xx: true, lt: true, ..no() }).unwrap());
        let nx_with_others = Err(Error::IncompatibleOptions(OptionConflict::ExpireNx));
        assert_eq!(s.expire(0, b"k", 10, ExpireOptions { nx: true, xx: true, ..no() }), nx_with_others);
        assert_eq!(s.expire(0, b"k", 10, ExpireOptions { nx: true, gt: true, ..no() }), nx_with_others);
        let gt_lt = s.expire(0, b"missing", 10, ExpireOptions { gt: true, lt: true, ..no() });
        assert_eq!(gt_lt, Err(Error::IncompatibleOptions(OptionConflict::ExpireGtLt)));
    }

    #[test]
    fn expire_in_the_past_deletes() {
        let (mut s, _) = shard();
        for (secs, opts, deleted) in [(0, no(), true), (-1, no(), true), (-1, ExpireOptions { lt: true, ..no() }, true)]
        {
            set(&mut s, 0, b"k", b"v");
            assert!(s.expire(0, b"k", secs, opts).unwrap());
            assert_eq!(s.exists(0, &[b"k"]) == 0, deleted);
        }
        // GT against "no TTL" fails, so nothing is deleted.
        set(&mut s, 0, b"k", b"v");
        assert!(!s.expire(0, b"k", -1, ExpireOptions { gt: true, ..no() }).unwrap());
        assert_eq!(s.exists(0, &[b"k"]), 1);
        assert!(s.pexpire(0, b"k", 0, no()).unwrap());
        assert_eq!(s.exists(0, &[b"k"]), 0);
        set(&mut s, 0, b"k", b"v");
        assert!(s.pexpireat(0, b"k", NOW as i64, no()).unwrap()); // deadline == now deletes
        assert_eq!(s.exists(0, &[b"k"]), 0);
        set(&mut s, 0, b"k", b"v");
        assert!(s.expireat(0, b"k", 1, no()).unwrap());
        assert_eq!(s.exists(0, &[b"k"]), 0);
        set(&mut s, 0, b"k", b"v");
        assert!(s.pexpireat(0, b"k", NOW as i64 + 1, no()).unwrap());
        assert_eq!(s.pttl(0, b"k"), 1);
        assert!(!s.expire(0, b"missing", 100, no()).unwrap());
    }

    #[test]
    fn expire_overflow() {
        let (mut s, _) = shard();
        set(&mut s, 0, b"k", b"v");
        assert_eq!(s.expire(0, b"k", 9_223_372_036_854_776, no()), Err(Error::InvalidExpire { command: "expire" }));
        assert_eq!(s.expire(0, b"k", 9_223_372_036_854_775, no()), Err(Error::InvalidExpire { command: "expire" }));
        assert_eq!(s.expire(0, b"k", -9_223_372_036_854_776, no()), Err(Error::InvalidExpire { command: "expire" }));
        assert_eq!(s.expire(0, b"missing", i64::MAX, no()), Err(Error::InvalidExpire { command: "expire" }));
        assert_eq!(s.pexpire(0, b"k", i64::MAX, no()), Err(Error::InvalidExpire { command: "pexpire" }));
        assert_eq!(s.expireat(0, b"k", i64::MAX, no()), Err(Error::InvalidExpire { command: "expireat" }));
        assert!(s.pexpireat(0, b"k", i64::MAX, no()).unwrap());
        assert_eq!(s.pexpiretime(0, b"k"), i64::MAX);
        assert_eq!(s.pttl(0, b"k"), i64::MAX - NOW as i64);
        assert!(s.expire(0, b"k", -9_223_372_036_854_775, no()).unwrap());
        assert_eq!(s.exists(0, &[b"k"]), 0);
    }

    #[test]
    fn ttl_rounding_and_persist() {
        let (mut s, clock) = shard();
        assert_eq!((s.ttl(0, b"k"), s.pttl(0, b"k"), s.expiretime(0, b"k"), s.pexpiretime(0, b"k")), (-2, -2, -2, -2));
        set(&mut s, 0, b"k", b"v");
        assert_eq!((s.ttl(0, b"k"), s.pttl(0, b"k"), s.expiretime(0, b"k"), s.pexpiretime(0, b"k")), (-1, -1, -1, -1));
        assert!(!s.persist(0, b"k"));
        for (ms, secs) in [(1, 0), (499, 0), (500, 1), (1499, 1), (1500, 2), (2000, 2)] {
            s.pexpire(0, b"k", ms, no()).unwrap();
            assert_eq!(s.pttl(0, b"k"), ms);
            assert_eq!(s.ttl(0, b"k"), secs, "{ms} ms");
        }
        s.pexpireat(0, b"k", 99_999_999_999_499, no()).unwrap();
        assert_eq!(s.expiretime(0, b"k"), 99_999_999_999);
        s.pexpireat(0, b"k", 99_999_999_999_500, no()).unwrap();
        assert_eq!(s.expiretime(0, b"k"), 100_000_000_000);
        assert_eq!(s.pexpiretime(0, b"k"), 99_999_999_999_500);
        assert!(s.persist(0, b"k"));
        assert_eq!(s.ttl(0, b"k"), -1);
        assert!(!s.persist(0, b"missing"));
        s.pexpire(0, b"k", 10, no()).unwrap();
        clock.advance(10);
        assert_eq!(s.pttl(0, b"k"), 0);
        clock.advance(1);
        assert_eq!(s.pttl(0, b"k"), -2);
    }

    #[test]
    fn scan_keys_and_randomkey() {
        let (mut s, clock) = shard();
        assert_eq!(s.randomkey(0), None);
        assert_eq!(s.scan(0, 0, ScanOptions::default()), (0, vec![]));
        for i in 0..50u32 {
            set(&mut s, 0, format!("key:{i}").as_bytes(), b"v");
        }
        set(&mut s, 1, b"key:other-db", b"v");
        s.insert_value(0, b"list", Value::List(List::new()), None);
        s.set(0, b"gone", b"v", SetOptions { expiry: Some(crate::types::Expiry::Px(5)), ..SetOptions::default() })
            .unwrap();
        clock.advance(10);
        let mut seen = Vec::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let (next, keys) = s.scan(0, cursor, ScanOptions { count: 7, ..ScanOptions::default() });
            assert!(keys.len() <= 7);
            seen.extend(keys);
            calls += 1;
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert!(calls >= 8);
        seen.sort();
        let mut want: Vec<Bytes> = (0..50u32).map(|i| Bytes::from(format!("key:{i}"))).collect();
        want.push(Bytes::from("list"));
        want.sort();
        assert_eq!(seen, want);
        let all = ScanOptions { count: 1000, ..ScanOptions::default() };
        let (c, lists) = s.scan(0, 0, ScanOptions { kind: Some(Kind::List), ..all });
        assert_eq!((c, lists), (0, vec![Bytes::from("list")]));
        let (_, m) = s.scan(0, 0, ScanOptions { pattern: Some(b"key:1?"), ..all });
        assert_eq!(m.len(), 10);
        let (_, m) = s.scan(0, 0, ScanOptions { pattern: Some(b"key:1?"), kind: Some(Kind::List), ..all });
        assert!(m.is_empty());
        assert_eq!(s.scan(0, u64::MAX, all), (0, vec![]));
        let mut k = s.keys(0, b"key:4*");
        k.sort();
        assert_eq!(
            k,
            vec![
                Bytes::from("key:4"),
                Bytes::from("key:40"),
                Bytes::from("key:41"),
                Bytes::from("key:42"),
                Bytes::from("key:43"),
                Bytes::from("key:44"),
                Bytes::from("key:45"),
                Bytes::from("key:46"),
                Bytes::from("key:47"),
                Bytes::from("key:48"),
                Bytes::from("key:49")
            ]
        );
        assert_eq!(s.keys(0, b"*").len(), 51);
        assert_eq!(s.keys(1, b"*"), vec![Bytes::from("key:other-db")]);
        for _ in 0..20 {
            let k = s.randomkey(0).unwrap();
            assert!(k.starts_with(b"key:") || &k[..] == b"list");
        }
        assert_eq!(s.randomkey(1), Some(Bytes::from("key:other-db")));
    }

    #[test]
    fn dump_take_restore() {
        let (mut s, _) = shard();
        assert_eq!(s.dump(0, b"k"), None);
        assert_eq!(s.take(0, b"k"), None);
        s.set(0, b"k", b"v", SetOptions { expiry: Some(crate::types::Expiry::Ex(10)), ..SetOptions::default() })
            .unwrap();
        let dumped = s.dump(0, b"k").unwrap();
        assert_eq!(dumped, (Value::Str(Bytes::from("v")), Some(NOW + 10_000)));
        assert!(s.exists_any(0, &[&b"x"[..], b"k"]));
        assert!(!s.exists_any(0, &[&b"x"[..], b"y"]));
        let taken = s.take(0, b"k").unwrap();
        assert_eq!(taken, dumped);
        assert!(!s.exists_any(0, &[b"k"]));
        assert!(s.restore(2, b"k2", taken.0.clone(), taken.1, false).unwrap());
        assert_eq!(s.pttl(2, b"k2"), 10_000);
        assert!(!s.restore(2, b"k2", Value::Str(Bytes::from("other")), None, false).unwrap());
        assert_eq!(get(&mut s, 2, b"k2").as_deref(), Some(&b"v"[..]));
        assert!(s.restore(2, b"k2", Value::Str(Bytes::from(vec![3u8; 100])), None, true).unwrap());
        assert_eq!(s.ttl(2, b"k2"), -1);
        assert_eq!(s.strlen(2, b"k2").unwrap(), 100);
        // An empty collection is "no key".
        assert!(s.restore(2, b"k2", Value::List(List::new()), None, true).unwrap());
        assert_eq!(s.exists(2, &[b"k2"]), 0);
        assert!(s.restore(2, b"k3", Value::Set(Set::default()), None, false).unwrap());
        assert_eq!(s.exists(2, &[b"k3"]), 0);
        // Collections are moved out by take.
        s.insert_value(0, b"h", Value::Hash(Hash::default()), Some(NOW + 1));
        assert_eq!(s.take(0, b"h"), Some((Value::Hash(Hash::default()), Some(NOW + 1))));
        assert_eq!(s.dbsize(0), 0);
        assert_eq!(s.used_memory(), 0);
    }

    #[test]
    fn memory_accounting_and_mutation_stream() {
        let (mut s, _) = shard();
        let log: Arc<Mutex<Vec<OwnedMutation>>> = Arc::default();
        let sink = log.clone();
        s.subscribe(Box::new(move |m: &Mutation<'_>| sink.lock().unwrap().push(m.to_owned())));
        set(&mut s, 0, b"a", &[1u8; 200]);
        s.expire(0, b"a", 10, no()).unwrap();
        s.rename(0, b"a", b"b").unwrap();
        s.copy(0, b"b", 1, b"c", false).unwrap();
        s.persist(1, b"c");
        s.expire(1, b"c", -1, no()).unwrap();
        let events: Vec<(u8, Bytes, OwnedEvent)> =
            log.lock().unwrap().iter().map(|m| (m.db, m.key.clone(), m.event.clone())).collect();
        let big = Value::Str(Bytes::from(vec![1u8; 200]));
        let w = |v: &Value, e| OwnedEvent::Write { value: v.clone(), expire_at: e };
        assert_eq!(
            events,
            vec![
                (0, Bytes::from("a"), w(&big, None)),
                (0, Bytes::from("a"), w(&big, Some(NOW + 10_000))),
                (0, Bytes::from("a"), OwnedEvent::Delete),
                (0, Bytes::from("b"), w(&big, Some(NOW + 10_000))),
                (1, Bytes::from("c"), w(&big, Some(NOW + 10_000))),
                (1, Bytes::from("c"), w(&big, None)),
                (1, Bytes::from("c"), OwnedEvent::Delete),
            ]
        );
        assert_eq!(s.del(0, &[b"b"]), 1);
        assert_eq!(s.used_memory(), 0);
    }

    #[test]
    fn move_between_databases() {
        let (mut s, clock) = shard();
        set(&mut s, 0, b"k", b"v");
        s.pexpire(0, b"k", 5_000, no()).unwrap();
        set(&mut s, 1, b"taken", b"x");
        set(&mut s, 0, b"taken", b"y");
        assert_eq!(s.move_to_db(0, b"k", 0), Err(Error::SameObject));
        assert_eq!(s.move_to_db(0, b"k", 4), Err(Error::DbIndexOutOfRange));
        assert_eq!(s.move_to_db(0, b"missing", 1), Ok(false));
        assert_eq!(s.move_to_db(0, b"taken", 1), Ok(false));
        assert_eq!(get(&mut s, 0, b"taken").as_deref(), Some(&b"y"[..]));
        assert_eq!(s.move_to_db(0, b"k", 1), Ok(true));
        assert_eq!(get(&mut s, 0, b"k"), None);
        assert_eq!(get(&mut s, 1, b"k").as_deref(), Some(&b"v"[..]));
        assert_eq!(s.pttl(1, b"k"), 5_000);
        clock.advance(5_001);
        assert_eq!(get(&mut s, 1, b"k"), None);
    }

    #[test]
    fn read_and_peek_values_in_place() {
        let (mut s, _) = shard();
        s.insert_value(0, b"l", Value::List(List::from_iter([Bytes::from_static(b"a")])), Some(NOW + 10));
        let seen = s.read_value(0, b"l", |v, exp| (v.kind(), exp));
        assert_eq!(seen, Some((Kind::List, Some(NOW + 10))));
        let hits = s.stats().hits;
        assert_eq!(s.peek_value(0, b"l", |v, _| v.kind()), Some(Kind::List));
        assert_eq!(s.stats().hits, hits, "peeking is not a hit");
        assert_eq!(s.peek_value(0, b"nope", |v, _| v.kind()), None);
    }

    #[test]
    fn idle_time_counts_accesses_but_not_inspections() {
        let (mut s, clock) = shard();
        set(&mut s, 0, b"k", b"v");
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(0)));
        assert_eq!(s.idle_secs(0, b"nope"), None);
        clock.advance(3_000);
        s.active_expire(std::time::Duration::from_millis(1));
        // EXISTS, TYPE, TTL and OBJECT do not count as accesses.
        s.exists(0, &[b"k"]);
        s.key_type(0, b"k");
        s.ttl(0, b"k");
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(3)));
        // TOUCH and reads do.
        s.touch_keys(0, &[b"k"]);
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(0)));
        clock.advance(2_000);
        s.active_expire(std::time::Duration::from_millis(1));
        get(&mut s, 0, b"k");
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(0)));
        clock.advance(5_000);
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(5)));
        // A policy keeps its own state instead.
        s.set_policy(crate::PolicyKind::AllKeysLru);
        assert_eq!(s.idle_secs(0, b"k"), Some(None));
        s.set_policy(crate::PolicyKind::NoEviction);
        s.active_expire(std::time::Duration::from_millis(1));
        assert_eq!(s.idle_secs(0, b"k"), Some(Some(0)));
    }

    #[test]
    fn swapdb_trades_contents_and_keeps_working() {
        let (mut s, clock) = shard();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        s.subscribe(Box::new(move |m: &Mutation<'_>| {
            if let Ok(mut v) = sink.lock() {
                v.push(m.to_owned());
            }
        }));
        set(&mut s, 0, b"a", b"zero");
        set(&mut s, 0, b"shared", b"0");
        set(&mut s, 2, b"b", b"two");
        set(&mut s, 2, b"shared", b"2");
        s.pexpire(2, b"b", 1_000, no()).unwrap();
        assert_eq!(s.swapdb(0, 4), Err(Error::DbIndexOutOfRange));
        assert_eq!(s.swapdb(1, 1), Ok(()));
        s.swapdb(0, 2).unwrap();
        assert_eq!(get(&mut s, 0, b"b").as_deref(), Some(&b"two"[..]));
        assert_eq!(get(&mut s, 0, b"shared").as_deref(), Some(&b"2"[..]));
        assert_eq!(get(&mut s, 0, b"a"), None);
        assert_eq!(get(&mut s, 2, b"a").as_deref(), Some(&b"zero"[..]));
        assert_eq!((s.dbsize(0), s.dbsize(2), s.db_expiring(0), s.db_expiring(2)), (2, 2, 1, 0));
        let mut keys = s.keys(0, b"*");
        keys.sort();
        assert_eq!(keys, vec![Bytes::from_static(b"b"), Bytes::from_static(b"shared")]);
        assert_eq!(s.scan(2, 0, ScanOptions { count: 100, ..ScanOptions::default() }).1.len(), 2);
        assert!(s.randomkey(2).is_some_and(|k| &k[..] == b"a" || &k[..] == b"shared"));
        // Writes, deletes and flushes after the swap land in the right place
        // and are reported with the database the client sees.
        set(&mut s, 0, b"new", b"x");
        assert_eq!(s.move_to_db(0, b"new", 2), Ok(true));
        assert_eq!(get(&mut s, 2, b"new").as_deref(), Some(&b"x"[..]));
        clock.advance(1_001);
        assert_eq!(get(&mut s, 0, b"b"), None, "the TTL moved along");
        s.flushdb(2);
        assert_eq!((s.dbsize(0), s.dbsize(2)), (1, 0));
        let log = events.lock().unwrap();
        let swap = log.iter().find(|m| matches!(m.event, OwnedEvent::SwapDb { .. })).unwrap();
        assert_eq!((swap.db, &swap.event), (0, &OwnedEvent::SwapDb { with: 2 }));
        let moved = log.iter().rev().find(|m| &m.key[..] == b"new" && matches!(m.event, OwnedEvent::Write { .. }));
        assert_eq!(moved.map(|m| m.db), Some(2));
        let expired = log.iter().find(|m| &m.key[..] == b"b" && m.event == OwnedEvent::Expired);
        assert_eq!(expired.map(|m| m.db), Some(0));
    }
}
