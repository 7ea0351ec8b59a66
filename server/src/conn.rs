//! One client connection: read, decode, run, reply.
//!
//! A connection lives on the core that accepted it. Each read may hold a
//! whole pipeline: every request is decoded from the read buffer zero-copy
//! and dispatched in order. Commands whose keys this core's shard owns run
//! inline; commands for other shards are collected into one batch per
//! shard and sent when the pipeline is decoded, each batch one hop. Their
//! replies are spliced back in request order, and the pipeline's replies go
//! out in one write.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use coreshard_engine::{Shard, ShardCtx};
use futures_util::future::join_all;
use monoio::buf::IoBufMut;
use monoio::io::{AsyncReadRent, AsyncWriteRentExt, CancelableAsyncReadRent, Canceller};
use monoio::net::TcpStream;

use crate::cmd::{flags, Command, KeySpec, ReplyError, Run, ShardCall, ShardFn, TxnFn};
use crate::keyevents::{self, WatchFlag};
use crate::local::{self, ClientEntry, Counters};
use crate::resp::{self, DecodeError, Frame, Limits, ReplyBuf};
use crate::server::{PortKind, ServerState};

/// Replies are written out early once this much is buffered.
const OUT_FLUSH: usize = 1 << 20;
/// Every read asks for at least this many bytes (as Redis's
/// `PROTO_IOBUF_LEN`). With less room, pipelines of large values were read
/// in more, smaller pieces, each answered by its own write: 33% more TCP
/// segments than Redis for SET of 4 KiB values at pipeline 16.
const READ_CHUNK: usize = 16 * 1024;
/// Most pipelined requests whose keys are prefetched together.
const PREFETCH_WINDOW: usize = 32;

/// Messages queued for a connection by others on its core (pub/sub
/// deliveries), drained into its replies by the connection itself.
#[derive(Default)]
pub struct Outbox {
    buf: RefCell<Vec<u8>>,
    waker: RefCell<Option<Waker>>,
    overflow: Cell<bool>,
    limit: Cell<usize>,
}

impl Outbox {
    pub(crate) fn new(limit: usize) -> Outbox {
        Outbox { limit: Cell::new(limit), ..Outbox::default() }
    }

