use super::HASH;
use crate::commands::prelude::*;

/// `HKEYS key`.
pub const HKEYS: Command =
    HASH.command("hkeys", 2, Run::Shard(run)).flags(Flags::READONLY).doc("2.0.0", "Get all the fields in a hash");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let fields = c.shard.hkeys(c.db, &args[1])?;
    c.out.array(fields.len());
    for f in &fields {
        c.out.bulk(f);
    }
    Ok(())
}
