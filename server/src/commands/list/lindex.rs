use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `LINDEX key index`.
pub const LINDEX: Command = Command {
    name: "lindex",
    arity: 3,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "list",
    summary: "Get an element from a list by its index",
    since: "1.0.0",
};

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let index = match parse_int(&args[2]) {
        Ok(i) => i,
        // Redis looks the key up before parsing the index: a missing key is
        // nil and another type WRONGTYPE whatever the index says.
        Err(e) => {
            if c.shard.llen(c.db, &args[1])? == 0 {
                c.out.null();
                return Ok(());
            }
            return Err(e);
        }
    };
    let v = c.shard.lindex(c.db, &args[1], index)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}