    /// Appends encoded bytes. A queue that would pass its limit is marked
    /// overflowed instead and its connection closes (as Redis does with slow
    /// subscribers); nothing more is queued after that.
    pub fn push(&self, bytes: &[u8]) {
        if self.overflow.get() {
            return;
        }
        let mut buf = self.buf.borrow_mut();
        if buf.len() + bytes.len() > self.limit.get() {
            self.overflow.set(true);
            buf.clear();
        } else {
            buf.extend_from_slice(bytes);
        }
        drop(buf);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Whether the queue passed its limit (the connection must close).
    pub fn overflowed(&self) -> bool {
        self.overflow.get()
    }

    /// Moves everything queued to the end of `out`.
    pub fn drain_into(&self, out: &mut Vec<u8>) {
        let mut buf = self.buf.borrow_mut();
        out.extend_from_slice(&buf);
        buf.clear();
    }

    /// Bytes queued.
    pub fn len(&self) -> usize {
        self.buf.borrow().len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.buf.borrow().is_empty()
    }

    /// Resolves when something is queued (or the queue overflowed).
    pub fn ready(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.overflow.get() || !self.buf.borrow().is_empty() {
                return Poll::Ready(());
            }
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
    }
}

/// Commands queued between MULTI and EXEC.
#[derive(Default)]
pub struct MultiState {
    /// The queued commands, with their arguments.
    pub queued: Vec<(&'static Command, Vec<Bytes>)>,
    /// A queued command was refused (unknown, wrong arity): EXEC aborts.
    pub aborted: bool,
}

struct Batch {
    shard: usize,
    resp3: bool,
    cmds: Vec<(ShardFn, u8, Vec<Bytes>)>,
}

struct Hole {
    pos: usize,
    batch: usize,
    idx: usize,
}

/// A client connection and its state.
pub struct Conn {
    /// This core's shard.
    pub ctx: ShardCtx,
    /// Process-wide state.
    pub server: Arc<ServerState>,
    /// This connection in the core's client registry.
    pub client: Rc<ClientEntry>,
    /// Selected database.
    pub db: u8,
    /// Whether AUTH succeeded (or no password is set).
    pub authed: bool,
    /// Replies of the current pipeline.
    pub out: ReplyBuf,
    /// Which port the client connected to.
    pub port: PortKind,
    /// Close after the current replies are written (QUIT, errors).
    pub closing: bool,
    /// MULTI state, between MULTI and EXEC/DISCARD.
    pub multi: Option<MultiState>,
    /// Keys watched by WATCH, and the flag their changes set.
    pub watched: Vec<(u8, Bytes)>,
    /// Set when a watched key changes.
    pub watch_flag: Arc<WatchFlag>,
    /// Subscribed channels.
    pub channels: HashSet<Bytes>,
    /// Subscribed patterns.
    pub patterns: HashSet<Bytes>,
    /// Pub/sub deliveries.
    pub outbox: Rc<Outbox>,
    /// Cluster READONLY mode (accepted; every shard serves reads anyway).
    pub readonly: bool,
    /// Set while EXEC runs the queued commands, holding the locks of the
    /// shards they touch. Commands that can block MUST NOT wait then: they
    /// act as their non-blocking forms, as in Redis (a wait could never be
    /// satisfied while the shards are held).
    pub in_exec: bool,
    stream: TcpStream,
    rbuf: BytesMut,
    limits: Limits,
    batches: Vec<Batch>,
    holes: Vec<Hole>,
    eof: bool,
    /// When the command being dispatched may have started, for the slow
    /// log: set when a pass over the read buffer begins and after each
    /// command that ran here, so each command costs one clock read. `None`
    /// while the slow log is off.
    mark: Option<Instant>,
    /// Complete requests found at the front of `rbuf` by
    /// [`scan_requests`](Self::scan_requests), in order, not yet run.
    frames: VecDeque<Frame>,
    /// The command looked up last: pipelines and busy clients mostly
    /// repeat one command, and comparing its name is cheaper than hashing.
    last_cmd: Cell<Option<&'static Command>>,
}

/// Runs a shard command, turning its error into an error reply (dropping
/// anything it wrote before failing), then serves clients blocked on keys
/// the command wrote.
#[inline]
pub fn exec_shard(f: ShardFn, shard: &mut Shard, db: u8, args: &[Bytes], out: &mut ReplyBuf) {
    let mark = out.len();
    let mut call = ShardCall { shard, db, out };
    if let Err(e) = f(&mut call, args) {
        out.buf.truncate(mark);
        out.error(&e.0);
    }
    if keyevents::has_ready() {
        crate::blocking::serve_ready(shard);
    }
}

impl Conn {
    /// A new connection on this core.
    pub fn new(ctx: ShardCtx, server: Arc<ServerState>, stream: TcpStream, client: Rc<ClientEntry>) -> Conn {
        let config = server.config();
        let authed = config.requirepass.is_none();
        Conn {
            port: client.port,
            ctx,
            client,
            db: 0,
            authed,
            out: ReplyBuf::new(false),
            closing: false,
            multi: None,
            watched: Vec::new(),
            watch_flag: Arc::new(WatchFlag::default()),
            channels: HashSet::new(),
            patterns: HashSet::new(),
            outbox: Rc::new(Outbox::new(config.pubsub_output_limit as usize)),
            readonly: false,
            in_exec: false,
            stream,
            rbuf: BytesMut::with_capacity(2 * READ_CHUNK),
            limits: Limits { max_bulk: config.proto_max_bulk_len as i64, authenticated: authed },
            batches: Vec::new(),
            holes: Vec::new(),
            eof: false,
            mark: None,
            frames: VecDeque::with_capacity(PREFETCH_WINDOW),
            last_cmd: Cell::new(None),
            server,
        }
    }

    /// Whether the client is in (RESP2-restricted) subscribed mode.
    pub fn is_subscribed(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }

    /// Marks the client authenticated (lifts the small pre-AUTH limits).
    pub fn set_authed(&mut self, authed: bool) {
        self.authed = authed;
        self.limits.authenticated = authed;
        // Requests already found were checked against the old limits.
        self.frames.clear();
    }

    /// Switches protocol version. Replies queued for other shards are
    /// finished first, in the old protocol.
    pub async fn set_resp3(&mut self, resp3: bool) {
        self.finish_pipeline().await;
        self.out.resp3 = resp3;
        self.client.resp.set(if resp3 { 3 } else { 2 });
    }

