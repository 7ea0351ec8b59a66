use super::CONNECTION;
use crate::commands::prelude::*;

/// `ECHO message`.
pub const ECHO: Command =
    CONNECTION.command("echo", 2, Run::Conn(run)).flags(Flags::FAST).doc("1.0.0", "Returns the given string.");

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    conn.out.bulk(&args[1]);
    Ok(())
}
