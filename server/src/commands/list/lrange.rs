use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LRANGE key start stop`.
pub const LRANGE: Command = Command {
    name: "lrange",
    arity: 4,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Get a range of elements from a list",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let stop = parse_int(&args[3])?;
    let values = c.shard.lrange(c.db, &args[1], start, stop)?;
    super::bulk_array(c.out, &values);
    Ok(())
}