    /// Serves the connection until the client leaves or the server stops.
    pub async fn run(mut self) {
        let mut args = Vec::new();
        loop {
            self.process_buffer(&mut args).await;
            // Releases the read buffer for reuse (see `prepare_read`).
            args.clear();
            self.finish_pipeline().await;
            self.drain_outbox();
            if !self.out.is_empty() && !self.write_out().await {
                break;
            }
            if self.closing || self.eof || self.client.killed.get() {
                break;
            }
            let keep_going = if self.is_subscribed() {
                // Deliveries and new requests, whichever comes first.
                let outbox = self.outbox.clone();
                let ready = pin!(outbox.ready());
                self.read_or(ready).await;
                if self.rbuf.len() as u64 > self.server.query_buffer_limit.load(Ordering::Relaxed) {
                    self.eof = true;
                }
                !self.eof
            } else {
                self.read_more().await
            };
            if !keep_going && self.rbuf.is_empty() {
                break;
            }
        }
        self.cleanup().await;
    }

    /// Decodes and dispatches every complete request in the read buffer.
    async fn process_buffer(&mut self, args: &mut Vec<Bytes>) {
        // One clock read for both: the client's last interaction (as Redis
        // updates it on each read) and the slow log's start mark.
        let now = Instant::now();
        self.client.last_active.set(now);
        self.mark = self.server.slowlog.enabled().then_some(now);
        loop {
            if self.closing {
                return;
            }
            if self.frames.is_empty() {
                self.scan_requests();
            }
            let next = match self.frames.pop_front() {
                Some(frame) => Ok(frame),
                // Nothing complete: why (incomplete or invalid).
                None => resp::check(&self.rbuf, &self.limits),
            };
            match next {
                Ok(frame) => {
                    resp::parse(&mut self.rbuf, frame, args);
                    if args.is_empty() {
                        continue;
                    }
                    self.dispatch(args).await;
                    if self.out.len() > OUT_FLUSH && self.holes.is_empty() {
                        if !self.write_out().await {
                            self.closing = true;
                        }
                        self.mark = self.mark.map(|_| Instant::now());
                    }
                }
                Err(DecodeError::Incomplete { hint }) => {
                    let need = hint.unwrap_or(0);
                    if need as u64 > self.server.query_buffer_limit.load(Ordering::Relaxed) {
                        tracing::warn!(client = self.client.id, "closing client that reached max query buffer length");
                        self.closing = true;
                    } else if need > self.rbuf.len() {
                        self.rbuf.reserve(need - self.rbuf.len());
                    }
                    return;
                }
                Err(DecodeError::Protocol(msg)) => {
                    self.finish_pipeline().await;
                    let mut text = String::with_capacity(32 + msg.len());
                    text.push_str("ERR Protocol error: ");
                    text.push_str(&msg);
                    self.out.error(&text);
                    local::with(|l| Counters::bump(&l.counters.protocol_errors));
                    tracing::debug!(client = self.client.id, error = %msg, "protocol error, closing the connection");
                    self.closing = true;
                    self.rbuf.clear();
                    self.frames.clear();
                    return;
                }
            }
        }
    }

    /// Finds the complete requests at the front of the read buffer (up to
    /// [`PREFETCH_WINDOW`]) and queues them in `frames`, so each is checked
    /// once; when there are several (a pipeline), loads their keys into the
    /// CPU cache, all at once, before any of them runs.
    ///
    /// Finding a key in the keyspace is a chain of cache misses that takes
    /// most of the CPU time of a GET or SET once the network cost is shared
    /// by a pipeline. Looked up back to back, the misses of different keys
    /// overlap: measured at pipeline 16 with 64-byte values, 0.2 µs less CPU
    /// per GET or SET (about 20%). Only requests of commands whose first key
    /// is their first argument and that this core's shard owns are
    /// prefetched.
    fn scan_requests(&mut self) {
        let mut keys = [(0usize, 0usize); PREFETCH_WINDOW];
        let mut n = 0;
        let mut at = 0;
        let local = self.ctx.id();
        while self.frames.len() < PREFETCH_WINDOW {
            let buf = &self.rbuf[at..];
            let Ok(frame) = resp::check(buf, &self.limits) else { break };
            self.frames.push_back(frame);
            if at == 0 && frame.len == buf.len() {
                // A single request: nothing to overlap its lookup with.
                return;
            }
            if let Some((name, key)) = resp::peek_name_and_key(buf, frame) {
                let keyed = self.lookup(name).is_some_and(|cmd| {
                    matches!(cmd.run, Run::Shard(_) | Run::Keyed { .. })
                        && matches!(cmd.keys, KeySpec::Range { first: 1, .. })
                });
                if keyed && self.ctx.router().shard_of(key) == local {
                    let start = key.as_ptr() as usize - self.rbuf.as_ptr() as usize;
                    keys[n] = (start, key.len());
                    n += 1;
                }
            }
            at += frame.len;
        }
        if n > 1 {
            let db = self.db;
            let rbuf = &self.rbuf;
            self.ctx.try_with(|s| {
                for &(start, len) in &keys[..n] {
                    s.prefetch(db, &rbuf[start..start + len]);
                }
            });
        }
    }

