use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `GET key`.
pub const GET: Command = Command {
    name: "get",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns the string value of a key.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let out = &mut *c.out;
    // Encoded straight from the keyspace, no copy.
    if c.shard.get_with(c.db, &args[1], |v| out.bulk(v))?.is_none() {
        out.null();
    }
    Ok(())
}
