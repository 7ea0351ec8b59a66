use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, ReplyError, Run};
use crate::conn::Conn;
use crate::server::ServerState;

/// `AUTH [username] password`.
pub const AUTH: Command = Command {
    name: "auth",
    arity: -2,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::NO_AUTH,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "connection",
    summary: "Authenticates the connection.",
    since: "1.0.0",
};

/// `WRONGPASS ...`, for a bad user name or password.
pub const WRONGPASS: ReplyError = ReplyError::text("WRONGPASS invalid username-password pair or user is disabled.");

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
pub fn authenticate(server: &ServerState, user: &[u8], password: &[u8]) -> Result<(), ReplyError> {
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

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::syntax());
    }
    let (user, password) = if args.len() == 2 {
        if conn.server.settings().requirepass.is_none() {
            return Err(ReplyError::text(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        (&b"default"[..], &args[1][..])
    } else {
        (&args[1][..], &args[2][..])
    };
    // A failed attempt leaves an already authenticated client as it was.
    authenticate(&conn.server, user, password)?;
    conn.set_authed(true);
    conn.out.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"pass", b"pass"));
        assert!(!same_secret(b"pass", b"pasS"));
        assert!(!same_secret(b"pass", b"pass1"));
        assert!(!same_secret(b"pass1", b"pass"));
        assert!(!same_secret(b"", b"x"));
        assert!(same_secret(b"", b""));
    }
}
