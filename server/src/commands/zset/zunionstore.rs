use bytes::Bytes;
use coreshard_engine::types::SetOp;

use super::combine::{self, Form};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

const FORM: Form = Form::Store(SetOp::Union);

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...]
/// [AGGREGATE SUM|MIN|MAX]`: stores the result at `destination` (replacing
/// any value; deleting it when the result is empty) and replies with its
/// size. Atomic when the keys live on different shards.
pub const ZUNIONSTORE: Command = Command {
    name: "zunionstore",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::NumKeys { at: 2, dest: true },
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Add multiple sorted sets and store the resulting sorted set in a new key",
    since: "2.0.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    combine::store_shard(c, args, FORM)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(combine::store_spanning(txn, route, db, args, out, FORM))
}
