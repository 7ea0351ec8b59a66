use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, ReplyError, Run};
use crate::conn::Conn;

/// `PING [message]`.
pub const PING: Command = Command {
    name: "ping",
    arity: -1,
    flags: flags::FAST | flags::STALE | flags::PUBSUB_OK,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "connection",
    summary: "Returns the server's liveliness response.",
    since: "1.0.0",
};

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
