use super::TRANSACTION;
use crate::commands::prelude::*;

/// `DISCARD`.
pub const DISCARD: Command = TRANSACTION
    .command("discard", 1, Run::Async(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST))
    .internal(Internal::TXN_CONTROL)
    .doc("2.0.0", "Discards a transaction.");

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
