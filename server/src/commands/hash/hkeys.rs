use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HKEYS key`.
pub const HKEYS: Command = Command {
    name: "hkeys",
    arity: 2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get all the fields in a hash",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let fields = c.shard.hkeys(c.db, &args[1])?;
    c.out.array(fields.len());
    for f in &fields {
        c.out.bulk(f);
    }
    Ok(())
}
