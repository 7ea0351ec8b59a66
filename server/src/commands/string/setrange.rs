use super::STRING;
use crate::commands::prelude::*;

/// `SETRANGE key offset value`.
pub const SETRANGE: Command =
    STRING.command("setrange", 4, Run::Shard(run)).flags(Flags::WRITE.union(Flags::DENYOOM)).doc(
        "2.2.0",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
    );

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let offset = parse_int(&args[2])?;
    let len = c.shard.setrange(c.db, &args[1], offset, &args[3])?;
    c.out.int(len as i64);
    Ok(())
}
