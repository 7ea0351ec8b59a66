use super::TRANSACTION;
use crate::commands::prelude::*;
use crate::conn::MultiState;

/// `MULTI`.
pub const MULTI: Command = TRANSACTION
    .command("multi", 1, Run::Conn(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST))
    .internal(Internal::TXN_CONTROL)
    .doc("1.2.0", "Starts a transaction.");

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    if conn.tx.multi.is_some() {
        return Err(ReplyError::text("ERR MULTI calls can not be nested"));
    }
    conn.tx.multi = Some(MultiState::default());
    conn.client.multi.set(0);
    conn.out.ok();
    Ok(())
}
