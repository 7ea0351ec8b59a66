//! Writing values in Redis's RDB encoding (DUMP payloads), and the names
//! of the encodings Redis would pick (`OBJECT ENCODING`).

use bytes::Bytes;
use coreshard_engine::numbers::{string2ll, write_double};
use coreshard_engine::types::{Hash, List, Set, StrOrigin, ZSet};
use coreshard_engine::ValueRef;

use super::*;

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

/// Serialises a value as a DUMP payload.
pub fn dump(value: ValueRef<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Appends the value's type byte and its encoding.
pub(super) fn write_value(out: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Str(s) => {
            out.push(TYPE_STRING);
            write_string(out, s);
        }
        ValueRef::List(l) => write_list(out, l),
        ValueRef::Set(s) => write_set(out, s),
        ValueRef::Hash(h) => write_hash(out, h),
        ValueRef::ZSet(z) => write_zset(out, z),
    }
}

pub(super) fn write_len(out: &mut Vec<u8>, n: u64) {
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
pub(super) fn write_string(out: &mut Vec<u8>, s: &[u8]) {
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
