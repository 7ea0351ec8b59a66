//! TTL, PTTL, EXPIRETIME and PEXPIRETIME.

use super::GENERIC;
use crate::commands::prelude::*;

const FLAGS: Flags = Flags::READONLY.union(Flags::FAST);

/// `TTL key`.
pub const TTL: Command = GENERIC
    .command("ttl", 2, Run::Shard(ttl))
    .flags(FLAGS)
    .doc("1.0.0", "Returns the expiration time in seconds of a key.");

/// `PTTL key`.
pub const PTTL: Command = GENERIC
    .command("pttl", 2, Run::Shard(pttl))
    .flags(FLAGS)
    .doc("2.6.0", "Returns the expiration time in milliseconds of a key.");

/// `EXPIRETIME key`.
pub const EXPIRETIME: Command = GENERIC
    .command("expiretime", 2, Run::Shard(expiretime))
    .flags(FLAGS)
    .doc("7.0.0", "Returns the expiration time of a key as a Unix timestamp.");

/// `PEXPIRETIME key`.
pub const PEXPIRETIME: Command = GENERIC
    .command("pexpiretime", 2, Run::Shard(pexpiretime))
    .flags(FLAGS)
    .doc("7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.");

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
