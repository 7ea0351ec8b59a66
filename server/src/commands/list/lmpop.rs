//! LMPOP and BLMPOP: pop from the first non-empty list among several,
//! atomically even when the keys span shards. BLMPOP takes a timeout first
//! and blocks while every list is empty (inside MULTI it answers at once,
//! as LMPOP).

use std::time::Duration;

use coreshard_engine::types::ListSide;
use coreshard_engine::Route;

use super::LIST;
use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::commands::prelude::*;

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
pub const LMPOP: Command = LIST
    .command(
        "lmpop",
        -4,
        Run::Keyed {
            shard: |c, args| pop_now(c, args, Form::Lmpop),
            spanning: |c, args| Box::pin(pop_spanning(c, args, Form::Lmpop)),
        },
    )
    .flags(Flags::WRITE)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("7.0.0", "Pop elements from a list");

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
pub const BLMPOP: Command = LIST
    .command(
        "blmpop",
        -5,
        Run::Blocking {
            shard: |c, args| pop_now(c, args, Form::Blmpop),
            spanning: |c, args| Box::pin(pop_spanning(c, args, Form::Blmpop)),
            block: |conn, route, args| Box::pin(block_mpop(conn, route, args)),
        },
    )
    .flags(Flags::WRITE.union(Flags::BLOCKING))
    .keys(KeySpec::NumKeys { at: 2, dest: false })
    .doc("7.0.0", "Pop elements from a list, or block until one is available");

/// What the arguments of LMPOP (or BLMPOP's after the timeout) say:
/// `numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
struct MpopArgs {
    /// Position of the first key.
    first_key: usize,
    /// Number of keys.
    numkeys: usize,
    /// Which end to pop from.
    side: ListSide,
    /// Elements to pop at most.
    count: i64,
}

/// Parses LMPOP's arguments from position `at` (the `numkeys`), with
/// Redis's errors in Redis's order.
fn parse(args: &[Bytes], at: usize) -> Result<MpopArgs, ReplyError> {
    let numkeys =
        parse_int(&args[at]).ok().filter(|&n| n > 0).ok_or(ReplyError::text("ERR numkeys should be greater than 0"))?;
    let side_at = usize::try_from(numkeys).ok().and_then(|n| n.checked_add(at + 1)).unwrap_or(usize::MAX);
    let side = super::parse_side(args.get(side_at).ok_or_else(ReplyError::syntax)?)?;
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

/// LMPOP, or BLMPOP (a timeout before `numkeys`).
#[derive(Clone, Copy)]
enum Form {
    Lmpop,
    Blmpop,
}

/// The arguments and, for BLMPOP, the timeout: Redis checks `numkeys`, the
/// side and COUNT before the timeout.
fn parse_form(args: &[Bytes], form: Form) -> Result<(MpopArgs, Option<Duration>), ReplyError> {
    match form {
        Form::Lmpop => Ok((parse(args, 1)?, None)),
        Form::Blmpop => {
            let m = parse(args, 2)?;
            Ok((m, blocking::parse_timeout(&args[1])?))
        }
    }
}

/// `[key, [element ...]]`, the reply of LMPOP and BLMPOP.
pub(crate) fn mpop_reply(out: &mut ReplyBuf, key: &[u8], values: &[Bytes]) {
    out.array(2);
    out.bulk(key);
    super::bulk_array(out, values);
}

/// The pop on one shard (BLMPOP's non-blocking form too).
fn pop_now(c: &mut ShardCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let (m, _) = parse_form(args, form)?;
    let keys = &args[m.first_key..m.first_key + m.numkeys];
    match super::mpop_local(c.shard, c.db, keys, m.side, m.count)? {
        Some((key, values)) => mpop_reply(c.out, &key, &values),
        None => c.out.null_array(),
    }
    Ok(())
}

/// [`pop_now`] over keys on several shards held by the transaction.
async fn pop_spanning(c: TxnCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let (m, _) = parse_form(args, form)?;
    let keys = &args[m.first_key..m.first_key + m.numkeys];
    match super::mpop_spanning(txn, route, db, keys, m.side, m.count).await? {
        Some((key, values)) => mpop_reply(out, &key, &values),
        None => out.null_array(),
    }
    Ok(())
}

/// The blocking form of BLMPOP.
async fn block_mpop(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let (m, timeout) = parse_form(&args, Form::Blmpop)?;
    let keys = args[m.first_key..m.first_key + m.numkeys].iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::List { side: m.side, count: m.count });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValues, timeout };
    blocking::block(conn, route, req).await
}
