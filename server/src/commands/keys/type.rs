use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `TYPE key`.
pub const TYPE: Command = Command {
    name: "type",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "generic",
    summary: "Determines the type of value stored at a key.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let name = c.shard.key_type(c.db, &args[1]).map_or("none", |k| k.name());
    c.out.simple(name);
    Ok(())
}
