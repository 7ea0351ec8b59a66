//! CLIENT LIST, CLIENT INFO, CLIENT KILL and CLIENT UNBLOCK. A connection
//! lives on the core that accepted it and is registered there
//! (`CoreState::clients`), so LIST, KILL and UNBLOCK visit every core: the
//! closure sent to each shard reads or kills that core's own clients on its
//! own thread.

use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;
use std::time::Instant;

use super::CONNECTION;
use crate::client::ClientEntry;
use crate::commands::prelude::*;
use crate::core_state::on_every_core;

const FLAGS: Flags = Flags::ADMIN.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE);

pub(super) const LIST: Command =
    CONNECTION.command("client|list", -2, Run::Async(list)).flags(FLAGS).doc("2.4.0", "Lists open connections.");

pub(super) const INFO: Command = CONNECTION
    .command("client|info", 2, Run::Conn(info))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE))
    .doc("6.2.0", "Returns information about the connection.");

pub(super) const KILL: Command =
    CONNECTION.command("client|kill", -3, Run::Async(kill)).flags(FLAGS).doc("2.4.0", "Terminates open connections.");

pub(super) const UNBLOCK: Command = CONNECTION
    .command("client|unblock", -3, Run::Async(unblock))
    .flags(FLAGS)
    .doc("5.0.0", "Unblocks a client blocked by a blocking command from a different connection.");

/// Client types of `TYPE` filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    /// Replication links: there are none.
    Master,
    Replica,
    Pubsub,
}

fn client_type(name: &[u8]) -> Result<ClientType, ReplyError> {
    if eq_ic(name, "normal") {
        Ok(ClientType::Normal)
    } else if eq_ic(name, "master") {
        Ok(ClientType::Master)
    } else if eq_ic(name, "replica") || eq_ic(name, "slave") {
        Ok(ClientType::Replica)
    } else if eq_ic(name, "pubsub") {
        Ok(ClientType::Pubsub)
    } else {
        Err(ReplyError::owned(format!("ERR Unknown client type '{}'", String::from_utf8_lossy(name))))
    }
}

fn type_of(c: &ClientEntry) -> ClientType {
    if c.sub.get() + c.psub.get() > 0 {
        ClientType::Pubsub
    } else {
        ClientType::Normal
    }
}

/// Appends one CLIENT LIST line (without the newline), in Redis 7's field
/// order. Fields for buffers this server does not have in that form
/// (`qbuf-free`, `argv-mem`, `multi-mem`, `rbs`, `rbp`, `oll`, `omem`) are 0.
pub fn describe(c: &ClientEntry, now: Instant, out: &mut String) {
    let mut flags = String::new();
    if c.sub.get() + c.psub.get() > 0 {
        flags.push('P');
    }
    if c.multi.get() >= 0 {
        flags.push('x');
    }
    if c.blocked.get() {
        flags.push('b');
    }
    if c.killed.get() {
        flags.push('c');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let bytes_str = |b: &Option<Bytes>| b.as_deref().map(String::from_utf8_lossy).unwrap_or_default().into_owned();
    let name = bytes_str(&c.name.borrow());
    let lib_name = bytes_str(&c.lib_name.borrow());
    let lib_ver = bytes_str(&c.lib_ver.borrow());
    let (qbuf, obuf) = (c.qbuf.get(), c.obuf.get());
    let _ = write!(
        out,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} \
         qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl={} oll=0 omem=0 tot-mem={} events={} cmd={} \
         user=default redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        name,
        now.saturating_duration_since(c.created).as_secs(),
        now.saturating_duration_since(c.last_active.get()).as_secs(),
        flags,
        c.db.get(),
        c.sub.get(),
        c.psub.get(),
        c.multi.get(),
        qbuf,
        obuf,
        qbuf + obuf,
        if obuf > 0 { "rw" } else { "r" },
        c.last_cmd.get(),
        c.resp.get(),
        lib_name,
        lib_ver,
    );
}

/// Runs `f` on every core's client registry (on that core's thread) and
/// collects the results in shard order.
async fn on_every_registry<R, F>(conn: &Conn, f: F) -> Result<Vec<R>, ReplyError>
where
    R: Send + 'static,
    F: Fn(&HashMap<u64, Rc<ClientEntry>>) -> R + Clone + Send + 'static,
{
    on_every_core(&conn.ctx, move |core, _| f(&core.clients.borrow())).await
}

