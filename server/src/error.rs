//! Error replies: [`ReplyError`], and how engine errors become one.

use std::borrow::Cow;

/// A command's error reply, without the leading `-`: it starts with the
/// error code (`ERR`, `WRONGTYPE`, ...) and uses Redis's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyError(pub Cow<'static, str>);

impl ReplyError {
    /// `ERR syntax error`.
    pub fn syntax() -> ReplyError {
        ReplyError(Cow::Borrowed("ERR syntax error"))
    }

    /// `ERR value is not an integer or out of range`.
    pub fn not_integer() -> ReplyError {
        ReplyError(Cow::Borrowed("ERR value is not an integer or out of range"))
    }

    /// `ERR value is not a valid float`.
    pub fn not_float() -> ReplyError {
        ReplyError(Cow::Borrowed("ERR value is not a valid float"))
    }

    /// `ERR wrong number of arguments for '<name>' command`.
    pub fn arity(name: &str) -> ReplyError {
        ReplyError(Cow::Owned(format!("ERR wrong number of arguments for '{name}' command")))
    }

    /// A fixed error text.
    pub const fn text(s: &'static str) -> ReplyError {
        ReplyError(Cow::Borrowed(s))
    }

    /// An error text built at run time.
    pub fn owned(s: String) -> ReplyError {
        ReplyError(Cow::Owned(s))
    }
}

impl From<coreshard_engine::Error> for ReplyError {
    fn from(e: coreshard_engine::Error) -> ReplyError {
        use coreshard_engine::Error as E;
        ReplyError(match e {
            E::WrongType => Cow::Borrowed("WRONGTYPE Operation against a key holding the wrong kind of value"),
            E::NotInteger => Cow::Borrowed("ERR value is not an integer or out of range"),
            E::Syntax => Cow::Borrowed("ERR syntax error"),
            E::NoSuchKey => Cow::Borrowed("ERR no such key"),
            E::OutOfRange(s) => Cow::Owned(format!("ERR {s}")),
            other => Cow::Owned(other.to_string()),
        })
    }
}
