//! BLPOP and BRPOP: the first element of the first non-empty list, from
//! either end, blocking until there is one.

use coreshard_engine::types::ListSide;
use coreshard_engine::Route;

use super::LIST;
use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::commands::prelude::*;

/// `BLPOP key [key ...] timeout`.
pub const BLPOP: Command = LIST
    .command(
        "blpop",
        -3,
        Run::Blocking {
            shard: |c, args| pop_first(c, args, ListSide::Left),
            spanning: |c, args| Box::pin(pop_first_spanning(c, args, ListSide::Left)),
            block: |conn, route, args| Box::pin(block_pop(conn, route, args, ListSide::Left)),
        },
    )
    .flags(Flags::WRITE.union(Flags::NOSCRIPT).union(Flags::BLOCKING))
    .keys(KeySpec::Range { first: 1, last: -2, step: 1 })
    .doc("2.0.0", "Remove and get the first element in a list, or block until one is available");

/// `BRPOP key [key ...] timeout`.
pub const BRPOP: Command = LIST
    .command(
        "brpop",
        -3,
        Run::Blocking {
            shard: |c, args| pop_first(c, args, ListSide::Right),
            spanning: |c, args| Box::pin(pop_first_spanning(c, args, ListSide::Right)),
            block: |conn, route, args| Box::pin(block_pop(conn, route, args, ListSide::Right)),
        },
    )
    .flags(Flags::WRITE.union(Flags::NOSCRIPT).union(Flags::BLOCKING))
    .keys(KeySpec::Range { first: 1, last: -2, step: 1 })
    .doc("2.0.0", "Remove and get the last element in a list, or block until one is available");

/// `[key, element]` from the first non-empty list, or a nil array: the
/// non-blocking form (inside MULTI).
fn pop_first(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide) -> CmdResult {
    blocking::parse_timeout(&args[args.len() - 1])?;
    match super::mpop_local(c.shard, c.db, &args[1..args.len() - 1], side, 1)? {
        Some((key, values)) => key_value(c.out, &key, &values),
        None => c.out.null_array(),
    }
    Ok(())
}

/// [`pop_first`] over keys on several shards held by `txn`.
async fn pop_first_spanning(c: TxnCall<'_>, args: &[Bytes], side: ListSide) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    blocking::parse_timeout(&args[args.len() - 1])?;
    match super::mpop_spanning(txn, route, db, &args[1..args.len() - 1], side, 1).await? {
        Some((key, values)) => key_value(out, &key, &values),
        None => out.null_array(),
    }
    Ok(())
}

fn key_value(out: &mut ReplyBuf, key: &[u8], values: &[Bytes]) {
    out.array(2);
    out.bulk(key);
    out.bulk(values.first().map_or(&b""[..], |v| &v[..]));
}

/// The blocking form of BLPOP/BRPOP.
async fn block_pop(conn: &mut Conn, route: Route, args: Vec<Bytes>, side: ListSide) -> CmdResult {
    let timeout = blocking::parse_timeout(&args[args.len() - 1])?;
    let keys = args[1..args.len() - 1].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let req = Request { db: conn.db, keys, op: Op::Pop(Pop::List { side, count: 1 }), shape: Shape::KeyValue, timeout };
    blocking::block(conn, route, req).await
}
