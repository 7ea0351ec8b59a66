use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HSTRLEN key field`.
pub const HSTRLEN: Command = Command {
    name: "hstrlen",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get the length of the value of a hash field",
    since: "3.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hstrlen(c.db, &args[1], &args[2])?;
    c.out.int(n as i64);
    Ok(())
}
