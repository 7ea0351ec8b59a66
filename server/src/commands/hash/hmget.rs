use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HMGET key field [field ...]`: one value or null per field.
pub const HMGET: Command = Command {
    name: "hmget",
    arity: -3,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get the values of all the given hash fields",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let values = c.shard.hmget(c.db, &args[1], &args[2..])?;
    c.out.array(values.len());
    for v in &values {
        c.out.bulk_opt(v.as_deref());
    }
    Ok(())
}
