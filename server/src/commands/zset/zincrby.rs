use bytes::Bytes;
use coreshard_engine::types::parse_score;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZINCRBY key increment member`: the new score.
pub const ZINCRBY: Command = Command {
    name: "zincrby",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Increment the score of a member in a sorted set",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let incr = parse_score(&args[2])?;
    // A slice: the member is copied if it is stored.
    let score = c.shard.zincrby(c.db, &args[1], incr, &args[3][..])?;
    c.out.double(score);
    Ok(())
}
