use super::HASH;
use crate::commands::prelude::*;

/// `HGET key field`.
pub const HGET: Command = HASH
    .command("hget", 3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Get the value of a hash field");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let v = c.shard.hget(c.db, &args[1], &args[2])?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}
