//! List commands, and the steps several of their files share.
//!
//! The blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are
//! `Blocking` commands whose shard and spanning forms are their non-blocking
//! behaviour (what Redis does inside MULTI: an empty result at once); the
//! connection runs their blocking form everywhere else, see
//! `crate::blocking`.

use bytes::Bytes;
use coreshard_engine::types::ListSide;
use coreshard_engine::{Kind, Route, Shard, Txn};

use crate::cmd::{eq_ic, Command, Family, KeySpec, ReplyError};
use crate::commands::collection::first_of_kind;
use crate::resp::ReplyBuf;

mod blpop;
mod lindex;
mod linsert;
mod llen;
mod lmove;
mod lmpop;
mod lpop;
mod lpos;
mod lpush;
mod lrange;
mod lrem;
mod lset;
mod ltrim;

pub(crate) use lmpop::mpop_reply;

/// The family's defaults.
const LIST: Family = Family::new("list").keys(KeySpec::FIRST);

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &lpush::LPUSH,
    &lpush::RPUSH,
    &lpush::LPUSHX,
    &lpush::RPUSHX,
    &lpop::LPOP,
    &lpop::RPOP,
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
    &lmove::RPOPLPUSH,
    &blpop::BLPOP,
    &blpop::BRPOP,
    &lmove::BLMOVE,
    &lmove::BRPOPLPUSH,
    &lmpop::BLMPOP,
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

/// An array of bulk strings.
pub(crate) fn bulk_array(out: &mut ReplyBuf, values: &[Bytes]) {
    out.array(values.len());
    for v in values {
        out.bulk(v);
    }
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
