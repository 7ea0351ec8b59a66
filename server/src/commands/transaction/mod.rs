//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Commands sent after MULTI are queued by the connection (`conn.rs`
//! `dispatch`); EXEC runs them atomically and isolated from every other
//! client, even when their keys live on several shards (see `exec.rs`).
//! WATCH registers the connection's [`WatchFlag`](crate::keyevents::WatchFlag)
//! with the shard owning each key; any change to the key sets it, and EXEC
//! then runs nothing.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;

use crate::cmd::Command;
use crate::conn::Conn;
use crate::keyevents::{self, WatchFlag};

mod discard;
mod exec;
mod multi;
mod watch;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&multi::MULTI, &exec::EXEC, &discard::DISCARD, &watch::WATCH, &watch::UNWATCH];

/// The watched keys grouped by owning shard.
fn watched_by_shard(conn: &Conn) -> Vec<(usize, Vec<(u8, Bytes)>)> {
    let router = conn.ctx.router();
    let mut groups: Vec<(usize, Vec<(u8, Bytes)>)> = Vec::new();
    for (db, key) in &conn.watched {
        let shard = router.shard_of(key);
        match groups.iter_mut().find(|(s, _)| *s == shard) {
            Some((_, keys)) => keys.push((*db, key.clone())),
            None => groups.push((shard, vec![(*db, key.clone())])),
        }
    }
    groups
}

/// Forgets every watched key (UNWATCH, DISCARD, EXEC, RESET, disconnect):
/// unregisters them on their shards and starts a fresh flag.
pub async fn unwatch_all(conn: &mut Conn) {
    if conn.watched.is_empty() {
        if conn.watch_flag.is_set() {
            conn.watch_flag = Arc::new(WatchFlag::default());
        }
        return;
    }
    let groups = watched_by_shard(conn);
    let flag = conn.watch_flag.clone();
    let calls = groups.into_iter().map(|(shard, keys)| {
        let flag = flag.clone();
        conn.ctx.call(shard, move |_| {
            for (db, key) in &keys {
                keyevents::unwatch(*db, key, &flag);
            }
        })
    });
    // A shard that stopped has nothing left to unregister.
    let _ = join_all(calls).await;
    forget_watches(conn);
}

/// Clears the connection's watch state once its keys are unregistered.
fn forget_watches(conn: &mut Conn) {
    conn.watched.clear();
    conn.watch_flag = Arc::new(WatchFlag::default());
}

/// Leaves MULTI and forgets watched keys (DISCARD, RESET).
pub async fn discard(conn: &mut Conn) {
    conn.multi = None;
    conn.client.multi.set(-1);
    unwatch_all(conn).await;
}

/// Releases a closing connection's watches.
pub async fn on_disconnect(conn: &mut Conn) {
    discard(conn).await;
}
