use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::conn::Conn;

/// `ECHO message`.
pub const ECHO: Command = Command {
    name: "echo",
    arity: 2,
    flags: flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "connection",
    summary: "Returns the given string.",
    since: "1.0.0",
};

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    conn.out.bulk(&args[1]);
    Ok(())
}