    /// The command named `name` (any case).
    #[inline]
    fn lookup(&self, name: &[u8]) -> Option<&'static Command> {
        if let Some(cmd) = self.last_cmd.get() {
            if cmd.name.as_bytes().eq_ignore_ascii_case(name) {
                return Some(cmd);
            }
        }
        let cmd = crate::commands::lookup(name)?;
        self.last_cmd.set(Some(cmd));
        Some(cmd)
    }

    /// Runs one request.
    pub async fn dispatch(&mut self, args: &mut Vec<Bytes>) {
        local::with(|l| Counters::bump(&l.counters.commands));
        let Some(cmd) = self.lookup(&args[0]) else {
            self.reject(unknown_command(args));
            return;
        };
        if !cmd.arity_ok(args.len()) {
            self.reject_command(cmd, ReplyError::arity(cmd.name)).await;
            return;
        }
        // A password set after this client connected does not lock it out,
        // and one removed lets it in, as in Redis.
        if !self.authed && !cmd.has(flags::NO_AUTH) && self.server.auth_required.load(Ordering::Relaxed) {
            self.reject_command(cmd, ReplyError::text("NOAUTH Authentication required.")).await;
            return;
        }
        if self.multi.is_some() && !cmd.has(flags::TXN_CONTROL) {
            if cmd.has(flags::NO_MULTI) {
                self.reject(ReplyError::text("ERR Command not allowed inside a transaction"));
                return;
            }
            if let Some(m) = self.multi.as_mut() {
                m.queued.push((cmd, std::mem::take(args)));
                self.client.multi.set(m.queued.len() as i64);
            }
            self.out.simple("QUEUED");
            return;
        }
        if self.is_subscribed() && !self.out.resp3 && !cmd.has(flags::PUBSUB_OK) {
            self.out.error(&format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                cmd.name
            ));
            return;
        }
        self.client.last_cmd.set(cmd.name);
        if cmd.has(flags::BLOCKING) && !self.in_exec {
            // Blocking commands are `Keyed` by their non-blocking form, which
            // EXEC runs; outside MULTI they block here.
            if let Some(f) = crate::blocking::blocking_form(cmd) {
                self.finish_pipeline().await;
                let owned = std::mem::take(args);
                if let Err(e) = f(self, owned).await {
                    self.out.error(&e.0);
                }
                // The time it waited is neither its own (for the slow log)
                // nor the next command's.
                if self.mark.is_some() {
                    self.mark = Some(Instant::now());
                }
                return;
            }
        }
        let start = self.mark;
        match cmd.run {
            Run::Shard(f) => self.run_keyed(cmd, f, None, args).await,
            Run::Keyed { shard, spanning } => self.run_keyed(cmd, shard, Some(spanning), args).await,
            Run::Conn(f) => {
                if let Err(e) = f(self, args) {
                    self.out.error(&e.0);
                }
            }
            Run::Async(f) => {
                self.finish_pipeline().await;
                let owned = std::mem::take(args);
                // Blocking commands spend their time waiting, not running.
                let logged = (start.is_some() && !cmd.has(flags::BLOCKING)).then(|| owned.clone());
                let start = Instant::now();
                if let Err(e) = f(self, owned).await {
                    self.out.error(&e.0);
                }
                if let Some(args) = logged {
                    self.log_if_slow(start, &args);
                } else if self.mark.is_some() {
                    // Whatever it waited for is not the next command's time.
                    self.mark = Some(Instant::now());
                }
                return;
            }
        }
        // A command sent to another shard left `args` empty: that shard
        // times it (see `finish_pipeline`).
        if let Some(start) = start.filter(|_| !args.is_empty()) {
            self.log_if_slow(start, args);
        }
    }

