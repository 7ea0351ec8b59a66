use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SCARD key`.
pub const SCARD: Command = Command {
    name: "scard",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Get the number of members in a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.scard(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
