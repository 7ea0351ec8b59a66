//! LPUSH, RPUSH, LPUSHX and RPUSHX: one push, at either end, of a list that
//! may or must already exist.

use coreshard_engine::types::ListSide;

use super::LIST;
use crate::commands::prelude::*;

const FLAGS: Flags = Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST);

/// `LPUSH key element [element ...]`.
pub const LPUSH: Command = LIST
    .command("lpush", -3, Run::Shard(|c, args| push(c, args, ListSide::Left, false)))
    .flags(FLAGS)
    .doc("1.0.0", "Prepend one or multiple elements to a list");

/// `RPUSH key element [element ...]`.
pub const RPUSH: Command = LIST
    .command("rpush", -3, Run::Shard(|c, args| push(c, args, ListSide::Right, false)))
    .flags(FLAGS)
    .doc("1.0.0", "Append one or multiple elements to a list");

/// `LPUSHX key element [element ...]`.
pub const LPUSHX: Command = LIST
    .command("lpushx", -3, Run::Shard(|c, args| push(c, args, ListSide::Left, true)))
    .flags(FLAGS)
    .doc("2.2.0", "Prepend an element to a list, only if the list exists");

/// `RPUSHX key element [element ...]`.
pub const RPUSHX: Command = LIST
    .command("rpushx", -3, Run::Shard(|c, args| push(c, args, ListSide::Right, true)))
    .flags(FLAGS)
    .doc("2.2.0", "Append an element to a list, only if the list exists");

/// Pushes `args[2..]` at `side` of list `args[1]`, creating it unless
/// `only_existing`. The elements are copied: an argument itself would pin
/// the whole read buffer it points into.
fn push(c: &mut ShardCall<'_>, args: &[Bytes], side: ListSide, only_existing: bool) -> CmdResult {
    let values: Vec<Bytes> = args[2..].iter().map(|a| Bytes::copy_from_slice(a)).collect();
    let len = c.shard.list_push(c.db, &args[1], side, &values, only_existing)?;
    c.out.int(len as i64);
    Ok(())
}
