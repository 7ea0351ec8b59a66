use super::LIST;
use crate::commands::prelude::*;

/// `LRANGE key start stop`.
pub const LRANGE: Command = LIST
    .command("lrange", 4, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("1.0.0", "Get a range of elements from a list");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let stop = parse_int(&args[3])?;
    let values = c.shard.lrange(c.db, &args[1], start, stop)?;
    super::bulk_array(c.out, &values);
    Ok(())
}
