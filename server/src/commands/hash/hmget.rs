use super::HASH;
use crate::commands::prelude::*;

/// `HMGET key field [field ...]`: one value or null per field.
pub const HMGET: Command = HASH
    .command("hmget", -3, Run::Shard(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .doc("2.0.0", "Get the values of all the given hash fields");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let values = c.shard.hmget(c.db, &args[1], &args[2..])?;
    c.out.array(values.len());
    for v in &values {
        c.out.bulk_opt(v.as_deref());
    }
    Ok(())
}
