use coreshard_engine::Shard;
use futures_util::future::join_all;

use super::GENERIC;
use crate::commands::prelude::*;

/// `KEYS pattern`: every matching key of the selected database, from every
/// shard.
pub const KEYS: Command = GENERIC
    .command("keys", 2, Run::Async(run))
    .flags(Flags::READONLY)
    .internal(Internal::ALL_SHARDS)
    .keys(KeySpec::None)
    .doc("1.0.0", "Returns all key names that match a pattern.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let db = conn.db;
        let pattern = Bytes::copy_from_slice(&args[1]);
        let parts = join_all((0..conn.ctx.shards()).map(|s| {
            let pattern = pattern.clone();
            conn.ctx.call(s, move |sh: &mut Shard| sh.keys(db, &pattern))
        }))
        .await;
        let mut all = Vec::new();
        for p in parts {
            all.push(p?);
        }
        conn.out.array(all.iter().map(Vec::len).sum());
        for k in all.iter().flatten() {
            conn.out.bulk(k);
        }
        Ok(())
    })
}
