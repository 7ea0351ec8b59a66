//! coreshard-persistence: how coreshard's data leaves memory.
//!
//! Today this crate holds Redis's RDB value encoding ([`rdb`]): the DUMP
//! payloads `DUMP` and `RESTORE` exchange with any Redis, byte for byte what
//! Redis 7.0 writes for the compact encodings, and the decoder for every
//! value encoding Redis has used. Snapshots, the per-shard log and the
//! Redis and PostgreSQL sinks build on the same encoder and decoder. The
//! engine knows nothing of files or formats; the server wires this crate in.
//!
//! ```
//! use coreshard_engine::{Value, ValueRef};
//! use coreshard_persistence::rdb;
//!
//! let payload = rdb::dump(ValueRef::Str(b"hello"));
//! // What redis-server 7.0 answers to `DUMP` of the string "hello".
//! assert_eq!(&payload[..7], b"\x00\x05hello");
//! assert_eq!(rdb::restore(&payload)?, Value::Str("hello".into()));
//! assert_eq!(rdb::encoding(ValueRef::Str(b"12"), None), "int");
//! # Ok::<(), rdb::RestoreError>(())
//! ```

pub mod log;
pub mod rdb;
pub mod snapshot;
