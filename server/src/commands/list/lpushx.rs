use bytes::Bytes;
use coreshard_engine::types::ListSide;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LPUSHX key element [element ...]`.
pub const LPUSHX: Command = Command {
    name: "lpushx",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Prepend an element to a list, only if the list exists",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::push(c, args, ListSide::Left, true)
}
