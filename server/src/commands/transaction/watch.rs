use futures_util::future::join_all;

use super::TRANSACTION;
use crate::commands::prelude::*;
use crate::core_state::on_core;

/// `WATCH key [key ...]`.
pub const WATCH: Command = TRANSACTION
    .command("watch", -2, Run::Async(watch))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST))
    .internal(Internal::TXN_CONTROL)
    .keys(KeySpec::ALL)
    .doc("2.2.0", "Monitors changes to keys to determine the execution of a transaction.");

/// `UNWATCH`.
pub const UNWATCH: Command = TRANSACTION
    .command("unwatch", 1, Run::Async(unwatch))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST))
    .doc("2.2.0", "Forgets about watched keys of a transaction.");

fn watch(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        if conn.tx.multi.is_some() {
            return Err(ReplyError::text("ERR WATCH inside MULTI is not allowed"));
        }
        let db = conn.db;
        let mut fresh = Vec::new();
        for key in &args[1..] {
            if conn.tx.watched.iter().any(|(d, k)| *d == db && k == key) || fresh.contains(key) {
                continue;
            }
            // Copied: the argument points into the connection's read buffer.
            fresh.push(Bytes::copy_from_slice(key));
        }
        conn.tx.watched.extend(fresh.iter().map(|k| (db, k.clone())));
        let route = conn.ctx.router().route(fresh.iter().map(|k| &k[..]));
        let flag = conn.tx.watch_flag.clone();
        let calls = route.group(fresh).into_iter().map(|(shard, keys)| {
            let flag = flag.clone();
            on_core(&conn.ctx, shard, move |core, s| {
                for (_, key) in keys {
                    // A key whose TTL already passed is removed now, before
                    // the watch starts: its removal is no change (Redis 7).
                    s.kind_of(db, &key);
                    core.keys.watch(db, key, flag.clone());
                }
            })
        });
        for r in join_all(calls).await {
            r?;
        }
        conn.out.ok();
        CmdResult::Ok(())
    })
}

fn unwatch(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        super::unwatch_all(conn).await;
        conn.out.ok();
        CmdResult::Ok(())
    })
}
