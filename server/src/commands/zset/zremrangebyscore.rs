use coreshard_engine::types::ScoreBound;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZREMRANGEBYSCORE key min max`: how many members were removed.
pub const ZREMRANGEBYSCORE: Command =
    SORTED_SET.command("zremrangebyscore", 4, Run::Shard(run)).flags(Flags::WRITE).doc(
        "1.2.0",
        "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
    );

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (ScoreBound::parse(&args[2])?, ScoreBound::parse(&args[3])?);
    let n = c.shard.zremrangebyscore(c.db, &args[1], min, max)?;
    c.out.int(n as i64);
    Ok(())
}
