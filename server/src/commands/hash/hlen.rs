use super::HASH;
use crate::commands::prelude::*;

/// `HLEN key`.
pub const HLEN: Command = HASH
    .command("hlen", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Get the number of fields in a hash");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hlen(c.db, &args[1])?;
    c.out.int(n as i64);
    Ok(())
}
