use super::HASH;
use crate::commands::prelude::*;

/// `HEXISTS key field`: 1 or 0 (an integer in RESP3 too, as in Redis 7).
pub const HEXISTS: Command = HASH
    .command("hexists", 3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Determine if a hash field exists");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.hexists(c.db, &args[1], &args[2])?;
    c.out.int(i64::from(found));
    Ok(())
}
