use bytes::Bytes;
use coreshard_engine::types::LexBound;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZLEXCOUNT key min max`: members in the lexical range.
pub const ZLEXCOUNT: Command = Command {
    name: "zlexcount",
    arity: 4,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Count the number of members in a sorted set between a given lexicographical range",
    since: "2.8.9",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (LexBound::parse(&args[2])?, LexBound::parse(&args[3])?);
    let n = c.shard.zlexcount(c.db, &args[1], &min, &max)?;
    c.out.int(n as i64);
    Ok(())
}
