use super::SET;
use crate::commands::prelude::*;

/// `SMOVE source destination member`: 1 if moved, else 0. Atomic when the
/// keys live on different shards.
pub const SMOVE: Command = SET
    .command("smove", 4, Run::Keyed { shard, spanning })
    .flags(Flags::WRITE.union(Flags::FAST))
    .keys(KeySpec::TWO)
    .doc("1.0.0", "Move a member from one set to another");

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let moved = c.shard.smove(c.db, &args[1], &args[2], &args[3])?;
    c.out.int(i64::from(moved));
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        // The member is stored in the destination set: copy it out of the
        // read buffer.
        let member = Bytes::copy_from_slice(&args[3]);
        let moved = txn.smove(db, Some(route), args[1].clone(), args[2].clone(), member).await?;
        out.int(i64::from(moved));
        Ok(())
    })
}