fn list(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let mut kind = None;
        let mut ids = None;
        if args.len() == 4 && eq_ic(&args[2], "type") {
            kind = Some(client_type(&args[3])?);
        } else if args.len() > 3 && eq_ic(&args[2], "id") {
            let mut v = Vec::with_capacity(args.len() - 3);
            for a in &args[3..] {
                v.push(parse_int(a).map_err(|_| ReplyError::text("ERR Invalid client ID"))?);
            }
            ids = Some(v);
        } else if args.len() != 2 {
            return Err(ReplyError::syntax());
        }
        let per_core = on_every_registry(conn, move |clients| {
            let now = Instant::now();
            let mut lines: Vec<(u64, String)> = Vec::new();
            for c in clients.values() {
                if kind.is_some_and(|k| k != type_of(c)) {
                    continue;
                }
                if ids.as_ref().is_some_and(|ids| !ids.contains(&(c.id as i64))) {
                    continue;
                }
                let mut line = String::with_capacity(320);
                describe(c, now, &mut line);
                lines.push((c.id, line));
            }
            lines
        })
        .await?;
        let mut all: Vec<(u64, String)> = per_core.into_iter().flatten().collect();
        all.sort_unstable_by_key(|(id, _)| *id);
        let mut text = String::with_capacity(all.iter().map(|(_, l)| l.len() + 1).sum());
        for (_, l) in &all {
            text.push_str(l);
            text.push('\n');
        }
        conn.out.verbatim(text.as_bytes());
        Ok(())
    })
}

fn info(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let mut line = String::with_capacity(320);
    describe(&conn.client, Instant::now(), &mut line);
    line.push('\n');
    conn.out.verbatim(line.as_bytes());
    Ok(())
}

/// Which clients CLIENT KILL closes.
#[derive(Debug, Clone, Default)]
struct KillFilter {
    id: Option<u64>,
    kind: Option<ClientType>,
    addr: Option<String>,
    laddr: Option<String>,
    /// The calling client, skipped unless `SKIPME no`.
    skip: Option<u64>,
}

impl KillFilter {
    fn matches(&self, c: &ClientEntry) -> bool {
        self.id.is_none_or(|id| id == c.id)
            && self.kind.is_none_or(|k| k == type_of(c))
            && self.addr.as_ref().is_none_or(|a| *a == c.addr.to_string())
            && self.laddr.as_ref().is_none_or(|a| *a == c.laddr.to_string())
            && self.skip != Some(c.id)
    }
}

fn parse_kill(conn: &Conn, args: &[Bytes]) -> Result<KillFilter, ReplyError> {
    let me = conn.client.id;
    if args.len() == 3 {
        // The old form: one address, and the caller may kill itself.
        return Ok(KillFilter { addr: Some(String::from_utf8_lossy(&args[2]).into_owned()), ..KillFilter::default() });
    }
    let mut f = KillFilter { skip: Some(me), ..KillFilter::default() };
    let mut i = 2;
    while i < args.len() {
        let (opt, value) = match args.get(i + 1) {
            Some(v) => (&args[i], v),
            None => return Err(ReplyError::syntax()),
        };
        if eq_ic(opt, "id") {
            let id = parse_int(value).ok().filter(|&id| id > 0);
            let id = id.ok_or(ReplyError::text("ERR client-id should be greater than 0"))?;
            f.id = Some(id as u64);
        } else if eq_ic(opt, "type") {
            f.kind = Some(client_type(value)?);
        } else if eq_ic(opt, "addr") {
            f.addr = Some(String::from_utf8_lossy(value).into_owned());
        } else if eq_ic(opt, "laddr") {
            f.laddr = Some(String::from_utf8_lossy(value).into_owned());
        } else if eq_ic(opt, "user") {
            // The only user is `default`, and every client is logged in as it.
            if &value[..] != b"default" {
                return Err(ReplyError::owned(format!("ERR No such user '{}'", String::from_utf8_lossy(value))));
            }
        } else if eq_ic(opt, "skipme") {
            if eq_ic(value, "yes") {
                f.skip = Some(me);
            } else if eq_ic(value, "no") {
                f.skip = None;
            } else {
                return Err(ReplyError::syntax());
            }
        } else {
            return Err(ReplyError::syntax());
        }
        i += 2;
    }
    Ok(f)
}

