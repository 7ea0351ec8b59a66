use bytes::Bytes;
use futures_util::future::join_all;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::conn::Conn;
use crate::core_state::on_core;

/// `WATCH key [key ...]`.
pub const WATCH: Command = Command {
    name: "watch",
    arity: -2,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::TXN_CONTROL,
    keys: KeySpec::ALL,
    run: Run::Async(watch),
    group: "transaction",
    summary: "Monitors changes to keys to determine the execution of a transaction.",
    since: "2.2.0",
};

/// `UNWATCH`.
pub const UNWATCH: Command = Command {
    name: "unwatch",
    arity: 1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Async(unwatch),
    group: "transaction",
    summary: "Forgets about watched keys of a transaction.",
    since: "2.2.0",
};

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
