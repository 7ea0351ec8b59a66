use super::STRING;
use crate::commands::prelude::*;

/// `STRLEN key`.
pub const STRLEN: Command = STRING
    .command("strlen", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.2.0", "Returns the length of a string value.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let len = c.shard.strlen(c.db, &args[1])?;
    c.out.int(len as i64);
    Ok(())
}
