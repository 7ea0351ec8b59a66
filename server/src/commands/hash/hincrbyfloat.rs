use super::HASH;
use crate::commands::prelude::*;

/// `HINCRBYFLOAT key field increment`: the new value as a bulk string.
pub const HINCRBYFLOAT: Command = HASH
    .command("hincrbyfloat", 4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.6.0", "Increment the float value of a hash field by the given amount");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // The engine parses the increment itself: Redis adds in long double
    // precision from the argument's text.
    let v = c.shard.hincrbyfloat(c.db, &args[1], &args[2][..], &args[3])?;
    c.out.bulk(&v);
    Ok(())
}
