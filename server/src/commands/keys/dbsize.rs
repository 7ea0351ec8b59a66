use coreshard_engine::Shard;
use futures_util::future::join_all;

use crate::commands::prelude::*;
use crate::commands::server::SERVER;

/// `DBSIZE`: keys in the selected database, summed over every shard.
pub const DBSIZE: Command = SERVER
    .command("dbsize", 1, Run::Async(run))
    .flags(Flags::READONLY.union(Flags::FAST))
    .internal(Internal::ALL_SHARDS)
    .doc("1.0.0", "Returns the number of keys in the database.");

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
