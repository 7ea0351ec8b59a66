use super::HASH;
use crate::commands::prelude::*;

/// `HGETALL key`: a map in RESP3, a flat field/value array in RESP2.
pub const HGETALL: Command = HASH
    .command("hgetall", 2, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("2.0.0", "Get all the fields and values in a hash");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let pairs = c.shard.hgetall(c.db, &args[1])?;
    c.out.map(pairs.len());
    for (f, v) in &pairs {
        c.out.bulk(f);
        c.out.bulk(v);
    }
    Ok(())
}
