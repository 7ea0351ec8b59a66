use super::SET;
use crate::commands::prelude::*;

/// `SREM key member [member ...]`: how many members were removed.
pub const SREM: Command = SET
    .command("srem", -3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.0.0", "Remove one or more members from a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let removed = c.shard.srem(c.db, &args[1], &args[2..])?;
    c.out.int(removed as i64);
    Ok(())
}
