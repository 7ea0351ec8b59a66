//! Error replies: [`ReplyError`], and the one place that knows Redis's
//! wording for every engine error.
//!
//! The engine's errors are typed and speak no protocol; a client must see
//! exactly what Redis 7 sends for the same condition, so the
//! `From<coreshard_engine::Error>` impl below spells out Redis's text for
//! each variant. Its test pins every one of them.

use std::borrow::Cow;

use coreshard_engine::{ArgError, Error, OptionConflict};

const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";

/// A command's error reply, without the leading `-`: it starts with the
/// error code (`ERR`, `WRONGTYPE`, ...) and uses Redis's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyError(pub Cow<'static, str>);

impl ReplyError {
    /// `ERR syntax error`.
    pub fn syntax() -> ReplyError {
        ReplyError::text(SYNTAX)
    }

    /// `ERR value is not an integer or out of range`.
    pub fn not_integer() -> ReplyError {
        ReplyError::text(NOT_INTEGER)
    }

    /// `ERR wrong number of arguments for '<name>' command`.
    pub fn arity(name: &str) -> ReplyError {
        ReplyError(Cow::Owned(format!("ERR wrong number of arguments for '{name}' command")))
    }

    /// A fixed error text.
    pub const fn text(s: &'static str) -> ReplyError {
        ReplyError(Cow::Borrowed(s))
    }

    /// Redis's reply for a refused argument; a `const fn`, for constants.
    pub const fn arg(arg: ArgError) -> ReplyError {
        ReplyError::text(arg_text(arg))
    }

    /// An error text built at run time.
    pub fn owned(s: String) -> ReplyError {
        ReplyError(Cow::Owned(s))
    }
}

impl From<Error> for ReplyError {
    fn from(e: Error) -> ReplyError {
        let text = match e {
            Error::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value",
            Error::NotInteger => NOT_INTEGER,
            Error::NotFloat => NOT_FLOAT,
            Error::HashNotInteger => "ERR hash value is not an integer",
            Error::HashNotFloat => "ERR hash value is not a float",
            Error::Overflow => "ERR increment or decrement would overflow",
            Error::DecrementOverflow => "ERR decrement would overflow",
            Error::NanOrInfinity => "ERR increment would produce NaN or Infinity",
            Error::ScoreNan => "ERR resulting score is not a number (NaN)",
            Error::NoSuchKey => "ERR no such key",
            Error::IndexOutOfRange => "ERR index out of range",
            Error::InvalidExpire { command } => {
                return ReplyError::owned(format!("ERR invalid expire time in '{command}' command"))
            }
            Error::StringTooLong => "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
            Error::LcsTooLarge => "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
            Error::Syntax => SYNTAX,
            Error::InvalidArgument(arg) => arg_text(arg),
            Error::IncompatibleOptions(conflict) => conflict_text(conflict),
            Error::AtLeastOneKey { command } => {
                return ReplyError::owned(format!("ERR at least 1 input key is needed for '{command}' command"))
            }
            Error::SameObject => "ERR source and destination objects are the same",
            Error::DbIndexOutOfRange => "ERR DB index is out of range",
            Error::OutOfMemory => "OOM command not allowed when used memory > 'maxmemory'.",
            Error::ShardStopped(shard) => return ReplyError::owned(format!("ERR shard {shard} is not running")),
            Error::NotLocked => "ERR cross-shard transaction does not hold the shard of a key",
        };
        ReplyError::text(text)
    }
}

/// Redis's reply for a refused argument.
const fn arg_text(arg: ArgError) -> &'static str {
    match arg {
        ArgError::NotPositive => "ERR value is out of range, must be positive",
        ArgError::OutsideLongRange => {
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
        }
        ArgError::CountTooLarge => "ERR value is out of range",
        ArgError::NotFinite => "ERR value is NaN or Infinity",
        ArgError::LimitNegative => "ERR LIMIT can't be negative",
        ArgError::CountNegative => "ERR COUNT can't be negative",
        ArgError::MaxlenNegative => "ERR MAXLEN can't be negative",
        ArgError::RankZero => {
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to \
             start from the end of the list"
        }
        ArgError::OffsetOutOfRange => "ERR offset is out of range",
        ArgError::WeightNotFloat => "ERR weight value is not a float",
        ArgError::ScoreBoundNotFloat => "ERR min or max is not a float",
        ArgError::LexBoundInvalid => "ERR min or max not valid string range item",
    }
}

