use bytes::Bytes;
use coreshard_engine::types::SetOp;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `SINTER key [key ...]`: a set in RESP3, an array in RESP2. A missing key
/// counts as an empty set; every key must hold a set.
pub const SINTER: Command = Command {
    name: "sinter",
    arity: -2,
    flags: flags::READONLY,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard, spanning },
    group: "set",
    summary: "Intersect multiple sets",
    since: "1.0.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::op_shard(c, args, SetOp::Inter)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(super::op_spanning(txn, route, db, args, out, SetOp::Inter))
}
