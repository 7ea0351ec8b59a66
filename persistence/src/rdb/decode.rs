//! Reading values in any RDB encoding Redis has used for strings, lists,
//! sets, hashes and sorted sets (RESTORE payloads).

use bytes::Bytes;
use coreshard_engine::types::{Hash, Set, ZSet};
use coreshard_engine::Value;

use super::listpack::Entry;
use super::*;

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

pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

/// A length, or one of the special string encodings.
pub(super) enum Len {
    Plain(u64),
    Int8,
    Int16,
    Int32,
    Lzf,
}

impl<'a> Reader<'a> {
    pub(super) fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// How many more items of at least one byte each could follow: caps
    /// preallocation by what the payload can actually hold.
    fn room(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(super) fn len_or_enc(&mut self) -> Option<Len> {
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

    pub(super) fn len(&mut self) -> Option<usize> {
        match self.len_or_enc()? {
            Len::Plain(n) => usize::try_from(n).ok(),
            _ => None,
        }
    }

    pub(super) fn string(&mut self) -> Option<Vec<u8>> {
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
    let kind = r.byte()?;
    read_body(kind, r)
}

/// Reads a value of RDB type `kind` (the type byte already read).
pub(super) fn read_body(kind: u8, r: &mut Reader<'_>) -> Option<Value> {
    let value = match kind {
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
