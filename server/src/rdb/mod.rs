//! DUMP payloads: one value in Redis's RDB encoding, followed by the RDB
//! version (2 bytes, little-endian) and a CRC-64 of everything before it.
//!
//! [`dump`] writes what Redis 7.0 writes, byte for byte for strings,
//! integer sets, and small hashes, sorted sets and lists (listpacks, with
//! the same LZF compression); larger collections use the plain encodings,
//! which Redis loads as well (members in this engine's order). [`restore`]
//! reads every value encoding Redis has used for strings, lists, sets,
//! hashes and sorted sets (payloads up to RDB version 11, Redis 7.2), so a
//! payload from any Redis can be restored here and ours there.

mod compact;
mod crc64;
mod listpack;
mod lzf;

use bytes::Bytes;
use coreshard_engine::numbers::{string2ll, write_double};
use coreshard_engine::types::{Hash, List, Set, StrOrigin, ZSet};
use coreshard_engine::{Value, ValueRef};

use listpack::Entry;

use crate::cmd::ReplyError;

/// The RDB version written into payloads (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;
/// The newest payload version accepted (Redis 7.2's).
const MAX_VERSION: u16 = 11;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_HASH_ZIPMAP: u8 = 9;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_SET_LISTPACK: u8 = 20;

/// Redis 7.0's built-in defaults for the compact encodings (what
/// `redis-server` uses without a configuration file; the sample
/// `redis.conf` lowers the hash limit to 128).
const SET_MAX_INTSET_ENTRIES: usize = 512;
const HASH_MAX_LISTPACK_ENTRIES: usize = 512;
const HASH_MAX_LISTPACK_VALUE: usize = 64;
const ZSET_MAX_LISTPACK_ENTRIES: usize = 128;
const ZSET_MAX_LISTPACK_VALUE: usize = 64;
/// `list-max-listpack-size -2`: list nodes of at most 8 KB.
const LIST_NODE_BYTES: usize = 8192;

/// Quicklist node containers.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// Why a payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreError {
    /// Too short, a version newer than supported, or a checksum mismatch.
    VersionOrChecksum,
    /// The value does not decode (or is an empty collection, a stream, a
    /// module type, ...).
    BadFormat,
}

impl From<RestoreError> for ReplyError {
    fn from(e: RestoreError) -> ReplyError {
        ReplyError::text(match e {
            RestoreError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            RestoreError::BadFormat => "ERR Bad data format",
        })
    }
}

// ----- encodings -----------------------------------------------------------------

