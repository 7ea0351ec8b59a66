//! Running one request: the command lookup, the checks Redis makes before
//! running a command (arity, AUTH, MULTI queueing, subscribed mode), its
//! route (computed once, from its key spec), and then where it runs: inline
//! on this core's shard, queued for another shard's batch, under a
//! cross-shard transaction, or on the connection. Also the slow log's
//! timing, and the one place where a command that panics is caught.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use bytes::Bytes;
use coreshard_engine::{Route, Shard};
use futures_util::FutureExt;

use super::Conn;
use crate::cmd::{flags, CmdResult, Command, Plan, ReplyError, Run, ShardCall, ShardFn, TxnCall, TxnFn};
use crate::core_state::{CoreState, Counters};
use crate::resp::{Mark, ReplyBuf};

/// The error a command that panicked answers: the panic is a bug, the
/// client gets this instead of a reply, and the server carries on.
pub(crate) fn panicked(cmd: &str) -> ReplyError {
    ReplyError::owned(format!("ERR internal error while running '{cmd}', the command was not completed"))
}

/// Counts and logs a panic caught while running `cmd`.
#[cold]
pub(crate) fn report_panic(core: &CoreState, cmd: &str, payload: &(dyn Any + Send)) {
    Counters::bump(&core.counters.panics);
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    tracing::error!(shard = core.id, command = cmd, panic = what, "a command panicked; the server keeps running");
}

