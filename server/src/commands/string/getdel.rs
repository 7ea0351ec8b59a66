use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `GETDEL key`.
pub const GETDEL: Command = Command {
    name: "getdel",
    arity: 2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns the string value of a key after deleting the key.",
    since: "6.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let v = c.shard.getdel(c.db, &args[1])?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}
