use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZCARD key`.
pub const ZCARD: Command = SORTED_SET
    .command("zcard", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.2.0", "Get the number of members in a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.zcard(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
