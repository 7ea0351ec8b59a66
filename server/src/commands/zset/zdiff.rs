use bytes::Bytes;
use coreshard_engine::types::SetOp;

use super::combine::{self, Form};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

const FORM: Form = Form::Reply(SetOp::Diff);

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`: the members of the first key
/// in none of the others, with their scores. Plain sets count as sorted
/// sets with score 1. Atomic when the keys live on different shards.
pub const ZDIFF: Command = Command {
    name: "zdiff",
    arity: -3,
    flags: flags::READONLY,
    keys: KeySpec::NumKeys { at: 1, dest: false },
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Subtract multiple sorted sets",
    since: "6.2.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    combine::reply_shard(c, args, FORM)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(combine::reply_spanning(txn, route, db, args, out, FORM))
}
