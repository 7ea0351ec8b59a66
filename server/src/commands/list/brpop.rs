use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::Txn;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BRPOP key [key ...] timeout`.
pub const BRPOP: Command = Command {
    name: "brpop",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Keyed { shard: run, spanning },
    group: "list",
    summary: "Remove and get the last element in a list, or block until one is available",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::blpop::pop_first(c, args, ListSide::Right)
}

fn spanning<'a>(txn: &'a Txn, db: u8, args: &'a [Bytes], out: &'a mut ReplyBuf) -> LocalFuture<'a> {
    Box::pin(super::blpop::pop_first_spanning(txn, db, args, ListSide::Right, out))
}

pub(super) fn block(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(super::blpop::block_pop(conn, args, ListSide::Right))
}
