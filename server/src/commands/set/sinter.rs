//! SINTER, SUNION and SDIFF, and their STORE forms: one set operation over
//! any number of keys, replied or stored. They run as one shard operation
//! when their keys share a shard, and as a transaction over every involved
//! shard otherwise.

use coreshard_engine::types::SetOp;

use super::SET;
use crate::commands::prelude::*;

/// `SINTER key [key ...]`: a set in RESP3, an array in RESP2. A missing key
/// counts as an empty set; every key must hold a set.
pub const SINTER: Command = SET
    .command(
        "sinter",
        -2,
        Run::Keyed {
            shard: |c, args| op_shard(c, args, SetOp::Inter),
            spanning: |c, args| Box::pin(op_spanning(c, args, SetOp::Inter)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Intersect multiple sets");

/// `SUNION key [key ...]`: a set in RESP3, an array in RESP2. A missing key
/// counts as an empty set; every key must hold a set.
pub const SUNION: Command = SET
    .command(
        "sunion",
        -2,
        Run::Keyed {
            shard: |c, args| op_shard(c, args, SetOp::Union),
            spanning: |c, args| Box::pin(op_spanning(c, args, SetOp::Union)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Add multiple sets");

/// `SDIFF key [key ...]`: a set in RESP3, an array in RESP2. A missing key
/// counts as an empty set; every key must hold a set.
pub const SDIFF: Command = SET
    .command(
        "sdiff",
        -2,
        Run::Keyed {
            shard: |c, args| op_shard(c, args, SetOp::Diff),
            spanning: |c, args| Box::pin(op_spanning(c, args, SetOp::Diff)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Subtract multiple sets");

/// `SINTERSTORE destination key [key ...]`: stores the result (replacing
/// any value, deleting `destination` when empty) and replies with its size.
pub const SINTERSTORE: Command = SET
    .command(
        "sinterstore",
        -3,
        Run::Keyed {
            shard: |c, args| op_store_shard(c, args, SetOp::Inter),
            spanning: |c, args| Box::pin(op_store_spanning(c, args, SetOp::Inter)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Intersect multiple sets and store the resulting set in a key");

/// `SUNIONSTORE destination key [key ...]`: stores the result (replacing
/// any value, deleting `destination` when empty) and replies with its size.
pub const SUNIONSTORE: Command = SET
    .command(
        "sunionstore",
        -3,
        Run::Keyed {
            shard: |c, args| op_store_shard(c, args, SetOp::Union),
            spanning: |c, args| Box::pin(op_store_spanning(c, args, SetOp::Union)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Add multiple sets and store the resulting set in a key");

/// `SDIFFSTORE destination key [key ...]`: stores the result (replacing
/// any value, deleting `destination` when empty) and replies with its size.
pub const SDIFFSTORE: Command = SET
    .command(
        "sdiffstore",
        -3,
        Run::Keyed {
            shard: |c, args| op_store_shard(c, args, SetOp::Diff),
            spanning: |c, args| Box::pin(op_store_spanning(c, args, SetOp::Diff)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Subtract multiple sets and store the resulting set in a key");

/// SINTER/SUNION/SDIFF of `args[1..]`, all on this shard.
fn op_shard(c: &mut ShardCall<'_>, args: &[Bytes], op: SetOp) -> CmdResult {
    let keys = &args[1..];
    let members = match op {
        SetOp::Inter => c.shard.sinter(c.db, keys)?,
        SetOp::Union => c.shard.sunion(c.db, keys)?,
        SetOp::Diff => c.shard.sdiff(c.db, keys)?,
    };
    super::reply_set(c.out, &members);
    Ok(())
}

/// SINTER/SUNION/SDIFF of `args[1..]` across shards, under `txn`.
async fn op_spanning(c: TxnCall<'_>, args: &[Bytes], op: SetOp) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let members = txn.set_op(db, op, Some(route), &args[1..]).await?;
    super::reply_set(out, &members);
    Ok(())
}

/// SINTERSTORE/SUNIONSTORE/SDIFFSTORE `args[1]` from `args[2..]` across
/// shards, under `txn`.
async fn op_store_spanning(c: TxnCall<'_>, args: &[Bytes], op: SetOp) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let n = txn.set_op_store(db, op, Some(route), args[1].clone(), &args[2..]).await?;
    out.int(n as i64);
    Ok(())
}

/// SINTERSTORE/SUNIONSTORE/SDIFFSTORE `args[1]` from `args[2..]`, all on
/// this shard.
fn op_store_shard(c: &mut ShardCall<'_>, args: &[Bytes], op: SetOp) -> CmdResult {
    let (dst, keys) = (&args[1], &args[2..]);
    let n = match op {
        SetOp::Inter => c.shard.sinterstore(c.db, dst, keys)?,
        SetOp::Union => c.shard.sunionstore(c.db, dst, keys)?,
        SetOp::Diff => c.shard.sdiffstore(c.db, dst, keys)?,
    };
    c.out.int(n as i64);
    Ok(())
}
