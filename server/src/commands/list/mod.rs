//! List commands, and the parsing and pop/move steps their variants share.
//!
//! The blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are `Keyed`
//! commands whose shard and spanning forms are their non-blocking behaviour
//! (what Redis does inside MULTI: an empty result at once); the connection
//! runs their blocking form ([`blocking_form`]) everywhere else, see
//! `crate::blocking`.

use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Kind, Route, Shard, Txn};

use crate::cmd::{eq_ic, parse_int, CmdResult, Command, ReplyError, ShardCall};
use crate::commands::collection::first_of_kind;
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

/// [`mpop_local`] over keys on several shards (their route is `route`), all
/// held by `txn`: the kinds of every key are read first, then the first list
/// in key order is popped.
pub(crate) async fn mpop_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    keys: &[Bytes],
    side: ListSide,
    count: i64,
) -> Result<Option<(Bytes, Vec<Bytes>)>, ReplyError> {
    let Some((first, shard)) = first_of_kind(txn, route, db, keys, Kind::List).await? else { return Ok(None) };
    let key = Bytes::copy_from_slice(&keys[first]);
    let k = key.clone();
    let values = txn.run(shard, move |s| s.list_pop_count(db, &k, side, count)).await??;
    Ok(values.map(|v| (key, v)))
}

/// LMOVE with `src` and `dst` (route `route`) on shards held by `txn` (the
/// engine's `Txn::lmove`: both keys type-checked before the pop). `None`
/// when `src` is missing.
pub(crate) async fn move_spanning(
    txn: &Txn,
    route: &Route,
    db: u8,
    src: &[u8],
    dst: &[u8],
    from: ListSide,
    to: ListSide,
) -> Result<Option<Bytes>, ReplyError> {
    Ok(txn.lmove(db, Some(route), Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst), from, to).await?)
}
