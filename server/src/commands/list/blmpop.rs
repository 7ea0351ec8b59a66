use bytes::Bytes;
use coreshard_engine::{Route, Txn};

use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
pub const BLMPOP: Command = Command {
    name: "blmpop",
    arity: -5,
    flags: flags::WRITE | flags::BLOCKING,
    keys: KeySpec::NumKeys { at: 2, dest: false },
    run: Run::Blocking { shard: run, spanning, block },
    group: "list",
    summary: "Pop elements from a list, or block until one is available",
    since: "7.0.0",
};

/// Redis checks `numkeys`, the side and COUNT before the timeout.
fn check_args(args: &[Bytes]) -> CmdResult {
    super::parse_mpop(args, 2)?;
    blocking::parse_timeout(&args[1])?;
    Ok(())
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    check_args(args)?;
    super::lmpop::pop_at(c, args, 2)
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    check_args(args)?;
    super::lmpop::pop_at_spanning(txn, route, db, args, 2, out).await
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}

async fn block_mpop(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let m = super::parse_mpop(&args, 2)?;
    let timeout = blocking::parse_timeout(&args[1])?;
    let keys = args[m.first_key..m.first_key + m.numkeys].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::List { side: m.side, count: m.count });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValues, timeout };
    blocking::block(conn, route, req).await
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_mpop(conn, route, args))
}
