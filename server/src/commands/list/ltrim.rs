use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LTRIM key start stop`.
pub const LTRIM: Command = Command {
    name: "ltrim",
    arity: 4,
    flags: flags::WRITE,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Trim a list to the specified range",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let stop = parse_int(&args[3])?;
    c.shard.ltrim(c.db, &args[1], start, stop)?;
    c.out.ok();
    Ok(())
}
