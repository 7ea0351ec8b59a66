use super::CONNECTION;
use crate::commands::prelude::*;
use crate::conn::TxState;

/// `RESET`: back to a fresh connection's state.
pub const RESET: Command = CONNECTION
    .command("reset", 1, Run::Async(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST).union(Flags::NO_AUTH))
    .internal(Internal::PUBSUB_OK.union(Internal::TXN_CONTROL))
    .doc("6.2.0", "Resets the connection.");

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        reset(conn).await;
        conn.out.simple("RESET");
        Ok(())
    })
}

/// As Redis's `clearClientConnectionState`: discards MULTI and WATCHes,
/// leaves every subscription, forgets the name, selects db 0, goes back to
/// RESP2, leaves READONLY mode and re-applies the default authentication
/// (so with a password set the client must AUTH again).
async fn reset(conn: &mut Conn) {
    // Subscriptions, watches and blocked waits registered on other cores.
    crate::commands::on_disconnect(conn).await;
    conn.tx = TxState::default();
    conn.subs.channels.clear();
    conn.subs.patterns.clear();
    conn.readonly = false;
    conn.db = 0;
    conn.set_resp3(false).await;
    let authed = conn.server.settings().requirepass.is_none();
    conn.set_authed(authed);
    let c = &conn.client;
    c.multi.set(-1);
    c.sub.set(0);
    c.psub.set(0);
    c.db.set(0);
    *c.name.borrow_mut() = None;
}
