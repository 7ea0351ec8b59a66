use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HVALS key`.
pub const HVALS: Command = Command {
    name: "hvals",
    arity: 2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get all the values in a hash",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let values = c.shard.hvals(c.db, &args[1])?;
    c.out.array(values.len());
    for v in &values {
        c.out.bulk(v);
    }
    Ok(())
}
