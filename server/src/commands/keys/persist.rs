use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `PERSIST key`.
pub const PERSIST: Command = Command {
    name: "persist",
    arity: 2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "generic",
    summary: "Removes the expiration time of a key.",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let removed = c.shard.persist(c.db, &args[1]);
    c.out.int(i64::from(removed));
    Ok(())
}