/// Redis's reply for options that exclude each other.
fn conflict_text(conflict: OptionConflict) -> &'static str {
    match conflict {
        OptionConflict::ZAddNxXx => "ERR XX and NX options at the same time are not compatible",
        OptionConflict::ZAddNxGtLt => "ERR GT, LT, and/or NX options at the same time are not compatible",
        OptionConflict::ZAddIncrPairs => "ERR INCR option supports a single increment-element pair",
        OptionConflict::ExpireNx => "ERR NX and XX, GT or LT options at the same time are not compatible",
        OptionConflict::ExpireGtLt => "ERR GT and LT options at the same time are not compatible",
    }
}

impl From<coreshard_persistence::rdb::RestoreError> for ReplyError {
    fn from(e: coreshard_persistence::rdb::RestoreError) -> ReplyError {
        use coreshard_persistence::rdb::RestoreError as E;
        ReplyError::text(match e {
            E::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            E::BadFormat => "ERR Bad data format",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every engine error with the exact text Redis 7 replies (and the
    /// server has always sent) for it.
    #[test]
    fn engine_errors_reply_with_redis_text() {
        let arg = Error::InvalidArgument;
        let conflict = Error::IncompatibleOptions;
        let cases: Vec<(Error, &str)> = vec![
            (Error::WrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (Error::NotInteger, "ERR value is not an integer or out of range"),
            (Error::NotFloat, "ERR value is not a valid float"),
            (Error::HashNotInteger, "ERR hash value is not an integer"),
            (Error::HashNotFloat, "ERR hash value is not a float"),
            (Error::Overflow, "ERR increment or decrement would overflow"),
            (Error::DecrementOverflow, "ERR decrement would overflow"),
            (Error::NanOrInfinity, "ERR increment would produce NaN or Infinity"),
            (Error::ScoreNan, "ERR resulting score is not a number (NaN)"),
            (Error::NoSuchKey, "ERR no such key"),
            (Error::IndexOutOfRange, "ERR index out of range"),
            (Error::InvalidExpire { command: "set" }, "ERR invalid expire time in 'set' command"),
            (Error::InvalidExpire { command: "pexpireat" }, "ERR invalid expire time in 'pexpireat' command"),
            (Error::StringTooLong, "ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
            (Error::LcsTooLarge, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"),
            (Error::Syntax, "ERR syntax error"),
            (arg(ArgError::NotPositive), "ERR value is out of range, must be positive"),
            (
                arg(ArgError::OutsideLongRange),
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ),
            (arg(ArgError::CountTooLarge), "ERR value is out of range"),
            (arg(ArgError::NotFinite), "ERR value is NaN or Infinity"),
            (arg(ArgError::LimitNegative), "ERR LIMIT can't be negative"),
            (arg(ArgError::CountNegative), "ERR COUNT can't be negative"),
            (arg(ArgError::MaxlenNegative), "ERR MAXLEN can't be negative"),
            (
                arg(ArgError::RankZero),
                "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative \
                 to start from the end of the list",
            ),
            (arg(ArgError::OffsetOutOfRange), "ERR offset is out of range"),
            (arg(ArgError::WeightNotFloat), "ERR weight value is not a float"),
            (arg(ArgError::ScoreBoundNotFloat), "ERR min or max is not a float"),
            (arg(ArgError::LexBoundInvalid), "ERR min or max not valid string range item"),
            (conflict(OptionConflict::ZAddNxXx), "ERR XX and NX options at the same time are not compatible"),
            (conflict(OptionConflict::ZAddNxGtLt), "ERR GT, LT, and/or NX options at the same time are not compatible"),
            (conflict(OptionConflict::ZAddIncrPairs), "ERR INCR option supports a single increment-element pair"),
            (conflict(OptionConflict::ExpireNx), "ERR NX and XX, GT or LT options at the same time are not compatible"),
            (conflict(OptionConflict::ExpireGtLt), "ERR GT and LT options at the same time are not compatible"),
            (Error::AtLeastOneKey { command: "zunion" }, "ERR at least 1 input key is needed for 'zunion' command"),
            (
                Error::AtLeastOneKey { command: "zintercard" },
                "ERR at least 1 input key is needed for 'zintercard' command",
            ),
            (Error::SameObject, "ERR source and destination objects are the same"),
            (Error::DbIndexOutOfRange, "ERR DB index is out of range"),
            (Error::OutOfMemory, "OOM command not allowed when used memory > 'maxmemory'."),
            (Error::ShardStopped(3), "ERR shard 3 is not running"),
            (Error::NotLocked, "ERR cross-shard transaction does not hold the shard of a key"),
        ];
        for (e, text) in cases {
            assert_eq!(ReplyError::from(e.clone()).0, text, "{e:?}");
        }
    }
}
