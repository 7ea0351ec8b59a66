use super::SERVER;
use crate::commands::prelude::*;

/// `LASTSAVE`.
pub const LASTSAVE: Command = SERVER
    .command("lastsave", 1, Run::Conn(run))
    .flags(Flags::LOADING.union(Flags::STALE).union(Flags::FAST))
    .doc("1.0.0", "Returns the Unix timestamp of the last successful save to disk.");

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    // Before the first save, the start time (as Redis after loading).
    conn.out.int(conn.server.snapshots.lastsave.load(std::sync::atomic::Ordering::Relaxed) as i64);
    Ok(())
}
