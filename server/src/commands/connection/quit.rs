use super::CONNECTION;
use crate::commands::prelude::*;

/// `QUIT`: replies OK and closes the connection once replies are written.
pub const QUIT: Command = CONNECTION
    .command("quit", -1, Run::Conn(run))
    .flags(Flags::FAST.union(Flags::NO_AUTH).union(Flags::STALE))
    .internal(Internal::PUBSUB_OK.union(Internal::TXN_CONTROL))
    .doc("1.0.0", "Closes the connection.");

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.ok();
    conn.closing = true;
    Ok(())
}
