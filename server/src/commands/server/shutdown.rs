use super::SERVER;
use crate::commands::prelude::*;

/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]`.
pub const SHUTDOWN: Command = SERVER
    .command("shutdown", -1, Run::Conn(run))
    .flags(Flags::ADMIN.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE).union(Flags::NO_MULTI))
    .doc("1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.");

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let (mut save, mut nosave, mut abort, mut other) = (false, false, false, false);
    for a in &args[1..] {
        if eq_ic(a, "nosave") {
            nosave = true;
        } else if eq_ic(a, "save") {
            save = true;
        } else if eq_ic(a, "now") || eq_ic(a, "force") {
            other = true;
        } else if eq_ic(a, "abort") {
            abort = true;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    if (abort && (save || nosave || other)) || (save && nosave) {
        return Err(ReplyError::syntax());
    }
    if abort {
        // Shutdown starts at once and cannot be interrupted.
        return Err(ReplyError::text("ERR No shutdown in progress."));
    }
    tracing::warn!(client = conn.client.id, addr = %conn.client.addr, "SHUTDOWN requested by a client");
    // Every core stops accepting, each connection finishes what it has
    // read, then the process exits. As in Redis, this client gets no reply.
    conn.server.request_shutdown();
    conn.closing = true;
    Ok(())
}
