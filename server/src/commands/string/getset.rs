use coreshard_engine::types::SetOptions;

use super::STRING;
use crate::commands::prelude::*;

/// `GETSET key value`: SET that returns the old string (clears the TTL).
pub const GETSET: Command = STRING
    .command("getset", 3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("1.0.0", "Returns the previous string value of a key after setting it to a new value.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let opts = SetOptions { get: true, ..SetOptions::default() };
    let r = c.shard.set(c.db, &args[1], &args[2][..], opts)?;
    c.out.bulk_opt(r.old.as_deref());
    Ok(())
}
