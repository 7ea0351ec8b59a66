use super::STRING;
use crate::commands::prelude::*;

/// `GETRANGE key start end`.
pub const GETRANGE: Command = STRING
    .command("getrange", 4, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("2.4.0", "Returns a substring of the string stored at a key.");

/// `SUBSTR key start end`: the old name of GETRANGE.
pub const SUBSTR: Command = STRING
    .command("substr", 4, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("1.0.0", "Returns a substring from a string value.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let v = c.shard.getrange(c.db, &args[1], start, end)?;
    c.out.bulk(&v);
    Ok(())
}
