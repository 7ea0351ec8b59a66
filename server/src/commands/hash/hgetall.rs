use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HGETALL key`: a map in RESP3, a flat field/value array in RESP2.
pub const HGETALL: Command = Command {
    name: "hgetall",
    arity: 2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Get all the fields and values in a hash",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let pairs = c.shard.hgetall(c.db, &args[1])?;
    c.out.map(pairs.len());
    for (f, v) in &pairs {
        c.out.bulk(f);
        c.out.bulk(v);
    }
    Ok(())
}
