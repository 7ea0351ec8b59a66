use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SREM key member [member ...]`: how many members were removed.
pub const SREM: Command = Command {
    name: "srem",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Remove one or more members from a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let removed = c.shard.srem(c.db, &args[1], &args[2..])?;
    c.out.int(removed as i64);
    Ok(())
}
