use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, ReplyError, Run};
use crate::conn::{Conn, MultiState};

/// `MULTI`.
pub const MULTI: Command = Command {
    name: "multi",
    arity: 1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::TXN_CONTROL,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "transaction",
    summary: "Starts a transaction.",
    since: "1.2.0",
};

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    if conn.tx.multi.is_some() {
        return Err(ReplyError::text("ERR MULTI calls can not be nested"));
    }
    conn.tx.multi = Some(MultiState::default());
    conn.client.multi.set(0);
    conn.out.ok();
    Ok(())
}
