//! Sorted-set commands: ZADD, ZRANGE in all its forms, ZPOPMIN/ZPOPMAX,
//! ZMPOP, ZRANDMEMBER, ZSCAN, ZUNION/ZINTER/ZDIFF and their STORE forms,
//! ZINTERCARD, ...
//!
//! The blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP) are `Blocking` commands
//! whose shard and spanning forms are their non-blocking behaviour (what
//! Redis does inside MULTI: an empty result at once); the connection runs
//! their blocking form everywhere else, see `crate::blocking`.
//!
//! Scores are RESP3 doubles (bulk strings in RESP2). Replies of members
//! with scores are flat `member, score, ...` arrays in RESP2 and arrays of
//! `[member, score]` pairs in RESP3, as Redis 7 sends them.

use bytes::Bytes;
use coreshard_engine::types::ScoredMembers;
use coreshard_engine::{Kind, Route, Txn};

use crate::cmd::{Command, Family, KeySpec, ReplyError};
use crate::commands::collection::first_of_kind;
use crate::resp::ReplyBuf;

mod bzpopmin;
mod zadd;
mod zcard;
mod zcount;
mod zincrby;
mod zlexcount;
mod zmpop;
mod zmscore;
mod zpop;
mod zrandmember;
mod zrange;
mod zrank;
mod zrem;
mod zremrangebylex;
mod zremrangebyrank;
mod zremrangebyscore;
mod zscan;
mod zscore;
mod zunion;

/// The family's defaults.
const SORTED_SET: Family = Family::new("sorted-set").keys(KeySpec::FIRST);

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &zadd::ZADD,
    &zincrby::ZINCRBY,
    &zrem::ZREM,
    &zcard::ZCARD,
    &zscore::ZSCORE,
    &zmscore::ZMSCORE,
    &zrank::ZRANK,
    &zrank::ZREVRANK,
    &zcount::ZCOUNT,
    &zlexcount::ZLEXCOUNT,
    &zrange::ZRANGE,
    &zrange::ZREVRANGE,
    &zrange::ZRANGEBYSCORE,
    &zrange::ZREVRANGEBYSCORE,
    &zrange::ZRANGEBYLEX,
    &zrange::ZREVRANGEBYLEX,
    &zrange::ZRANGESTORE,
    &zremrangebyrank::ZREMRANGEBYRANK,
    &zremrangebyscore::ZREMRANGEBYSCORE,
    &zremrangebylex::ZREMRANGEBYLEX,
    &zpop::ZPOPMIN,
    &zpop::ZPOPMAX,
    &zmpop::ZMPOP,
    &bzpopmin::BZPOPMIN,
    &bzpopmin::BZPOPMAX,
    &zmpop::BZMPOP,
    &zrandmember::ZRANDMEMBER,
    &zscan::ZSCAN,
    &zunion::ZUNION,
    &zunion::ZINTER,
    &zunion::ZDIFF,
    &zunion::ZUNIONSTORE,
    &zunion::ZINTERSTORE,
    &zunion::ZDIFFSTORE,
    &zunion::ZINTERCARD,
];

pub(crate) use zmpop::mpop_reply;

/// The engine's `zmpop` over keys on several shards (route `route`), all
/// held by `txn`: the first key that exists is found with one look at every
/// shard (WRONGTYPE when it is not a sorted set), then popped. Returns its
/// index in `keys`.
pub(crate) async fn mpop_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    keys: &[Bytes],
    max: bool,
    count: usize,
) -> Result<Option<(usize, ScoredMembers)>, ReplyError> {
    let Some((i, shard)) = first_of_kind(txn, route, db, keys, Kind::ZSet).await? else { return Ok(None) };
    let key = Bytes::copy_from_slice(&keys[i]);
    let popped = txn.run(shard, move |s| s.zmpop(db, &[key], max, count)).await??;
    Ok(popped.map(|(_, items)| (i, items)))
}

/// `[key, member, score]` of the first popped member, or a null array: the
/// reply of BZPOPMIN and BZPOPMAX.
pub(crate) fn key_member_score(out: &mut ReplyBuf, popped: Option<(&[u8], &ScoredMembers)>) {
    match popped.and_then(|(key, members)| Some((key, members.first()?))) {
        Some((key, (member, score))) => {
            out.array(3);
            out.bulk(key);
            out.bulk(member);
            out.double(*score);
        }
        None => out.null_array(),
    }
}

/// Writes the header of a reply of `n` members, with scores or not.
fn scored_header(out: &mut ReplyBuf, n: usize, with_scores: bool) {
    if with_scores && !out.resp3() {
        out.array(2 * n);
    } else {
        out.array(n);
    }
}

