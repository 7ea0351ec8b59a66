use bytes::Bytes;
use coreshard_engine::Shard;
use futures_util::future::join_all;
use rand::Rng;

use crate::cmd::{flags, Command, KeySpec, LocalFuture, Run};
use crate::conn::Conn;

/// `RANDOMKEY`: every shard offers one of its keys; one is picked with
/// probability proportional to the shard's size, so each key is about
/// equally likely.
pub const RANDOMKEY: Command = Command {
    name: "randomkey",
    arity: 1,
    flags: flags::READONLY | flags::ALL_SHARDS,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "generic",
    summary: "Returns a random key name from the database.",
    since: "1.0.0",
};

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
