use super::CONNECTION;
use crate::commands::prelude::*;

/// `AUTH [username] password`.
pub const AUTH: Command = CONNECTION
    .command("auth", -2, Run::Conn(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST).union(Flags::NO_AUTH))
    .doc("1.0.0", "Authenticates the connection.");

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
    super::authenticate(&conn.server, user, password)?;
    conn.set_authed(true);
    conn.out.ok();
    Ok(())
}
