//! DEL, UNLINK, EXISTS and TOUCH: counts over any number of keys, atomic
//! across shards.

use super::GENERIC;
use crate::commands::prelude::*;

/// `DEL key [key ...]`.
pub const DEL: Command = GENERIC
    .command("del", -2, Run::Keyed { shard: del, spanning: del_spanning })
    .flags(Flags::WRITE)
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Deletes one or more keys.");

/// `UNLINK key [key ...]`.
pub const UNLINK: Command = GENERIC
    .command("unlink", -2, Run::Keyed { shard: unlink, spanning: unlink_spanning })
    .flags(Flags::WRITE.union(Flags::FAST))
    .keys(KeySpec::ALL)
    .doc("4.0.0", "Asynchronously deletes one or more keys.");

/// `EXISTS key [key ...]`.
pub const EXISTS: Command = GENERIC
    .command("exists", -2, Run::Keyed { shard: exists, spanning: exists_spanning })
    .flags(Flags::READONLY.union(Flags::FAST))
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Determines whether one or more keys exist.");

/// `TOUCH key [key ...]`.
pub const TOUCH: Command = GENERIC
    .command("touch", -2, Run::Keyed { shard: touch, spanning: touch_spanning })
    .flags(Flags::READONLY.union(Flags::FAST))
    .keys(KeySpec::ALL)
    .doc(
        "3.2.1",
        "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
    );

fn del(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.del(c.db, &args[1..]) as i64);
    Ok(())
}

fn unlink(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.unlink(c.db, &args[1..]) as i64);
    Ok(())
}

fn exists(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.exists(c.db, &args[1..]) as i64);
    Ok(())
}

fn touch(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.touch_keys(c.db, &args[1..]) as i64);
    Ok(())
}

fn del_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        out.int(txn.del(db, Some(route), &args[1..]).await? as i64);
        Ok(())
    })
}

fn unlink_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        out.int(txn.unlink(db, Some(route), &args[1..]).await? as i64);
        Ok(())
    })
}

fn exists_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        out.int(txn.exists(db, Some(route), &args[1..]).await? as i64);
        Ok(())
    })
}

fn touch_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        out.int(txn.touch(db, Some(route), &args[1..]).await? as i64);
        Ok(())
    })
}
