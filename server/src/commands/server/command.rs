//! COMMAND, COMMAND COUNT / LIST / INFO / DOCS / GETKEYS / GETKEYSANDFLAGS:
//! the command table described in Redis 7's reply shapes.
//!
//! The table records each command's name, arity, flags, key positions,
//! group, summary and version. ACL categories are derived from the flags and
//! the group; key specs from the key positions (their flags only say
//! whether the command writes: `RW`, or reads: `RO`).

use super::describe::{categories, every_name, find, is_container, key_flag, write_docs, write_info};
use super::SERVER;
use crate::commands::prelude::*;
use crate::commands::{self, find_subcommand, reply_help};

/// `COMMAND [subcommand ...]`.
pub const COMMAND: Command = SERVER
    .command("command", -1, Run::Conn(run))
    .flags(FLAGS)
    .doc("2.8.13", "Returns detailed information about all commands.");

/// COMMAND's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&COUNT, &LIST, &INFO, &DOCS, &GETKEYS, &GETKEYSANDFLAGS, &HELP];

/// Every subcommand of COMMAND, like COMMAND itself, may run while loading
/// and on a stale replica.
const FLAGS: Flags = Flags::LOADING.union(Flags::STALE);

const COUNT: Command =
    SERVER.command("command|count", 2, Run::Conn(count)).flags(FLAGS).doc("2.8.13", "Returns a count of commands.");

const LIST: Command =
    SERVER.command("command|list", -2, Run::Conn(list)).flags(FLAGS).doc("7.0.0", "Returns a list of command names.");

const INFO: Command = SERVER
    .command("command|info", -2, Run::Conn(info))
    .flags(FLAGS)
    .doc("2.8.13", "Returns information about one, multiple or all commands.");

const DOCS: Command = SERVER
    .command("command|docs", -2, Run::Conn(docs))
    .flags(FLAGS)
    .doc("7.0.0", "Returns documentary information about one, multiple or all commands.");

const GETKEYS: Command = SERVER
    .command("command|getkeys", -4, Run::Conn(getkeys))
    .flags(FLAGS)
    .doc("2.8.13", "Extracts the key names from an arbitrary command.");

const GETKEYSANDFLAGS: Command = SERVER
    .command("command|getkeysandflags", -4, Run::Conn(getkeysandflags))
    .flags(FLAGS)
    .doc("7.0.0", "Extracts the key names and access flags for an arbitrary command.");

const HELP: Command = SERVER
    .command("command|help", 2, Run::Conn(help))
    .flags(FLAGS)
    .doc("5.0.0", "Returns helpful text about the different subcommands.");

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    if args.len() == 1 {
        let all: Vec<&Command> = commands::all().collect();
        conn.out.array(all.len());
        for c in all {
            write_info(&mut conn.out, c);
        }
        return Ok(());
    }
    let cmd = find_subcommand(SUBCOMMANDS, args)?;
    conn.client.last_cmd.set(cmd.name);
    match cmd.run {
        Run::Conn(f) => f(conn, args),
        _ => Err(ReplyError::text("ERR subcommand cannot run on the connection")),
    }
}

fn count(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.int(commands::all().count() as i64);
    Ok(())
}

fn list(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    enum Filter {
        All,
        None,
        Category(String),
        Pattern(Vec<u8>),
    }
    let filter = match args.len() {
        2 => Filter::All,
        5 if crate::cmd::eq_ic(&args[2], "filterby") => {
            let (kind, value) = (&args[3], &args[4]);
            if crate::cmd::eq_ic(kind, "module") {
                // No modules are loaded.
                Filter::None
            } else if crate::cmd::eq_ic(kind, "aclcat") {
                let mut cat = String::from("@");
                cat.push_str(&String::from_utf8_lossy(value).to_ascii_lowercase());
                Filter::Category(cat)
            } else if crate::cmd::eq_ic(kind, "pattern") {
                Filter::Pattern(value.to_ascii_lowercase())
            } else {
                return Err(ReplyError::syntax());
            }
        }
        _ => return Err(ReplyError::syntax()),
    };
    let names: Vec<&str> = every_name()
        .filter(|c| match &filter {
            Filter::All => true,
            Filter::None => false,
            Filter::Category(cat) => categories(c).contains(&cat.as_str()),
            Filter::Pattern(p) => coreshard_engine::glob::matches(p, c.name.as_bytes()),
        })
        .map(|c| c.name)
        .collect();
    conn.out.array(names.len());
    for n in names {
        conn.out.bulk(n.as_bytes());
    }
    Ok(())
}

