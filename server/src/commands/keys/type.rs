use super::GENERIC;
use crate::commands::prelude::*;

/// `TYPE key`.
pub const TYPE: Command = GENERIC
    .command("type", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.0.0", "Determines the type of value stored at a key.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let name = c.shard.key_type(c.db, &args[1]).map_or("none", |k| k.name());
    c.out.simple(name);
    Ok(())
}
