use super::LIST;
use crate::commands::prelude::*;

/// `LLEN key`.
pub const LLEN: Command = LIST
    .command("llen", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.0.0", "Get the length of a list");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.llen(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
