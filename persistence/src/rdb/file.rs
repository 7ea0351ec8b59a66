//! Whole RDB files, as Redis 7.0 writes them (version 10) and as every
//! Redis up to 7.2 (version 11) writes them for the types this engine has.
//!
//! ```text
//! "REDIS0010"  AUX fields (0xFA key value)...
//! [0xFE db]  [0xFC expire-ms]  <type> <key> <value>  ...
//! 0xFF  <CRC-64 of everything before, 8 bytes little-endian>
//! ```
//!
//! [`FileWriter`] produces a file a piece at a time (a snapshot taken while
//! the shard serves drains it as it goes); [`read`] streams one back with
//! memory bounded by the largest single entry.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use bytes::Bytes;
use coreshard_engine::{Value, ValueRef};

use super::decode::{read_body, Reader};
use super::encode::{write_len, write_string, write_value};
use super::{crc64, MAX_VERSION, RDB_VERSION};

const OP_FUNCTION2: u8 = 0xF5;
const OP_FUNCTION: u8 = 0xF6;
const OP_MODULE_AUX: u8 = 0xF7;
const OP_IDLE: u8 = 0xF8;
const OP_FREQ: u8 = 0xF9;
const OP_AUX: u8 = 0xFA;
const OP_RESIZEDB: u8 = 0xFB;
const OP_EXPIRETIME_MS: u8 = 0xFC;
const OP_EXPIRETIME: u8 = 0xFD;
const OP_SELECTDB: u8 = 0xFE;
const OP_EOF: u8 = 0xFF;

/// The `redis-ver` written into files (the Redis whose format this is).
pub const REDIS_VER: &str = "7.0.15";

/// Writes an RDB file incrementally.
pub struct FileWriter {
    out: Vec<u8>,
    crc: u64,
    db: Option<u8>,
    entries: u64,
    scratch: Vec<u8>,
}

impl FileWriter {
    /// Starts a file: the header and the AUX fields Redis 7.0 writes.
    pub fn new(ctime_secs: u64, used_mem: u64, aof_base: bool) -> FileWriter {
        let mut w = FileWriter { out: Vec::new(), crc: 0, db: None, entries: 0, scratch: Vec::new() };
        w.out.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
        let num = |n: u64| n.to_string();
        for (k, v) in [
            ("redis-ver", REDIS_VER.to_string()),
            ("redis-bits", num(64)),
            ("ctime", num(ctime_secs)),
            ("used-mem", num(used_mem)),
            ("aof-base", num(u64::from(aof_base))),
        ] {
            w.out.push(OP_AUX);
            write_string(&mut w.out, k.as_bytes());
            write_string(&mut w.out, v.as_bytes());
        }
        w
    }

    /// Appends one key of database `db`, with its absolute expiry in ms.
    pub fn entry(&mut self, db: u8, key: &[u8], value: ValueRef<'_>, expire_at_ms: Option<u64>) {
        if self.db != Some(db) {
            self.out.push(OP_SELECTDB);
            write_len(&mut self.out, u64::from(db));
            self.db = Some(db);
        }
        if let Some(at) = expire_at_ms {
            self.out.push(OP_EXPIRETIME_MS);
            self.out.extend_from_slice(&at.to_le_bytes());
        }
        self.scratch.clear();
        write_value(&mut self.scratch, value);
        self.out.push(self.scratch[0]);
        write_string(&mut self.out, key);
        self.out.extend_from_slice(&self.scratch[1..]);
        self.entries += 1;
    }

    /// The bytes produced since the last call (the checksum covers them).
    pub fn take(&mut self) -> Vec<u8> {
        self.crc = crc64::crc64(self.crc, &self.out);
        std::mem::take(&mut self.out)
    }

    /// Bytes produced and not taken yet.
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// Keys written.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Ends the file; returns the bytes not taken yet, the end marker and
    /// the checksum.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.push(OP_EOF);
        let crc = crc64::crc64(self.crc, &self.out);
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out
    }
}

/// One key read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its database.
    pub db: u8,
    /// The key.
    pub key: Bytes,
    /// The value.
    pub value: Value,
    /// Absolute expiry in Unix ms.
    pub expire_at_ms: Option<u64>,
}

/// What reading a file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Keys read.
    pub entries: u64,
    /// Bytes of the file.
    pub bytes: u64,
    /// Its RDB version.
    pub version: u16,
    /// Its AUX fields.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// What was in the file and not loaded, and why.
    pub skipped: Vec<String>,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The bytes are not an RDB file, or are cut short.
    #[error("not a valid RDB file at offset {offset}: {reason}")]
    Corrupt {
        /// Where.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Something this engine does not hold (streams, modules).
    #[error("offset {offset}: {what} is not supported (key {key:?})")]
    Unsupported {
        /// Where.
        offset: u64,
        /// The key, when there is one.
        key: String,
        /// What.
        what: String,
    },
    /// The checksum at the end does not match.
    #[error("the checksum does not match (the file says {stored:016x}, the contents give {computed:016x})")]
    Checksum {
        /// What the file says.
        stored: u64,
        /// What the bytes give.
        computed: u64,
    },
    /// The caller stopped the load at the key at this offset.
    #[error("loading stopped at offset {offset}")]
    Stopped {
        /// Where.
        offset: u64,
    },
}

