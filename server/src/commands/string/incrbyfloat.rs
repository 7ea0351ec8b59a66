use super::STRING;
use crate::commands::prelude::*;

/// `INCRBYFLOAT key increment`.
pub const INCRBYFLOAT: Command =
    STRING.command("incrbyfloat", 3, Run::Shard(run)).flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST)).doc(
        "2.6.0",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    );

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // The engine parses the increment as C's `long double`, like Redis.
    let v = c.shard.incrbyfloat(c.db, &args[1], &args[2])?;
    c.out.bulk(&v);
    Ok(())
}
