//! Listeners: every core accepts on the main port (SO_REUSEPORT spreads
//! connections across cores) and on its own shard port.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use coreshard_engine::ShardCtx;
use monoio::io::AsyncWriteRentExt;
use monoio::net::{ListenerOpts, TcpListener, TcpStream};

use crate::client::ClientEntry;
use crate::conn::Conn;
use crate::core_state::CoreState;
use crate::server::{PortKind, ServerState};

/// Binds this core's listeners and starts accepting. Runs on the shard's
/// own thread, whose state `core` is.
pub fn bind_and_serve(
    ctx: ShardCtx,
    core: Rc<CoreState>,
    state: Arc<ServerState>,
) -> Result<Vec<SocketAddr>, (SocketAddr, io::Error)> {
    let cfg = state.settings();
    let mut addrs = Vec::new();
    let main = SocketAddr::new(cfg.bind, cfg.port);
    let listener = TcpListener::bind_with_config(main, &ListenerOpts::new().reuse_port(true).backlog(1024))
        .map_err(|e| (main, e))?;
    addrs.push(listener.local_addr().unwrap_or(main));
    monoio::spawn(accept_loop(ctx.clone(), core.clone(), state.clone(), listener, PortKind::Main));
    if let Some(port) = cfg.shard_port(ctx.id()) {
        let addr = SocketAddr::new(cfg.bind, port);
        let listener = TcpListener::bind_with_config(addr, &ListenerOpts::new().reuse_port(false).backlog(1024))
            .map_err(|e| (addr, e))?;
        addrs.push(listener.local_addr().unwrap_or(addr));
        monoio::spawn(accept_loop(ctx.clone(), core, state.clone(), listener, PortKind::Shard(ctx.id())));
    }
    Ok(addrs)
}

/// Checks that nothing else listens on `port`: the main port is bound with
/// SO_REUSEPORT by every core, which would otherwise silently share it with
/// another process.
pub fn probe_port(addr: SocketAddr) -> io::Result<()> {
    std::net::TcpListener::bind(addr).map(drop)
}

async fn accept_loop(
    ctx: ShardCtx,
    core: Rc<CoreState>,
    state: Arc<ServerState>,
    listener: TcpListener,
    kind: PortKind,
) {
    loop {
        let accepted = monoio::select! {
            r = listener.accept() => Some(r),
            _ = core.shutdown_signal(&state) => None,
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
        if state.is_shutting_down() {
            break;
        }
        state.total_connections.fetch_add(1, Ordering::Relaxed);
        let max = state.settings().maxclients;
        if state.clients.fetch_add(1, Ordering::AcqRel) >= max {
            state.clients.fetch_sub(1, Ordering::AcqRel);
            state.rejected_connections.fetch_add(1, Ordering::Relaxed);
            monoio::spawn(refuse(stream));
            continue;
        }
        let _ = stream.set_nodelay(true);
        let laddr = stream.local_addr().unwrap_or(addr);
        let entry = Rc::new(ClientEntry::new(state.next_client_id(), addr, laddr, stream.as_raw_fd(), kind));
        core.register(entry.clone());
        let conn = Conn::new(ctx.clone(), core.clone(), state.clone(), stream, entry);
        monoio::spawn(conn.run());
    }
}

async fn refuse(mut stream: TcpStream) {
    let _ = stream.write_all(b"-ERR max number of clients reached\r\n".to_vec()).await;
}
