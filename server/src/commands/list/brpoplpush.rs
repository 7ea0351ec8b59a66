use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Route, Txn};

use crate::blocking;
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BRPOPLPUSH source destination timeout`: BLMOVE source destination
/// RIGHT LEFT timeout.
pub const BRPOPLPUSH: Command = Command {
    name: "brpoplpush",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::NOSCRIPT | flags::BLOCKING,
    keys: KeySpec::TWO,
    run: Run::Blocking { shard: run, spanning, block },
    group: "list",
    summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    blocking::parse_timeout(&args[3])?;
    super::blmove::move_now(c, args, ListSide::Right, ListSide::Left)
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    blocking::parse_timeout(&args[3])?;
    super::blmove::move_now_spanning(txn, route, db, args, ListSide::Right, ListSide::Left, out).await
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}

async fn block_run(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let timeout = blocking::parse_timeout(&args[3])?;
    super::blmove::block_move(conn, route, &args, ListSide::Right, ListSide::Left, timeout).await
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_run(conn, route, args))
}
