use coreshard_engine::ArgError;

use super::SET;
use crate::commands::prelude::*;

/// `SPOP key [count]`: removes and returns one random member (or null);
/// with a count, a set (RESP3) of up to `count` members.
pub const SPOP: Command = SET
    .command("spop", -2, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.0.0", "Remove and return one or multiple random members from a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => {
            let m = c.shard.spop(c.db, &args[1])?;
            c.out.bulk_opt(m.as_deref());
        }
        3 => {
            // Redis reports a count that is not an integer like a negative one.
            let count = parse_int(&args[2]).map_err(|_| ReplyError::arg(ArgError::NotPositive))?;
            let members = c.shard.spop_count(c.db, &args[1], count)?;
            super::reply_set(c.out, &members);
        }
        _ => return Err(ReplyError::syntax()),
    }
    Ok(())
}
