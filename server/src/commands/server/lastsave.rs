use super::SERVER;
use crate::commands::prelude::*;

/// `LASTSAVE`.
pub const LASTSAVE: Command = SERVER
    .command("lastsave", 1, Run::Conn(run))
    .flags(Flags::LOADING.union(Flags::STALE).union(Flags::FAST))
    .doc("1.0.0", "Returns the Unix timestamp of the last successful save to disk.");

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    // No snapshot is ever written, so as in Redis before its first save this
    // is the start time.
    conn.out.int(conn.server.started_unix as i64);
    Ok(())
}
