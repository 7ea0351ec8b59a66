use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HLEN key`.
pub const HLEN: Command = Command {
    name: "hlen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get the number of fields in a hash",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hlen(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
