use bytes::Bytes;
use coreshard_engine::{Route, Txn};

use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

use super::zmpop::{mpop_reply, mpop_spanning, parse_at, MpopArgs};

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: ZMPOP,
/// blocking until a write to one of the keys gives it members.
pub const BZMPOP: Command = Command {
    name: "bzmpop",
    arity: -5,
    flags: flags::WRITE | flags::BLOCKING,
    keys: KeySpec::NumKeys { at: 2, dest: false },
    run: Run::Blocking { shard: run, spanning, block },
    group: "sorted-set",
    summary: "Remove and return members with scores in a sorted set or block until one is available",
    since: "7.0.0",
};

/// Redis checks `numkeys`, MIN|MAX and COUNT before the timeout.
fn parse(args: &[Bytes]) -> Result<MpopArgs<'_>, crate::cmd::ReplyError> {
    let m = parse_at(args, 2)?;
    blocking::parse_timeout(&args[1])?;
    Ok(m)
}

/// The non-blocking form (inside MULTI): ZMPOP.
fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let m = parse(args)?;
    let popped = c.shard.zmpop(c.db, m.keys, m.max, m.count)?;
    mpop_reply(c.out, popped.as_ref().map(|(i, members)| (&m.keys[*i][..], members)));
    Ok(())
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    let m = parse(args)?;
    let popped = mpop_spanning(txn, route, db, m.keys, m.max, m.count).await?;
    mpop_reply(out, popped.as_ref().map(|(i, members)| (&m.keys[*i][..], members)));
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}

async fn block_mpop(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let m = parse_at(&args, 2)?;
    let timeout = blocking::parse_timeout(&args[1])?;
    let keys = m.keys.iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::ZSet { max: m.max, count: m.count });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValues, timeout };
    blocking::block(conn, route, req).await
}

fn block(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(block_mpop(conn, route, args))
}
