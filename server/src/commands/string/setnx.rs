use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SETNX key value`.
pub const SETNX: Command = Command {
    name: "setnx",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Set the string value of a key only when the key doesn't exist.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let set = c.shard.setnx(c.db, &args[1], &args[2][..])?;
    c.out.int(i64::from(set));
    Ok(())
}
