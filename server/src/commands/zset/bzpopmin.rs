//! BZPOPMIN and BZPOPMAX: the lowest or highest member of the first
//! non-empty sorted set, blocking until there is one.

use coreshard_engine::Route;

/// `BZPOPMAX key [key ...] timeout`: as BZPOPMIN, for the highest score.
pub const BZPOPMAX: Command = SORTED_SET.command("bzpopmax", -3, Run::Blocking { shard: |c, args| pop_first(c, args, true), spanning: |c, args| Box::pin(pop_first_spanning(c, args, true)), block: |conn, route, args| Box::pin(block_pop(conn, route, args, true)) }).flags(Flags::WRITE.union(Flags::NOSCRIPT).union(Flags::BLOCKING).union(Flags::FAST)).keys(KeySpec::Range { first: 1, last: -2, step: 1 }).doc("5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available");

use super::SORTED_SET;
use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::commands::prelude::*;

/// `BZPOPMIN key [key ...] timeout`: `[key, member, score]` of the lowest
/// score in the first non-empty sorted set, blocking until a write to one of
/// the keys (from any connection, on any core) gives it one.
pub const BZPOPMIN: Command = SORTED_SET.command("bzpopmin", -3, Run::Blocking { shard: |c, args| pop_first(c, args, false), spanning: |c, args| Box::pin(pop_first_spanning(c, args, false)), block: |conn, route, args| Box::pin(block_pop(conn, route, args, false)) }).flags(Flags::WRITE.union(Flags::NOSCRIPT).union(Flags::BLOCKING).union(Flags::FAST)).keys(KeySpec::Range { first: 1, last: -2, step: 1 }).doc("5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available");

/// `[key, member, score]` from the first non-empty sorted set, or a nil
/// array: the non-blocking form (inside MULTI) of BZPOPMIN/BZPOPMAX.
fn pop_first(c: &mut ShardCall<'_>, args: &[Bytes], max: bool) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    let popped = c.shard.zmpop(c.db, keys, max, 1)?;
    super::key_member_score(c.out, popped.as_ref().map(|(i, members)| (&keys[*i][..], members)));
    Ok(())
}

/// [`pop_first`] over keys on several shards held by `txn`.
async fn pop_first_spanning(c: TxnCall<'_>, args: &[Bytes], max: bool) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    let popped = super::mpop_spanning(txn, route, db, keys, max, 1).await?;
    super::key_member_score(out, popped.as_ref().map(|(i, members)| (&keys[*i][..], members)));
    Ok(())
}

/// The blocking form of BZPOPMIN/BZPOPMAX.
async fn block_pop(conn: &mut Conn, route: Route, args: Vec<Bytes>, max: bool) -> CmdResult {
    let timeout = blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = args[1..args.len() - 1].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::ZSet { max, count: 1 });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValue, timeout };
    blocking::block(conn, route, req).await
}
