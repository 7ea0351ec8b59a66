use coreshard_engine::Shard;
use futures_util::future::join_all;
use rand::Rng;

use super::GENERIC;
use crate::commands::prelude::*;

/// `RANDOMKEY`: every shard offers one of its keys; one is picked with
/// probability proportional to the shard's size, so each key is about
/// equally likely.
pub const RANDOMKEY: Command = GENERIC
    .command("randomkey", 1, Run::Async(run))
    .flags(Flags::READONLY)
    .internal(Internal::ALL_SHARDS)
    .keys(KeySpec::None)
    .doc("1.0.0", "Returns a random key name from the database.");

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let db = conn.db;
        let offers = join_all(
            (0..conn.ctx.shards()).map(|s| conn.ctx.call(s, move |sh: &mut Shard| (sh.dbsize(db), sh.randomkey(db)))),
        )
        .await;
        let mut candidates = Vec::new();
        for o in offers {
            if let (size, Some(key)) = o? {
                candidates.push((size.max(1), key));
            }
        }
        let total: usize = candidates.iter().map(|(n, _)| n).sum();
        let key = if total == 0 {
            None
        } else {
            let mut pick = rand::thread_rng().gen_range(0..total);
            candidates.into_iter().find_map(|(n, k)| {
                if pick < n {
                    Some(k)
                } else {
                    pick -= n;
                    None
                }
            })
        };
        conn.out.bulk_opt(key.as_deref());
        Ok(())
    })
}
