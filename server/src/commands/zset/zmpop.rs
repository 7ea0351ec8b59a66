use bytes::Bytes;
use coreshard_engine::types::ScoredMembers;
use coreshard_engine::{Error, Kind, Txn};

use crate::cmd::{eq_ic, flags, parse_int, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run, ShardCall};
use crate::commands::collection::parse_numkeys_positive;
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

/// A parsed ZMPOP.
struct Request<'a> {
    keys: &'a [Bytes],
    max: bool,
    count: usize,
}

fn parse(args: &[Bytes]) -> Result<Request<'_>, ReplyError> {
    let numkeys = parse_numkeys_positive(&args[1])?;
    let side = numkeys.checked_add(2).filter(|&i| i < args.len()).ok_or_else(ReplyError::syntax)?;
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
    Ok(Request { keys: &args[2..side], max, count: count.unwrap_or(1) })
}

fn reply(out: &mut ReplyBuf, popped: Option<(&[u8], ScoredMembers)>) {
    let Some((key, items)) = popped else {
        out.null_array();
        return;
    };
    out.array(2);
    out.bulk(key);
    out.array(items.len());
    for (m, s) in &items {
        out.array(2);
        out.bulk(m);
        out.double(*s);
    }
}

fn shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let req = parse(args)?;
    let popped = c.shard.zmpop(c.db, req.keys, req.max, req.count)?;
    reply(c.out, popped.map(|(i, items)| (&req.keys[i][..], items)));
    Ok(())
}

/// Keys on several shards (all held by `txn`): the first key that exists is
/// found with one look at every shard, then popped.
fn spanning<'a>(txn: &'a Txn, db: u8, args: &'a [Bytes], out: &'a mut ReplyBuf) -> LocalFuture<'a> {
    Box::pin(async move {
        let req = parse(args)?;
        let kinds = txn.for_keys(db, req.keys, |s, db, k| Ok(s.kind_of(db, k))).await?;
        let Some(i) = kinds.iter().position(Option::is_some) else {
            reply(out, None);
            return Ok(());
        };
        if kinds[i] != Some(Kind::ZSet) {
            return Err(Error::WrongType.into());
        }
        let (max, count) = (req.max, req.count);
        let popped = txn
            .for_keys(db, &req.keys[i..=i], move |s, db, k| {
                Ok(s.zmpop(db, &[Bytes::copy_from_slice(k)], max, count)?.map(|(_, items)| items))
            })
            .await?;
        let items = popped.into_iter().flatten().next();
        reply(out, items.map(|items| (&req.keys[i][..], items)));
        Ok(())
    })
}
