use super::HASH;
use crate::commands::prelude::*;

/// `HDEL key field [field ...]`: how many fields were removed.
pub const HDEL: Command = HASH
    .command("hdel", -3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("2.0.0", "Delete one or more hash fields");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hdel(c.db, &args[1], &args[2..])?;
    c.out.int(n as i64);
    Ok(())
}
