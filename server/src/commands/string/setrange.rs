use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SETRANGE key offset value`.
pub const SETRANGE: Command = Command {
    name: "setrange",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let offset = parse_int(&args[2])?;
    let len = c.shard.setrange(c.db, &args[1], offset, &args[3])?;
    c.out.int(len as i64);
    Ok(())
}
