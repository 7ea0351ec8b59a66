use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LLEN key`.
pub const LLEN: Command = Command {
    name: "llen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Get the length of a list",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.llen(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
