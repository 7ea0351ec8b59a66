use super::{authenticate, valid_name, CONNECTION};
use crate::commands::cluster::cluster_enabled;
use crate::commands::prelude::*;
use crate::commands::server::REDIS_VERSION;

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`.
pub const HELLO: Command = CONNECTION
    .command("hello", -1, Run::Async(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE).union(Flags::FAST).union(Flags::NO_AUTH))
    .doc("6.0.0", "Handshakes with the Redis server.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let mut next = 1;
        let mut version = None;
        if let Some(v) = args.get(1) {
            let v =
                parse_int(v).map_err(|_| ReplyError::text("ERR Protocol version is not an integer or out of range"))?;
            if !(2..=3).contains(&v) {
                return Err(ReplyError::text("NOPROTO unsupported protocol version"));
            }
            version = Some(v == 3);
            next = 2;
        }
        let mut auth = None;
        let mut name = None;
        let mut i = next;
        while i < args.len() {
            let more = args.len() - 1 - i;
            if eq_ic(&args[i], "auth") && more >= 2 {
                auth = Some((i + 1, i + 2));
                i += 3;
            } else if eq_ic(&args[i], "setname") && more >= 1 {
                if !valid_name(&args[i + 1]) {
                    return Err(ReplyError::text(
                        "ERR Client names cannot contain spaces, newlines or special characters.",
                    ));
                }
                name = Some(i + 1);
                i += 2;
            } else {
                return Err(ReplyError::owned(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&args[i])
                )));
            }
        }
        if let Some((user, pass)) = auth {
            authenticate(&conn.server, &args[user], &args[pass])?;
            conn.set_authed(true);
        }
        if !conn.authed() && conn.server.settings().requirepass.is_some() {
            return Err(ReplyError::text(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            ));
        }
        if let Some(n) = name {
            let n = &args[n];
            *conn.client.name.borrow_mut() = (!n.is_empty()).then(|| Bytes::copy_from_slice(n));
        }
        if let Some(resp3) = version {
            conn.set_resp3(resp3).await;
        }
        let mode: &[u8] = if cluster_enabled(conn) { b"cluster" } else { b"standalone" };
        let out = &mut conn.out;
        out.map(7);
        out.bulk(b"server");
        out.bulk(b"redis");
        out.bulk(b"version");
        out.bulk(REDIS_VERSION.as_bytes());
        out.bulk(b"proto");
        out.int(if out.resp3() { 3 } else { 2 });
        out.bulk(b"id");
        out.int(conn.client.id as i64);
        out.bulk(b"mode");
        out.bulk(mode);
        out.bulk(b"role");
        out.bulk(b"master");
        out.bulk(b"modules");
        out.array(0);
        Ok(())
    })
}
