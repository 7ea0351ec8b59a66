use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZSCORE key member`: the score, or null.
pub const ZSCORE: Command = Command {
    name: "zscore",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Get the score associated with the given member in a sorted set",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    match c.shard.zscore(c.db, &args[1], &args[2])? {
        Some(s) => c.out.double(s),
        None => c.out.null(),
    }
    Ok(())
}
