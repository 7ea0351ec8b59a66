use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HSETNX key field value`: sets the field only if it does not exist.
pub const HSETNX: Command = Command {
    name: "hsetnx",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Set the value of a hash field, only if the field does not exist",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // Slices, not the arguments: storing them would pin the read buffer.
    let set = c.shard.hsetnx(c.db, &args[1], &args[2][..], &args[3][..])?;
    c.out.int(i64::from(set));
    Ok(())
}
