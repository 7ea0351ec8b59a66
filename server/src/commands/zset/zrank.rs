use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZRANK key member`: the 0-based ascending rank, or null. (WITHSCORE came
/// with Redis 7.2.)
pub const ZRANK: Command = Command {
    name: "zrank",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(zrank),
    group: "sorted-set",
    summary: "Determine the index of a member in a sorted set",
    since: "2.0.0",
};

/// `ZREVRANK key member`: the 0-based descending rank, or null.
pub const ZREVRANK: Command = Command {
    name: "zrevrank",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(zrevrank),
    group: "sorted-set",
    summary: "Determine the index of a member in a sorted set, with scores ordered from high to low",
    since: "2.0.0",
};

fn reply(c: &mut ShardCall<'_>, rank: Option<usize>) -> CmdResult {
    match rank {
        Some(r) => c.out.int(r as i64),
        None => c.out.null(),
    }
    Ok(())
}

fn zrank(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let r = c.shard.zrank(c.db, &args[1], &args[2])?;
    reply(c, r)
}

fn zrevrank(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let r = c.shard.zrevrank(c.db, &args[1], &args[2])?;
    reply(c, r)
}
