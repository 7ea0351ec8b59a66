//! ZRANGE and its older forms, which Redis implements as one command with
//! fixed options: ZREVRANGE, `Z[REV]RANGEBYSCORE`, `Z[REV]RANGEBYLEX`; and
//! ZRANGESTORE, which stores what ZRANGE would reply.

use coreshard_engine::types::{LexBound, ScoreBound, ZRange, ZRangeBy, ZSet};
use coreshard_engine::Error;

use super::{reply_scored, SORTED_SET};
use crate::commands::prelude::*;

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`.
pub const ZRANGE: Command = SORTED_SET
    .command("zrange", -4, Run::Shard(|c, args| run(c, args, By::Auto, None)))
    .flags(Flags::READONLY)
    .doc("1.2.0", "Return a range of members in a sorted set");

/// `ZREVRANGE key start stop [WITHSCORES]`.
pub const ZREVRANGE: Command = SORTED_SET
    .command("zrevrange", -4, Run::Shard(|c, args| run(c, args, By::Rank, Some(true))))
    .flags(Flags::READONLY)
    .doc("1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low");

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
pub const ZRANGEBYSCORE: Command = SORTED_SET
    .command("zrangebyscore", -4, Run::Shard(|c, args| run(c, args, By::Score, Some(false))))
    .flags(Flags::READONLY)
    .doc("1.0.5", "Return a range of members in a sorted set, by score");

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
pub const ZREVRANGEBYSCORE: Command = SORTED_SET
    .command("zrevrangebyscore", -4, Run::Shard(|c, args| run(c, args, By::Score, Some(true))))
    .flags(Flags::READONLY)
    .doc("2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low");

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
pub const ZRANGEBYLEX: Command = SORTED_SET
    .command("zrangebylex", -4, Run::Shard(|c, args| run(c, args, By::Lex, Some(false))))
    .flags(Flags::READONLY)
    .doc("2.8.9", "Return a range of members in a sorted set, by lexicographical range");

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
pub const ZREVRANGEBYLEX: Command = SORTED_SET
    .command("zrevrangebylex", -4, Run::Shard(|c, args| run(c, args, By::Lex, Some(true))))
    .flags(Flags::READONLY)
    .doc(
        "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
    );

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`:
/// stores the selected range at `dst` (deleting it when the range is empty)
/// and replies with its size. Atomic when the keys live on different shards.
pub const ZRANGESTORE: Command = SORTED_SET
    .command("zrangestore", -5, Run::Keyed { shard: zrangestore, spanning: zrangestore_spanning })
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::TWO)
    .doc("6.2.0", "Store a range of members from sorted set into another key");

/// How a range is selected, when the command fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// Chosen by the BYSCORE/BYLEX options (rank by default).
    Auto,
    Rank,
    Score,
    Lex,
}

/// A parsed range request.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    range: ZRange,
    with_scores: bool,
}

