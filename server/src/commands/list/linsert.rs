use coreshard_engine::types::InsertWhere;

use super::LIST;
use crate::commands::prelude::*;

/// `LINSERT key BEFORE|AFTER pivot element`.
pub const LINSERT: Command = LIST
    .command("linsert", 5, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .doc("2.2.0", "Insert an element before or after another element in a list");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let place = if eq_ic(&args[2], "before") {
        InsertWhere::Before
    } else if eq_ic(&args[2], "after") {
        InsertWhere::After
    } else {
        return Err(ReplyError::syntax());
    };
    let n = c.shard.linsert(c.db, &args[1], place, &args[3], Bytes::copy_from_slice(&args[4]))?;
    c.out.int(n);
    Ok(())
}
