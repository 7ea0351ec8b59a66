//! The engine's error type. Every variant's `Display` is the exact text
//! Redis 7 sends for the same condition, so the server can forward it as an
//! error reply unchanged.

/// An engine operation failed; the keyspace is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The key holds a value of another type.
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    /// An argument or stored value is not a 64-bit integer, or the result overflows.
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    /// An argument or stored value is not a valid float.
    #[error("ERR value is not a valid float")]
    NotFloat,
    /// A hash field value is not an integer.
    #[error("ERR hash value is not an integer")]
    HashNotInteger,
    /// A hash field value is not a float.
    #[error("ERR hash value is not a float")]
    HashNotFloat,
    /// INCR/DECR would overflow.
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    /// INCRBYFLOAT/HINCRBYFLOAT/ZINCRBY produced NaN or infinity.
    #[error("ERR increment would produce NaN or Infinity")]
    NanOrInfinity,
    /// A sorted-set score operation produced NaN.
    #[error("ERR resulting score is not a number (NaN)")]
    ScoreNan,
    /// The key does not exist (RENAME, LSET, ...).
    #[error("ERR no such key")]
    NoSuchKey,
    /// An index is outside the list.
    #[error("ERR index out of range")]
    IndexOutOfRange,
    /// An expire time is not a valid integer or overflows.
    #[error("ERR invalid expire time in '{0}' command")]
    InvalidExpire(&'static str),
    /// SETRANGE/APPEND would exceed the 512 MB string limit.
    #[error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    StringTooLong,
    /// Mutually exclusive options were combined.
    #[error("ERR syntax error")]
    Syntax,
    /// An argument is out of its allowed range; the text is Redis's.
    #[error("ERR {0}")]
    OutOfRange(&'static str),
    /// The database index is not in `0..databases`.
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    /// The memory budget is exhausted and the policy cannot evict.
    #[error("OOM command not allowed when used memory > 'maxmemory'.")]
    OutOfMemory,
    /// The shard that owns the key has stopped.
    #[error("ERR shard {0} is not running")]
    ShardStopped(usize),
    /// A cross-shard transaction was asked to touch a key (or shard) it
    /// does not hold; nothing was changed. A bug in the caller, which must
    /// lock every shard its keys map to.
    #[error("ERR cross-shard transaction does not hold the shard of a key")]
    NotLocked,
}

/// Result of an engine operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
