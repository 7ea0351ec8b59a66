use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LREM key count element`.
pub const LREM: Command = Command {
    name: "lrem",
    arity: 4,
    flags: flags::WRITE,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Remove elements from a list",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let count = parse_int(&args[2])?;
    let n = c.shard.lrem(c.db, &args[1], count, &args[3])?;
    c.out.int(n as i64);
    Ok(())
}
