use bytes::Bytes;

use crate::cmd::{eq_ic, flags, parse_int, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::commands::cluster::cluster_enabled;
use crate::commands::connection::auth::authenticate;
use crate::commands::connection::client::valid_name;
use crate::commands::server::REDIS_VERSION;
use crate::conn::Conn;

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`.
pub const HELLO: Command = Command {
    name: "hello",
    arity: -1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::NO_AUTH,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "connection",
    summary: "Handshakes with the Redis server.",
    since: "6.0.0",
};

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
