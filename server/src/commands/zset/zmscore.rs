use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZMSCORE key member [member ...]`: a score or null per member.
pub const ZMSCORE: Command = Command {
    name: "zmscore",
    arity: -3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Get the score associated with the given members in a sorted set",
    since: "6.2.0",
};

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
