use super::STRING;
use crate::commands::prelude::*;

/// `GETDEL key`.
pub const GETDEL: Command = STRING
    .command("getdel", 2, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("6.2.0", "Returns the string value of a key after deleting the key.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let v = c.shard.getdel(c.db, &args[1])?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}
