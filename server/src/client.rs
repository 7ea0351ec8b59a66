//! A connected client as CLIENT LIST, CLIENT KILL and INFO see it.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::time::Instant;

use bytes::Bytes;

use crate::server::PortKind;

/// What other code on the core may read or change of a connection: its
/// identity, what CLIENT LIST reports, and the CLIENT KILL flag. The
/// connection task owns the rest of its state.
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
    /// Last command name (`NULL` before the first, as Redis shows it).
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
    /// A client that just connected from `addr` to `laddr` (on a `port` of
    /// this server) through socket `fd`: RESP2, database 0, no name, not in
    /// MULTI, nothing buffered.
    pub fn new(id: u64, addr: SocketAddr, laddr: SocketAddr, fd: RawFd, port: PortKind) -> ClientEntry {
        let now = Instant::now();
        ClientEntry {
            id,
            addr,
            laddr,
            fd,
            port,
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
        }
    }

    /// Closes the socket for reading and writing: a pending read returns
    /// end-of-file and the connection task ends on its own.
    pub fn kill(&self) {
        self.killed.set(true);
        // The connection task unregisters the entry before its socket is
        // closed, so `fd` is still this connection's while registered.
        let _ = nix::sys::socket::shutdown(self.fd, nix::sys::socket::Shutdown::Both);
    }
}
