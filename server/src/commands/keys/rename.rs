//! RENAME and RENAMENX, atomic across shards.

use super::GENERIC;
use crate::commands::prelude::*;

/// `RENAME key newkey`.
pub const RENAME: Command = GENERIC
    .command("rename", 3, Run::Keyed { shard: rename, spanning: rename_spanning })
    .flags(Flags::WRITE)
    .keys(KeySpec::TWO)
    .doc("1.0.0", "Renames a key and overwrites the destination.");

/// `RENAMENX key newkey`.
pub const RENAMENX: Command = GENERIC
    .command("renamenx", 3, Run::Keyed { shard: renamenx, spanning: renamenx_spanning })
    .flags(Flags::WRITE.union(Flags::FAST))
    .keys(KeySpec::TWO)
    .doc("1.0.0", "Renames a key only when the target key name doesn't exist.");

fn rename(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.shard.rename(c.db, &args[1], &args[2])?;
    c.out.ok();
    Ok(())
}

fn renamenx(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let done = c.shard.renamenx(c.db, &args[1], &args[2])?;
    c.out.int(i64::from(done));
    Ok(())
}

fn rename_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        txn.rename(db, Some(route), args[1].clone(), args[2].clone()).await?;
        out.ok();
        Ok(())
    })
}

fn renamenx_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let done = txn.renamenx(db, Some(route), args[1].clone(), args[2].clone()).await?;
        out.int(i64::from(done));
        Ok(())
    })
}
