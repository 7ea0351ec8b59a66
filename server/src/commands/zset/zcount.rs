use coreshard_engine::types::ScoreBound;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZCOUNT key min max`: members with scores in the range.
pub const ZCOUNT: Command = SORTED_SET
    .command("zcount", 4, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Count the members in a sorted set with scores within the given values");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (ScoreBound::parse(&args[2])?, ScoreBound::parse(&args[3])?);
    let n = c.shard.zcount(c.db, &args[1], min, max)?;
    c.out.int(n as i64);
    Ok(())
}
