//! The command table: one file per command, grouped by family.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::cmd::Command;
use crate::conn::Conn;

pub mod collection;
pub mod connection;
pub mod hash;
pub mod keys;
pub mod list;
pub mod pubsub;
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
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
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

/// Releases what a closing connection holds elsewhere (subscriptions,
/// watches, blocked waits).
pub async fn on_disconnect(conn: &mut Conn) {
    crate::pubsub::on_disconnect(conn);
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
}
