use super::STRING;
use crate::commands::prelude::*;

/// `GET key`.
pub const GET: Command = STRING
    .command("get", 2, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("1.0.0", "Returns the string value of a key.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let out = &mut *c.out;
    // Encoded straight from the keyspace, no copy.
    if c.shard.get_with(c.db, &args[1], |v| out.bulk(v))?.is_none() {
        out.null();
    }
    Ok(())
}
