use super::HASH;
use crate::commands::prelude::*;

/// `HINCRBY key field increment`.
pub const HINCRBY: Command = HASH
    .command("hincrby", 4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.0.0", "Increment the integer value of a hash field by the given number");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let incr = parse_int(&args[3])?;
    let n = c.shard.hincrby(c.db, &args[1], &args[2][..], incr)?;
    c.out.int(n);
    Ok(())
}