/// The internal encoding Redis 7.0 (default settings) gives a value with
/// this content, as `OBJECT ENCODING` names it; `origin` tells how a
/// string was built where that matters (APPEND and SETRANGE make `raw`
/// strings, INCRBYFLOAT never makes `int` ones). Redis also remembers some
/// history this engine does not keep (a set once grown past the intset
/// stays a `hashtable`, RENAME and MOVE keep a `raw` string `raw`); the
/// name here then follows the content, which is also what decides the
/// encoding in a DUMP payload or after a reload.
pub fn encoding(value: ValueRef<'_>, origin: Option<StrOrigin>) -> &'static str {
    match value {
        ValueRef::Str(_) if origin == Some(StrOrigin::Raw) => "raw",
        ValueRef::Str(s) if origin.is_none() && s.len() <= 20 && string2ll(s).is_some() => "int",
        ValueRef::Str(s) if s.len() <= 44 => "embstr",
        ValueRef::Str(_) => "raw",
        ValueRef::List(_) => "quicklist",
        ValueRef::Set(s) if set_is_intset(s) => "intset",
        ValueRef::Set(_) => "hashtable",
        ValueRef::Hash(h) if hash_is_listpack(h) => "listpack",
        ValueRef::Hash(_) => "hashtable",
        ValueRef::ZSet(z) if zset_is_listpack(z) => "listpack",
        ValueRef::ZSet(_) => "skiplist",
    }
}

fn set_is_intset(s: &Set) -> bool {
    s.len() <= SET_MAX_INTSET_ENTRIES && s.iter().all(|m| string2ll(m).is_some())
}

fn hash_is_listpack(h: &Hash) -> bool {
    h.len() <= HASH_MAX_LISTPACK_ENTRIES
        && h.iter().all(|(f, v)| f.len() <= HASH_MAX_LISTPACK_VALUE && v.len() <= HASH_MAX_LISTPACK_VALUE)
}

fn zset_is_listpack(z: &ZSet) -> bool {
    z.len() <= ZSET_MAX_LISTPACK_ENTRIES && z.iter().all(|(m, _)| m.len() <= ZSET_MAX_LISTPACK_VALUE)
}

// ----- writing -----------------------------------------------------------------

/// Serialises a value as a DUMP payload.
pub fn dump(value: ValueRef<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    match value {
        ValueRef::Str(s) => {
            out.push(TYPE_STRING);
            write_string(&mut out, s);
        }
        ValueRef::List(l) => write_list(&mut out, l),
        ValueRef::Set(s) => write_set(&mut out, s),
        ValueRef::Hash(h) => write_hash(&mut out, h),
        ValueRef::ZSet(z) => write_zset(&mut out, z),
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn write_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// `rdbSaveRawString`: a canonical integer that fits 32 bits as an
/// integer, a string over 20 bytes LZF-compressed when that saves at least
/// 4 bytes, anything else as is.
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(v) = string2ll(s) {
            if let Ok(b) = i8::try_from(v) {
                out.push(0xc0);
                out.extend_from_slice(&b.to_le_bytes());
                return;
            } else if let Ok(h) = i16::try_from(v) {
                out.push(0xc1);
                out.extend_from_slice(&h.to_le_bytes());
                return;
            } else if let Ok(w) = i32::try_from(v) {
                out.push(0xc2);
                out.extend_from_slice(&w.to_le_bytes());
                return;
            }
        }
    }
    if s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            out.push(0xc3);
            write_len(out, c.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A quicklist of listpack nodes of at most 8 KB each, filled the way
/// RPUSH fills them.
fn write_list(out: &mut Vec<u8>, l: &List) {
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut node = listpack::Writer::new();
    for e in l.iter() {
        if node.count() > 0 && node.bytes() + e.len() + 8 > LIST_NODE_BYTES {
            nodes.push(std::mem::take(&mut node).finish());
        }
        node.push(e);
    }
    if node.count() > 0 {
        nodes.push(node.finish());
    }
    out.push(TYPE_LIST_QUICKLIST_2);
    write_len(out, nodes.len() as u64);
    for n in nodes {
        write_len(out, CONTAINER_PACKED);
        write_string(out, &n);
    }
}

fn write_set(out: &mut Vec<u8>, s: &Set) {
    if set_is_intset(s) {
        let mut ints: Vec<i64> = s.iter().filter_map(|m| string2ll(m)).collect();
        ints.sort_unstable();
        out.push(TYPE_SET_INTSET);
        write_string(out, &compact::write_intset(&ints));
        return;
    }
    out.push(TYPE_SET);
    write_len(out, s.len() as u64);
    for m in s.iter() {
        write_string(out, m);
    }
}

fn write_hash(out: &mut Vec<u8>, h: &Hash) {
    if hash_is_listpack(h) {
        let mut lp = listpack::Writer::new();
        for (f, v) in h.iter() {
            lp.push(f);
            lp.push(v);
        }
        out.push(TYPE_HASH_LISTPACK);
        write_string(out, &lp.finish());
        return;
    }
    out.push(TYPE_HASH);
    write_len(out, h.len() as u64);
    for (f, v) in h.iter() {
        write_string(out, f);
        write_string(out, v);
    }
}

fn write_zset(out: &mut Vec<u8>, z: &ZSet) {
    if zset_is_listpack(z) {
        let mut lp = listpack::Writer::new();
        let mut score = Vec::with_capacity(24);
        for (m, s) in z.iter() {
            lp.push(m);
            score.clear();
            write_double(&mut score, s);
            lp.push(&score);
        }
        out.push(TYPE_ZSET_LISTPACK);
        write_string(out, &lp.finish());
        return;
    }
    // Highest score first, as Redis writes skiplists (so that loading
    // inserts each member at the head).
    out.push(TYPE_ZSET_2);
    write_len(out, z.len() as u64);
    let members: Vec<(&Bytes, f64)> = z.iter().collect();
    for (m, s) in members.into_iter().rev() {
        write_string(out, m);
        out.extend_from_slice(&s.to_le_bytes());
    }
}

// ----- reading -----------------------------------------------------------------

/// Checks a payload's version and checksum and decodes its value.
pub fn restore(payload: &[u8]) -> Result<Value, RestoreError> {
    if payload.len() < 10 {
        return Err(RestoreError::VersionOrChecksum);
    }
    let (body, crc) = payload.split_at(payload.len() - 8);
    let version = u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]]);
    if version > MAX_VERSION || crc64::crc64(0, body) != u64::from_le_bytes(crc.try_into().unwrap_or_default()) {
        return Err(RestoreError::VersionOrChecksum);
    }
    let mut r = Reader { buf: &body[..body.len() - 2], pos: 0 };
    read_value(&mut r).ok_or(RestoreError::BadFormat)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// A length, or one of the special string encodings.
enum Len {
    Plain(u64),
    Int8,
    Int16,
    Int32,
    Lzf,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// How many more items of at least one byte each could follow: caps
    /// preallocation by what the payload can actually hold.
    fn room(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn len_or_enc(&mut self) -> Option<Len> {
        let b = self.byte()?;
        Some(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3f)),
            1 => Len::Plain((u64::from(b & 0x3f) << 8) | u64::from(self.byte()?)),
            2 => match b {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?))),
                0x81 => Len::Plain(u64::from_be_bytes(self.take(8)?.try_into().ok()?)),
                _ => return None,
            },
            _ => match b & 0x3f {
                0 => Len::Int8,
                1 => Len::Int16,
                2 => Len::Int32,
                3 => Len::Lzf,
                _ => return None,
            },
        })
    }

    fn len(&mut self) -> Option<usize> {
        match self.len_or_enc()? {
            Len::Plain(n) => usize::try_from(n).ok(),
            _ => None,
        }
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        let mut digits = itoa::Buffer::new();
        Some(match self.len_or_enc()? {
            Len::Plain(n) => self.take(usize::try_from(n).ok()?)?.to_vec(),
            Len::Int8 => digits.format(self.byte()? as i8).as_bytes().to_vec(),
            Len::Int16 => digits.format(i16::from_le_bytes(self.take(2)?.try_into().ok()?)).as_bytes().to_vec(),
            Len::Int32 => digits.format(i32::from_le_bytes(self.take(4)?.try_into().ok()?)).as_bytes().to_vec(),
            Len::Lzf => {
                let clen = self.len()?;
                let len = self.len()?;
                let data = self.take(clen)?;
                lzf::decompress(data, len)?
            }
        })
    }

    fn bytes(&mut self) -> Option<Bytes> {
        self.string().map(Bytes::from)
    }

    /// A score of the old ZSET encoding: a length-prefixed decimal.
    fn text_double(&mut self) -> Option<f64> {
        match self.byte()? {
            253 => Some(f64::NAN),
            254 => Some(f64::INFINITY),
            255 => Some(f64::NEG_INFINITY),
            n => std::str::from_utf8(self.take(usize::from(n))?).ok()?.trim().parse().ok(),
        }
    }
}

