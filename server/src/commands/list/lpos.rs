use coreshard_engine::types::LposOptions;
use coreshard_engine::ArgError;

use super::LIST;
use crate::commands::prelude::*;

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`.
pub const LPOS: Command = LIST
    .command("lpos", -3, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("6.0.6", "Return the index of matching elements on a list");

const RANK_ZERO: ReplyError = ReplyError::arg(ArgError::RankZero);
const COUNT_NEGATIVE: ReplyError = ReplyError::arg(ArgError::CountNegative);
const MAXLEN_NEGATIVE: ReplyError = ReplyError::arg(ArgError::MaxlenNegative);

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    // Options are validated one by one in argument order, before the key is
    // looked at, as Redis does.
    let mut opts = LposOptions::default();
    let mut count = None;
    let mut i = 3;
    while i < args.len() {
        let Some(value) = args.get(i + 1) else { return Err(ReplyError::syntax()) };
        let opt = &args[i];
        if eq_ic(opt, "rank") {
            let rank = parse_int(value)?;
            if rank == 0 {
                return Err(RANK_ZERO);
            }
            // Redis 7.0 negates LONG_MIN into itself, which then acts as -1
            // (the first match from the tail).
            opts.rank = Some(if rank == i64::MIN { -1 } else { rank });
        } else if eq_ic(opt, "count") {
            let n = parse_int(value).map_err(|_| COUNT_NEGATIVE)?;
            if n < 0 {
                return Err(COUNT_NEGATIVE);
            }
            count = Some(n);
        } else if eq_ic(opt, "maxlen") {
            let n = parse_int(value).map_err(|_| MAXLEN_NEGATIVE)?;
            if n < 0 {
                return Err(MAXLEN_NEGATIVE);
            }
            opts.maxlen = Some(n);
        } else {
            return Err(ReplyError::syntax());
        }
        i += 2;
    }
    match count {
        None => match c.shard.lpos(c.db, &args[1], &args[2], opts)? {
            Some(i) => c.out.int(i as i64),
            None => c.out.null(),
        },
        Some(n) => {
            let found = c.shard.lpos_count(c.db, &args[1], &args[2], n, opts)?;
            c.out.array(found.len());
            for i in found {
                c.out.int(i as i64);
            }
        }
    }
    Ok(())
}