/// Writes one member (and its score) of a reply begun with
/// [`scored_header`].
#[inline]
fn scored_item(out: &mut ReplyBuf, member: &[u8], score: f64, with_scores: bool) {
    if with_scores {
        if out.resp3() {
            out.array(2);
        }
        out.bulk(member);
        out.double(score);
    } else {
        out.bulk(member);
    }
}

/// Writes members with their scores, in order.
fn reply_scored<'a>(out: &mut ReplyBuf, items: impl ExactSizeIterator<Item = (&'a Bytes, f64)>, with_scores: bool) {
    scored_header(out, items.len(), with_scores);
    for (m, s) in items {
        scored_item(out, m, s, with_scores);
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::collection::run_lines;

    /// Replies recorded from Redis 7.0 over RESP3.
    #[test]
    fn resp3_shapes() {
        let got = run_lines(
            true,
            &[
                "zadd z 1 a 2.5 b",
                "zrange z 0 -1 withscores",
                "zrange z 0 -1",
                "zrangebyscore z -inf +inf withscores",
                "zrevrange z 0 -1 withscores",
                "zscore z b",
                "zscore z nope",
                "zmscore z a nope",
                "zadd z incr 1 a",
                "zadd z nx incr 1 a",
                "zincrby z 0.5 b",
                "zrank z b",
                "zrank z nope",
                "zscan z 0 count 100",
                "zunion 1 z withscores",
                "zinter 1 z",
                "zdiff 1 z withscores",
                "zrandmember z 5 withscores",
                "zrandmember nokey",
                "zmpop 1 nokey min",
                "zpopmin z",
                "zpopmax z 3",
                "zpopmin z",
                "zadd y 1 a 2 b",
                "zmpop 1 y max count 5",
            ],
        );
        let want = [
            ":2\r\n",
            "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n",
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n",
            "*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,1\r\n",
            ",2.5\r\n",
            "_\r\n",
            "*2\r\n,1\r\n_\r\n",
            ",2\r\n",
            "_\r\n",
            ",3\r\n",
            ":1\r\n",
            "_\r\n",
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n",
            "*2\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,3\r\n",
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            "*2\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,3\r\n",
            "*2\r\n*2\r\n$1\r\nb\r\n,3\r\n*2\r\n$1\r\na\r\n,2\r\n",
            "_\r\n",
            "_\r\n",
            "*2\r\n$1\r\na\r\n,2\r\n",
            "*1\r\n*2\r\n$1\r\nb\r\n,3\r\n",
            "*0\r\n",
            ":2\r\n",
            "*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn resp2_scores_are_bulk_strings_and_pairs_flat() {
        let got = run_lines(
            false,
            &["zadd z 1 a 2.5 b", "zrange z 0 -1 withscores", "zpopmin z 1", "zmpop 1 z min", "zmpop 1 z min"],
        );
        let want = [
            ":2\r\n",
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n",
            "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n",
            "*-1\r\n",
        ];
        assert_eq!(got, want);
    }

    /// The non-blocking forms (what MULTI runs), recorded from Redis 7.0.
    #[test]
    fn blocking_pops_without_blocking() {
        let got = run_lines(
            false,
            &[
                "zadd z 1 a 2.5 b 3 c 4 d",
                "bzpopmin z 0",
                "bzpopmax nokey z 0",
                "bzmpop 0 1 z min count 1",
                "bzpopmin nokey 0",
                "bzmpop 0 1 nokey max",
                "set s x",
                "bzpopmin nokey s z 0",
                "bzmpop 0 2 s z min",
                "bzmpop x 0 z min",
                "bzmpop x 1 z middle",
                "bzmpop x 1 z min count 0",
                "bzmpop x 1 z min",
                "bzmpop -1 1 z min",
                "bzpopmin z x",
                "bzpopmin s -1",
            ],
        );
        let want = [
            ":4\r\n",
            "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n",
            "*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n",
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n",
            "*-1\r\n",
            "*-1\r\n",
            "+OK\r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-ERR numkeys should be greater than 0\r\n",
            "-ERR syntax error\r\n",
            "-ERR count should be greater than 0\r\n",
            "-ERR timeout is not a float or out of range\r\n",
            "-ERR timeout is negative\r\n",
            "-ERR timeout is not a float or out of range\r\n",
            "-ERR timeout is negative\r\n",
        ];
        assert_eq!(got, want);
        let got = run_lines(
            true,
            &["zadd z 1 a 2.5 b 3 c", "bzpopmin z 0", "bzmpop 0 1 z min count 3", "bzpopmin z 0", "bzmpop 0 1 z min"],
        );
        let want = [
            ":3\r\n",
            "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n",
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n",
            "_\r\n",
            "_\r\n",
        ];
        assert_eq!(got, want);
    }
}
