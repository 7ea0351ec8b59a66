use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

/// `MOVE key db`. A key lives on the same shard in every database, so the
/// move never leaves the shard.
pub const MOVE: Command = Command {
    name: "move",
    arity: 3,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "generic",
    summary: "Moves a key to another database.",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let dst = super::parse_db(&args[2], c.shard.databases())?;
    let moved = c.shard.move_to_db(c.db, &args[1], dst)?;
    c.out.int(i64::from(moved));
    Ok(())
}