/// Reads the file at `path`, handing every key to `f`.
pub fn read_path<E>(path: &Path, f: impl FnMut(Entry) -> Result<(), E>) -> Result<Loaded, FileError> {
    read(fs::File::open(path)?, f)
}

/// A window over the input: bytes are read in chunks and dropped once
/// parsed, so memory holds at most the largest entry plus a chunk.
struct Input<R> {
    src: R,
    buf: Vec<u8>,
    /// Offset in the file of `buf[0]`.
    base: u64,
    eof: bool,
    crc: u64,
}

const CHUNK: usize = 1 << 20;

impl<R: Read> Input<R> {
    /// Reads at least one more chunk (false at the end of the input).
    fn more(&mut self, keep_from: usize) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if keep_from > 0 {
            self.crc = crc64::crc64(self.crc, &self.buf[..keep_from]);
            self.buf.drain(..keep_from);
            self.base += keep_from as u64;
        }
        let want = CHUNK.max(self.buf.len());
        let start = self.buf.len();
        self.buf.resize(start + want, 0);
        let mut filled = start;
        while filled < self.buf.len() {
            match self.src.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buf.truncate(filled);
        Ok(filled > start)
    }
}

/// One item of the file after the header.
enum Item {
    Aux(Vec<u8>, Vec<u8>),
    Select(u8),
    Expire(u64),
    Skip(&'static str),
    Key(Entry),
    Eof,
}

/// Parses one item at the start of `r`, or `None` when the bytes end
/// first (or are invalid: the caller tells which by reading more).
fn item(r: &mut Reader<'_>, db: u8, expire: Option<u64>, offset: u64) -> Result<Option<Item>, FileError> {
    let Some(op) = r.byte() else { return Ok(None) };
    let len = |r: &mut Reader<'_>| r.len();
    Ok(match op {
        OP_EOF => Some(Item::Eof),
        OP_AUX => (|| Some(Item::Aux(r.string()?, r.string()?)))(),
        OP_SELECTDB => len(r).map(|d| Item::Select(d.min(255) as u8)),
        OP_RESIZEDB => (|| {
            len(r)?;
            len(r)?;
            Some(Item::Skip(""))
        })(),
        OP_EXPIRETIME_MS => r.take(8).map(|b| Item::Expire(u64::from_le_bytes(b.try_into().unwrap_or_default()))),
        OP_EXPIRETIME => {
            r.take(4).map(|b| Item::Expire(u64::from(u32::from_le_bytes(b.try_into().unwrap_or_default())) * 1000))
        }
        OP_IDLE => len(r).map(|_| Item::Skip("")),
        OP_FREQ => r.byte().map(|_| Item::Skip("")),
        OP_FUNCTION2 => r.string().map(|_| Item::Skip("a function library (functions are not loaded)")),
        OP_FUNCTION | OP_MODULE_AUX => {
            let what = if op == OP_FUNCTION { "a function (old format)" } else { "module data" };
            return Err(FileError::Unsupported { offset, key: String::new(), what: what.into() });
        }
        15 | 19 | 21 | 6 | 7 => {
            let key = r.string().map(|k| String::from_utf8_lossy(&k).into_owned()).unwrap_or_default();
            let what = if op == 6 || op == 7 { "a module value" } else { "a stream" };
            return Err(FileError::Unsupported { offset, key, what: what.into() });
        }
        kind => {
            let Some(key) = r.string() else { return Ok(None) };
            read_body(kind, r).map(|value| Item::Key(Entry { db, key: Bytes::from(key), value, expire_at_ms: expire }))
        }
    })
}

/// Reads an RDB file from `src`, handing every key to `f` in file order.
pub fn read<E>(src: impl Read, mut f: impl FnMut(Entry) -> Result<(), E>) -> Result<Loaded, FileError> {
    let mut input = Input { src, buf: Vec::new(), base: 0, eof: false, crc: 0 };
    while input.buf.len() < 9 && input.more(0)? {}
    let head = input.buf.get(..9).ok_or(FileError::Corrupt { offset: 0, reason: "too short".into() })?;
    if &head[..5] != b"REDIS" {
        return Err(FileError::Corrupt { offset: 0, reason: "no REDIS signature".into() });
    }
    let version: u16 = std::str::from_utf8(&head[5..9])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or(FileError::Corrupt { offset: 5, reason: "bad version".into() })?;
    if version == 0 || version > MAX_VERSION {
        return Err(FileError::Corrupt { offset: 5, reason: format!("RDB version {version} is not supported") });
    }
    let mut loaded = Loaded { version, ..Loaded::default() };
    let mut pos = 9usize;
    let (mut db, mut expire) = (0u8, None);
    let mut functions = 0usize;
    loop {
        let offset = input.base + pos as u64;
        let mut r = Reader { buf: &input.buf[pos..], pos: 0 };
        let parsed = item(&mut r, db, expire, offset)?;
        let used = r.pos;
        let Some(it) = parsed else {
            if !input.more(pos)? {
                let reason = if input.buf.len() > pos { "a value does not decode" } else { "unexpected end of file" };
                return Err(FileError::Corrupt { offset, reason: reason.into() });
            }
            pos = 0;
            continue;
        };
        pos += used;
        match it {
            Item::Aux(k, v) => loaded.aux.push((k, v)),
            Item::Select(d) => db = d,
            Item::Expire(at) => {
                expire = Some(at);
                continue;
            }
            Item::Skip("") => {}
            Item::Skip(_) => functions += 1,
            Item::Key(e) => {
                loaded.entries += 1;
                f(e).map_err(|_| FileError::Stopped { offset })?;
            }
            Item::Eof => break,
        }
        expire = None;
    }
    if functions > 0 {
        loaded.skipped.push(format!("{functions} function libraries (functions are not loaded)"));
    }
    // The checksum: what precedes it, against its 8 bytes.
    while version >= 5 && input.buf.len() < pos + 8 {
        if !input.more(pos)? {
            return Err(FileError::Corrupt {
                offset: input.base + pos as u64,
                reason: "unexpected end of file in the checksum".into(),
            });
        }
        pos = 0;
    }
    let computed = crc64::crc64(input.crc, &input.buf[..pos]);
    let mut end = pos;
    if version >= 5 {
        let stored = u64::from_le_bytes(input.buf[pos..pos + 8].try_into().unwrap_or_default());
        if stored != 0 && stored != computed {
            return Err(FileError::Checksum { stored, computed });
        }
        end += 8;
    }
    loaded.bytes = input.base + end as u64;
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use coreshard_engine::types::{Hash, List, Set, ZSet};

    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    type Keys = Vec<(u8, Bytes, Value, Option<u64>)>;

    fn sample() -> Keys {
        let big_list: List = (0..3000).map(|i| b(&format!("item-{i}"))).collect();
        let mut hash = Hash::default();
        for i in 0..700 {
            hash.insert(b(&format!("f{i}")), b(&format!("value number {i}")));
        }
        let small: Set = [b("1"), b("2"), b("300")].into_iter().collect();
        let words: Set = (0..600).map(|i| b(&format!("m{i}"))).collect();
        let mut z = ZSet::default();
        for i in 0..200 {
            z.insert(b(&format!("z{i}")), i as f64 / 3.0);
        }
        vec![
            (0, b("s"), Value::Str(b("hello")), None),
            (0, b(""), Value::Str(b("12345")), Some(1_900_000_000_000)),
            (3, b("long"), Value::Str(Bytes::from("x".repeat(5000))), None),
            (0, b("list"), Value::List(big_list), None),
            (1, b("hash"), Value::Hash(hash), Some(1_800_000_000_123)),
            (1, Bytes::from_static(b"\x00\xffbin"), Value::Set(small), None),
            (3, b("words"), Value::Set(words), None),
            (0, b("z"), Value::ZSet(z), None),
        ]
    }

    fn write(entries: &[(u8, Bytes, Value, Option<u64>)], chunked: bool) -> Vec<u8> {
        let mut w = FileWriter::new(1_700_000_000, 1 << 20, false);
        let mut out = Vec::new();
        for (db, k, v, e) in entries {
            w.entry(*db, k, v.as_ref(), *e);
            if chunked {
                out.extend(w.take());
            }
        }
        out.extend(w.finish());
        out
    }

    fn read_all(data: &[u8]) -> Result<Keys, FileError> {
        let mut got = Vec::new();
        read(data, |e| {
            got.push((e.db, e.key, e.value, e.expire_at_ms));
            Ok::<(), ()>(())
        })?;
        Ok(got)
    }

    #[test]
    fn every_type_round_trips_whole_or_in_pieces() {
        let want = sample();
        let whole = write(&want, false);
        assert_eq!(write(&want, true), whole);
        assert_eq!(&whole[..9], b"REDIS0010");
        assert_eq!(read_all(&whole).unwrap(), want);
        let loaded = read(&whole[..], |_| Ok::<(), ()>(())).unwrap();
        assert_eq!(loaded.entries, want.len() as u64);
        assert_eq!(loaded.bytes, whole.len() as u64);
        assert!(loaded.aux.iter().any(|(k, v)| k == b"redis-ver" && v == REDIS_VER.as_bytes()));
    }

    #[test]
    fn a_flipped_byte_is_a_checksum_error() {
        let mut data = write(&sample()[..1], false);
        let at = data.len() - 12;
        data[at] ^= 0x20;
        assert!(read_all(&data).is_err());
    }

    #[test]
    fn a_cut_file_is_an_error_at_every_length() {
        let data = write(&sample(), false);
        for cut in (0..data.len() - 1).step_by(97) {
            match read_all(&data[..cut]) {
                Err(FileError::Corrupt { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_callback_can_stop_the_load() {
        let data = write(&sample(), false);
        let r = read(&data[..], |_| Err::<(), ()>(()));
        assert!(matches!(r, Err(FileError::Stopped { .. })), "{r:?}");
    }
}
