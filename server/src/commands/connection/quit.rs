use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::conn::Conn;

/// `QUIT`: replies OK and closes the connection once replies are written.
pub const QUIT: Command = Command {
    name: "quit",
    arity: -1,
    flags: flags::FAST | flags::NO_AUTH | flags::STALE | flags::PUBSUB_OK | flags::TXN_CONTROL,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "connection",
    summary: "Closes the connection.",
    since: "1.0.0",
};

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.ok();
    conn.closing = true;
    Ok(())
}
