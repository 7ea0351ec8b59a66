use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Route, Txn};

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::resp::ReplyBuf;

/// `RPOPLPUSH source destination`: LMOVE source destination RIGHT LEFT.
pub const RPOPLPUSH: Command = Command {
    name: "rpoplpush",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::TWO,
    run: Run::Keyed { shard: run, spanning },
    group: "list",
    summary: "Remove the last element in a list, prepend it to another list and return it",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let v = c.shard.lmove(c.db, &args[1], &args[2], ListSide::Right, ListSide::Left)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}

async fn span(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    let v = super::move_spanning(txn, route, db, &args[1], &args[2], ListSide::Right, ListSide::Left).await?;
    out.bulk_opt(v.as_deref());
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(span(txn, route, db, args, out))
}
