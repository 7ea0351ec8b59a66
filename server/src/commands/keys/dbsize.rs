use bytes::Bytes;
use coreshard_engine::Shard;
use futures_util::future::join_all;

use crate::cmd::{flags, Command, KeySpec, LocalFuture, Run};
use crate::conn::Conn;

/// `DBSIZE`: keys in the selected database, summed over every shard.
pub const DBSIZE: Command = Command {
    name: "dbsize",
    arity: 1,
    flags: flags::READONLY | flags::FAST | flags::ALL_SHARDS,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "server",
    summary: "Returns the number of keys in the database.",
    since: "1.0.0",
};

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let db = conn.db;
        let sizes =
            join_all((0..conn.ctx.shards()).map(|s| conn.ctx.call(s, move |sh: &mut Shard| sh.dbsize(db)))).await;
        let mut total = 0;
        for n in sizes {
            total += n?;
        }
        conn.out.int(total as i64);
        Ok(())
    })
}
