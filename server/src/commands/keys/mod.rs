//! Generic key commands: DEL, EXISTS, TYPE, RENAME, COPY, the EXPIRE/TTL
//! family, DUMP/RESTORE, OBJECT, and the commands over every shard (KEYS,
//! SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL).

use coreshard_engine::Error;

use crate::cmd::{parse_int, Command, Family, KeySpec, ReplyError};

mod copy;
mod dbsize;
mod del;
mod dump;
mod expire;
mod flushdb;
mod keys_cmd;
mod r#move;
mod object;
mod persist;
mod randomkey;
mod rename;
mod restore;
mod scan;
mod swapdb;
mod ttl;
mod r#type;

/// The family's defaults.
const GENERIC: Family = Family::new("generic").keys(KeySpec::FIRST);

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &del::DEL,
    &del::UNLINK,
    &del::EXISTS,
    &del::TOUCH,
    &rename::RENAME,
    &rename::RENAMENX,
    &copy::COPY,
    &r#type::TYPE,
    &expire::EXPIRE,
    &expire::PEXPIRE,
    &expire::EXPIREAT,
    &expire::PEXPIREAT,
    &ttl::TTL,
    &ttl::PTTL,
    &ttl::EXPIRETIME,
    &ttl::PEXPIRETIME,
    &persist::PERSIST,
    &r#move::MOVE,
    &dump::DUMP,
    &restore::RESTORE,
    &object::OBJECT,
    &keys_cmd::KEYS,
    &scan::SCAN,
    &randomkey::RANDOMKEY,
    &dbsize::DBSIZE,
    &flushdb::FLUSHDB,
    &flushdb::FLUSHALL,
    &swapdb::SWAPDB,
];

/// Parses a database index argument as Redis does (`getIntFromObject`,
/// then the range check of `selectDb`).
pub(crate) fn parse_db(arg: &[u8], databases: usize) -> Result<u8, ReplyError> {
    let n = parse_int(arg)?;
    if i32::try_from(n).is_err() {
        return Err(ReplyError::text("ERR value is out of range, value must between -2147483648 and 2147483647"));
    }
    match u8::try_from(n) {
        Ok(db) if usize::from(db) < databases => Ok(db),
        _ => Err(Error::DbIndexOutOfRange.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_indexes() {
        assert_eq!(parse_db(b"3", 16), Ok(3));
        assert_eq!(parse_db(b"16", 16), Err(ReplyError::text("ERR DB index is out of range")));
        assert_eq!(parse_db(b"-1", 16), Err(ReplyError::text("ERR DB index is out of range")));
        assert_eq!(parse_db(b"255", 256), Ok(255));
        assert_eq!(parse_db(b"abc", 16), Err(ReplyError::not_integer()));
        assert_eq!(
            parse_db(b"99999999999", 16),
            Err(ReplyError::text("ERR value is out of range, value must between -2147483648 and 2147483647"))
        );
    }
}