fn kill(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let filter = parse_kill(conn, &args)?;
        let me = conn.client.id;
        let killed: usize = on_every_registry(conn, move |clients| {
            let mut n = 0;
            for c in clients.values().filter(|c| filter.matches(c)) {
                if c.id == me {
                    // Closed once this reply is written.
                    c.killed.set(true);
                } else {
                    c.kill();
                }
                n += 1;
            }
            n
        })
        .await?
        .into_iter()
        .sum();
        if args.len() == 3 {
            if killed == 0 {
                return Err(ReplyError::text("ERR No such client"));
            }
            conn.out.ok();
        } else {
            conn.out.int(killed as i64);
        }
        Ok(())
    })
}

/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]`: ends a blocking pop of
/// another client as if it timed out, or with the `UNBLOCKED` error.
fn unblock(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        if args.len() > 4 {
            return Err(ReplyError::owned(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                String::from_utf8_lossy(&args[1]),
                String::from_utf8_lossy(&args[0]).to_ascii_uppercase()
            )));
        }
        let error = match args.get(3) {
            None => false,
            Some(r) if eq_ic(r, "timeout") => false,
            Some(r) if eq_ic(r, "error") => true,
            Some(_) => return Err(ReplyError::text("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
        };
        let id = parse_int(&args[2])?;
        let Ok(id) = u64::try_from(id) else {
            conn.out.int(0);
            return Ok(());
        };
        let per_core =
            on_every_core(&conn.ctx, move |core, _| crate::blocking::unblock_client(core, id, error)).await?;
        let unblocked = per_core.into_iter().any(|u| u);
        conn.out.int(i64::from(unblocked));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::server::PortKind;

    fn entry(id: u64) -> ClientEntry {
        let now = Instant::now();
        ClientEntry {
            id,
            addr: "127.0.0.1:50000".parse().unwrap(),
            laddr: "127.0.0.1:6380".parse().unwrap(),
            fd: 9,
            port: PortKind::Main,
            created: now,
            last_active: Cell::new(now),
            name: RefCell::new(Some(Bytes::from_static(b"worker"))),
            lib_name: RefCell::new(None),
            lib_ver: RefCell::new(Some(Bytes::from_static(b"1.2"))),
            db: Cell::new(3),
            last_cmd: Cell::new("client|list"),
            resp: Cell::new(2),
            sub: Cell::new(0),
            psub: Cell::new(0),
            multi: Cell::new(-1),
            qbuf: Cell::new(26),
            obuf: Cell::new(0),
            blocked: Cell::new(false),
            killed: Cell::new(false),
        }
    }

    #[test]
    fn lines_follow_redis_field_order() {
        let c = entry(7);
        let mut line = String::new();
        describe(&c, Instant::now(), &mut line);
        assert_eq!(
            line,
            "id=7 addr=127.0.0.1:50000 laddr=127.0.0.1:6380 fd=9 name=worker age=0 idle=0 flags=N db=3 sub=0 psub=0 \
             ssub=0 multi=-1 qbuf=26 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=26 \
             events=r cmd=client|list user=default redir=-1 resp=2 lib-name= lib-ver=1.2"
        );
        c.sub.set(1);
        c.multi.set(2);
        line.clear();
        describe(&c, Instant::now(), &mut line);
        assert!(line.contains(" flags=Px "), "{line}");
        assert_eq!(type_of(&c), ClientType::Pubsub);
    }

    #[test]
    fn kill_filters() {
        let c = entry(7);
        assert!(KillFilter::default().matches(&c));
        assert!(!KillFilter { skip: Some(7), ..KillFilter::default() }.matches(&c));
        assert!(KillFilter { addr: Some("127.0.0.1:50000".into()), ..KillFilter::default() }.matches(&c));
        assert!(!KillFilter { laddr: Some("127.0.0.1:50000".into()), ..KillFilter::default() }.matches(&c));
        assert!(!KillFilter { id: Some(8), ..KillFilter::default() }.matches(&c));
        assert!(!KillFilter { kind: Some(ClientType::Pubsub), ..KillFilter::default() }.matches(&c));
        assert!(KillFilter { kind: Some(ClientType::Normal), ..KillFilter::default() }.matches(&c));
        assert!(client_type(b"SLAVE").is_ok());
        assert_eq!(client_type(b"foo").unwrap_err().0, "ERR Unknown client type 'foo'");
    }
}
