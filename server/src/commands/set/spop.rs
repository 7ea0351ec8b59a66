use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};

/// `SPOP key [count]`: removes and returns one random member (or null);
/// with a count, a set (RESP3) of up to `count` members.
pub const SPOP: Command = Command {
    name: "spop",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Remove and return one or multiple random members from a set",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => {
            let m = c.shard.spop(c.db, &args[1])?;
            c.out.bulk_opt(m.as_deref());
        }
        3 => {
            // Redis reports a count that is not an integer like a negative one.
            let count =
                parse_int(&args[2]).map_err(|_| ReplyError::text("ERR value is out of range, must be positive"))?;
            let members = c.shard.spop_count(c.db, &args[1], count)?;
            super::reply_set(c.out, &members);
        }
        _ => return Err(ReplyError::syntax()),
    }
    Ok(())
}
