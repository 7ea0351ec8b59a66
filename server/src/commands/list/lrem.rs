use super::LIST;
use crate::commands::prelude::*;

/// `LREM key count element`.
pub const LREM: Command =
    LIST.command("lrem", 4, Run::Shard(run)).flags(Flags::WRITE).doc("1.0.0", "Remove elements from a list");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let count = parse_int(&args[2])?;
    let n = c.shard.lrem(c.db, &args[1], count, &args[3])?;
    c.out.int(n as i64);
    Ok(())
}
