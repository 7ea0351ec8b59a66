use coreshard_engine::types::LexBound;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZLEXCOUNT key min max`: members in the lexical range.
pub const ZLEXCOUNT: Command = SORTED_SET
    .command("zlexcount", 4, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.8.9", "Count the number of members in a sorted set between a given lexicographical range");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (LexBound::parse(&args[2])?, LexBound::parse(&args[3])?);
    let n = c.shard.zlexcount(c.db, &args[1], &min, &max)?;
    c.out.int(n as i64);
    Ok(())
}
