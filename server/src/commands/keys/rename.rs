//! RENAME and RENAMENX, atomic across shards.

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `RENAME key newkey`.
pub const RENAME: Command = Command {
    name: "rename",
    arity: 3,
    flags: flags::WRITE,
    keys: KeySpec::TWO,
    run: Run::Keyed { shard: rename, spanning: rename_spanning },
    group: "generic",
    summary: "Renames a key and overwrites the destination.",
    since: "1.0.0",
};

/// `RENAMENX key newkey`.
pub const RENAMENX: Command = Command {
    name: "renamenx",
    arity: 3,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::TWO,
    run: Run::Keyed { shard: renamenx, spanning: renamenx_spanning },
    group: "generic",
    summary: "Renames a key only when the target key name doesn't exist.",
    since: "1.0.0",
};

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
