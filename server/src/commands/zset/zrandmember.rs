use bytes::Bytes;

use super::{scored_header, scored_item};
use crate::cmd::{eq_ic, flags, parse_int, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};
use crate::commands::collection::{too_many_picks, MAX_RANDOM_PICKS};

/// `ZRANDMEMBER key [count [WITHSCORES]]`.
///
/// Without a count: one random member, or null. With a count: an array of
/// distinct members (count > 0) or of `|count|` independent picks (count <
/// 0); WITHSCORES pairs are flat in RESP2 and 2-element arrays in RESP3.
pub const ZRANDMEMBER: Command = Command {
    name: "zrandmember",
    arity: -2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "sorted-set",
    summary: "Get one or multiple random elements from a sorted set",
    since: "6.2.0",
};

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
        return Err(ReplyError::text(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let with_scores = match args.get(3) {
        None => false,
        Some(a) if args.len() == 4 && eq_ic(a, "withscores") => true,
        Some(_) => return Err(ReplyError::syntax()),
    };
    if with_scores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(ReplyError::text("ERR value is out of range"));
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
