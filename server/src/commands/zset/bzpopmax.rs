use bytes::Bytes;
use coreshard_engine::Route;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;

/// `BZPOPMAX key [key ...] timeout`: as BZPOPMIN, for the highest score.
pub const BZPOPMAX: Command = Command {
    name: "bzpopmax",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING | flags::FAST,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Blocking { shard: run, spanning, block },
    group: "sorted-set",
    summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
    since: "5.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::bzpopmin::pop_first(c, args, true)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(super::bzpopmin::pop_first_spanning(txn, route, db, args, true, out))
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(super::bzpopmin::block_pop(conn, route, args, true))
}
