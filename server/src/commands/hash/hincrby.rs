use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `HINCRBY key field increment`.
pub const HINCRBY: Command = Command {
    name: "hincrby",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "hash",
    summary: "Increment the integer value of a hash field by the given number",
    since: "2.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let incr = parse_int(&args[3])?;
    let n = c.shard.hincrby(c.db, &args[1], &args[2][..], incr)?;
    c.out.int(n);
    Ok(())
}
