use bytes::Bytes;

use super::combine;
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`: the intersection's
/// size, counting no further than `limit` (0 = no limit).
pub const ZINTERCARD: Command = Command {
    name: "zintercard",
    arity: -3,
    flags: flags::READONLY,
    keys: KeySpec::NumKeys { at: 1, dest: false },
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Intersect multiple sorted sets and return the cardinality of the result",
    since: "7.0.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    combine::card_shard(c, args)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(combine::card_spanning(txn, route, db, args, out))
}