fn entry_bytes(e: Entry<'_>) -> Bytes {
    match e {
        Entry::Str(s) => Bytes::copy_from_slice(s),
        Entry::Int(v) => Bytes::copy_from_slice(itoa::Buffer::new().format(v).as_bytes()),
    }
}

fn entry_score(e: Entry<'_>) -> Option<f64> {
    let v = match e {
        Entry::Int(v) => v as f64,
        Entry::Str(s) => std::str::from_utf8(s).ok()?.parse().ok()?,
    };
    (!v.is_nan()).then_some(v)
}

fn read_value(r: &mut Reader<'_>) -> Option<Value> {
    let value = match r.byte()? {
        TYPE_STRING => Value::Str(r.bytes()?),
        TYPE_LIST => {
            let n = r.len()?;
            let mut items = Vec::with_capacity(n.min(r.room()));
            for _ in 0..n {
                items.push(r.bytes()?);
            }
            Value::List(items.into_iter().collect())
        }
        TYPE_SET => {
            let n = r.len()?;
            let mut set = Set::new();
            for _ in 0..n {
                if !set.insert(r.bytes()?) {
                    return None;
                }
            }
            Value::Set(set)
        }
        t @ (TYPE_ZSET | TYPE_ZSET_2) => {
            let n = r.len()?;
            let mut z = ZSet::new();
            for _ in 0..n {
                let m = r.bytes()?;
                let s = if t == TYPE_ZSET { r.text_double()? } else { f64::from_le_bytes(r.take(8)?.try_into().ok()?) };
                if s.is_nan() || z.score(&m).is_some() {
                    return None;
                }
                z.insert(m, s);
            }
            Value::ZSet(z)
        }
        TYPE_HASH => {
            let n = r.len()?;
            let mut h = Hash::default();
            for _ in 0..n {
                let (f, v) = (r.bytes()?, r.bytes()?);
                if !h.insert(f, v) {
                    return None;
                }
            }
            Value::Hash(h)
        }
        TYPE_HASH_ZIPMAP => {
            let blob = r.string()?;
            let mut h = Hash::default();
            for (f, v) in compact::zipmap(&blob)? {
                if !h.insert(Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)) {
                    return None;
                }
            }
            Value::Hash(h)
        }
        TYPE_SET_INTSET => {
            let blob = r.string()?;
            let mut digits = itoa::Buffer::new();
            let ints = compact::intset(&blob)?;
            Value::Set(ints.into_iter().map(|v| Bytes::copy_from_slice(digits.format(v).as_bytes())).collect())
        }
        TYPE_SET_LISTPACK => {
            let blob = r.string()?;
            let mut set = Set::new();
            for e in listpack::read(&blob)? {
                if !set.insert(entry_bytes(e)) {
                    return None;
                }
            }
            Value::Set(set)
        }
        TYPE_LIST_ZIPLIST => Value::List(compact::ziplist(&r.string()?)?.into_iter().map(entry_bytes).collect()),
        t @ (TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK) => {
            let blob = r.string()?;
            let entries = if t == TYPE_ZSET_ZIPLIST { compact::ziplist(&blob)? } else { listpack::read(&blob)? };
            if entries.len() % 2 != 0 {
                return None;
            }
            let mut z = ZSet::new();
            for pair in entries.chunks_exact(2) {
                let m = entry_bytes(pair[0]);
                let s = entry_score(pair[1])?;
                if z.score(&m).is_some() {
                    return None;
                }
                z.insert(m, s);
            }
            Value::ZSet(z)
        }
        t @ (TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK) => {
            let blob = r.string()?;
            let entries = if t == TYPE_HASH_ZIPLIST { compact::ziplist(&blob)? } else { listpack::read(&blob)? };
            if entries.len() % 2 != 0 {
                return None;
            }
            let mut h = Hash::default();
            for pair in entries.chunks_exact(2) {
                if !h.insert(entry_bytes(pair[0]), entry_bytes(pair[1])) {
                    return None;
                }
            }
            Value::Hash(h)
        }
        t @ (TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2) => {
            let nodes = r.len()?;
            let mut items: Vec<Bytes> = Vec::new();
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 { r.len()? as u64 } else { CONTAINER_PACKED };
                let blob = r.string()?;
                match container {
                    CONTAINER_PLAIN => items.push(Bytes::from(blob)),
                    CONTAINER_PACKED => {
                        let entries =
                            if t == TYPE_LIST_QUICKLIST { compact::ziplist(&blob)? } else { listpack::read(&blob)? };
                        // Redis refuses empty nodes.
                        if entries.is_empty() {
                            return None;
                        }
                        items.extend(entries.into_iter().map(entry_bytes));
                    }
                    _ => return None,
                }
            }
            Value::List(items.into_iter().collect())
        }
        _ => return None,
    };
    // Redis refuses empty collections in a payload.
    (!value.is_empty_collection()).then_some(value)
}

#[cfg(test)]
mod tests;
