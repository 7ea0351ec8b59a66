use coreshard_engine::types::LexBound;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZREMRANGEBYLEX key min max`: how many members were removed.
pub const ZREMRANGEBYLEX: Command = SORTED_SET
    .command("zremrangebylex", 4, Run::Shard(run))
    .flags(Flags::WRITE)
    .doc("2.8.9", "Remove all members in a sorted set between the given lexicographical range");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (LexBound::parse(&args[2])?, LexBound::parse(&args[3])?);
    let n = c.shard.zremrangebylex(c.db, &args[1], &min, &max)?;
    c.out.int(n as i64);
    Ok(())
}
