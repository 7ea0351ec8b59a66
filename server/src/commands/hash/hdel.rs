use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HDEL key field [field ...]`: how many fields were removed.
pub const HDEL: Command = Command {
    name: "hdel",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Delete one or more hash fields",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let n = c.shard.hdel(c.db, &args[1], &args[2..])?;
    c.out.int(n as i64);
    Ok(())
}
