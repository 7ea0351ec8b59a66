use super::HASH;
use crate::commands::prelude::*;

/// `HSTRLEN key field`.
pub const HSTRLEN: Command = HASH
    .command("hstrlen", 3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("3.2.0", "Get the length of the value of a hash field");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hstrlen(c.db, &args[1], &args[2])?;
    c.out.int(n as i64);
    Ok(())
}
