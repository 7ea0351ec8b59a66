use bytes::Bytes;
use futures_util::future::join_all;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::conn::Conn;
use crate::keyevents;

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
        if conn.multi.is_some() {
            return Err(ReplyError::text("ERR WATCH inside MULTI is not allowed"));
        }
        let db = conn.db;
        let router = conn.ctx.router();
        let mut groups: Vec<(usize, Vec<Bytes>)> = Vec::new();
        for key in &args[1..] {
            if conn.watched.iter().any(|(d, k)| *d == db && k == key) {
                continue;
            }
            // Copied: the argument points into the connection's read buffer.
            let key = Bytes::copy_from_slice(key);
            conn.watched.push((db, key.clone()));
            let shard = router.shard_of(&key);
            match groups.iter_mut().find(|(s, _)| *s == shard) {
                Some((_, keys)) => keys.push(key),
                None => groups.push((shard, vec![key])),
            }
        }
        let flag = conn.watch_flag.clone();
        let calls = groups.into_iter().map(|(shard, keys)| {
            let flag = flag.clone();
            conn.ctx.call(shard, move |s| {
                for key in keys {
                    // A key whose TTL already passed is removed now, before
                    // the watch starts: its removal is no change (Redis 7).
                    s.kind_of(db, &key);
                    keyevents::watch(db, key, flag.clone());
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
