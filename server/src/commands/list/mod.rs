//! List commands, and the parsing and pop/move steps their variants share.
//!
//! The blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are `Keyed`
//! commands whose shard and spanning forms are their non-blocking behaviour
//! (what Redis does inside MULTI: an empty result at once); the connection
//! runs their blocking form ([`blocking_form`]) everywhere else, see
//! `crate::blocking`.

use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Error, Kind, Router, Shard, Txn};
use futures_util::future::join_all;

use crate::cmd::{eq_ic, parse_int, AsyncFn, CmdResult, Command, ReplyError, ShardCall};
use crate::resp::ReplyBuf;

mod blmove;
mod blmpop;
mod blpop;
mod brpop;
mod brpoplpush;
mod lindex;
mod linsert;
mod llen;
mod lmove;
mod lmpop;
mod lpop;
mod lpos;
mod lpush;
mod lpushx;
mod lrange;
mod lrem;
mod lset;
mod ltrim;
mod rpop;
mod rpoplpush;
mod rpush;
mod rpushx;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &lpush::LPUSH,
    &rpush::RPUSH,
    &lpushx::LPUSHX,
    &rpushx::RPUSHX,
    &lpop::LPOP,
    &rpop::RPOP,
    &llen::LLEN,
    &lindex::LINDEX,
    &linsert::LINSERT,
    &lset::LSET,
    &lrange::LRANGE,
    &ltrim::LTRIM,
    &lrem::LREM,
    &lpos::LPOS,
    &lmpop::LMPOP,
    &lmove::LMOVE,
    &rpoplpush::RPOPLPUSH,
    &blpop::BLPOP,
    &brpop::BRPOP,
    &blmove::BLMOVE,
    &brpoplpush::BRPOPLPUSH,
    &blmpop::BLMPOP,
];

/// The blocking form of the family's blocking commands, by name.
pub fn blocking_form(name: &str) -> Option<AsyncFn> {
    Some(match name {
        "blpop" => blpop::block,
        "brpop" => brpop::block,
        "blmove" => blmove::block,
        "brpoplpush" => brpoplpush::block,
        "blmpop" => blmpop::block,
        _ => return None,
    })
}

/// `LEFT` or `RIGHT`, else a syntax error.
pub(crate) fn parse_side(arg: &[u8]) -> Result<ListSide, ReplyError> {
    if eq_ic(arg, "left") {
        Ok(ListSide::Left)
    } else if eq_ic(arg, "right") {
        Ok(ListSide::Right)
    } else {
        Err(ReplyError::syntax())
    }
}

/// Copies of argument values for storing in the keyspace (an argument
/// itself would pin the whole read buffer it points into).
fn owned_values(args: &[Bytes]) -> Vec<Bytes> {
    args.iter().map(|a| Bytes::copy_from_slice(a)).collect()
}

/// LPUSH/RPUSH/LPUSHX/RPUSHX `key element [element ...]`.
fn push(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide, only_existing: bool) -> CmdResult {
    let values = owned_values(&args[2..]);
    let len = c.shard.list_push(c.db, &args[1], side, &values, only_existing)?;
    c.out.int(len as i64);
    Ok(())
}

/// LPOP/RPOP `key [count]`.
fn pop(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::arity(if side == ListSide::Left { "lpop" } else { "rpop" }));
    }
    match args.get(2) {
        None => {
            let v = c.shard.list_pop(c.db, &args[1], side)?;
            c.out.bulk_opt(v.as_deref());
        }
        Some(n) => {
            const MUST_BE_POSITIVE: ReplyError = ReplyError::text("ERR value is out of range, must be positive");
            let count = parse_int(n).map_err(|_| MUST_BE_POSITIVE)?;
            if count < 0 {
                return Err(MUST_BE_POSITIVE);
            }
            match c.shard.list_pop_count(c.db, &args[1], side, count)? {
                None => c.out.null_array(),
                Some(values) => bulk_array(c.out, &values),
            }
        }
    }
    Ok(())
}

/// An array of bulk strings.
pub(crate) fn bulk_array(out: &mut ReplyBuf, values: &[Bytes]) {
    out.array(values.len());
    for v in values {
        out.bulk(v);
    }
}

/// `[key, [element ...]]`, the reply of LMPOP and BLMPOP.
pub(crate) fn mpop_reply(out: &mut ReplyBuf, key: &[u8], values: &[Bytes]) {
    out.array(2);
    out.bulk(key);
    bulk_array(out, values);
}

/// What the arguments of LMPOP/BLMPOP after the timeout say:
/// `numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
pub(crate) struct MpopArgs {
    /// Position of the first key.
    pub first_key: usize,
    /// Number of keys.
    pub numkeys: usize,
    /// Which end to pop from.
    pub side: ListSide,
    /// Elements to pop at most.
    pub count: i64,
}

