use coreshard_engine::ArgError;

use super::{scored_header, scored_item, SORTED_SET};
use crate::commands::collection::{too_many_picks, MAX_RANDOM_PICKS};
use crate::commands::prelude::*;

/// `ZRANDMEMBER key [count [WITHSCORES]]`.
///
/// Without a count: one random member, or null. With a count: an array of
/// distinct members (count > 0) or of `|count|` independent picks (count <
/// 0); WITHSCORES pairs are flat in RESP2 and 2-element arrays in RESP3.
pub const ZRANDMEMBER: Command = SORTED_SET
    .command("zrandmember", -2, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("6.2.0", "Get one or multiple random elements from a sorted set");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let ShardCall { shard, db, out } = c;
    let Some(count) = args.get(2) else {
        let picked = shard.zrandmember(*db, &args[1], None, |m, _| out.bulk(m))?;
        if picked == 0 {
            out.null();
        }
        return Ok(());
    };
    let count = parse_int(count)?;
    if count == i64::MIN {
        return Err(ReplyError::arg(ArgError::OutsideLongRange));
    }
    let with_scores = match args.get(3) {
        None => false,
        Some(a) if args.len() == 4 && eq_ic(a, "withscores") => true,
        Some(_) => return Err(ReplyError::syntax()),
    };
    if with_scores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(ReplyError::arg(ArgError::CountTooLarge));
    }
    if count < 0 && count.unsigned_abs() > MAX_RANDOM_PICKS {
        return Err(too_many_picks());
    }
    // The reply's length is known before the picks stream into it: all of
    // `|count|` picks for a negative count, else at most the set's size.
    let len = shard.zcard(*db, &args[1])?;
    let n = match usize::try_from(count) {
        Ok(want) => want.min(len),
        Err(_) if len == 0 => 0,
        Err(_) => usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX),
    };
    scored_header(out, n, with_scores);
    if n > 0 {
        shard.zrandmember(*db, &args[1], Some(count), |m, s| scored_item(out, m, s, with_scores))?;
    }
    Ok(())
}
