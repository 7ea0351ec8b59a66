use coreshard_engine::ArgError;

use super::HASH;
use crate::commands::collection::{too_many_picks, MAX_RANDOM_PICKS};
use crate::commands::prelude::*;

/// `HRANDFIELD key [count [WITHVALUES]]`.
///
/// Without a count: one random field, or null. With a count: an array;
/// WITHVALUES pairs are flat in RESP2 and 2-element arrays in RESP3.
pub const HRANDFIELD: Command = HASH
    .command("hrandfield", -2, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("6.2.0", "Get one or multiple random fields from a hash");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let Some(count) = args.get(2) else {
        let f = c.shard.hrandfield(c.db, &args[1])?;
        c.out.bulk_opt(f.as_deref());
        return Ok(());
    };
    let count = parse_int(count)?;
    if count == i64::MIN {
        return Err(ReplyError::arg(ArgError::OutsideLongRange));
    }
    let with_values = match args.get(3) {
        None => false,
        Some(a) if args.len() == 4 && eq_ic(a, "withvalues") => true,
        Some(_) => return Err(ReplyError::syntax()),
    };
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(ReplyError::arg(ArgError::CountTooLarge));
    }
    if count < 0 && count.unsigned_abs() > MAX_RANDOM_PICKS {
        return Err(too_many_picks());
    }
    if with_values {
        let pairs = c.shard.hrandfield_withvalues(c.db, &args[1], count)?;
        if c.out.resp3() {
            c.out.array(pairs.len());
            for (f, v) in &pairs {
                c.out.array(2);
                c.out.bulk(f);
                c.out.bulk(v);
            }
        } else {
            c.out.array(pairs.len() * 2);
            for (f, v) in &pairs {
                c.out.bulk(f);
                c.out.bulk(v);
            }
        }
    } else {
        let fields = c.shard.hrandfield_count(c.db, &args[1], count)?;
        c.out.array(fields.len());
        for f in &fields {
            c.out.bulk(f);
        }
    }
    Ok(())
}