    /// Adds the command that started at `start` to the slow log if it ran
    /// for long enough; the time it ended marks the next command's start.
    #[inline]
    fn log_if_slow(&mut self, start: Instant, args: &[Bytes]) {
        let now = Instant::now();
        self.mark = Some(now);
        let micros = now.saturating_duration_since(start).as_micros() as u64;
        if self.server.slowlog.is_slow(micros) {
            self.log_slow(args, micros);
        }
    }

    #[cold]
    fn log_slow(&self, args: &[Bytes], micros: u64) {
        let name = self.client.name.borrow().clone().unwrap_or_default();
        self.server.slowlog.record(args, micros, self.client.addr.to_string(), name);
    }

    /// An error for a command refused before running; inside MULTI it also
    /// dooms the transaction (EXECABORT).
    /// A known command refused before running. A refused EXEC also ends
    /// the transaction, as Redis's `execCommandAbort` does.
    async fn reject_command(&mut self, cmd: &'static Command, e: ReplyError) {
        if cmd.name != "exec" {
            self.reject(e);
            return;
        }
        crate::commands::transaction::discard(self).await;
        let reason = e.0.strip_prefix("ERR ").unwrap_or(&e.0);
        self.out.error(&format!("EXECABORT Transaction discarded because of: {reason}"));
    }

    fn reject(&mut self, e: ReplyError) {
        if let Some(m) = self.multi.as_mut() {
            m.aborted = true;
        }
        self.out.error(&e.0);
    }

    async fn run_keyed(&mut self, cmd: &'static Command, f: ShardFn, spanning: Option<TxnFn>, args: &mut Vec<Bytes>) {
        let ctx = self.ctx.clone();
        let local = ctx.id();
        let router = ctx.router();
        let mut owner = None;
        let mut spans = false;
        cmd.keys.for_each(args, |i| {
            let s = router.shard_of(&args[i]);
            match owner {
                None => owner = Some(s),
                Some(o) if o != s => spans = true,
                Some(_) => {}
            }
        });
        if spans {
            let Some(spanning) = spanning else {
                self.out.error("CROSSSLOT Keys in request don't hash to the same slot");
                return;
            };
            self.finish_pipeline().await;
            let mut shards: Vec<usize> = Vec::new();
            cmd.keys.for_each(args, |i| shards.push(router.shard_of(&args[i])));
            local::with(|l| Counters::bump(&l.counters.hops_out));
            match self.ctx.lock(shards).await {
                Ok(txn) => {
                    let mark = self.out.len();
                    if let Err(e) = spanning(&txn, self.db, args, &mut self.out).await {
                        self.out.buf.truncate(mark);
                        self.out.error(&e.0);
                    }
                    txn.release().await;
                }
                Err(e) => self.out.error(&ReplyError::from(e).0),
            }
            return;
        }
        let target = owner.unwrap_or(local);
        if target == local {
            local::with(|l| Counters::bump(&l.counters.local));
            let db = self.db;
            let out = &mut self.out;
            let done = self.ctx.try_with(|s| exec_shard(f, s, db, args, out));
            if done.is_none() {
                // A cross-shard transaction holds this shard: keep order by
                // finishing what is queued, then wait for it.
                self.finish_pipeline().await;
                let out = &mut self.out;
                self.ctx.with(|s| exec_shard(f, s, db, args, out)).await;
            }
            return;
        }
        local::with(|l| Counters::bump(&l.counters.hops_out));
        let batch = match self.batches.iter().position(|b| b.shard == target) {
            Some(i) => i,
            None => {
                self.batches.push(Batch { shard: target, resp3: self.out.resp3, cmds: Vec::new() });
                self.batches.len() - 1
            }
        };
        let cmds = &mut self.batches[batch].cmds;
        self.holes.push(Hole { pos: self.out.len(), batch, idx: cmds.len() });
        cmds.push((f, self.db, std::mem::take(args)));
    }

