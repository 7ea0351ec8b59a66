use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `STRLEN key`.
pub const STRLEN: Command = Command {
    name: "strlen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns the length of a string value.",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let len = c.shard.strlen(c.db, &args[1])?;
    c.out.int(len as i64);
    Ok(())
}
