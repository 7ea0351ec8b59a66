use bytes::Bytes;
use coreshard_engine::{Route, Txn};

use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BZPOPMIN key [key ...] timeout`: `[key, member, score]` of the lowest
/// score in the first non-empty sorted set, blocking until a write to one of
/// the keys (from any connection, on any core) gives it one.
pub const BZPOPMIN: Command = Command {
    name: "bzpopmin",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING | flags::FAST,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Blocking { shard: run, spanning, block },
    group: "sorted-set",
    summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
    since: "5.0.0",
};

/// `[key, member, score]` from the first non-empty sorted set, or a nil
/// array: the non-blocking form (inside MULTI) of BZPOPMIN/BZPOPMAX.
pub(super) fn pop_first(c: &mut ShardCall<'_>, args: &[Bytes], max: bool) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    let popped = c.shard.zmpop(c.db, keys, max, 1)?;
    super::key_member_score(c.out, popped.as_ref().map(|(i, members)| (&keys[*i][..], members)));
    Ok(())
}

/// [`pop_first`] over keys on several shards held by `txn`.
pub(super) async fn pop_first_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    args: &[Bytes],
    max: bool,
    out: &mut ReplyBuf,
) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    let popped = super::mpop_spanning(txn, route, db, keys, max, 1).await?;
    super::key_member_score(out, popped.as_ref().map(|(i, members)| (&keys[*i][..], members)));
    Ok(())
}

/// The blocking form of BZPOPMIN/BZPOPMAX.
pub(super) async fn block_pop(conn: &mut Conn, route: Route, args: Vec<Bytes>, max: bool) -> CmdResult {
    let timeout = blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = args[1..args.len() - 1].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::ZSet { max, count: 1 });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValue, timeout };
    blocking::block(conn, route, req).await
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    pop_first(c, args, false)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(pop_first_spanning(txn, route, db, args, false, out))
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_pop(conn, route, args, false))
}
