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
mod decode;
mod encode;
pub mod file;
mod listpack;
mod lzf;

pub use decode::restore;
pub use encode::{dump, encoding};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// Too short, a version newer than supported, or a checksum mismatch.
    #[error("payload version or checksum are wrong")]
    VersionOrChecksum,
    /// The value does not decode (or is an empty collection, a stream, a
    /// module type, ...).
    #[error("payload does not decode")]
    BadFormat,
}

#[cfg(test)]
mod tests;
