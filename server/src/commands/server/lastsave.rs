use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::conn::Conn;

/// `LASTSAVE`.
pub const LASTSAVE: Command = Command {
    name: "lastsave",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "server",
    summary: "Returns the Unix timestamp of the last successful save to disk.",
    since: "1.0.0",
};

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    // No snapshot is ever written, so as in Redis before its first save this
    // is the start time.
    conn.out.int(conn.server.started_unix as i64);
    Ok(())
}
