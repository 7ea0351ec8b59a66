use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};
use coreshard_persistence::rdb;

/// `DUMP key`: the value in Redis's serialisation format.
pub const DUMP: Command = Command {
    name: "dump",
    arity: 2,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "generic",
    summary: "Returns a serialized representation of the value stored at a key.",
    since: "2.6.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let payload = c.shard.read_value(c.db, &args[1], |v, _| rdb::dump(v));
    c.out.bulk_opt(payload.as_deref());
    Ok(())
}