fn info(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        let all: Vec<&Command> = commands::all().collect();
        conn.out.array(all.len());
        for c in all {
            write_info(&mut conn.out, c);
        }
        return Ok(());
    }
    conn.out.array(args.len() - 2);
    for name in &args[2..] {
        match find(name) {
            Some(c) => write_info(&mut conn.out, c),
            None => conn.out.null(),
        }
    }
    Ok(())
}

fn docs(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let found: Vec<&Command> =
        if args.len() == 2 { commands::all().collect() } else { args[2..].iter().filter_map(|n| find(n)).collect() };
    conn.out.map(found.len());
    for c in found {
        conn.out.bulk(c.name.as_bytes());
        write_docs(&mut conn.out, c);
    }
    Ok(())
}

/// The command GETKEYS is asked about, and the positions of its keys.
fn keys_of(args: &[Bytes]) -> Result<(&'static Command, Vec<usize>), ReplyError> {
    let full = &args[2..];
    let mut cmd = find(&full[0]).ok_or(ReplyError::text("ERR Invalid command specified"))?;
    if is_container(cmd) && full.len() >= 2 {
        cmd = find_subcommand(commands::subcommands(cmd.name), full)
            .map_err(|_| ReplyError::text("ERR Invalid command specified"))?;
    }
    if cmd.keys == KeySpec::None {
        return Err(ReplyError::text("ERR The command has no key arguments"));
    }
    if !cmd.arity_ok(full.len()) {
        return Err(ReplyError::text("ERR Invalid number of arguments specified for command"));
    }
    let positions = cmd.keys.positions(full);
    if positions.is_empty() {
        return Err(ReplyError::text("ERR Invalid arguments specified for command"));
    }
    Ok((cmd, positions))
}

fn getkeys(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let (_, positions) = keys_of(args)?;
    conn.out.array(positions.len());
    for i in positions {
        conn.out.bulk(&args[2 + i]);
    }
    Ok(())
}

fn getkeysandflags(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let (cmd, positions) = keys_of(args)?;
    conn.out.array(positions.len());
    for i in positions {
        conn.out.array(2);
        conn.out.bulk(&args[2 + i]);
        conn.out.set(1);
        conn.out.simple(key_flag(cmd));
    }
    Ok(())
}

fn help(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    reply_help(
        &mut conn.out,
        &args[0],
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getkeys_errors() {
        let args = |v: &[&str]| v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect::<Vec<_>>();
        assert_eq!(
            keys_of(&args(&["command", "getkeys", "nosuch", "a"])).err().map(|e| e.0).unwrap_or_default(),
            "ERR Invalid command specified"
        );
        assert_eq!(
            keys_of(&args(&["command", "getkeys", "ping", "a"])).err().map(|e| e.0).unwrap_or_default(),
            "ERR The command has no key arguments"
        );
        assert_eq!(
            keys_of(&args(&["command", "getkeys", "get", "a", "b"])).err().map(|e| e.0).unwrap_or_default(),
            "ERR Invalid number of arguments specified for command"
        );
        assert_eq!(keys_of(&args(&["command", "getkeys", "set", "k", "v"])).unwrap().1, vec![1]);
        assert_eq!(keys_of(&args(&["command", "getkeys", "memory", "usage", "k"])).unwrap().1, vec![2]);
    }
}
