use bytes::Bytes;
use coreshard_engine::Txn;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BZPOPMAX key [key ...] timeout`: as BZPOPMIN, for the highest score.
pub const BZPOPMAX: Command = Command {
    name: "bzpopmax",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING | flags::FAST,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Keyed { shard: run, spanning },
    group: "sorted-set",
    summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
    since: "5.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::bzpopmin::pop_first(c, args, true)
}

fn spanning<'a>(txn: &'a Txn, db: u8, args: &'a [Bytes], out: &'a mut ReplyBuf) -> LocalFuture<'a> {
    Box::pin(super::bzpopmin::pop_first_spanning(txn, db, args, true, out))
}

pub(super) fn block(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(super::bzpopmin::block_pop(conn, args, true))
}