/// Runs a shard command on the shard owning its keys (inline, in a hopped
/// batch, or in an EXEC job), turning its error into an error reply
/// (dropping anything it wrote before failing); then serves clients blocked
/// on keys the command wrote. A panic is caught here, on every path alike:
/// the command answers [`panicked`], is counted in INFO, and the shard and
/// the connection keep running.
pub fn run_shard_command(core: &CoreState, f: ShardFn, shard: &mut Shard, db: u8, args: &[Bytes], out: &mut ReplyBuf) {
    let mark = out.mark();
    let mut call = ShardCall { shard, db, out };
    match catch_unwind(AssertUnwindSafe(|| f(&mut call, args))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            out.rollback(mark);
            out.error(&e.0);
        }
        Err(payload) => {
            let name = String::from_utf8_lossy(args.first().map_or(&b""[..], |a| &a[..])).to_ascii_lowercase();
            report_panic(core, &name, payload.as_ref());
            out.rollback(mark);
            out.error(&panicked(&name).0);
        }
    }
    if core.keys.has_ready() {
        crate::blocking::serve_ready(core, shard);
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

impl Conn {
    /// The command named `name` (any case).
    #[inline]
    pub(super) fn lookup(&self, name: &[u8]) -> Option<&'static Command> {
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
        Counters::bump(&self.core.counters.commands);
        let Some(cmd) = self.lookup(&args[0]) else {
            self.reject(unknown_command(args));
            return;
        };
        if let Err(e) = self.admit(cmd, args) {
            self.reject_command(cmd, e).await;
            return;
        }
        if self.tx.multi.is_some() && !cmd.internal.contains(flags::Internal::TXN_CONTROL) {
            self.queue_in_multi(cmd, args);
            return;
        }
        if self.subs.any() && !self.out.resp3() && !cmd.internal.contains(flags::Internal::PUBSUB_OK) {
            self.out.error(&format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                cmd.name
            ));
            return;
        }
        self.client.last_cmd.set(cmd.name);
        let route = cmd.route(args, self.ctx.router());
        if let Run::Blocking { block, .. } = cmd.run {
            if !self.tx.in_exec {
                self.run_blocking(cmd, block, route, args).await;
                return;
            }
        }
        let start = self.slow_mark;
        match cmd.plan(&route) {
            Err(e) => self.out.error(&e.0),
            Ok(Plan::Shard(f, owner)) => self.run_on_shard(f, owner.unwrap_or(self.ctx.id()), args).await,
            Ok(Plan::Spanning(f)) => self.run_spanning(cmd, f, route, args).await,
            Ok(Plan::Conn(f)) => {
                let mark = self.out.mark();
                let result = catch_unwind(AssertUnwindSafe(|| f(self, args)));
                self.finish(cmd, mark, result);
            }
            Ok(Plan::Async(f)) => {
                self.finish_pipeline().await;
                let owned = std::mem::take(args);
                let logged = start.is_some().then(|| owned.clone());
                let start = Instant::now();
                let mark = self.out.mark();
                let result = AssertUnwindSafe(f(self, owned)).catch_unwind().await;
                self.finish(cmd, mark, result);
                if let Some(args) = logged {
                    self.log_if_slow(start, &args);
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

    /// The checks before a command runs or is queued: arity, then AUTH.
    fn admit(&self, cmd: &'static Command, args: &[Bytes]) -> Result<(), ReplyError> {
        if !cmd.arity_ok(args.len()) {
            return Err(ReplyError::arity(cmd.name));
        }
        // A password set after this client connected does not lock it out,
        // and one removed lets it in, as in Redis.
        if !self.authed && !cmd.flags.contains(flags::Flags::NO_AUTH) && self.server.settings().requirepass.is_some() {
            return Err(ReplyError::text("NOAUTH Authentication required."));
        }
        // Redis refuses writes (and PING) while its log cannot be written.
        if cmd.flags.contains(flags::Flags::WRITE) || cmd.name == "ping" {
            if let Some(e) = self.server.log.as_ref().and_then(|l| l.write_error()) {
                return Err(ReplyError(format!("MISCONF Errors writing to the AOF file: {e}").into()));
            }
        }
        Ok(())
    }

    /// Queues a command between MULTI and EXEC (or refuses one that may not
    /// run in a transaction, dooming it).
    fn queue_in_multi(&mut self, cmd: &'static Command, args: &mut Vec<Bytes>) {
        if cmd.flags.contains(flags::Flags::NO_MULTI) {
            self.reject(ReplyError::text("ERR Command not allowed inside a transaction"));
            return;
        }
        if let Some(m) = self.tx.multi.as_mut() {
            m.queued.push((cmd, std::mem::take(args)));
            self.client.multi.set(m.queued.len() as i64);
        }
        self.out.simple("QUEUED");
    }

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

    /// An error for a command refused before running; inside MULTI it also
    /// dooms the transaction (EXECABORT).
    fn reject(&mut self, e: ReplyError) {
        if let Some(m) = self.tx.multi.as_mut() {
            m.aborted = true;
        }
        self.out.error(&e.0);
    }

    /// The reply of a command that ran on the connection from `mark`: its
    /// error, or [`panicked`] (instead of anything it wrote) when it
    /// panicked.
    fn finish(&mut self, cmd: &'static Command, mark: Mark, result: std::thread::Result<CmdResult>) {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.out.error(&e.0),
            Err(payload) => {
                report_panic(&self.core, cmd.name, payload.as_ref());
                self.out.rollback(mark);
                self.out.error(&panicked(cmd.name).0);
            }
        }
    }

    /// A single-shard command: inline when `owner` is this core's shard,
    /// else into that shard's batch for this pipeline.
    async fn run_on_shard(&mut self, f: ShardFn, owner: usize, args: &mut Vec<Bytes>) {
        if owner != self.ctx.id() {
            self.queue_hop(owner, f, args);
            return;
        }
        Counters::bump(&self.core.counters.local);
        let (db, core, out) = (self.db, &*self.core, &mut self.out);
        if self.ctx.try_with(|s| run_shard_command(core, f, s, db, args, out)).is_none() {
            // A cross-shard transaction holds this shard: keep order by
            // finishing what is queued, then wait for it.
            self.finish_pipeline().await;
            let (core, out) = (&*self.core, &mut self.out);
            self.ctx.with(|s| run_shard_command(core, f, s, db, args, out)).await;
        }
    }

    /// A multi-key command whose keys span shards: locks them (in order),
    /// runs its cross-shard form, releases them.
    async fn run_spanning(&mut self, cmd: &'static Command, f: TxnFn, route: Route, args: &[Bytes]) {
        self.finish_pipeline().await;
        Counters::bump(&self.core.counters.hops_out);
        let txn = match self.ctx.lock(route.shards().iter().copied()).await {
            Ok(txn) => txn,
            Err(e) => return self.out.error(&ReplyError::from(e).0),
        };
        let mark = self.out.mark();
        let result = self.run_txn_fn(f, &txn, &route, args).await;
        txn.release().await;
        self.finish(cmd, mark, result);
    }

    /// Runs a cross-shard form on `txn` with the connection's database and
    /// reply buffer; what it wrote is dropped if it fails or panics.
    pub(crate) fn run_txn_fn<'a>(
        &'a mut self,
        f: TxnFn,
        txn: &'a coreshard_engine::Txn,
        route: &'a Route,
        args: &'a [Bytes],
    ) -> impl Future<Output = std::thread::Result<CmdResult>> + 'a {
        let mark = self.out.mark();
        let db = self.db;
        async move {
            let result = AssertUnwindSafe(f(TxnCall { txn, route, db, out: &mut self.out }, args)).catch_unwind().await;
            if !matches!(result, Ok(Ok(()))) {
                self.out.rollback(mark);
            }
            result
        }
    }

    /// A blocking command outside MULTI: waits here. The time it waits is
    /// neither its own (for the slow log) nor the next command's.
    async fn run_blocking(
        &mut self,
        cmd: &'static Command,
        block: crate::cmd::BlockFn,
        route: Route,
        args: &mut Vec<Bytes>,
    ) {
        self.finish_pipeline().await;
        let owned = std::mem::take(args);
        let mark = self.out.mark();
        let result = AssertUnwindSafe(block(self, route, owned)).catch_unwind().await;
        self.finish(cmd, mark, result);
        if self.slow_mark.is_some() {
            self.slow_mark = Some(Instant::now());
        }
    }

    /// Adds the command that started at `start` to the slow log if it ran
    /// for long enough; the time it ended marks the next command's start.
    #[inline]
    fn log_if_slow(&mut self, start: Instant, args: &[Bytes]) {
        let now = Instant::now();
        self.slow_mark = Some(now);
        let micros = now.saturating_duration_since(start).as_micros() as u64;
        if self.server.slowlog.is_slow(micros) {
            self.log_slow(args, micros);
        }
    }

    #[cold]
    pub(super) fn log_slow(&self, args: &[Bytes], micros: u64) {
        let name = self.client.name.borrow().clone().unwrap_or_default();
        self.server.slowlog.record(args, micros, self.client.addr.to_string(), name);
    }
}
