use bytes::Bytes;
use coreshard_engine::{Route, Txn};

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::resp::ReplyBuf;

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`, atomic across shards.
pub const LMOVE: Command = Command {
    name: "lmove",
    arity: 5,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::TWO,
    run: Run::Keyed { shard: run, spanning },
    group: "list",
    summary: "Pop an element from a list, push it to another list and return it",
    since: "6.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let from = super::parse_side(&args[3])?;
    let to = super::parse_side(&args[4])?;
    let v = c.shard.lmove(c.db, &args[1], &args[2], from, to)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    let from = super::parse_side(&args[3])?;
    let to = super::parse_side(&args[4])?;
    let v = super::move_spanning(txn, route, db, &args[1], &args[2], from, to).await?;
    out.bulk_opt(v.as_deref());
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}
