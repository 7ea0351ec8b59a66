use bytes::Bytes;
use coreshard_engine::types::LexBound;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `ZREMRANGEBYLEX key min max`: how many members were removed.
pub const ZREMRANGEBYLEX: Command = Command {
    name: "zremrangebylex",
    arity: 4,
    flags: flags::WRITE,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Remove all members in a sorted set between the given lexicographical range",
    since: "2.8.9",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (min, max) = (LexBound::parse(&args[2])?, LexBound::parse(&args[3])?);
    let n = c.shard.zremrangebylex(c.db, &args[1], &min, &max)?;
    c.out.int(n as i64);
    Ok(())
}
