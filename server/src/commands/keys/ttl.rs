//! TTL, PTTL, EXPIRETIME and PEXPIRETIME.

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};

const FLAGS: u32 = flags::READONLY | flags::FAST;

/// `TTL key`.
pub const TTL: Command = Command {
    name: "ttl",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(ttl),
    group: "generic",
    summary: "Returns the expiration time in seconds of a key.",
    since: "1.0.0",
};

/// `PTTL key`.
pub const PTTL: Command = Command {
    name: "pttl",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(pttl),
    group: "generic",
    summary: "Returns the expiration time in milliseconds of a key.",
    since: "2.6.0",
};

/// `EXPIRETIME key`.
pub const EXPIRETIME: Command = Command {
    name: "expiretime",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(expiretime),
    group: "generic",
    summary: "Returns the expiration time of a key as a Unix timestamp.",
    since: "7.0.0",
};

/// `PEXPIRETIME key`.
pub const PEXPIRETIME: Command = Command {
    name: "pexpiretime",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::FIRST,
    run: Run::Shard(pexpiretime),
    group: "generic",
    summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
    since: "7.0.0",
};

fn ttl(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.ttl(c.db, &args[1]));
    Ok(())
}

fn pttl(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.pttl(c.db, &args[1]));
    Ok(())
}

fn expiretime(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.expiretime(c.db, &args[1]));
    Ok(())
}

fn pexpiretime(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    c.out.int(c.shard.pexpiretime(c.db, &args[1]));
    Ok(())
}
