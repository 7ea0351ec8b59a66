use super::CONNECTION;
use crate::commands::prelude::*;

/// `PING [message]`.
pub const PING: Command = CONNECTION
    .command("ping", -1, Run::Conn(run))
    .flags(Flags::FAST.union(Flags::STALE))
    .internal(Internal::PUBSUB_OK)
    .doc("1.0.0", "Returns the server's liveliness response.");

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 {
        return Err(ReplyError::arity("ping"));
    }
    // In RESP2 subscribed mode PING answers as a pub/sub message.
    if conn.subs.any() && !conn.out.resp3() {
        conn.out.array(2);
        conn.out.bulk(b"pong");
        conn.out.bulk(args.get(1).map_or(&b""[..], |m| &m[..]));
        return Ok(());
    }
    match args.get(1) {
        Some(m) => conn.out.bulk(m),
        None => conn.out.simple("PONG"),
    }
    Ok(())
}
