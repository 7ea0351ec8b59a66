use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Route, Txn};

use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

/// `BLPOP key [key ...] timeout`.
pub const BLPOP: Command = Command {
    name: "blpop",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING,
    keys: KeySpec::Range { first: 1, last: -2, step: 1 },
    run: Run::Blocking { shard: run, spanning, block },
    group: "list",
    summary: "Remove and get the first element in a list, or block until one is available",
    since: "2.0.0",
};

/// `[key, element]` from the first non-empty list, or a nil array: the
/// non-blocking form (inside MULTI).
pub(super) fn pop_first(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    match super::mpop_local(c.shard, c.db, &args[1..args.len() - 1], side, 1)? {
        Some((key, values)) => key_value(c.out, &key, &values),
        None => c.out.null_array(),
    }
    Ok(())
}

/// [`pop_first`] over keys on several shards held by `txn`.
pub(super) async fn pop_first_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    args: &[Bytes],
    side: ListSide,
    out: &mut ReplyBuf,
) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    match super::mpop_spanning(txn, route, db, &args[1..args.len() - 1], side, 1).await? {
        Some((key, values)) => key_value(out, &key, &values),
        None => out.null_array(),
    }
    Ok(())
}

fn key_value(out: &mut ReplyBuf, key: &[u8], values: &[Bytes]) {
    out.array(2);
    out.bulk(key);
    out.bulk(values.first().map_or(&b""[..], |v| &v[..]));
}

/// The blocking form of BLPOP/BRPOP.
pub(super) async fn block_pop(conn: &mut Conn, route: Route, args: Vec<Bytes>, side: ListSide) -> CmdResult {
    let timeout = blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = args[1..args.len() - 1].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let req = Request { db: conn.db, keys, op: Op::Pop(Pop::List { side, count: 1 }), shape: Shape::KeyValue, timeout };
    blocking::block(conn, route, req).await
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    pop_first(c, args, ListSide::Left)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(pop_first_spanning(txn, route, db, args, ListSide::Left, out))
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_pop(conn, route, args, ListSide::Left))
}
