use super::STRING;
use crate::commands::prelude::*;

/// `SETNX key value`.
pub const SETNX: Command = STRING
    .command("setnx", 3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("1.0.0", "Set the string value of a key only when the key doesn't exist.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let set = c.shard.setnx(c.db, &args[1], &args[2][..])?;
    c.out.int(i64::from(set));
    Ok(())
}
