use bytes::Bytes;
use coreshard_engine::types::ZSet;
use coreshard_engine::Error;

use super::zrange::{parse, By};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`:
/// stores the selected range at `dst` (deleting it when the range is empty)
/// and replies with its size. Atomic when the keys live on different shards.
pub const ZRANGESTORE: Command = Command {
    name: "zrangestore",
    arity: -5,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::TWO,
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Store a range of members from sorted set into another key",
    since: "6.2.0",
};

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let req = parse(args, 2, true, By::Auto, None)?;
    let n = c.shard.zrangestore(c.db, &args[1], &args[2], &req.range)?;
    c.out.int(n as i64);
    Ok(())
}

/// `src` and `dst` on different shards (both held by `txn`): the range is
/// read on one and stored on the other.
fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let range = parse(args, 2, true, By::Auto, None)?.range;
        // The route is that of `[dst, src]`.
        let (Some(s_dst), Some(s_src)) = (route.owner(0), route.owner(1)) else { return Err(Error::NotLocked.into()) };
        let (dst, src) = (Bytes::copy_from_slice(&args[1]), Bytes::copy_from_slice(&args[2]));
        let read = txn.run(s_src, move |s| s.zrange(db, &src, &range)).await??;
        let mut z = ZSet::new();
        for (m, score) in read {
            z.insert(m, score);
        }
        // Handed to the destination's shard without a copy.
        let stored = txn.run(s_dst, move |s| s.zstore(db, &dst, z)).await??;
        out.int(stored as i64);
        Ok(())
    })
}
