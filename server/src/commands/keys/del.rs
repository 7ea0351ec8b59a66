//! DEL, UNLINK, EXISTS and TOUCH: counts over any number of keys, atomic
//! across shards.

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `DEL key [key ...]`.
pub const DEL: Command = Command {
    name: "del",
    arity: -2,
    flags: flags::WRITE,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard: del, spanning: del_spanning },
    group: "generic",
    summary: "Deletes one or more keys.",
    since: "1.0.0",
};

/// `UNLINK key [key ...]`.
pub const UNLINK: Command = Command {
    name: "unlink",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard: unlink, spanning: unlink_spanning },
    group: "generic",
    summary: "Asynchronously deletes one or more keys.",
    since: "4.0.0",
};

/// `EXISTS key [key ...]`.
pub const EXISTS: Command = Command {
    name: "exists",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard: exists, spanning: exists_spanning },
    group: "generic",
    summary: "Determines whether one or more keys exist.",
    since: "1.0.0",
};

/// `TOUCH key [key ...]`.
pub const TOUCH: Command = Command {
    name: "touch",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard: touch, spanning: touch_spanning },
    group: "generic",
    summary:
        "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
    since: "3.2.1",
};

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
