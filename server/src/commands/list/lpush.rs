use bytes::Bytes;
use coreshard_engine::types::ListSide;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LPUSH key element [element ...]`.
pub const LPUSH: Command = Command {
    name: "lpush",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Prepend one or multiple elements to a list",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::push(c, args, ListSide::Left, false)
}
