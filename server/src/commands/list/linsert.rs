use bytes::Bytes;
use coreshard_engine::types::InsertWhere;

use crate::cmd::{eq_ic, flags, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};

/// `LINSERT key BEFORE|AFTER pivot element`.
pub const LINSERT: Command = Command {
    name: "linsert",
    arity: 5,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Insert an element before or after another element in a list",
    since: "2.2.0",
};

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
