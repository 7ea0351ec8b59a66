use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::commands::{reply_help, run_subcommand};
use crate::conn::Conn;

/// `SLOWLOG subcommand ...`.
pub const SLOWLOG: Command = Command {
    name: "slowlog",
    arity: -2,
    flags: 0,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "server",
    summary: "A container for slow log commands.",
    since: "2.2.12",
};

/// SLOWLOG's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&GET, &LEN, &RESET, &HELP];

const FLAGS: u32 = flags::ADMIN | flags::LOADING | flags::STALE;

const GET: Command = Command {
    name: "slowlog|get",
    arity: -2,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(get),
    group: "server",
    summary: "Returns the slow log's entries.",
    since: "2.2.12",
};

const LEN: Command = Command {
    name: "slowlog|len",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(len),
    group: "server",
    summary: "Returns the number of entries in the slow log.",
    since: "2.2.12",
};

const RESET: Command = Command {
    name: "slowlog|reset",
    arity: 2,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(reset),
    group: "server",
    summary: "Clears all entries from the slow log.",
    since: "2.2.12",
};

const HELP: Command = Command {
    name: "slowlog|help",
    arity: 2,
    flags: flags::LOADING | flags::STALE,
    keys: KeySpec::None,
    run: Run::Conn(help),
    group: "server",
    summary: "Returns helpful text about the different subcommands.",
    since: "6.2.0",
};

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(run_subcommand(conn, SUBCOMMANDS, args))
}

fn get(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            String::from_utf8_lossy(&args[1]),
            String::from_utf8_lossy(&args[0]).to_ascii_uppercase()
        )));
    }
    let count = match args.get(2) {
        None => 10,
        Some(a) => {
            let n = parse_int(a)
                .ok()
                .filter(|&n| n >= -1)
                .ok_or(ReplyError::text("ERR count should be greater than or equal to -1"))?;
            if n == -1 {
                usize::MAX
            } else {
                n as usize
            }
        }
    };
    let entries = conn.server.slowlog.get(count);
    let out = &mut conn.out;
    out.array(entries.len());
    for e in &entries {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time as i64);
        out.int(e.micros as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
    Ok(())
}

fn len(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.int(conn.server.slowlog.len() as i64);
    Ok(())
}

fn reset(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.server.slowlog.reset();
    conn.out.ok();
    Ok(())
}

fn help(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    reply_help(
        &mut conn.out,
        &args[0],
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}
