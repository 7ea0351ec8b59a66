use super::LIST;
use crate::commands::prelude::*;

/// `LINDEX key index`.
pub const LINDEX: Command = LIST
    .command("lindex", 3, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("1.0.0", "Get an element from a list by its index");

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
