//! Set commands: SADD, SMEMBERS, SPOP, SMOVE, SINTER/SUNION/SDIFF and their
//! STORE forms, SINTERCARD, SSCAN, ...
//!
//! The multi-key commands run as one shard operation when their keys share
//! a shard, and as a transaction over every involved shard otherwise.

use bytes::Bytes;
use coreshard_engine::types::SetOp;
use coreshard_engine::{Route, Txn};

use crate::cmd::{CmdResult, Command, ShardCall};
use crate::resp::ReplyBuf;

mod sadd;
mod scard;
mod sdiff;
mod sdiffstore;
mod sinter;
mod sintercard;
mod sinterstore;
mod sismember;
mod smembers;
mod smismember;
mod smove;
mod spop;
mod srandmember;
mod srem;
mod sscan;
mod sunion;
mod sunionstore;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &sadd::SADD,
    &srem::SREM,
    &scard::SCARD,
    &sismember::SISMEMBER,
    &smismember::SMISMEMBER,
    &smembers::SMEMBERS,
    &srandmember::SRANDMEMBER,
    &spop::SPOP,
    &sscan::SSCAN,
    &smove::SMOVE,
    &sinter::SINTER,
    &sunion::SUNION,
    &sdiff::SDIFF,
    &sinterstore::SINTERSTORE,
    &sunionstore::SUNIONSTORE,
    &sdiffstore::SDIFFSTORE,
    &sintercard::SINTERCARD,
];

/// Writes members as a set reply (RESP3 `~`, an array in RESP2).
fn reply_set(out: &mut ReplyBuf, members: &[Bytes]) {
    out.set(members.len());
    for m in members {
        out.bulk(m);
    }
}

/// SINTER/SUNION/SDIFF of `args[1..]`, all on this shard.
fn op_shard(c: &mut ShardCall<'_>, args: &[Bytes], op: SetOp) -> CmdResult {
    let keys = &args[1..];
    let members = match op {
        SetOp::Inter => c.shard.sinter(c.db, keys)?,
        SetOp::Union => c.shard.sunion(c.db, keys)?,
        SetOp::Diff => c.shard.sdiff(c.db, keys)?,
    };
    reply_set(c.out, &members);
    Ok(())
}

/// SINTER/SUNION/SDIFF of `args[1..]` across shards, under `txn`.
async fn op_spanning(txn: &Txn, route: &Route, db: u8, args: &[Bytes], out: &mut ReplyBuf, op: SetOp) -> CmdResult {
    let members = txn.set_op(db, op, Some(route), &args[1..]).await?;
    reply_set(out, &members);
    Ok(())
}

/// SINTERSTORE/SUNIONSTORE/SDIFFSTORE `args[1]` from `args[2..]` across
/// shards, under `txn`.
async fn op_store_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    args: &[Bytes],
    out: &mut ReplyBuf,
    op: SetOp,
) -> CmdResult {
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

#[cfg(test)]
mod tests {
    use crate::commands::collection::run_lines;

    /// Replies recorded from Redis 7.0 over RESP3.
    #[test]
    fn resp3_shapes() {
        let got = run_lines(
            true,
            &[
                "sadd s a",
                "smembers s",
                "smembers nokey",
                "sinter s",
                "sunion s nokey",
                "sdiff s nokey",
                "spop nokey 2",
                "spop nokey",
                "spop s 5",
                "sadd s a",
                "srandmember s 2",
                "srandmember nokey",
                "smismember s a b",
                "sscan s 0",
            ],
        );
        let want = [
            ":1\r\n",
            "~1\r\n$1\r\na\r\n",
            "~0\r\n",
            "~1\r\n$1\r\na\r\n",
            "~1\r\n$1\r\na\r\n",
            "~1\r\n$1\r\na\r\n",
            "~0\r\n",
            "_\r\n",
            "~1\r\n$1\r\na\r\n",
            ":1\r\n",
            "*1\r\n$1\r\na\r\n",
            "_\r\n",
            "*2\r\n:1\r\n:0\r\n",
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n",
        ];
        assert_eq!(got, want);
    }
}