/// Parses LMPOP's arguments from position `at` (the `numkeys`), with
/// Redis's errors in Redis's order.
pub(crate) fn parse_mpop(args: &[Bytes], at: usize) -> Result<MpopArgs, ReplyError> {
    let numkeys =
        parse_int(&args[at]).ok().filter(|&n| n > 0).ok_or(ReplyError::text("ERR numkeys should be greater than 0"))?;
    let side_at = usize::try_from(numkeys).ok().and_then(|n| n.checked_add(at + 1)).unwrap_or(usize::MAX);
    let side = parse_side(args.get(side_at).ok_or_else(ReplyError::syntax)?)?;
    let mut count = None;
    let mut i = side_at + 1;
    while i < args.len() {
        if count.is_none() && eq_ic(&args[i], "count") && i + 1 < args.len() {
            let n = parse_int(&args[i + 1])
                .ok()
                .filter(|&n| n > 0)
                .ok_or(ReplyError::text("ERR count should be greater than 0"))?;
            count = Some(n);
            i += 2;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    Ok(MpopArgs { first_key: at + 1, numkeys: side_at - at - 1, side, count: count.unwrap_or(1) })
}

/// Pops up to `count` elements from `side` of the first non-empty list
/// among `keys`, all on this shard. A key of another type before it is
/// WRONGTYPE, as Redis scans the keys in order. `None` when every key is
/// missing.
pub(crate) fn mpop_local(
    shard: &mut Shard,
    db: u8,
    keys: &[Bytes],
    side: ListSide,
    count: i64,
) -> Result<Option<(Bytes, Vec<Bytes>)>, ReplyError> {
    for key in keys {
        if let Some(values) = shard.list_pop_count(db, key, side, count)? {
            return Ok(Some((Bytes::copy_from_slice(key), values)));
        }
    }
    Ok(None)
}

/// [`mpop_local`] over keys on several shards, all held by `txn`: the kinds
/// of every key are read first, then the first list in key order is popped.
pub(crate) async fn mpop_spanning(
    txn: &Txn,
    router: &Router,
    db: u8,
    keys: &[Bytes],
    side: ListSide,
    count: i64,
) -> Result<Option<(Bytes, Vec<Bytes>)>, ReplyError> {
    let groups = group_by_shard(router, keys);
    let reads = groups.iter().map(|(shard, positions)| {
        let owned: Vec<(usize, Bytes)> = positions.iter().map(|&i| (i, Bytes::copy_from_slice(&keys[i]))).collect();
        txn.run(*shard, move |s| owned.into_iter().map(|(i, k)| (i, s.kind_of(db, &k))).collect::<Vec<_>>())
    });
    let mut kinds: Vec<Option<Kind>> = vec![None; keys.len()];
    for part in join_all(reads).await {
        for (i, kind) in part? {
            kinds[i] = kind;
        }
    }
    let Some(first) = kinds.iter().position(Option::is_some) else { return Ok(None) };
    if kinds[first] != Some(Kind::List) {
        return Err(Error::WrongType.into());
    }
    let shard = groups.iter().find(|(_, p)| p.contains(&first)).map_or(0, |(s, _)| *s);
    let key = Bytes::copy_from_slice(&keys[first]);
    let k = key.clone();
    let values = txn.run(shard, move |s| s.list_pop_count(db, &k, side, count)).await??;
    Ok(values.map(|v| (key, v)))
}

/// Key positions grouped by owning shard, in shard order.
pub(crate) fn group_by_shard(router: &Router, keys: &[Bytes]) -> Vec<(usize, Vec<usize>)> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let s = router.shard_of(k);
        match groups.iter_mut().find(|(x, _)| *x == s) {
            Some((_, v)) => v.push(i),
            None => groups.push((s, vec![i])),
        }
    }
    groups.sort_unstable_by_key(|(s, _)| *s);
    groups
}

/// LMOVE with `src` and `dst` on shards held by `txn` (the engine's
/// `Txn::lmove`: both keys type-checked before the pop). `None` when `src`
/// is missing.
pub(crate) async fn move_spanning(
    txn: &Txn,
    db: u8,
    src: &[u8],
    dst: &[u8],
    from: ListSide,
    to: ListSide,
) -> Result<Option<Bytes>, ReplyError> {
    Ok(txn.lmove(db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst), from, to).await?)
}

/// The router of this core's engine, for spanning forms that must find
/// each key's shard.
pub(crate) fn router() -> Result<Router, ReplyError> {
    crate::blocking::router().ok_or(ReplyError::text("ERR shard routing is not available on this thread"))
}
