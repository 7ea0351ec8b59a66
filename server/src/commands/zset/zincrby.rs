use coreshard_engine::types::parse_score;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZINCRBY key increment member`: the new score.
pub const ZINCRBY: Command = SORTED_SET
    .command("zincrby", 4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("1.2.0", "Increment the score of a member in a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let incr = parse_score(&args[2])?;
    // A slice: the member is copied if it is stored.
    let score = c.shard.zincrby(c.db, &args[1], incr, &args[3][..])?;
    c.out.double(score);
    Ok(())
}
