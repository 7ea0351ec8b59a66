use super::GENERIC;
use crate::commands::prelude::*;

/// `PERSIST key`.
pub const PERSIST: Command = GENERIC
    .command("persist", 2, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("2.2.0", "Removes the expiration time of a key.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let removed = c.shard.persist(c.db, &args[1]);
    c.out.int(i64::from(removed));
    Ok(())
}
