use super::STRING;
use crate::commands::prelude::*;

/// `APPEND key value`.
pub const APPEND: Command = STRING
    .command("append", 3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let len = c.shard.append(c.db, &args[1], &args[2])?;
    c.out.int(len as i64);
    Ok(())
}
