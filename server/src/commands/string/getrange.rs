use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `GETRANGE key start end`.
pub const GETRANGE: Command = Command {
    name: "getrange",
    arity: 4,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns a substring of the string stored at a key.",
    since: "2.4.0",
};

/// `SUBSTR key start end`: the old name of GETRANGE.
pub const SUBSTR: Command = Command {
    name: "substr",
    arity: 4,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns a substring from a string value.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let v = c.shard.getrange(c.db, &args[1], start, end)?;
    c.out.bulk(&v);
    Ok(())
}
