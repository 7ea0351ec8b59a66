//! SAVE, BGSAVE and BGREWRITEAOF: each shard writes its own snapshot (or
//! rewrites its own log) on its own thread, a slice at a time, while it
//! goes on serving; nothing forks and nothing stops.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use coreshard_engine::Pending;
use futures_util::future::join_all;

use super::SERVER;
use crate::commands::prelude::*;
use crate::persist::{self, RewriteError};
use crate::server::ServerState;

/// `SAVE`.
pub const SAVE: Command = SERVER
    .command("save", 1, Run::Async(save))
    .flags(Flags::ADMIN.union(Flags::NOSCRIPT).union(Flags::NO_MULTI))
    .doc("1.0.0", "Synchronously saves the database(s) to disk.");

/// `BGSAVE [SCHEDULE]`.
pub const BGSAVE: Command = SERVER
    .command("bgsave", -1, Run::Async(bgsave))
    .flags(Flags::ADMIN.union(Flags::NOSCRIPT))
    .doc("1.0.0", "Asynchronously saves the database(s) to disk.");

/// `BGREWRITEAOF`.
pub const BGREWRITEAOF: Command = SERVER
    .command("bgrewriteaof", 1, Run::Async(bgrewriteaof))
    .flags(Flags::ADMIN.union(Flags::NOSCRIPT))
    .doc("1.0.0", "Asynchronously rewrites the append-only file to disk.");

/// Starts a snapshot on every shard; the result resolves when all are
/// written. Fails when one is in progress.
fn start_saves(server: &Arc<ServerState>) -> Result<Vec<Pending<Result<persist::SavedShard, String>>>, ReplyError> {
    let snaps = &server.snapshots;
    if snaps.saving.compare_exchange(0, server.handle.shards(), Ordering::AcqRel, Ordering::Acquire).is_err() {
        return Err(ReplyError::text("ERR Background save already in progress"));
    }
    Ok((0..server.handle.shards())
        .map(|i| {
            let st = server.clone();
            server.handle.spawn_on(i, move |ctx| async move {
                let r = persist::save_here(&ctx, &st).await;
                st.snapshots.saving.fetch_sub(1, Ordering::AcqRel);
                Ok(r)
            })
        })
        .collect())
}

/// Waits for every shard's snapshot and records the outcome.
async fn finish_saves(
    server: &ServerState,
    started: Instant,
    pending: Vec<Pending<Result<persist::SavedShard, String>>>,
) -> Result<(), String> {
    let results: Vec<Result<persist::SavedShard, String>> =
        join_all(pending).await.into_iter().map(|r| r.map_err(|e| e.to_string()).and_then(|r| r)).collect();
    persist::saved_all(server, started, &results);
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn save(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let server = conn.server.clone();
        let started = Instant::now();
        let pending = start_saves(&server)?;
        finish_saves(&server, started, pending).await.map_err(|_| ReplyError::text("ERR"))?;
        conn.out.ok();
        Ok(())
    })
}

fn bgsave(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let schedule = match &args[1..] {
            [] => false,
            [a] if eq_ic(a, "schedule") => true,
            _ => return Err(ReplyError::syntax()),
        };
        let server = conn.server.clone();
        if server.snapshots.rewriting.load(Ordering::Acquire) > 0 && !schedule {
            return Err(ReplyError::text(
                "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE in order to \
                 schedule a BGSAVE whenever possible.",
            ));
        }
        let started = Instant::now();
        let pending = start_saves(&server)?;
        monoio::spawn(async move {
            let _ = finish_saves(&server, started, pending).await;
        });
        if schedule && conn.server.snapshots.rewriting.load(Ordering::Acquire) > 0 {
            conn.out.simple("Background saving scheduled");
        } else {
            conn.out.simple("Background saving started");
        }
        Ok(())
    })
}

fn bgrewriteaof(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let server = conn.server.clone();
        if server.log.is_none() {
            return Err(ReplyError::text("ERR there is no log to rewrite: the server runs with appendonly no"));
        }
        if server.snapshots.rewriting.load(Ordering::Acquire) > 0 {
            return Err(ReplyError::text("ERR Background append only file rewriting already in progress"));
        }
        let scheduled = server.snapshots.saving.load(Ordering::Acquire) > 0;
        for i in 0..server.handle.shards() {
            let st = server.clone();
            drop(server.handle.spawn_on(i, move |ctx| async move {
                match persist::rewrite_here(&ctx, &st).await {
                    Ok(_) | Err(RewriteError::InProgress) | Err(RewriteError::NoLog) => {}
                    Err(RewriteError::Failed(_)) => {}
                }
                Ok(())
            }));
        }
        conn.out.simple(if scheduled {
            "Background append only file rewriting scheduled"
        } else {
            "Background append only file rewriting started"
        });
        Ok(())
    })
}
