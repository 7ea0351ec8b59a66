use bytes::Bytes;
use coreshard_engine::types::SetOptions;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `GETSET key value`: SET that returns the old string (clears the TTL).
pub const GETSET: Command = Command {
    name: "getset",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "string",
    summary: "Returns the previous string value of a key after setting it to a new value.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let opts = SetOptions { get: true, ..SetOptions::default() };
    let r = c.shard.set(c.db, &args[1], &args[2][..], opts)?;
    c.out.bulk_opt(r.old.as_deref());
    Ok(())
}
