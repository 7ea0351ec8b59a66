use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZREM key member [member ...]`: how many members were removed.
pub const ZREM: Command = Command {
    name: "zrem",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Remove one or more members from a sorted set",
    since: "1.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.zrem(c.db, &args[1], &args[2..])?;
    c.out.int(n as i64);
    Ok(())
}
