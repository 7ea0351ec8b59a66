use coreshard_engine::types::{parse_score, ZAddOptions, ZAddReply};

use super::SORTED_SET;
use crate::commands::prelude::*;

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`:
/// the number of added (with CH: added or updated) members; with INCR the
/// new score, or null when a condition stopped it.
pub const ZADD: Command = SORTED_SET
    .command("zadd", -4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("1.2.0", "Add one or more members to a sorted set, or update its score if it already exists");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let mut opts = ZAddOptions::default();
    let mut i = 2;
    while let Some(a) = args.get(i) {
        let flag = if eq_ic(a, "nx") {
            &mut opts.nx
        } else if eq_ic(a, "xx") {
            &mut opts.xx
        } else if eq_ic(a, "ch") {
            &mut opts.ch
        } else if eq_ic(a, "incr") {
            &mut opts.incr
        } else if eq_ic(a, "gt") {
            &mut opts.gt
        } else if eq_ic(a, "lt") {
            &mut opts.lt
        } else {
            break;
        };
        *flag = true;
        i += 1;
    }
    let elements = &args[i..];
    if elements.is_empty() || elements.len() % 2 != 0 {
        return Err(ReplyError::syntax());
    }
    opts.validate(elements.len() / 2)?;
    let scores = elements.chunks_exact(2).map(|p| parse_score(&p[0])).collect::<Result<Vec<f64>, _>>()?;
    // Copies: the sorted set keeps its members, which must not pin the read
    // buffer.
    let pairs: Vec<(f64, Bytes)> =
        scores.into_iter().zip(elements.chunks_exact(2)).map(|(s, p)| (s, Bytes::copy_from_slice(&p[1]))).collect();
    match c.shard.zadd(c.db, &args[1], opts, &pairs)? {
        ZAddReply::Count(n) => c.out.int(n as i64),
        ZAddReply::Score(Some(s)) => c.out.double(s),
        ZAddReply::Score(None) => c.out.null(),
    }
    Ok(())
}
