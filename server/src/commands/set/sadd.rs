use super::SET;
use crate::commands::prelude::*;

/// `SADD key member [member ...]`: how many members were new.
pub const SADD: Command = SET
    .command("sadd", -3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("1.0.0", "Add one or more members to a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // Copies: the set keeps its members, which must not pin the read buffer.
    let members: Vec<Bytes> = args[2..].iter().map(|m| Bytes::copy_from_slice(m)).collect();
    let added = c.shard.sadd(c.db, &args[1], &members)?;
    c.out.int(added as i64);
    Ok(())
}
