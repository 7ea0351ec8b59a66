use bytes::Bytes;
use coreshard_engine::types::SetOp;

use super::combine::{self, Form};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

const FORM: Form = Form::Reply(SetOp::Inter);

/// `ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE
/// SUM|MIN|MAX] [WITHSCORES]`. Plain sets count as sorted sets with score
/// 1. Atomic when the keys live on different shards.
pub const ZINTER: Command = Command {
    name: "zinter",
    arity: -3,
    flags: flags::READONLY,
    keys: KeySpec::NumKeys { at: 1, dest: false },
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Intersect multiple sorted sets",
    since: "6.2.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    combine::reply_shard(c, args, FORM)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(combine::reply_spanning(txn, route, db, args, out, FORM))
}
