//! COMMAND, COMMAND COUNT / LIST / INFO / DOCS / GETKEYS / GETKEYSANDFLAGS:
//! the command table described in Redis 7's reply shapes.
//!
//! The table records each command's name, arity, flags, key positions,
//! group, summary and version. ACL categories are derived from the flags and
//! the group; key specs from the key positions (their flags only say
//! whether the command writes: `RW`, or reads: `RO`).

use super::SERVER;
use crate::cmd::flags;
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

/// Every command and subcommand, in table order.
fn every_name() -> impl Iterator<Item = &'static Command> {
    commands::all().flat_map(|c| std::iter::once(c).chain(commands::subcommands(c.name).iter().copied()))
}

/// Finds a command by name, or a subcommand by `container|sub`.
fn find(name: &[u8]) -> Option<&'static Command> {
    let lower = name.to_ascii_lowercase();
    match lower.iter().position(|&b| b == b'|') {
        None => commands::lookup(&lower),
        Some(_) => every_name().find(|c| c.name.as_bytes() == lower),
    }
}

/// ACL categories, in Redis's order.
fn categories(c: &Command) -> Vec<&'static str> {
    let mut v = Vec::new();
    let group = c.group;
    if group == "generic" {
        v.push("@keyspace");
    }
    if c.flags.contains(Flags::READONLY) {
        v.push("@read");
    }
    if c.flags.contains(Flags::WRITE) {
        v.push("@write");
    }
    match group {
        "set" => v.push("@set"),
        "sorted_set" | "sorted-set" => v.push("@sortedset"),
        "list" => v.push("@list"),
        "hash" => v.push("@hash"),
        "string" => v.push("@string"),
        "bitmap" => v.push("@bitmap"),
        "hyperloglog" => v.push("@hyperloglog"),
        "geo" => v.push("@geo"),
        "stream" => v.push("@stream"),
        _ => {}
    }
    if c.flags.contains(Flags::PUBSUB) || group == "pubsub" {
        v.push("@pubsub");
    }
    if c.flags.contains(Flags::ADMIN) {
        v.push("@admin");
    }
    v.push(if c.flags.contains(Flags::FAST) { "@fast" } else { "@slow" });
    if c.flags.contains(Flags::BLOCKING) {
        v.push("@blocking");
    }
    if c.flags.contains(Flags::ADMIN) {
        v.push("@dangerous");
    }
    match group {
        "connection" => v.push("@connection"),
        "transactions" => v.push("@transaction"),
        "scripting" => v.push("@scripting"),
        _ => {}
    }
    v
}

fn is_container(c: &Command) -> bool {
    !commands::subcommands(c.name).is_empty()
}

/// Writes one COMMAND INFO entry: name, arity, flags, first key, last key,
/// step, ACL categories, tips, key specs, subcommands.
fn write_info(out: &mut ReplyBuf, c: &Command) {
    let container = is_container(c);
    out.array(10);
    out.bulk(c.name.as_bytes());
    out.int(i64::from(c.arity));
    let names: Vec<&str> = flags::NAMES.iter().filter(|(f, _)| c.flags.contains(*f)).map(|(_, n)| *n).collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    let (first, last, step) = if container { (0, 0, 0) } else { c.keys.legacy_triple() };
    out.int(first);
    out.int(last);
    out.int(step);
    let cats = categories(c);
    out.set(cats.len());
    for cat in cats {
        out.simple(cat);
    }
    out.set(0);
    if container {
        out.array(0);
    } else {
        write_key_specs(out, c);
    }
    let subs = commands::subcommands(c.name);
    out.array(subs.len());
    for s in subs {
        write_info(out, s);
    }
}

fn key_flag(c: &Command) -> &'static str {
    if c.flags.contains(Flags::WRITE) {
        "RW"
    } else {
        "RO"
    }
}

fn write_key_specs(out: &mut ReplyBuf, c: &Command) {
    let flag = key_flag(c);
    let index_spec = |out: &mut ReplyBuf, index: i64| {
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(index);
    };
    let range_spec = |out: &mut ReplyBuf, lastkey: i64, step: i64| {
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        out.int(lastkey);
        out.bulk(b"keystep");
        out.int(step);
        out.bulk(b"limit");
        out.int(0);
    };
    let flags_field = |out: &mut ReplyBuf| {
        out.bulk(b"flags");
        out.set(1);
        out.simple(flag);
    };
    match c.keys {
        KeySpec::None => out.array(0),
        KeySpec::Range { first, last, step } => {
            out.array(1);
            out.map(3);
            flags_field(out);
            index_spec(out, i64::from(first));
            let lastkey = if last < 0 { i64::from(last) } else { i64::from(last) - i64::from(first) };
            range_spec(out, lastkey, i64::from(step));
        }
        KeySpec::NumKeys { at, dest } => {
            out.array(if dest { 2 } else { 1 });
            if dest {
                out.map(3);
                flags_field(out);
                index_spec(out, 1);
                range_spec(out, 0, 1);
            }
            out.map(3);
            flags_field(out);
            index_spec(out, i64::from(at));
            out.bulk(b"find_keys");
            out.map(2);
            out.bulk(b"type");
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"keynumidx");
            out.int(0);
            out.bulk(b"firstkey");
            out.int(1);
            out.bulk(b"keystep");
            out.int(1);
        }
    }
}

/// Writes one COMMAND DOCS value: summary, since, group, and the
/// subcommands' docs.
fn write_docs(out: &mut ReplyBuf, c: &Command) {
    let subs = commands::subcommands(c.name);
    out.map(if subs.is_empty() { 3 } else { 4 });
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    if !subs.is_empty() {
        out.bulk(b"subcommands");
        out.map(subs.len());
        for s in subs {
            out.bulk(s.name.as_bytes());
            write_docs(out, s);
        }
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
    fn categories_follow_redis_order() {
        let get = commands::lookup(b"get").unwrap();
        assert_eq!(categories(get), vec!["@read", "@string", "@fast"]);
        let set = commands::lookup(b"set").unwrap();
        assert_eq!(categories(set), vec!["@write", "@string", "@slow"]);
        let kill = find(b"CLIENT|kill").unwrap();
        assert_eq!(categories(kill), vec!["@admin", "@slow", "@dangerous", "@connection"]);
    }

    #[test]
    fn get_info_matches_redis() {
        let mut out = ReplyBuf::new(false);
        write_info(&mut out, commands::lookup(b"get").unwrap());
        // Redis 7.0.15's COMMAND INFO GET, except key-spec flags (RO only) and the
        // category list (no @keyspace for string commands either way).
        let want = b"*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
        assert_eq!(String::from_utf8_lossy(out.as_bytes()), String::from_utf8_lossy(want));
    }

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
