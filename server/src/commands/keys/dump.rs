use coreshard_persistence::rdb;

use super::GENERIC;
use crate::commands::prelude::*;

/// `DUMP key`: the value in Redis's serialisation format.
pub const DUMP: Command = GENERIC
    .command("dump", 2, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("2.6.0", "Returns a serialized representation of the value stored at a key.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let payload = c.shard.read_value(c.db, &args[1], |v, _| rdb::dump(v));
    c.out.bulk_opt(payload.as_deref());
    Ok(())
}
