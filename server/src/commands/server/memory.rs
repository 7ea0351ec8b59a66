use bytes::Bytes;

use crate::cmd::{eq_ic, flags, parse_int, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};
use crate::commands::{find_subcommand, reply_help};

/// `MEMORY subcommand ...`. Routed by `args[2]`, the key of MEMORY USAGE,
/// so USAGE runs on the shard owning the key.
pub const MEMORY: Command = Command {
    name: "memory",
    arity: -2,
    flags: 0,
    keys: KeySpec::Range { first: 2, last: 2, step: 1 },
    run: Run::Shard(run),
    group: "server",
    summary: "A container for memory diagnostics commands.",
    since: "4.0.0",
};

/// MEMORY's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&USAGE, &HELP];

const USAGE: Command = Command {
    name: "memory|usage",
    arity: -3,
    flags: flags::READONLY,
    keys: KeySpec::Range { first: 2, last: 2, step: 1 },
    run: Run::Shard(usage),
    group: "server",
    summary: "Estimates the memory usage of a key.",
    since: "4.0.0",
};

const HELP: Command = Command {
    name: "memory|help",
    arity: 2,
    flags: flags::LOADING | flags::STALE,
    keys: KeySpec::None,
    run: Run::Shard(help),
    group: "server",
    summary: "Returns helpful text about the different subcommands.",
    since: "4.0.0",
};

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
