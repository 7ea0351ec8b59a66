use super::HASH;
use crate::commands::prelude::*;

/// `HSETNX key field value`: sets the field only if it does not exist.
pub const HSETNX: Command = HASH
    .command("hsetnx", 4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.0.0", "Set the value of a hash field, only if the field does not exist");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // Slices, not the arguments: storing them would pin the read buffer.
    let set = c.shard.hsetnx(c.db, &args[1], &args[2][..], &args[3][..])?;
    c.out.int(i64::from(set));
    Ok(())
}
