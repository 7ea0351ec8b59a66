//! The command table, by family (`string/`, `list/`, ...).
//!
//! One file per command, or per group of closely related commands that
//! share their parsing and differ only by a parameter (LPUSH/RPUSH/LPUSHX/
//! RPUSHX, INCR/DECR/INCRBY/DECRBY, SETEX/PSETEX, ...), named after the
//! group (a command named like its family takes `_cmd`: `keys_cmd.rs`). No
//! file only delegates: shared code lives in the file of the commands that
//! use it, and a family's `mod.rs` holds only the family's table, its
//! [`Family`](crate::cmd::Family) defaults, and helpers used by several of
//! its files. A command file starts with `use crate::commands::prelude::*;`
//! and its [`Command`] values, declared from the family's defaults.

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;

use crate::cmd::{CmdResult, Command, ReplyError, Run};
use crate::conn::Conn;
use crate::resp::ReplyBuf;

pub mod cluster;
pub mod collection;
pub mod connection;
#[cfg(test)]
mod faults;
pub mod hash;
pub mod keys;
pub mod list;
pub mod prelude;
pub mod pubsub;
pub mod server;
pub mod set;
pub mod string;
pub mod transaction;
pub mod zset;

/// Every family's commands.
const FAMILIES: &[&[&Command]] = &[
    connection::COMMANDS,
    string::COMMANDS,
    keys::COMMANDS,
    list::COMMANDS,
    pubsub::COMMANDS,
    transaction::COMMANDS,
    server::COMMANDS,
    cluster::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    #[cfg(test)]
    faults::COMMANDS,
];

/// Container commands and their subcommands (each a full [`Command`]
/// named `container|sub`), for dispatch and for COMMAND INFO/DOCS/LIST.
const CONTAINERS: &[(&str, &[&Command])] = &[
    ("client", connection::CLIENT_SUBCOMMANDS),
    ("cluster", cluster::CLUSTER_SUBCOMMANDS),
    ("command", server::COMMAND_SUBCOMMANDS),
    ("config", server::CONFIG_SUBCOMMANDS),
    ("memory", server::MEMORY_SUBCOMMANDS),
    ("slowlog", server::SLOWLOG_SUBCOMMANDS),
];

type Table = HashMap<&'static str, &'static Command, ahash::RandomState>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| all().map(|c| (c.name, c)).collect())
}

/// Every command, in family order.
pub fn all() -> impl Iterator<Item = &'static Command> {
    FAMILIES.iter().flat_map(|f| f.iter().copied())
}

/// Finds a command by name, ignoring case.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static Command> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    table().get(std::str::from_utf8(lower).ok()?).copied()
}

/// The subcommands of container command `name` (empty for other commands).
pub fn subcommands(name: &str) -> &'static [&'static Command] {
    CONTAINERS.iter().find(|(c, _)| *c == name).map_or(&[], |(_, subs)| subs)
}

/// Finds the subcommand `args[1]` of a container command among `subs` and
/// checks its arity, with Redis's errors for an unknown subcommand and for
/// a wrong number of arguments.
pub fn find_subcommand(subs: &'static [&'static Command], args: &[Bytes]) -> Result<&'static Command, ReplyError> {
    let sub = &args[1];
    let found = subs.iter().copied().find(|c| {
        c.name.split_once('|').is_some_and(|(_, s)| s.len() == sub.len() && s.as_bytes().eq_ignore_ascii_case(sub))
    });
    let Some(cmd) = found else {
        let shown = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
        let container = String::from_utf8_lossy(&args[0]).to_ascii_uppercase();
        return Err(ReplyError::owned(format!("ERR unknown subcommand '{shown}'. Try {container} HELP.")));
    };
    if !cmd.arity_ok(args.len()) {
        return Err(ReplyError::arity(cmd.name));
    }
    Ok(cmd)
}

