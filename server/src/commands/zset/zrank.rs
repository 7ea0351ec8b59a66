use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZRANK key member`: the 0-based ascending rank, or null. (WITHSCORE came
/// with Redis 7.2.)
pub const ZRANK: Command = SORTED_SET
    .command("zrank", 3, Run::Shard(zrank))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Determine the index of a member in a sorted set");

/// `ZREVRANK key member`: the 0-based descending rank, or null.
pub const ZREVRANK: Command = SORTED_SET
    .command("zrevrank", 3, Run::Shard(zrevrank))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low");

fn reply(c: &mut ShardCall<'_>, rank: Option<usize>) -> CmdResult {
    match rank {
        Some(r) => c.out.int(r as i64),
        None => c.out.null(),
    }
    Ok(())
}

fn zrank(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let r = c.shard.zrank(c.db, &args[1], &args[2])?;
    reply(c, r)
}

fn zrevrank(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let r = c.shard.zrevrank(c.db, &args[1], &args[2])?;
    reply(c, r)
}
