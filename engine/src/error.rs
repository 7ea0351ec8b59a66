//! The engine's error type: what went wrong, in plain words and typed data.
//!
//! The messages say nothing about any wire protocol; a server turns each
//! variant into its own error reply (the Redis-compatible server maps them
//! to Redis's exact wording in one place).

/// An engine operation failed; the keyspace is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The key holds a value of another type.
    #[error("key holds a value of another type")]
    WrongType,
    /// An argument or stored value is not a 64-bit integer, or the result overflows.
    #[error("value is not an integer or out of range")]
    NotInteger,
    /// An argument or stored value is not a valid float.
    #[error("value is not a valid float")]
    NotFloat,
    /// A hash field value is not an integer.
    #[error("hash field value is not an integer")]
    HashNotInteger,
    /// A hash field value is not a float.
    #[error("hash field value is not a float")]
    HashNotFloat,
    /// INCR/DECR would overflow.
    #[error("increment or decrement would overflow")]
    Overflow,
    /// DECRBY by the smallest 64-bit integer, which cannot be negated.
    #[error("decrement cannot be negated without overflow")]
    DecrementOverflow,
    /// INCRBYFLOAT/HINCRBYFLOAT/ZINCRBY produced NaN or infinity.
    #[error("increment would produce NaN or infinity")]
    NanOrInfinity,
    /// A sorted-set score operation produced NaN.
    #[error("resulting score is not a number")]
    ScoreNan,
    /// The key does not exist (RENAME, LSET, ...).
    #[error("no such key")]
    NoSuchKey,
    /// An index is outside the list.
    #[error("index out of range")]
    IndexOutOfRange,
    /// An expire time is not a valid integer or overflows.
    #[error("invalid expire time for {command}")]
    InvalidExpire {
        /// The operation that got it, in lower case (`set`, `expire`, ...).
        command: &'static str,
    },
    /// SETRANGE/APPEND would exceed the 512 MB string limit.
    #[error("string would exceed the maximum size")]
    StringTooLong,
    /// LCS would need a table larger than the 512 MB string limit.
    #[error("LCS needs more working memory than the maximum string size")]
    LcsTooLarge,
    /// Arguments that do not form a valid request (mutually exclusive
    /// options, a bad option value).
    #[error("syntax error")]
    Syntax,
    /// An argument is outside its allowed range or badly formed.
    #[error("invalid argument: {0}")]
    InvalidArgument(ArgError),
    /// Options were combined that exclude each other.
    #[error("incompatible options: {0}")]
    IncompatibleOptions(OptionConflict),
    /// A multi-key operation was given no input key.
    #[error("{command} needs at least one input key")]
    AtLeastOneKey {
        /// The operation, in lower case (`zunion`, `zinterstore`, ...).
        command: &'static str,
    },
    /// COPY/MOVE with the same key as source and destination.
    #[error("source and destination are the same key")]
    SameObject,
    /// The database index is not in `0..databases`.
    #[error("database index is out of range")]
    DbIndexOutOfRange,
    /// The memory budget is exhausted and the policy cannot evict.
    #[error("out of memory: the memory limit is reached and nothing can be evicted")]
    OutOfMemory,
    /// The shard that owns the key has stopped.
    #[error("shard {0} is not running")]
    ShardStopped(usize),
    /// A cross-shard transaction was asked to touch a key (or shard) it
    /// does not hold; nothing was changed. A bug in the caller, which must
    /// lock every shard its keys map to.
    #[error("cross-shard transaction does not hold the shard of a key")]
    NotLocked,
}

/// Why an argument was refused ([`Error::InvalidArgument`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// A count that must be positive is negative.
    #[error("value must be positive")]
    NotPositive,
    /// An integer outside `-i64::MAX..=i64::MAX` (that is, `i64::MIN`).
    #[error("value must be between -9223372036854775807 and 9223372036854775807")]
    OutsideLongRange,
    /// HRANDFIELD's negative count with values is too large to reply to.
    #[error("count is too large")]
    CountTooLarge,
    /// A float argument is NaN or infinite.
    #[error("value is NaN or infinity")]
    NotFinite,
    /// A LIMIT is negative.
    #[error("LIMIT must not be negative")]
    LimitNegative,
    /// LPOS's COUNT is negative.
    #[error("COUNT must not be negative")]
    CountNegative,
    /// LPOS's MAXLEN is negative.
    #[error("MAXLEN must not be negative")]
    MaxlenNegative,
    /// LPOS's RANK is zero.
    #[error("RANK must not be zero (1 is the first match, -1 the last)")]
    RankZero,
    /// A string offset is negative.
    #[error("offset is out of range")]
    OffsetOutOfRange,
    /// A ZUNION/ZINTER weight is not a float.
    #[error("weight is not a valid float")]
    WeightNotFloat,
    /// A score range bound is not a float.
    #[error("score range bound is not a valid float")]
    ScoreBoundNotFloat,
    /// A lexicographic range bound does not start with `(`, `[`, `+` or `-`.
    #[error("lexicographic range bound is not valid")]
    LexBoundInvalid,
}

/// Which options were combined ([`Error::IncompatibleOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OptionConflict {
    /// ZADD with both NX and XX.
    #[error("ZADD NX and XX")]
    ZAddNxXx,
    /// ZADD with two of GT, LT and NX.
    #[error("ZADD GT, LT and NX")]
    ZAddNxGtLt,
    /// ZADD INCR with more than one score/member pair.
    #[error("ZADD INCR with more than one pair")]
    ZAddIncrPairs,
    /// EXPIRE with NX and any of XX, GT, LT.
    #[error("EXPIRE NX with XX, GT or LT")]
    ExpireNx,
    /// EXPIRE with both GT and LT.
    #[error("EXPIRE GT and LT")]
    ExpireGtLt,
}

/// Result of an engine operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