    /// Sends the batches queued for other shards, waits for their replies
    /// and splices them into the reply buffer in request order.
    pub async fn finish_pipeline(&mut self) {
        if self.batches.is_empty() {
            return;
        }
        let batches = std::mem::take(&mut self.batches);
        let slower_than = self.server.slowlog.slower_than();
        let calls = batches.into_iter().map(|b| {
            let Batch { shard, resp3, cmds } = b;
            self.ctx.call(shard, move |s| {
                local::with(|l| l.counters.hops_in.set(l.counters.hops_in.get() + cmds.len() as u64));
                let mut out = ReplyBuf::new(resp3);
                let mut ends = Vec::with_capacity(cmds.len());
                // Commands slow enough for the slow log, timed here where
                // they run: one clock read per command, each command's end
                // being the next one's start.
                let mut slow = Vec::new();
                let mut mark = (slower_than >= 0).then(Instant::now);
                for (f, db, args) in cmds {
                    exec_shard(f, s, db, &args, &mut out);
                    ends.push(out.len());
                    if let Some(start) = mark {
                        let now = Instant::now();
                        mark = Some(now);
                        let micros = now.saturating_duration_since(start).as_micros() as u64;
                        if micros >= slower_than as u64 {
                            slow.push((micros, args));
                        }
                    }
                }
                (out.buf, ends, slow)
            })
        });
        let results = join_all(calls).await;
        let holes = std::mem::take(&mut self.holes);
        let old = std::mem::take(&mut self.out.buf);
        let extra: usize = results.iter().map(|r| r.as_ref().map_or(64, |(b, _, _)| b.len())).sum();
        let mut buf = Vec::with_capacity(old.len() + extra);
        let mut at = 0;
        for h in holes {
            buf.extend_from_slice(&old[at..h.pos]);
            at = h.pos;
            match &results[h.batch] {
                Ok((bytes, ends, _)) => {
                    let start = if h.idx == 0 { 0 } else { ends[h.idx - 1] };
                    buf.extend_from_slice(&bytes[start..ends[h.idx]]);
                }
                Err(e) => {
                    let mut tmp = ReplyBuf::new(false);
                    tmp.error(&ReplyError::from(e.clone()).0);
                    buf.extend_from_slice(&tmp.buf);
                }
            }
        }
        buf.extend_from_slice(&old[at..]);
        self.out.buf = buf;
        for (micros, args) in results.iter().filter_map(|r| r.as_ref().ok()).flat_map(|(_, _, slow)| slow) {
            self.log_slow(args, *micros);
        }
    }

    /// Moves queued pub/sub deliveries into the replies.
    pub fn drain_outbox(&mut self) {
        if self.outbox.overflow.get() {
            tracing::warn!(client = self.client.id, "client output buffer limit reached, closing the client");
            self.closing = true;
            self.out.buf.clear();
            return;
        }
        self.outbox.drain_into(&mut self.out.buf);
    }

    /// Writes the reply buffer; false when the client is gone.
    pub async fn write_out(&mut self) -> bool {
        let buf = std::mem::take(&mut self.out.buf);
        self.client.obuf.set(buf.len());
        let (res, mut buf) = self.stream.write_all(buf).await;
        buf.clear();
        if buf.capacity() > 4 * OUT_FLUSH {
            buf.shrink_to(64 * 1024);
        }
        self.out.buf = buf;
        self.client.obuf.set(0);
        res.is_ok()
    }

    fn prepare_read(&mut self) -> monoio::buf::SliceMut<BytesMut> {
        // Once no argument refers to it any more, the buffer is reused: the
        // unread tail moves to its front instead of to a new allocation.
        if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK {
            self.rbuf.reserve(READ_CHUNK);
        }
        let buf = std::mem::take(&mut self.rbuf);
        let (start, end) = (buf.len(), buf.capacity());
        buf.slice_mut(start..end)
    }

