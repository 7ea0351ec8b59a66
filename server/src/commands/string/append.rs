use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `APPEND key value`.
pub const APPEND: Command = Command {
    name: "append",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let len = c.shard.append(c.db, &args[1], &args[2])?;
    c.out.int(len as i64);
    Ok(())
}
