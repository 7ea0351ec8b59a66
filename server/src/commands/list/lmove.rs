//! LMOVE, RPOPLPUSH, BLMOVE and BRPOPLPUSH: pop an element from one list
//! and push it to another, atomic across shards. RPOPLPUSH is LMOVE
//! `RIGHT LEFT`; the B forms take a timeout last and block while the source
//! is empty (inside MULTI they answer at once, as their non-blocking forms).

use std::time::Duration;

use coreshard_engine::types::ListSide;
use coreshard_engine::Route;

use super::LIST;
use crate::blocking::{self, Op, Request, Shape};
use crate::commands::prelude::*;

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
pub const LMOVE: Command = LIST
    .command(
        "lmove",
        5,
        Run::Keyed {
            shard: |c, args| move_now(c, args, LMOVE_FORM),
            spanning: |c, args| Box::pin(move_spanning(c, args, LMOVE_FORM)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::TWO)
    .doc("6.2.0", "Pop an element from a list, push it to another list and return it");

/// `RPOPLPUSH source destination`: LMOVE source destination RIGHT LEFT.
pub const RPOPLPUSH: Command = LIST
    .command(
        "rpoplpush",
        3,
        Run::Keyed {
            shard: |c, args| move_now(c, args, RPOPLPUSH_FORM),
            spanning: |c, args| Box::pin(move_spanning(c, args, RPOPLPUSH_FORM)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::TWO)
    .doc("1.2.0", "Remove the last element in a list, prepend it to another list and return it");

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`.
pub const BLMOVE: Command = LIST
    .command(
        "blmove",
        6,
        Run::Blocking {
            shard: |c, args| move_now(c, args, BLMOVE_FORM),
            spanning: |c, args| Box::pin(move_spanning(c, args, BLMOVE_FORM)),
            block: |conn, route, args| Box::pin(block_move(conn, route, args, BLMOVE_FORM)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::NOSCRIPT).union(Flags::BLOCKING))
    .keys(KeySpec::TWO)
    .doc("6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available");

/// `BRPOPLPUSH source destination timeout`: BLMOVE source destination
/// RIGHT LEFT timeout.
pub const BRPOPLPUSH: Command = LIST
    .command(
        "brpoplpush",
        4,
        Run::Blocking {
            shard: |c, args| move_now(c, args, BRPOPLPUSH_FORM),
            spanning: |c, args| Box::pin(move_spanning(c, args, BRPOPLPUSH_FORM)),
            block: |conn, route, args| Box::pin(block_move(conn, route, args, BRPOPLPUSH_FORM)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::NOSCRIPT).union(Flags::BLOCKING))
    .keys(KeySpec::TWO)
    .doc("2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available");

/// Which of the four commands: whether the directions are arguments (else
/// RIGHT LEFT), and whether it blocks (then a timeout ends its arguments).
#[derive(Clone, Copy)]
struct Form {
    named: bool,
    blocks: bool,
}

const LMOVE_FORM: Form = Form { named: true, blocks: false };
const RPOPLPUSH_FORM: Form = Form { named: false, blocks: false };
const BLMOVE_FORM: Form = Form { named: true, blocks: true };
const BRPOPLPUSH_FORM: Form = Form { named: false, blocks: true };

/// The directions (`args[3]` and `args[4]`, or RIGHT LEFT) and, for a
/// blocking form, the timeout, in Redis's order of checks.
fn parse(args: &[Bytes], form: Form) -> Result<(ListSide, ListSide, Option<Duration>), ReplyError> {
    let Form { named, blocks } = form;
    let (from, to) = if named {
        (super::parse_side(&args[3])?, super::parse_side(&args[4])?)
    } else {
        (ListSide::Right, ListSide::Left)
    };
    let timeout = if blocks { blocking::parse_timeout(&args[args.len() - 1])? } else { None };
    Ok((from, to, timeout))
}

/// The move on one shard: the element, or nil.
fn move_now(c: &mut ShardCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let (from, to, _) = parse(args, form)?;
    let v = c.shard.lmove(c.db, &args[1], &args[2], from, to)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}

/// [`move_now`] across the two shards held by `txn` (the engine's
/// `Txn::lmove`: both keys type-checked before the pop).
async fn move_spanning(c: TxnCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let (from, to, _) = parse(args, form)?;
    let (src, dst) = (Bytes::copy_from_slice(&args[1]), Bytes::copy_from_slice(&args[2]));
    let v = txn.lmove(db, Some(route), src, dst, from, to).await?;
    out.bulk_opt(v.as_deref());
    Ok(())
}

/// The blocking form of BLMOVE and BRPOPLPUSH.
async fn block_move(conn: &mut Conn, route: Route, args: Vec<Bytes>, form: Form) -> CmdResult {
    let (from, to, timeout) = parse(&args, form)?;
    let local = route.single().is_some();
    let op = Op::Move { dst: Bytes::copy_from_slice(&args[2]), from, to, local };
    let req = Request { db: conn.db, keys: vec![Bytes::copy_from_slice(&args[1])], op, shape: Shape::Value, timeout };
    blocking::block(conn, route, req).await
}
