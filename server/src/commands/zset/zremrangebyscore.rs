use bytes::Bytes;
use coreshard_engine::types::ScoreBound;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZREMRANGEBYSCORE key min max`: how many members were removed.
pub const ZREMRANGEBYSCORE: Command = Command {
    name: "zremrangebyscore",
    arity: 4,
    flags: flags::WRITE,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary:
        "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (ScoreBound::parse(&args[2])?, ScoreBound::parse(&args[3])?);
    let n = c.shard.zremrangebyscore(c.db, &args[1], min, max)?;
    c.out.int(n as i64);
    Ok(())
}
