use bytes::Bytes;
use futures_util::future::join_all;

use crate::cmd::{flags, Command, KeySpec, LocalFuture, Run};
use crate::conn::Conn;
use crate::core_state::on_core;

/// `PUBLISH channel message`.
pub const PUBLISH: Command = Command {
    name: "publish",
    arity: 3,
    flags: flags::PUBSUB | flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "pubsub",
    summary: "Posts a message to a channel.",
    since: "2.0.0",
};

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
