use std::sync::{Arc, Mutex};

use bytes::Bytes;
use coreshard_engine::types::ZSet;
use coreshard_engine::Txn;

use super::zrange::{parse, By};
use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall};
use crate::resp::ReplyBuf;

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
fn spanning<'a>(txn: &'a Txn, db: u8, args: &'a [Bytes], out: &'a mut ReplyBuf) -> LocalFuture<'a> {
    Box::pin(async move {
        let range = parse(args, 2, true, By::Auto, None)?.range;
        let read = txn.for_keys(db, &args[2..3], move |s, db, k| s.zrange(db, k, &range)).await?;
        let mut z = ZSet::new();
        for (m, score) in read.into_iter().flatten() {
            z.insert(m, score);
        }
        // Handed to the destination's shard without a copy.
        let result = Arc::new(Mutex::new(Some(z)));
        let stored = txn
            .for_keys(db, &args[1..2], move |s, db, k| {
                let z = result.lock().ok().and_then(|mut z| z.take()).unwrap_or_default();
                s.zstore(db, k, z)
            })
            .await?;
        out.int(stored.into_iter().sum::<usize>() as i64);
        Ok(())
    })
}
