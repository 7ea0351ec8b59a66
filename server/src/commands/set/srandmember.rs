use super::SET;
use crate::commands::collection::{too_many_picks, MAX_RANDOM_PICKS};
use crate::commands::prelude::*;

/// `SRANDMEMBER key [count]`: one random member (or null); with a count,
/// an array of distinct members (count > 0) or of `|count|` independent
/// picks (count < 0).
pub const SRANDMEMBER: Command = SET
    .command("srandmember", -2, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("1.0.0", "Get one or multiple random members from a set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    match args.len() {
        2 => {
            let m = c.shard.srandmember(c.db, &args[1])?;
            c.out.bulk_opt(m.as_deref());
        }
        3 => {
            let count = parse_int(&args[2])?;
            if count < 0 && count != i64::MIN && count.unsigned_abs() > MAX_RANDOM_PICKS {
                return Err(too_many_picks());
            }
            let members = c.shard.srandmember_count(c.db, &args[1], count)?;
            c.out.array(members.len());
            for m in &members {
                c.out.bulk(m);
            }
        }
        _ => return Err(ReplyError::syntax()),
    }
    Ok(())
}
