use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SMISMEMBER key member [member ...]`: 1 or 0 per member.
pub const SMISMEMBER: Command = Command {
    name: "smismember",
    arity: -3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Returns the membership associated with the given elements for a set",
    since: "6.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.smismember(c.db, &args[1], &args[2..])?;
    c.out.array(found.len());
    for f in found {
        c.out.int(i64::from(f));
    }
    Ok(())
}
