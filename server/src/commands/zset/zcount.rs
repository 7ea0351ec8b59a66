use bytes::Bytes;
use coreshard_engine::types::ScoreBound;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZCOUNT key min max`: members with scores in the range.
pub const ZCOUNT: Command = Command {
    name: "zcount",
    arity: 4,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Count the members in a sorted set with scores within the given values",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (ScoreBound::parse(&args[2])?, ScoreBound::parse(&args[3])?);
    let n = c.shard.zcount(c.db, &args[1], min, max)?;
    c.out.int(n as i64);
    Ok(())
}
