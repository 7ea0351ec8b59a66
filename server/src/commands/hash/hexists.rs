use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HEXISTS key field`: 1 or 0 (an integer in RESP3 too, as in Redis 7).
pub const HEXISTS: Command = Command {
    name: "hexists",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Determine if a hash field exists",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.hexists(c.db, &args[1], &args[2])?;
    c.out.int(i64::from(found));
    Ok(())
}
