use bytes::Bytes;
use coreshard_engine::types::ListSide;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `RPUSHX key element [element ...]`.
pub const RPUSHX: Command = Command {
    name: "rpushx",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Append an element to a list, only if the list exists",
    since: "2.2.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::push(c, args, ListSide::Right, true)
}
