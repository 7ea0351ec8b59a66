//! LPOP and RPOP.

use coreshard_engine::types::ListSide;
use coreshard_engine::ArgError;

use super::LIST;
use crate::commands::prelude::*;

/// `LPOP key [count]`: without a count one element (or nil), with a count an
/// array (nil array for a missing key).
pub const LPOP: Command = LIST
    .command("lpop", -2, Run::Shard(|c, args| pop(c, args, ListSide::Left)))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.0.0", "Remove and get the first elements in a list");

/// `RPOP key [count]`: as LPOP, from the tail.
pub const RPOP: Command = LIST
    .command("rpop", -2, Run::Shard(|c, args| pop(c, args, ListSide::Right)))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.0.0", "Remove and get the last elements in a list");

fn pop(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::arity(if side == ListSide::Left { "lpop" } else { "rpop" }));
    }
    match args.get(2) {
        None => {
            let v = c.shard.list_pop(c.db, &args[1], side)?;
            c.out.bulk_opt(v.as_deref());
        }
        Some(n) => {
            const MUST_BE_POSITIVE: ReplyError = ReplyError::arg(ArgError::NotPositive);
            let count = parse_int(n).map_err(|_| MUST_BE_POSITIVE)?;
            if count < 0 {
                return Err(MUST_BE_POSITIVE);
            }
            match c.shard.list_pop_count(c.db, &args[1], side, count)? {
                None => c.out.null_array(),
                Some(values) => super::bulk_array(c.out, &values),
            }
        }
    }
    Ok(())
}
