use bytes::Bytes;
use coreshard_engine::types::ListSide;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LPOP key [count]`: without a count one element (or nil), with a count an
/// array (nil array for a missing key).
pub const LPOP: Command = Command {
    name: "lpop",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Remove and get the first elements in a list",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    super::pop(c, args, ListSide::Left)
}
