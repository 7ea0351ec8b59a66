use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZREMRANGEBYRANK key start stop`: how many members were removed.
pub const ZREMRANGEBYRANK: Command = Command {
    name: "zremrangebyrank",
    arity: 4,
    flags: flags::WRITE,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary:
        "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (start, stop) = (parse_int(&args[2])?, parse_int(&args[3])?);
    let n = c.shard.zremrangebyrank(c.db, &args[1], start, stop)?;
    c.out.int(n as i64);
    Ok(())
}
