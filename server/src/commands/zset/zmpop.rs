//! ZMPOP and BZMPOP: pop from the first non-empty sorted set among several,
//! atomically even when the keys span shards. BZMPOP takes a timeout first
//! and blocks while every key is empty (inside MULTI it answers at once, as
//! ZMPOP).

use std::time::Duration;

use coreshard_engine::types::ScoredMembers;
use coreshard_engine::Route;

use super::SORTED_SET;
use crate::blocking::{self, Op, Pop, Request, Shape};
use crate::commands::collection::parse_numkeys_positive;
use crate::commands::prelude::*;

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`: pops from the first
/// non-empty key: `[key, [[member, score], ...]]`, or null when every key is
/// missing. Atomic when the keys live on different shards.
pub const ZMPOP: Command = SORTED_SET
    .command(
        "zmpop",
        -4,
        Run::Keyed {
            shard: |c, args| pop_now(c, args, Form::Zmpop),
            spanning: |c, args| Box::pin(pop_spanning(c, args, Form::Zmpop)),
        },
    )
    .flags(Flags::WRITE)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("7.0.0", "Remove and return members with scores in a sorted set");

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: ZMPOP,
/// blocking until a write to one of the keys gives it members.
pub const BZMPOP: Command = SORTED_SET
    .command(
        "bzmpop",
        -5,
        Run::Blocking {
            shard: |c, args| pop_now(c, args, Form::Bzmpop),
            spanning: |c, args| Box::pin(pop_spanning(c, args, Form::Bzmpop)),
            block: |conn, route, args| Box::pin(block_mpop(conn, route, args)),
        },
    )
    .flags(Flags::WRITE.union(Flags::BLOCKING))
    .keys(KeySpec::NumKeys { at: 2, dest: false })
    .doc("7.0.0", "Remove and return members with scores in a sorted set or block until one is available");

/// ZMPOP's arguments, or BZMPOP's after the timeout.
struct MpopArgs<'a> {
    /// The keys, in the order they are tried.
    keys: &'a [Bytes],
    /// Highest scores first (`MAX`) rather than lowest.
    max: bool,
    /// Members to pop at most.
    count: usize,
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at
/// position `at`, with Redis's errors in Redis's order.
fn parse_at(args: &[Bytes], at: usize) -> Result<MpopArgs<'_>, ReplyError> {
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

/// ZMPOP, or BZMPOP (a timeout before `numkeys`).
#[derive(Clone, Copy)]
enum Form {
    Zmpop,
    Bzmpop,
}

/// The arguments and, for BZMPOP, the timeout: Redis checks `numkeys`,
/// MIN|MAX and COUNT before the timeout.
fn parse_form(args: &[Bytes], form: Form) -> Result<(MpopArgs<'_>, Option<Duration>), ReplyError> {
    match form {
        Form::Zmpop => Ok((parse_at(args, 1)?, None)),
        Form::Bzmpop => {
            let m = parse_at(args, 2)?;
            Ok((m, blocking::parse_timeout(&args[1])?))
        }
    }
}

/// The pop on one shard (BZMPOP's non-blocking form too).
fn pop_now(c: &mut ShardCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let (m, _) = parse_form(args, form)?;
    let popped = c.shard.zmpop(c.db, m.keys, m.max, m.count)?;
    mpop_reply(c.out, popped.as_ref().map(|(i, items)| (&m.keys[*i][..], items)));
    Ok(())
}

/// [`pop_now`] over keys on several shards held by the transaction.
async fn pop_spanning(c: TxnCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let (m, _) = parse_form(args, form)?;
    let popped = super::mpop_spanning(txn, route, db, m.keys, m.max, m.count).await?;
    mpop_reply(out, popped.as_ref().map(|(i, items)| (&m.keys[*i][..], items)));
    Ok(())
}

/// The blocking form of BZMPOP.
async fn block_mpop(conn: &mut Conn, route: Route, args: Vec<Bytes>) -> CmdResult {
    let (m, timeout) = parse_form(&args, Form::Bzmpop)?;
    let keys = m.keys.iter().map(|k| Bytes::copy_from_slice(k)).collect();
    let op = Op::Pop(Pop::ZSet { max: m.max, count: m.count });
    let req = Request { db: conn.db, keys, op, shape: Shape::KeyValues, timeout };
    blocking::block(conn, route, req).await
}
