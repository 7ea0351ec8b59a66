use coreshard_engine::ArgError;

use super::SET;
use crate::commands::collection::parse_numkeys_positive;
use crate::commands::prelude::*;

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`: the intersection's
/// size, counting no further than `limit` (0 = no limit).
pub const SINTERCARD: Command = SET
    .command("sintercard", -3, Run::Keyed { shard, spanning })
    .flags(Flags::READONLY)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("7.0.0", "Intersect multiple sets and return the cardinality of the result");

/// The keys and the limit, checked in Redis's order (all before any key is
/// looked at).
fn parse(args: &[Bytes]) -> Result<(&[Bytes], i64), ReplyError> {
    let numkeys = parse_numkeys_positive(&args[1])?;
    if numkeys > args.len() - 2 {
        return Err(ReplyError::text("ERR Number of keys can't be greater than number of args"));
    }
    let mut limit = 0;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if eq_ic(&args[i], "limit") && i + 1 < args.len() {
            limit = match parse_int(&args[i + 1]) {
                Ok(n) if n >= 0 => n,
                _ => return Err(ReplyError::arg(ArgError::LimitNegative)),
            };
            i += 2;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    Ok((&args[2..2 + numkeys], limit))
}

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (keys, limit) = parse(args)?;
    let n = c.shard.sintercard(c.db, keys, limit)?;
    c.out.int(n as i64);
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let (keys, limit) = parse(args)?;
        let n = txn.sintercard(db, Some(route), keys, limit).await?;
        out.int(n as i64);
        Ok(())
    })
}
