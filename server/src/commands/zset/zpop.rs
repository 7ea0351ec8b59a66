use coreshard_engine::ArgError;

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZPOPMIN key [count]`: removes and returns the lowest members.
pub const ZPOPMIN: Command = SORTED_SET
    .command("zpopmin", -2, Run::Shard(|c, args| run(c, args, false)))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("5.0.0", "Remove and return members with the lowest scores in a sorted set");

/// `ZPOPMAX key [count]`: removes and returns the highest members.
pub const ZPOPMAX: Command = SORTED_SET
    .command("zpopmax", -2, Run::Shard(|c, args| run(c, args, true)))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("5.0.0", "Remove and return members with the highest scores in a sorted set");

/// Without a count the reply is a flat `[member, score]`; with one it is
/// flat in RESP2 and an array of pairs in RESP3.
fn run(c: &mut ShardCall<'_>, args: &[Bytes], max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::syntax());
    }
    let count = match args.get(2) {
        None => None,
        // Redis reports a count that is not an integer like a negative one.
        Some(a) => Some(parse_int(a).map_err(|_| ReplyError::arg(ArgError::NotPositive))?),
    };
    let items = if max { c.shard.zpopmax(c.db, &args[1], count)? } else { c.shard.zpopmin(c.db, &args[1], count)? };
    if c.out.resp3() && count.is_some() {
        c.out.array(items.len());
        for (m, s) in &items {
            c.out.array(2);
            c.out.bulk(m);
            c.out.double(*s);
        }
    } else {
        c.out.array(items.len() * 2);
        for (m, s) in &items {
            c.out.bulk(m);
            c.out.double(*s);
        }
    }
    Ok(())
}
