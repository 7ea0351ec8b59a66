use super::SET;
use crate::commands::prelude::*;

/// `SCARD key`.
pub const SCARD: Command = SET
    .command("scard", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.0.0", "Get the number of members in a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.scard(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