/// Runs subcommand `args[1]` of a container whose subcommands run on the
/// connection (`Run::Conn` or `Run::Async`).
pub async fn run_subcommand(conn: &mut Conn, subs: &'static [&'static Command], args: Vec<Bytes>) -> CmdResult {
    let cmd = find_subcommand(subs, &args)?;
    run_found_subcommand(conn, cmd, args).await
}

/// Runs subcommand `cmd`, found by [`find_subcommand`], on the connection.
pub async fn run_found_subcommand(conn: &mut Conn, cmd: &'static Command, args: Vec<Bytes>) -> CmdResult {
    conn.client.last_cmd.set(cmd.name);
    match cmd.run {
        Run::Conn(f) => f(conn, &args),
        Run::Async(f) => f(conn, args).await,
        Run::Shard(_) | Run::Keyed { .. } | Run::Blocking { .. } => {
            Err(ReplyError::text("ERR subcommand cannot run on the connection"))
        }
    }
}

/// Redis's HELP reply: a header naming the container (as the client
/// typed it, upper-cased), the subcommand lines, then HELP itself.
pub fn reply_help(out: &mut ReplyBuf, container: &[u8], lines: &[&str]) {
    out.array(lines.len() + 3);
    let mut header = String::from_utf8_lossy(container).to_ascii_uppercase();
    header.push_str(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    out.simple(&header);
    for l in lines {
        out.simple(l);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// Releases what a closing connection holds elsewhere (subscriptions,
/// watches, blocked waits).
pub async fn on_disconnect(conn: &mut Conn) {
    crate::pubsub::unsubscribe_all(conn);
    transaction::on_disconnect(conn).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lowercase_and_found_in_any_case() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            assert_eq!(c.name, c.name.to_ascii_lowercase(), "{}", c.name);
            assert!(seen.insert(c.name), "duplicate command {}", c.name);
            assert!(std::ptr::eq(lookup(c.name.to_ascii_uppercase().as_bytes()).unwrap(), c));
        }
        assert!(lookup(b"nosuchcommand").is_none());
        assert!(lookup(&[b'a'; 100]).is_none());
    }

    #[test]
    fn every_command_and_subcommand_is_documented() {
        for c in all().flat_map(|c| std::iter::once(c).chain(subcommands(c.name).iter().copied())) {
            assert!(!c.summary.is_empty() && !c.since.is_empty() && !c.group.is_empty(), "{}", c.name);
        }
    }

    #[test]
    fn subcommands_are_named_after_their_container() {
        for (container, subs) in CONTAINERS {
            let cmd = lookup(container.as_bytes()).unwrap();
            assert_eq!(subcommands(container).len(), subs.len());
            assert!(cmd.arity < 0, "{container} takes a subcommand");
            let mut seen = std::collections::HashSet::new();
            for s in subs.iter() {
                let (c, sub) = s.name.split_once('|').unwrap();
                assert_eq!(c, *container);
                assert_eq!(sub, sub.to_ascii_lowercase());
                assert!(seen.insert(sub), "duplicate {}", s.name);
                assert!(s.arity.unsigned_abs() >= 2, "{}", s.name);
            }
            assert!(seen.contains("help"), "{container} has HELP");
        }
        assert!(subcommands("get").is_empty());
    }

    #[test]
    fn subcommand_lookup_and_errors() {
        let args = |v: &[&str]| v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect::<Vec<_>>();
        let subs = subcommands("client");
        assert_eq!(find_subcommand(subs, &args(&["client", "GetName"])).unwrap().name, "client|getname");
        assert_eq!(
            find_subcommand(subs, &args(&["Client", "nope"])).err().map(|e| e.0).unwrap_or_default(),
            "ERR unknown subcommand 'nope'. Try CLIENT HELP."
        );
        assert_eq!(
            find_subcommand(subs, &args(&["client", "getname", "x"])).err().map(|e| e.0).unwrap_or_default(),
            "ERR wrong number of arguments for 'client|getname' command"
        );
    }
}