    /// Reads more request bytes; false at end of input or on error.
    async fn read_more(&mut self) -> bool {
        let timeout = self.server.timeout_secs.load(Ordering::Relaxed);
        let slice = self.prepare_read();
        let (res, slice) = if timeout > 0 && self.multi.is_none() {
            let canceller = Canceller::new();
            let read = self.stream.cancelable_read(slice, canceller.handle());
            let mut read = pin!(read);
            match monoio::time::timeout(Duration::from_secs(timeout), read.as_mut()).await {
                Ok(r) => r,
                Err(_) => {
                    canceller.cancel();
                    let (_, slice) = read.await;
                    self.rbuf = slice.into_inner();
                    tracing::debug!(client = self.client.id, "closing idle client");
                    self.eof = true;
                    return false;
                }
            }
        } else {
            self.stream.read(slice).await
        };
        self.rbuf = slice.into_inner();
        self.client.qbuf.set(self.rbuf.len());
        match res {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(_) => true,
        }
    }

    /// Waits for `fut` while still reading the socket, so that input is
    /// buffered and a client that disconnects is noticed. `None` when the
    /// client went away first.
    pub async fn wait_for<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        let mut fut = pin!(fut);
        loop {
            if self.eof {
                return None;
            }
            if let Some(v) = self.read_or(fut.as_mut()).await {
                return Some(v);
            }
            if self.rbuf.len() as u64 > self.server.query_buffer_limit.load(Ordering::Relaxed) {
                self.eof = true;
            }
        }
    }

    /// Reads once from the socket while polling `fut`: returns `fut`'s value
    /// if it finished first (the read is cancelled, keeping anything it
    /// got), `None` once the read completed (or hit end of input).
    async fn read_or<F: Future>(&mut self, mut fut: Pin<&mut F>) -> Option<F::Output> {
        if self.eof {
            return None;
        }
        let canceller = Canceller::new();
        let slice = self.prepare_read();
        let read = self.stream.cancelable_read(slice, canceller.handle());
        let mut read = pin!(read);
        let first = poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            read.as_mut().poll(cx).map(Err)
        })
        .await;
        let (res, slice, value) = match first {
            Ok(v) => {
                canceller.cancel();
                let (res, slice) = read.await;
                (res, slice, Some(v))
            }
            Err((res, slice)) => (res, slice, None),
        };
        self.rbuf = slice.into_inner();
        self.client.qbuf.set(self.rbuf.len());
        match res {
            Ok(0) => self.eof = true,
            Ok(_) => self.client.last_active.set(std::time::Instant::now()),
            Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => {}
            Err(_) => self.eof = true,
        }
        value
    }

    /// Closes gracefully at shutdown. Shutdown stops reading (the socket's
    /// read side is shut, so a read returns end-of-file as soon as nothing is
    /// queued), but the client may still be sending. Closing a socket with
    /// unread input makes the kernel reset the connection, and a reset
    /// destroys replies the client has not read yet. So: half-close after
    /// the last reply (the client reads every reply, then end-of-file), and
    /// discard input until none has come for 100 ms (at most 2 s).
    async fn linger(&mut self) {
        let _ = nix::sys::socket::shutdown(self.client.fd, nix::sys::socket::Shutdown::Write);
        self.frames.clear();
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut quiet = 0;
        while quiet < 10 && Instant::now() < deadline {
            self.rbuf.clear();
            let slice = self.prepare_read();
            let (res, slice) = self.stream.read(slice).await;
            self.rbuf = slice.into_inner();
            match res {
                Ok(0) => {
                    quiet += 1;
                    monoio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(_) => quiet = 0,
                Err(_) => break,
            }
        }
        self.rbuf.clear();
    }

    /// Whether unprocessed request bytes are buffered.
    pub fn has_buffered_input(&self) -> bool {
        !self.rbuf.is_empty()
    }

    async fn cleanup(&mut self) {
        if local::is_shutting_down() && !self.client.killed.get() {
            self.linger().await;
        }
        crate::commands::on_disconnect(self).await;
        local::unregister(self.client.id);
        self.server.clients.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `, as Redis
/// words it (at most 128 bytes of arguments).
pub fn unknown_command(args: &[Bytes]) -> ReplyError {
    let mut quoted = String::new();
    for a in &args[1..] {
        if quoted.len() >= 128 {
            break;
        }
        let room = 128 - quoted.len();
        quoted.push('\'');
        quoted.push_str(&String::from_utf8_lossy(&a[..a.len().min(room)]));
        quoted.push_str("' ");
    }
    let name = String::from_utf8_lossy(&args[0][..args[0].len().min(128)]);
    ReplyError::owned(format!("ERR unknown command '{name}', with args beginning with: {quoted}"))
}
