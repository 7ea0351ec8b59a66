use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZSCORE key member`: the score, or null.
pub const ZSCORE: Command = SORTED_SET
    .command("zscore", 3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.2.0", "Get the score associated with the given member in a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    match c.shard.zscore(c.db, &args[1], &args[2])? {
        Some(s) => c.out.double(s),
        None => c.out.null(),
    }
    Ok(())
}