/// Parses `<key> <min> <max> [options]` starting at `args[key]`, exactly as
/// Redis's `zrangeGenericCommand`: options first (LIMIT's numbers as they
/// come), then conflicts, then the bounds. `by` and `rev` are fixed by the
/// older commands (which then refuse BYSCORE/BYLEX/REV as syntax errors);
/// `store` (ZRANGESTORE) refuses WITHSCORES.
fn parse(args: &[Bytes], key: usize, store: bool, mut by: By, rev: Option<bool>) -> Result<Request, ReplyError> {
    let fixed_rev = rev.is_some();
    let mut rev = rev.unwrap_or(false);
    let mut with_scores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = key + 3;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if !store && eq_ic(a, "withscores") {
            with_scores = true;
        } else if eq_ic(a, "limit") && left >= 2 {
            offset = parse_int(&args[j + 1])?;
            limit = parse_int(&args[j + 2])?;
            j += 2;
        } else if !fixed_rev && eq_ic(a, "rev") {
            rev = true;
        } else if by == By::Auto && eq_ic(a, "bylex") {
            by = By::Lex;
        } else if by == By::Auto && eq_ic(a, "byscore") {
            by = By::Score;
        } else {
            return Err(ReplyError::syntax());
        }
        j += 1;
    }
    if by == By::Auto {
        by = By::Rank;
    }
    if limit != -1 && by == By::Rank {
        return Err(ReplyError::text(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && by == By::Lex {
        return Err(ReplyError::text("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    let (first, second) = (&args[key + 1], &args[key + 2]);
    let by = match by {
        By::Score => ZRangeBy::Score { start: ScoreBound::parse(first)?, stop: ScoreBound::parse(second)? },
        By::Lex => ZRangeBy::Lex { start: LexBound::parse(first)?, stop: LexBound::parse(second)? },
        _ => ZRangeBy::Rank { start: parse_int(first)?, stop: parse_int(second)? },
    };
    let limit = match by {
        ZRangeBy::Rank { .. } => None,
        _ => Some((offset, limit)),
    };
    Ok(Request { range: ZRange { by, rev, limit }, with_scores })
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes], by: By, rev: Option<bool>) -> CmdResult {
    let req = parse(args, 1, false, by, rev)?;
    let items = c.shard.zrange(c.db, &args[1], &req.range)?;
    reply_scored(c.out, items.iter().map(|(m, s)| (m, *s)), req.with_scores);
    Ok(())
}

fn zrangestore(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let req = parse(args, 2, true, By::Auto, None)?;
    let n = c.shard.zrangestore(c.db, &args[1], &args[2], &req.range)?;
    c.out.int(n as i64);
    Ok(())
}

/// `src` and `dst` on different shards (both held by `txn`): the range is
/// read on one and stored on the other.
fn zrangestore_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let range = parse(args, 2, true, By::Auto, None)?.range;
        // The route is that of `[dst, src]`.
        let (Some(s_dst), Some(s_src)) = (route.owner(0), route.owner(1)) else { return Err(Error::NotLocked.into()) };
        let (dst, src) = (Bytes::copy_from_slice(&args[1]), Bytes::copy_from_slice(&args[2]));
        let read = txn.run(s_src, move |s| s.zrange(db, &src, &range)).await??;
        let mut z = ZSet::new();
        for (m, score) in read {
            z.insert(m, score);
        }
        // Handed to the destination's shard without a copy.
        let stored = txn.run(s_dst, move |s| s.zstore(db, &dst, z)).await??;
        out.int(stored as i64);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Bytes> {
        line.split(' ').map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn err(line: &str, by: By, rev: Option<bool>) -> String {
        parse(&args(line), 1, false, by, rev).unwrap_err().0.into_owned()
    }

    #[test]
    fn options_and_conflicts() {
        let r = parse(&args("zrange k 5 1 BYSCORE REV LIMIT 1 2 WITHSCORES"), 1, false, By::Auto, None).unwrap();
        assert!(r.with_scores && r.range.rev);
        assert_eq!(r.range.limit, Some((1, 2)));
        assert!(matches!(r.range.by, ZRangeBy::Score { start, .. } if start.value == 5.0));
        // LIMIT with count -1 is accepted (and ignored) for a rank range.
        let r = parse(&args("zrange k 0 -1 LIMIT 3 -1"), 1, false, By::Auto, None).unwrap();
        assert_eq!(r.range, ZRange::rank(0, -1));
        assert_eq!(
            err("zrange k 0 -1 LIMIT 0 1", By::Auto, None),
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
        );
        assert_eq!(
            err("zrange k - + BYLEX WITHSCORES", By::Auto, None),
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        );
        assert_eq!(err("zrange k 0 -1 BYSCORE BYLEX", By::Auto, None), "ERR syntax error");
        assert_eq!(err("zrevrange k 0 -1 REV", By::Rank, Some(true)), "ERR syntax error");
        assert_eq!(err("zrangebyscore k 0 1 BYSCORE", By::Score, Some(false)), "ERR syntax error");
        // Options are parsed before the bounds.
        assert_eq!(err("zrange k a b BOGUS", By::Auto, None), "ERR syntax error");
        assert_eq!(err("zrange k a b", By::Auto, None), "ERR value is not an integer or out of range");
        assert_eq!(err("zrange k a b BYSCORE", By::Auto, None), "ERR min or max is not a float");
        assert_eq!(err("zrange k a b BYLEX", By::Auto, None), "ERR min or max not valid string range item");
        assert_eq!(
            err("zrangebyscore k 1 2 LIMIT x 1 BOGUS", By::Score, Some(false)),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(err("zrangebyscore k 1 2 LIMIT 0", By::Score, Some(false)), "ERR syntax error");
        assert!(parse(&args("zrangestore d k 0 -1 WITHSCORES"), 2, true, By::Auto, None).is_err());
    }
}
