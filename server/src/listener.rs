//! Listeners: every core accepts on the main port (SO_REUSEPORT spreads
//! connections across cores) and on its own shard port.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coreshard_engine::ShardCtx;
use monoio::io::AsyncWriteRentExt;
use monoio::net::{ListenerOpts, TcpListener, TcpStream};

use crate::config::Config;
use crate::conn::Conn;
use crate::local::{self, ClientEntry};
use crate::server::{PortKind, ServerState};

/// Binds this core's listeners and starts accepting. Runs on the shard's
/// own thread.
pub fn bind_and_serve(
    ctx: ShardCtx,
    state: Arc<ServerState>,
    cfg: Config,
) -> Result<Vec<SocketAddr>, (SocketAddr, io::Error)> {
    crate::blocking::init(&ctx);
    let mut addrs = Vec::new();
    let main = SocketAddr::new(cfg.bind, cfg.port);
    let listener = TcpListener::bind_with_config(main, &ListenerOpts::new().reuse_port(true).backlog(1024))
        .map_err(|e| (main, e))?;
    addrs.push(listener.local_addr().unwrap_or(main));
    monoio::spawn(accept_loop(ctx.clone(), state.clone(), listener, PortKind::Main));
    if let Some(port) = cfg.shard_port(ctx.id()) {
        let addr = SocketAddr::new(cfg.bind, port);
        let listener = TcpListener::bind_with_config(addr, &ListenerOpts::new().reuse_port(false).backlog(1024))
            .map_err(|e| (addr, e))?;
        addrs.push(listener.local_addr().unwrap_or(addr));
        monoio::spawn(accept_loop(ctx.clone(), state, listener, PortKind::Shard(ctx.id())));
    }
    Ok(addrs)
}

/// Checks that nothing else listens on `port`: the main port is bound with
/// SO_REUSEPORT by every core, which would otherwise silently share it with
/// another process.
pub fn probe_port(addr: SocketAddr) -> io::Result<()> {
    std::net::TcpListener::bind(addr).map(drop)
}

async fn accept_loop(ctx: ShardCtx, state: Arc<ServerState>, listener: TcpListener, kind: PortKind) {
    loop {
        let accepted = monoio::select! {
            r = listener.accept() => Some(r),
            _ = local::shutdown_signal() => None,
        };
        let (stream, addr) = match accepted {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "accept failed");
                // Out of descriptors or similar: back off instead of spinning.
                monoio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if local::is_shutting_down() {
            break;
        }
        state.total_connections.fetch_add(1, Ordering::Relaxed);
        let max = state.config().maxclients;
        if state.clients.fetch_add(1, Ordering::AcqRel) >= max {
            state.clients.fetch_sub(1, Ordering::AcqRel);
            state.rejected_connections.fetch_add(1, Ordering::Relaxed);
            monoio::spawn(refuse(stream));
            continue;
        }
        let _ = stream.set_nodelay(true);
        let laddr = stream.local_addr().unwrap_or(addr);
        let now = Instant::now();
        let entry = Rc::new(ClientEntry {
            id: state.next_client_id(),
            addr,
            laddr,
            fd: stream.as_raw_fd(),
            port: kind,
            created: now,
            last_active: Cell::new(now),
            name: RefCell::new(None),
            lib_name: RefCell::new(None),
            lib_ver: RefCell::new(None),
            db: Cell::new(0),
            last_cmd: Cell::new("NULL"),
            resp: Cell::new(2),
            sub: Cell::new(0),
            psub: Cell::new(0),
            multi: Cell::new(-1),
            qbuf: Cell::new(0),
            obuf: Cell::new(0),
            blocked: Cell::new(false),
            killed: Cell::new(false),
        });
        local::register(entry.clone());
        let conn = Conn::new(ctx.clone(), state.clone(), stream, entry);
        monoio::spawn(conn.run());
    }
}

async fn refuse(mut stream: TcpStream) {
    let _ = stream.write_all(b"-ERR max number of clients reached\r\n".to_vec()).await;
}
