use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SADD key member [member ...]`: how many members were new.
pub const SADD: Command = Command {
    name: "sadd",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Add one or more members to a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // Copies: the set keeps its members, which must not pin the read buffer.
    let members: Vec<Bytes> = args[2..].iter().map(|m| Bytes::copy_from_slice(m)).collect();
    let added = c.shard.sadd(c.db, &args[1], &members)?;
    c.out.int(added as i64);
    Ok(())
}
