use futures_util::future::join_all;

use super::PUBSUB;
use crate::commands::prelude::*;
use crate::core_state::on_core;

/// `PUBLISH channel message`.
pub const PUBLISH: Command = PUBSUB
    .command("publish", 3, Run::Async(run))
    .flags(Flags::PUBSUB.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST))
    .doc("2.0.0", "Posts a message to a channel.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let (channel, message) = (&args[1], &args[2]);
        let local = conn.ctx.id();
        // Every other core delivers to its own subscribers, concurrently;
        // this core's subscribers need no hop.
        let remote = join_all((0..conn.ctx.shards()).filter(|&s| s != local).map(|s| {
            let (channel, message) = (channel.clone(), message.clone());
            on_core(&conn.ctx, s, move |core, _| core.pubsub.deliver(&channel, &message))
        }));
        let here = conn.core.pubsub.deliver(channel, message);
        let mut n = here;
        for r in remote.await {
            n += r?;
        }
        // A subscriber publishing to its own channel gets the message
        // before the reply, as from Redis.
        conn.drain_outbox();
        conn.out.int(n as i64);
        Ok(())
    })
}
