//! FLUSHDB and FLUSHALL.

use coreshard_engine::Shard;

use crate::commands::prelude::*;
use crate::commands::server::SERVER;

/// `FLUSHDB [ASYNC | SYNC]`.
pub const FLUSHDB: Command = SERVER
    .command("flushdb", -1, Run::Async(flushdb))
    .flags(Flags::WRITE)
    .internal(Internal::ALL_SHARDS)
    .doc("1.0.0", "Remove all keys from the current database.");

/// `FLUSHALL [ASYNC | SYNC]`.
pub const FLUSHALL: Command = SERVER
    .command("flushall", -1, Run::Async(flushall))
    .flags(Flags::WRITE)
    .internal(Internal::ALL_SHARDS)
    .doc("1.0.0", "Removes all keys from all databases.");

/// `ASYNC` and `SYNC` are both accepted; values are dropped on their
/// shard's thread either way.
fn check_mode(args: &[Bytes]) -> Result<(), ReplyError> {
    match args {
        [_] => Ok(()),
        [_, mode] if eq_ic(mode, "async") || eq_ic(mode, "sync") => Ok(()),
        _ => Err(ReplyError::syntax()),
    }
}

/// Runs `f` on every shard while holding all of them, so no cross-shard
/// transaction (a spanning MSET, RENAME, ...) is seen half flushed.
async fn on_all_shards(conn: &mut Conn, f: fn(&mut Shard, u8), db: u8) -> CmdResult {
    let txn = conn.ctx.lock(0..conn.ctx.shards()).await?;
    let done = txn.run_all(move |s| f(s, db)).await;
    txn.release().await;
    done?;
    conn.out.ok();
    Ok(())
}

fn flushdb(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        check_mode(&args)?;
        let db = conn.db;
        on_all_shards(
            conn,
            |s, db| {
                s.flushdb(db);
            },
            db,
        )
        .await
    })
}

fn flushall(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        check_mode(&args)?;
        on_all_shards(
            conn,
            |s, _| {
                s.flushall();
            },
            0,
        )
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let a = |v: &[&str]| v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect::<Vec<_>>();
        assert_eq!(check_mode(&a(&["flushall"])), Ok(()));
        assert_eq!(check_mode(&a(&["flushall", "ASYNC"])), Ok(()));
        assert_eq!(check_mode(&a(&["flushdb", "sync"])), Ok(()));
        assert_eq!(check_mode(&a(&["flushdb", "x"])), Err(ReplyError::syntax()));
        assert_eq!(check_mode(&a(&["flushdb", "async", "x"])), Err(ReplyError::syntax()));
    }
}
