use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::Route;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;

/// `BRPOP key [key ...] timeout`.
pub const BRPOP: Command = Command {
    name: "brpop",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Blocking { shard: run, spanning, block },
    group: "list",
    summary: "Remove and get the last element in a list, or block until one is available",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::blpop::pop_first(c, args, ListSide::Right)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(super::blpop::pop_first_spanning(txn, route, db, args, ListSide::Right, out))
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(super::blpop::block_pop(conn, route, args, ListSide::Right))
}
