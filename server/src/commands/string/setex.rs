use super::STRING;
use crate::commands::prelude::*;

/// `SETEX key seconds value`.
pub const SETEX: Command = STRING
    .command("setex", 4, Run::Shard(setex))
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .doc("2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.");

/// `PSETEX key milliseconds value`.
pub const PSETEX: Command =
    STRING.command("psetex", 4, Run::Shard(psetex)).flags(Flags::WRITE.union(Flags::DENYOOM)).doc(
        "2.6.0",
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
    );

fn setex(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let seconds = parse_int(&args[2])?;
    c.shard.setex(c.db, &args[1], seconds, &args[3][..])?;
    c.out.ok();
    Ok(())
}

fn psetex(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let ms = parse_int(&args[2])?;
    c.shard.psetex(c.db, &args[1], ms, &args[3][..])?;
    c.out.ok();
    Ok(())
}
