use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZMSCORE key member [member ...]`: a score or null per member.
pub const ZMSCORE: Command = SORTED_SET
    .command("zmscore", -3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("6.2.0", "Get the score associated with the given members in a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let scores = c.shard.zmscore(c.db, &args[1], &args[2..])?;
    c.out.array(scores.len());
    for s in scores {
        match s {
            Some(s) => c.out.double(s),
            None => c.out.null(),
        }
    }
    Ok(())
}
