use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SISMEMBER key member`: 1 or 0 (an integer in RESP3 too, as in Redis 7).
pub const SISMEMBER: Command = Command {
    name: "sismember",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Determine if a given value is a member of a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.sismember(c.db, &args[1], &args[2])?;
    c.out.int(i64::from(found));
    Ok(())
}
