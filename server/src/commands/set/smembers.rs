use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SMEMBERS key`: a set in RESP3, an array in RESP2.
pub const SMEMBERS: Command = Command {
    name: "smembers",
    arity: 2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Get all the members in a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let members = c.shard.smembers(c.db, &args[1])?;
    super::reply_set(c.out, &members);
    Ok(())
}
