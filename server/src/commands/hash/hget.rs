use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HGET key field`.
pub const HGET: Command = Command {
    name: "hget",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get the value of a hash field",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let v = c.shard.hget(c.db, &args[1], &args[2])?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}
