use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `INCRBYFLOAT key increment`.
pub const INCRBYFLOAT: Command = Command {
    name: "incrbyfloat",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary:
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    since: "2.6.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // The engine parses the increment as C's `long double`, like Redis.
    let v = c.shard.incrbyfloat(c.db, &args[1], &args[2])?;
    c.out.bulk(&v);
    Ok(())
}
