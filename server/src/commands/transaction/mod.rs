//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Commands sent after MULTI are queued by the connection
//! (`conn/dispatch.rs`); EXEC runs them atomically and isolated from every
//! other client, even when their keys live on several shards (see `exec.rs`).
//! WATCH registers the connection's [`WatchFlag`](crate::keyevents::WatchFlag)
//! with the shard owning each key; any change to the key sets it, and EXEC
//! then runs nothing.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;

use crate::cmd::{Command, Family};
use crate::conn::Conn;
use crate::core_state::on_core;
use crate::keyevents::WatchFlag;

mod discard;
mod exec;
mod multi;
mod watch;

/// The family's defaults.
const TRANSACTION: Family = Family::new("transaction");

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&multi::MULTI, &exec::EXEC, &discard::DISCARD, &watch::WATCH, &watch::UNWATCH];

/// The watched keys grouped by the shard owning them, in shard order.
fn watched_by_shard(conn: &Conn) -> Vec<(usize, Vec<(u8, Bytes)>)> {
    let route = conn.ctx.router().route(conn.tx.watched.iter().map(|(_, k)| &k[..]));
    route
        .group(conn.tx.watched.iter().cloned())
        .into_iter()
        .map(|(s, g)| (s, g.into_iter().map(|(_, k)| k).collect()))
        .collect()
}

/// Forgets every watched key, on the shards too.
pub async fn unwatch_all(conn: &mut Conn) {
    if conn.tx.watched.is_empty() {
        if conn.tx.watch_flag.is_set() {
            conn.tx.watch_flag = Arc::new(WatchFlag::default());
        }
        return;
    }
    let groups = watched_by_shard(conn);
    let flag = conn.tx.watch_flag.clone();
    let calls = groups.into_iter().map(|(shard, keys)| {
        let flag = flag.clone();
        on_core(&conn.ctx, shard, move |core, _| {
            for (db, key) in &keys {
                core.keys.unwatch(*db, key, &flag);
            }
        })
    });
    // A shard that stopped has nothing left to unregister.
    let _ = join_all(calls).await;
    forget_watches(conn);
}

/// Forgets the watched keys on the connection (the shards forgot them).
fn forget_watches(conn: &mut Conn) {
    conn.tx.watched.clear();
    conn.tx.watch_flag = Arc::new(WatchFlag::default());
}

/// Ends MULTI (if any) and every WATCH.
pub async fn discard(conn: &mut Conn) {
    conn.tx.multi = None;
    conn.client.multi.set(-1);
    unwatch_all(conn).await;
}

/// Releases a closing connection's watches.
pub async fn on_disconnect(conn: &mut Conn) {
    discard(conn).await;
}
