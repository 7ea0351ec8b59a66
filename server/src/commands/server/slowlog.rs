use super::SERVER;
use crate::commands::prelude::*;
use crate::commands::{reply_help, run_subcommand};

/// `SLOWLOG subcommand ...`.
pub const SLOWLOG: Command =
    SERVER.command("slowlog", -2, Run::Async(run)).doc("2.2.12", "A container for slow log commands.");

/// SLOWLOG's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&GET, &LEN, &RESET, &HELP];

const FLAGS: Flags = Flags::ADMIN.union(Flags::LOADING).union(Flags::STALE);

const GET: Command =
    SERVER.command("slowlog|get", -2, Run::Conn(get)).flags(FLAGS).doc("2.2.12", "Returns the slow log's entries.");

const LEN: Command = SERVER
    .command("slowlog|len", 2, Run::Conn(len))
    .flags(FLAGS)
    .doc("2.2.12", "Returns the number of entries in the slow log.");

const RESET: Command = SERVER
    .command("slowlog|reset", 2, Run::Conn(reset))
    .flags(FLAGS)
    .doc("2.2.12", "Clears all entries from the slow log.");

const HELP: Command = SERVER
    .command("slowlog|help", 2, Run::Conn(help))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("6.2.0", "Returns helpful text about the different subcommands.");

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
