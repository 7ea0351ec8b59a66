use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZREMRANGEBYRANK key start stop`: how many members were removed.
pub const ZREMRANGEBYRANK: Command = SORTED_SET.command("zremrangebyrank", 4, Run::Shard(run)).flags(Flags::WRITE).doc(
    "2.0.0",
    "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
);

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (start, stop) = (parse_int(&args[2])?, parse_int(&args[3])?);
    let n = c.shard.zremrangebyrank(c.db, &args[1], start, stop)?;
    c.out.int(n as i64);
    Ok(())
}
