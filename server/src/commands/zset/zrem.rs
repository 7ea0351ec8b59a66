use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZREM key member [member ...]`: how many members were removed.
pub const ZREM: Command = SORTED_SET
    .command("zrem", -3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.2.0", "Remove one or more members from a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.zrem(c.db, &args[1], &args[2..])?;
    c.out.int(n as i64);
    Ok(())
}
