use super::LIST;
use crate::commands::prelude::*;

/// `LTRIM key start stop`.
pub const LTRIM: Command =
    LIST.command("ltrim", 4, Run::Shard(run)).flags(Flags::WRITE).doc("1.0.0", "Trim a list to the specified range");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let stop = parse_int(&args[3])?;
    c.shard.ltrim(c.db, &args[1], start, stop)?;
    c.out.ok();
    Ok(())
}
