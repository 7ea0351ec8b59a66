//! INCR, DECR, INCRBY and DECRBY: one counter operation with four spellings.

use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

const FLAGS: u32 = flags::WRITE | flags::DENYOOM | flags::FAST;

/// `INCR key`.
pub const INCR: Command = Command {
    name: "incr",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(incr),
    group: "string",
    summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    since: "1.0.0",
};

/// `DECR key`.
pub const DECR: Command = Command {
    name: "decr",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(decr),
    group: "string",
    summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    since: "1.0.0",
};

/// `INCRBY key increment`.
pub const INCRBY: Command = Command {
    name: "incrby",
    arity: 3,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(incrby),
    group: "string",
    summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    since: "1.0.0",
};

/// `DECRBY key decrement`.
pub const DECRBY: Command = Command {
    name: "decrby",
    arity: 3,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(decrby),
    group: "string",
    summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
    since: "1.0.0",
};

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
