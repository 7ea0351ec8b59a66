//! One client connection: read, decode, run, reply.
//!
//! A connection lives on the core that accepted it. Each read may hold a
//! whole pipeline: every request is decoded from the read buffer zero-copy
//! and dispatched in order. Commands whose keys this core's shard owns run
//! inline; commands for other shards are collected into one batch per
//! shard and sent when the pipeline is decoded, each batch one hop. Their
//! replies are spliced back in request order, and the pipeline's replies go
//! out in one write.
//!
//! - [`Conn::run`] (this file): the loop, read → process → write, and the
//!   connection's state;
//! - `requests`: framing and prefetching the requests of a read;
//! - `dispatch`: one request, from its name to its reply;
//! - `pipeline`: the batches for other shards and the splicing of their
//!   replies;
//! - `io`: the socket.

use std::cell::Cell;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use coreshard_engine::runtime::Durability;
use coreshard_engine::ShardCtx;
use monoio::net::TcpStream;

use crate::client::ClientEntry;
use crate::cmd::Command;
use crate::core_state::CoreState;
use crate::keyevents::WatchFlag;
use crate::pubsub::Subscriptions;
use crate::resp::{Limits, ReplyBuf};
use crate::server::ServerState;

mod dispatch;
mod io;
mod pipeline;
mod requests;

pub(crate) use dispatch::{panicked, report_panic};
pub use dispatch::{run_shard_command, unknown_command};

/// Commands queued between MULTI and EXEC.
#[derive(Default)]
pub struct MultiState {
    /// The queued commands, with their arguments.
    pub queued: Vec<(&'static Command, Vec<Bytes>)>,
    /// A queued command was refused (unknown, wrong arity): EXEC aborts.
    pub aborted: bool,
}

/// A connection's transaction state: MULTI, WATCH, and whether EXEC runs.
#[derive(Default)]
pub struct TxState {
    /// MULTI state, between MULTI and EXEC/DISCARD.
    pub multi: Option<MultiState>,
    /// Keys watched by WATCH.
    pub watched: Vec<(u8, Bytes)>,
    /// Set when a watched key changes.
    pub watch_flag: Arc<WatchFlag>,
    /// Set while EXEC runs the queued commands, holding the locks of the
    /// shards they touch. Commands that can block MUST NOT wait then: they
    /// act as their non-blocking forms, as in Redis (a wait could never be
    /// satisfied while the shards are held).
    pub in_exec: bool,
}

/// A client connection and its state.
pub struct Conn {
    /// This core's shard.
    pub ctx: ShardCtx,
    /// This core's server state.
    pub core: Rc<CoreState>,
    /// Process-wide state.
    pub server: Arc<ServerState>,
    /// This connection in the core's client registry.
    pub client: Rc<ClientEntry>,
    /// Replies of the current pipeline.
    pub out: ReplyBuf,
    /// Selected database.
    pub db: u8,
    /// MULTI and WATCH.
    pub tx: TxState,
    /// Pub/sub subscriptions and deliveries.
    pub subs: Subscriptions,
    /// Cluster READONLY mode (accepted; every shard serves reads anyway).
    pub readonly: bool,
    /// Close after the current replies are written (QUIT, errors).
    pub closing: bool,
    /// Whether AUTH succeeded (or no password is set).
    authed: bool,
    io: io::Io,
    framing: requests::Framing,
    pipeline: pipeline::Pipeline,
    /// When the command being dispatched may have started, for the slow
    /// log: set when a pass over the read buffer begins and after each
    /// command that ran here, so each command costs one clock read. `None`
    /// while the slow log is off.
    slow_mark: Option<Instant>,
    /// The command looked up last: pipelines and busy clients mostly
    /// repeat one command, and comparing its name is cheaper than hashing.
    last_cmd: Cell<Option<&'static Command>>,
    /// This shard's durability barrier, when writes are logged.
    durability: Option<Rc<Durability>>,
    /// The barrier's last appended record when replies were last written.
    durable_mark: u64,
}

impl Conn {
    /// A new connection on this core.
    pub fn new(
        ctx: ShardCtx,
        core: Rc<CoreState>,
        server: Arc<ServerState>,
        stream: TcpStream,
        client: Rc<ClientEntry>,
    ) -> Conn {
        let settings = server.settings();
        let authed = settings.requirepass.is_none();
        let limits = Limits { max_bulk: settings.proto_max_bulk_len as i64, authenticated: authed };
        let subs = Subscriptions::new(settings.pubsub_output_limit as usize);
        drop(settings);
        let durability = ctx.durability();
        let durable_mark = durability.as_ref().map_or(0, |d| d.last_appended());
        Conn {
            durability,
            ctx,
            core,
            server,
            client,
            out: ReplyBuf::new(false),
            db: 0,
            tx: TxState::default(),
            subs,
            readonly: false,
            closing: false,
            authed,
            io: io::Io::new(stream),
            framing: requests::Framing::new(limits),
            pipeline: pipeline::Pipeline::default(),
            slow_mark: None,
            last_cmd: Cell::new(None),
            durable_mark,
        }
    }

    /// Whether AUTH succeeded (or no password was needed).
    pub fn authed(&self) -> bool {
        self.authed
    }

    /// Marks the client authenticated (lifts the small pre-AUTH limits).
    pub fn set_authed(&mut self, authed: bool) {
        self.authed = authed;
        self.framing.limits.authenticated = authed;
        // Requests already found were checked against the old limits.
        self.framing.frames.clear();
    }

    /// Switches protocol version. Replies queued for other shards are
    /// finished first, in the old protocol.
    pub async fn set_resp3(&mut self, resp3: bool) {
        self.finish_pipeline().await;
        self.out.set_resp3(resp3);
        self.client.resp.set(if resp3 { 3 } else { 2 });
    }

    /// Serves the connection until the client leaves or the server stops.
    pub async fn run(mut self) {
        let mut args = Vec::new();
        loop {
            self.process_buffer(&mut args).await;
            // Releases the read buffer for reuse (see `Io::prepare_read`).
            args.clear();
            self.finish_pipeline().await;
            self.drain_outbox();
            if !self.out.is_empty() && !self.write_out().await {
                break;
            }
            if self.closing || self.io.eof || self.client.killed.get() {
                break;
            }
            let keep_going = if self.subs.any() {
                // Deliveries and new requests, whichever comes first.
                let outbox = self.subs.outbox.clone();
                let ready = pin!(outbox.ready());
                self.read_or(ready).await;
                if self.over_query_limit(self.io.rbuf.len()) {
                    self.io.eof = true;
                }
                !self.io.eof
            } else {
                self.read_more().await
            };
            if !keep_going && self.io.rbuf.is_empty() {
                break;
            }
        }
        self.cleanup().await;
    }

    /// Moves queued pub/sub deliveries into the replies.
    pub fn drain_outbox(&mut self) {
        if self.subs.outbox.overflowed() {
            tracing::warn!(client = self.client.id, "client output buffer limit reached, closing the client");
            self.closing = true;
            self.out.clear();
            return;
        }
        self.subs.outbox.drain_into(&mut self.out);
    }

    async fn cleanup(&mut self) {
        if self.server.is_shutting_down() && !self.client.killed.get() {
            self.framing.frames.clear();
            self.io.linger(self.client.fd).await;
        }
        crate::commands::on_disconnect(self).await;
        self.core.unregister(self.client.id);
        self.server.clients.fetch_sub(1, Ordering::AcqRel);
    }
}
