use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::conn::Conn;

/// `DISCARD`.
pub const DISCARD: Command = Command {
    name: "discard",
    arity: 1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::TXN_CONTROL,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "transaction",
    summary: "Discards a transaction.",
    since: "2.0.0",
};

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        if conn.tx.multi.is_none() {
            return Err(ReplyError::text("ERR DISCARD without MULTI"));
        }
        super::discard(conn).await;
        conn.out.ok();
        CmdResult::Ok(())
    })
}
