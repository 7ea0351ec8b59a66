use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, Run, ShardCall};

/// `SETEX key seconds value`.
pub const SETEX: Command = Command {
    name: "setex",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::FIRST,
    run: Run::Shard(setex),
    group: "string",
    summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
    since: "2.0.0",
};

/// `PSETEX key milliseconds value`.
pub const PSETEX: Command = Command {
    name: "psetex",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    keys: KeySpec::FIRST,
    run: Run::Shard(psetex),
    group: "string",
    summary:
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
    since: "2.6.0",
};

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
