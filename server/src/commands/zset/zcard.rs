use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZCARD key`.
pub const ZCARD: Command = Command {
    name: "zcard",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Get the number of members in a sorted set",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.zcard(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
