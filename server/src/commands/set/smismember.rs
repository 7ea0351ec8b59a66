use super::SET;
use crate::commands::prelude::*;

/// `SMISMEMBER key member [member ...]`: 1 or 0 per member.
pub const SMISMEMBER: Command = SET
    .command("smismember", -3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("6.2.0", "Returns the membership associated with the given elements for a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.smismember(c.db, &args[1], &args[2..])?;
    c.out.array(found.len());
    for f in found {
        c.out.int(i64::from(f));
    }
    Ok(())
}
