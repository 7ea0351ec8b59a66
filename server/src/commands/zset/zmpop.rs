use bytes::Bytes;
use coreshard_engine::types::ScoredMembers;
use coreshard_engine::{Kind, Route, Txn};

use crate::cmd::{
    eq_ic, flags, parse_int, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run, ShardCall, TxnCall,
};
use crate::commands::collection::{first_of_kind, parse_numkeys_positive};
use crate::resp::ReplyBuf;

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`: pops from the first
/// non-empty key: `[key, [[member, score], ...]]`, or null when every key is
/// missing. Atomic when the keys live on different shards.
pub const ZMPOP: Command = Command {
    name: "zmpop",
    arity: -4,
    flags: flags::WRITE,
    keys: KeySpec::NumKeys { at: 1, dest: false },
    run: Run::Keyed { shard, spanning },
    group: "sorted-set",
    summary: "Remove and return members with scores in a sorted set",
    since: "7.0.0",
};

/// ZMPOP's arguments, or BZMPOP's after the timeout.
pub(crate) struct MpopArgs<'a> {
    /// The keys, in the order they are tried.
    pub keys: &'a [Bytes],
    /// Highest scores first (`MAX`) rather than lowest.
    pub max: bool,
    /// Members to pop at most.
    pub count: usize,
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at
/// position `at`, with Redis's errors in Redis's order.
pub(crate) fn parse_at(args: &[Bytes], at: usize) -> Result<MpopArgs<'_>, ReplyError> {
    let numkeys = parse_numkeys_positive(&args[at])?;
    let side = numkeys.checked_add(at + 1).filter(|&i| i < args.len()).ok_or_else(ReplyError::syntax)?;
    let max = if eq_ic(&args[side], "min") {
        false
    } else if eq_ic(&args[side], "max") {
        true
    } else {
        return Err(ReplyError::syntax());
    };
    let mut count = None;
    let mut j = side + 1;
    while j < args.len() {
        if count.is_none() && eq_ic(&args[j], "count") && j + 1 < args.len() {
            count = match parse_int(&args[j + 1]) {
                Ok(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => return Err(ReplyError::text("ERR count should be greater than 0")),
            };
            j += 2;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    Ok(MpopArgs { keys: &args[at + 1..side], max, count: count.unwrap_or(1) })
}

/// `[key, [[member, score], ...]]` (pairs are arrays in RESP2 too), or a
/// null array when nothing was popped: the reply of ZMPOP and BZMPOP.
pub(crate) fn mpop_reply(out: &mut ReplyBuf, popped: Option<(&[u8], &ScoredMembers)>) {
    let Some((key, items)) = popped else {
        out.null_array();
        return;
    };
    out.array(2);
    out.bulk(key);
    out.array(items.len());
    for (m, s) in items {
        out.array(2);
        out.bulk(m);
        out.double(*s);
    }
}

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

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let req = parse_at(args, 1)?;
    let popped = c.shard.zmpop(c.db, req.keys, req.max, req.count)?;
    mpop_reply(c.out, popped.as_ref().map(|(i, items)| (&req.keys[*i][..], items)));
    Ok(())
}

/// Keys on several shards (all held by `txn`).
fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let req = parse_at(args, 1)?;
        let popped = mpop_spanning(txn, route, db, req.keys, req.max, req.count).await?;
        mpop_reply(out, popped.as_ref().map(|(i, items)| (&req.keys[*i][..], items)));
        Ok(())
    })
}
