use super::HASH;
use crate::commands::prelude::*;

/// `HVALS key`.
pub const HVALS: Command =
    HASH.command("hvals", 2, Run::Shard(run)).flags(Flags::READONLY).doc("2.0.0", "Get all the values in a hash");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let values = c.shard.hvals(c.db, &args[1])?;
    c.out.array(values.len());
    for v in &values {
        c.out.bulk(v);
    }
    Ok(())
}
