use super::GENERIC;
use crate::commands::prelude::*;

/// `MOVE key db`. A key lives on the same shard in every database, so the
/// move never leaves the shard.
pub const MOVE: Command = GENERIC
    .command("move", 3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("1.0.0", "Moves a key to another database.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let dst = super::parse_db(&args[2], c.shard.databases())?;
    let moved = c.shard.move_to_db(c.db, &args[1], dst)?;
    c.out.int(i64::from(moved));
    Ok(())
}
