//! INCR, DECR, INCRBY and DECRBY: one counter operation with four spellings.

use super::STRING;
use crate::commands::prelude::*;

const FLAGS: Flags = Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST);

/// `INCR key`.
pub const INCR: Command = STRING
    .command("incr", 2, Run::Shard(incr))
    .flags(FLAGS)
    .doc("1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.");

/// `DECR key`.
pub const DECR: Command = STRING
    .command("decr", 2, Run::Shard(decr))
    .flags(FLAGS)
    .doc("1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.");

/// `INCRBY key increment`.
pub const INCRBY: Command = STRING.command("incrby", 3, Run::Shard(incrby)).flags(FLAGS).doc(
    "1.0.0",
    "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
);

/// `DECRBY key decrement`.
pub const DECRBY: Command = STRING.command("decrby", 3, Run::Shard(decrby)).flags(FLAGS).doc(
    "1.0.0",
    "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
);

fn incr(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.incrby(c.db, &args[1], 1)?;
    c.out.int(n);
    Ok(())
}

fn decr(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.incrby(c.db, &args[1], -1)?;
    c.out.int(n);
    Ok(())
}

fn incrby(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let by = parse_int(&args[2])?;
    let n = c.shard.incrby(c.db, &args[1], by)?;
    c.out.int(n);
    Ok(())
}

fn decrby(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let by = parse_int(&args[2])?;
    let n = c.shard.decrby(c.db, &args[1], by)?;
    c.out.int(n);
    Ok(())
}
