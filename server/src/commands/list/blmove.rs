use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Route, Txn};

use crate::blocking::{self, Op, Request, Shape};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`.
pub const BLMOVE: Command = Command {
    name: "blmove",
    arity: 6,
    flags: flags::WRITE | flags::DENYOOM | flags::NOSCRIPT | flags::BLOCKING,
    keys: KeySpec::TWO,
    run: Run::Blocking { shard: run, spanning, block },
    group: "list",
    summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
    since: "6.2.0",
};

/// Directions then timeout, in Redis's order of checks.
fn parse(args: &[Bytes]) -> Result<(ListSide, ListSide, Option<std::time::Duration>), crate::cmd::ReplyError> {
    let from = super::parse_side(&args[3])?;
    let to = super::parse_side(&args[4])?;
    Ok((from, to, blocking::parse_timeout(&args[5])?))
}

/// The non-blocking move (inside MULTI): the element, or nil.
pub(super) fn move_now(c: &mut ShardCall<'_>, args: &[Bytes], from: ListSide, to: ListSide) -> CmdResult {
    let v = c.shard.lmove(c.db, &args[1], &args[2], from, to)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}

/// [`move_now`] across two shards held by `txn`.
pub(super) async fn move_now_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    args: &[Bytes],
    from: ListSide,
    to: ListSide,
    out: &mut ReplyBuf,
) -> CmdResult {
    let v = super::move_spanning(txn, route, db, &args[1], &args[2], from, to).await?;
    out.bulk_opt(v.as_deref());
    Ok(())
}

/// The blocking form of BLMOVE/BRPOPLPUSH.
pub(super) async fn block_move(
    conn: &mut Conn,
    route: Route,
    args: &[Bytes],
    from: ListSide,
    to: ListSide,
    timeout: Option<std::time::Duration>,
) -> CmdResult {
    let local = route.single().is_some();
    let op = Op::Move { dst: Bytes::copy_from_slice(&args[2]), from, to, local };
    let req = Request { db: conn.db, keys: vec![Bytes::copy_from_slice(&args[1])], op, shape: Shape::Value, timeout };
    blocking::block(conn, route, req).await
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (from, to, _) = parse(args)?;
    move_now(c, args, from, to)
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    let (from, to, _) = parse(args)?;
    move_now_spanning(txn, route, db, args, from, to, out).await
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}

async fn block_run(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let (from, to, timeout) = parse(&args)?;
    block_move(conn, route, &args, from, to, timeout).await
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_run(conn, route, args))
}
