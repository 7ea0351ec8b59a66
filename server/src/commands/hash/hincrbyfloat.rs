use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HINCRBYFLOAT key field increment`: the new value as a bulk string.
pub const HINCRBYFLOAT: Command = Command {
    name: "hincrbyfloat",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Increment the float value of a hash field by the given amount",
    since: "2.6.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // The engine parses the increment itself: Redis adds in long double
    // precision from the argument's text.
    let v = c.shard.hincrbyfloat(c.db, &args[1], &args[2][..], &args[3])?;
    c.out.bulk(&v);
    Ok(())
}
