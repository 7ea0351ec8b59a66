use super::SERVER;
use crate::commands::prelude::*;
use crate::commands::{find_subcommand, reply_help};

/// `MEMORY subcommand ...`. Routed by `args[2]`, the key of MEMORY USAGE,
/// so USAGE runs on the shard owning the key.
pub const MEMORY: Command = SERVER
    .command("memory", -2, Run::Shard(run))
    .keys(KeySpec::Range { first: 2, last: 2, step: 1 })
    .doc("4.0.0", "A container for memory diagnostics commands.");

/// MEMORY's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&USAGE, &HELP];

const USAGE: Command = SERVER
    .command("memory|usage", -3, Run::Shard(usage))
    .flags(Flags::READONLY)
    .keys(KeySpec::Range { first: 2, last: 2, step: 1 })
    .doc("4.0.0", "Estimates the memory usage of a key.");

const HELP: Command = SERVER
    .command("memory|help", 2, Run::Shard(help))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("4.0.0", "Returns helpful text about the different subcommands.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let cmd = find_subcommand(SUBCOMMANDS, args)?;
    match cmd.run {
        Run::Shard(f) => f(c, args),
        _ => Err(ReplyError::text("ERR subcommand cannot run on a shard")),
    }
}

/// `MEMORY USAGE key [SAMPLES count]`: the bytes the key counts against the
/// memory budget. The engine accounts every value exactly, so SAMPLES is
/// validated but not needed.
fn usage(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let mut i = 3;
    while i < args.len() {
        if eq_ic(&args[i], "samples") && i + 1 < args.len() {
            if parse_int(&args[i + 1])? < 0 {
                return Err(ReplyError::syntax());
            }
            i += 2;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    match c.shard.memory_usage(c.db, &args[2]) {
        Some(n) => c.out.int(n as i64),
        None => c.out.null(),
    }
    Ok(())
}

fn help(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    reply_help(
        c.out,
        &args[0],
        &[
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}
