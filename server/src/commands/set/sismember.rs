use super::SET;
use crate::commands::prelude::*;

/// `SISMEMBER key member`: 1 or 0 (an integer in RESP3 too, as in Redis 7).
pub const SISMEMBER: Command = SET
    .command("sismember", 3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.0.0", "Determine if a given value is a member of a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.sismember(c.db, &args[1], &args[2])?;
    c.out.int(i64::from(found));
    Ok(())
}
