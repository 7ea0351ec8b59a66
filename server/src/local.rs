//! State owned by one core: its connections, counters, and the shutdown
//! signal. It lives in thread-locals of the shard's thread, so commands that
//! run there (inline or hopped in) reach it without locks.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Instant;

use bytes::Bytes;
use coreshard_engine::{Mutation, MutationSink};

use crate::server::PortKind;

/// Per-core command counters (INFO `shards` and `stats`).
#[derive(Default)]
pub struct Counters {
    /// Commands received on this core's connections.
    pub commands: Cell<u64>,
    /// ... of which ran inline on this core's shard.
    pub local: Cell<u64>,
    /// ... of which were forwarded to another shard.
    pub hops_out: Cell<u64>,
    /// Commands forwarded here by other cores.
    pub hops_in: Cell<u64>,
    /// Keyspace hits and misses are kept by the engine; these count
    /// connections closed for protocol errors.
    pub protocol_errors: Cell<u64>,
}

/// Snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CounterSnapshot {
    /// See [`Counters::commands`].
    pub commands: u64,
    /// See [`Counters::local`].
    pub local: u64,
    /// See [`Counters::hops_out`].
    pub hops_out: u64,
    /// See [`Counters::hops_in`].
    pub hops_in: u64,
    /// See [`Counters::protocol_errors`].
    pub protocol_errors: u64,
}

impl Counters {
    /// Adds one to `c`.
    #[inline]
    pub fn bump(c: &Cell<u64>) {
        c.set(c.get() + 1);
    }

    /// Current values.
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            commands: self.commands.get(),
            local: self.local.get(),
            hops_out: self.hops_out.get(),
            hops_in: self.hops_in.get(),
            protocol_errors: self.protocol_errors.get(),
        }
    }

    /// Zeroes every counter (CONFIG RESETSTAT).
    pub fn reset(&self) {
        for c in [&self.commands, &self.local, &self.hops_out, &self.hops_in, &self.protocol_errors] {
            c.set(0);
        }
    }
}

/// A connected client as CLIENT LIST / CLIENT KILL / INFO see it.
pub struct ClientEntry {
    /// Client id.
    pub id: u64,
    /// Peer address.
    pub addr: SocketAddr,
    /// Local address.
    pub laddr: SocketAddr,
    /// Socket, for CLIENT KILL and shutdown.
    pub fd: RawFd,
    /// Which port it connected to.
    pub port: PortKind,
    /// Connect time.
    pub created: Instant,
    /// Last command time.
    pub last_active: Cell<Instant>,
    /// CLIENT SETNAME.
    pub name: RefCell<Option<Bytes>>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: RefCell<Option<Bytes>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: RefCell<Option<Bytes>>,
    /// Selected database.
    pub db: Cell<u8>,
    /// Last command name.
    pub last_cmd: Cell<&'static str>,
    /// Protocol version (2 or 3).
    pub resp: Cell<u8>,
    /// Channel subscriptions.
    pub sub: Cell<usize>,
    /// Pattern subscriptions.
    pub psub: Cell<usize>,
    /// Commands queued in MULTI, or -1 outside MULTI.
    pub multi: Cell<i64>,
    /// Bytes waiting in the query buffer.
    pub qbuf: Cell<usize>,
    /// Bytes waiting in the output buffer.
    pub obuf: Cell<usize>,
    /// Blocked in a blocking command.
    pub blocked: Cell<bool>,
    /// Set by CLIENT KILL: the connection closes at its next chance.
    pub killed: Cell<bool>,
}

impl ClientEntry {
    /// Closes the socket for reading and writing: a pending read returns
    /// end-of-file and the connection task ends on its own.
    pub fn kill(&self) {
        self.killed.set(true);
        // The connection task unregisters the entry before its socket is
        // closed, so `fd` is still this connection's while registered.
        let _ = nix::sys::socket::shutdown(self.fd, nix::sys::socket::Shutdown::Both);
    }
}

/// Everything one core owns besides its shard.
#[derive(Default)]
pub struct Local {
    /// Counters.
    pub counters: Counters,
    /// Connections on this core by id.
    pub clients: RefCell<HashMap<u64, Rc<ClientEntry>>>,
    shutdown: Cell<bool>,
    shutdown_waiters: RefCell<Vec<Waker>>,
}

thread_local! {
    static LOCAL: Local = Local::default();
}

/// Runs `f` with this core's state.
#[inline]
pub fn with<R>(f: impl FnOnce(&Local) -> R) -> R {
    LOCAL.with(f)
}

/// Registers a connection.
pub fn register(entry: Rc<ClientEntry>) {
    with(|l| l.clients.borrow_mut().insert(entry.id, entry));
}

/// Unregisters a connection.
pub fn unregister(id: u64) {
    with(|l| l.clients.borrow_mut().remove(&id));
}

/// Called on each core when the server shuts down: listeners stop and
/// every connection is asked to finish.
pub fn begin_shutdown() {
    with(|l| {
        l.shutdown.set(true);
        for w in l.shutdown_waiters.borrow_mut().drain(..) {
            w.wake();
        }
        for c in l.clients.borrow().values() {
            // Idle connections see end-of-file; busy ones finish first.
            let _ = nix::sys::socket::shutdown(c.fd, nix::sys::socket::Shutdown::Read);
        }
    });
}

/// Whether this core is shutting down.
pub fn is_shutting_down() -> bool {
    with(|l| l.shutdown.get())
}

/// Resolves when this core starts shutting down.
pub async fn shutdown_signal() {
    std::future::poll_fn(|cx| {
        with(|l| {
            if l.shutdown.get() {
                Poll::Ready(())
            } else {
                l.shutdown_waiters.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
    })
    .await
}

/// The mutation sink the server installs on every shard: it tells the
/// blocking-pop and WATCH machinery which keys changed.
pub struct KeyEvents;

impl MutationSink for KeyEvents {
    fn record(&mut self, m: &Mutation<'_>) {
        crate::keyevents::on_mutation(m);
    }
}
