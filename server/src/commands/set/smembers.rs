use super::SET;
use crate::commands::prelude::*;

/// `SMEMBERS key`: a set in RESP3, an array in RESP2.
pub const SMEMBERS: Command =
    SET.command("smembers", 2, Run::Shard(run)).flags(Flags::READONLY).doc("1.0.0", "Get all the members in a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let members = c.shard.smembers(c.db, &args[1])?;
    super::reply_set(c.out, &members);
    Ok(())
}
