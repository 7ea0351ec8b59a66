use bytes::Bytes;
use coreshard_engine::{Route, Txn};

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};
use crate::resp::ReplyBuf;

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: pops from the
/// first non-empty list, atomically even when the keys span shards.
pub const LMPOP: Command = Command {
    name: "lmpop",
    arity: -4,
    flags: flags::WRITE,
    keys: KeySpec::NumKeys { at: 1, dest: false },
    run: Run::Keyed { shard: run, spanning },
    group: "list",
    summary: "Pop elements from a list",
    since: "7.0.0",
};

/// LMPOP, or BLMPOP's arguments after the timeout, on one shard.
pub(super) fn pop_at(c: &mut ShardCall<'_>, args: &[Bytes], at: usize) -> CmdResult {
    let m = super::parse_mpop(args, at)?;
    let keys = &args[m.first_key..m.first_key + m.numkeys];
    match super::mpop_local(c.shard, c.db, keys, m.side, m.count)? {
        Some((key, values)) => super::mpop_reply(c.out, &key, &values),
        None => c.out.null_array(),
    }
    Ok(())
}

/// [`pop_at`] over keys on several shards held by `txn`.
pub(super) async fn pop_at_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    args: &[Bytes],
    at: usize,
    out: &mut ReplyBuf,
) -> CmdResult {
    let m = super::parse_mpop(args, at)?;
    let keys = &args[m.first_key..m.first_key + m.numkeys];
    match super::mpop_spanning(txn, route, db, keys, m.side, m.count).await? {
        Some((key, values)) => super::mpop_reply(out, &key, &values),
        None => out.null_array(),
    }
    Ok(())
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    pop_at(c, args, 1)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(pop_at_spanning(txn, route, db, args, 1, out))
}
