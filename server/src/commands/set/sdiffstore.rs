use bytes::Bytes;
use coreshard_engine::types::SetOp;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `SDIFFSTORE destination key [key ...]`: stores the result (replacing
/// any value, deleting `destination` when empty) and replies with its size.
pub const SDIFFSTORE: Command = Command {
    name: "sdiffstore",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard, spanning },
    group: "set",
    summary: "Subtract multiple sets and store the resulting set in a key",
    since: "1.0.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::op_store_shard(c, args, SetOp::Diff)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(super::op_store_spanning(txn, route, db, args, out, SetOp::Diff))
}
