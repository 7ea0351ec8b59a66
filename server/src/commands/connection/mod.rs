//! Connection commands: PING, ECHO, SELECT, QUIT, AUTH, HELLO, RESET,
//! CLIENT, and the cluster connection modes READONLY, READWRITE, ASKING.

use crate::cmd::{Command, Family, ReplyError};
use crate::server::ServerState;

mod auth;
mod client;
mod client_list;
mod echo;
mod hello;
mod ping;
mod quit;
mod readonly;
mod reset;
mod select;

/// The family's defaults.
const CONNECTION: Family = Family::new("connection");

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &ping::PING,
    &echo::ECHO,
    &quit::QUIT,
    &select::SELECT,
    &auth::AUTH,
    &hello::HELLO,
    &reset::RESET,
    &client::CLIENT,
    &readonly::READONLY,
    &readonly::READWRITE,
    &readonly::ASKING,
];

/// CLIENT's subcommands.
pub const CLIENT_SUBCOMMANDS: &[&Command] = client::SUBCOMMANDS;

/// `WRONGPASS ...`, for a bad user name or password.
const WRONGPASS: ReplyError = ReplyError::text("WRONGPASS invalid username-password pair or user is disabled.");

/// Compares in time independent of where the inputs first differ, so the
/// password cannot be guessed byte by byte from response times.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// Checks a user name and password. There is one user, `default`: with no
/// `requirepass` any password is accepted for it (as Redis's `nopass`),
/// otherwise it must be `requirepass`.
fn authenticate(server: &ServerState, user: &[u8], password: &[u8]) -> Result<(), ReplyError> {
    if user != b"default" {
        return Err(WRONGPASS);
    }
    let ok = server.settings().requirepass.as_ref().is_none_or(|p| same_secret(p.as_bytes(), password));
    if ok {
        Ok(())
    } else {
        Err(WRONGPASS)
    }
}

/// Whether `name` may name a client (or a library): printable ASCII
/// without spaces, so CLIENT LIST stays splittable on spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::{same_secret, valid_name};

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"pass", b"pass"));
        assert!(!same_secret(b"pass", b"pasS"));
        assert!(!same_secret(b"pass", b"pass1"));
        assert!(!same_secret(b"pass1", b"pass"));
        assert!(!same_secret(b"", b"x"));
        assert!(same_secret(b"", b""));
    }

    #[test]
    fn names_are_printable_without_spaces() {
        assert!(valid_name(b"worker-1"));
        assert!(valid_name(b""));
        assert!(!valid_name(b"a b"));
        assert!(!valid_name(b"a\nb"));
        assert!(!valid_name("é".as_bytes()));
    }
}
