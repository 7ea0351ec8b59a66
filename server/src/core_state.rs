//! Everything one core of the server owns besides its shard, in one struct.
//!
//! Each shard's thread keeps one [`CoreState`], installed as the engine's
//! per-core value ([`ShardCtx::set_local`]) before its listeners open. A
//! connection holds an `Rc` of its core's state; work another core sends to
//! this one reaches it through [`ShardCtx::call_local`] ([`on_core`],
//! [`on_every_core`]), and the shard's mutation sink holds it too. Nothing
//! in it is shared between threads, so it needs no lock.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use coreshard_engine::{CoreLocal, Mutation, MutationSink, Shard, ShardCtx};
use futures_util::future::join_all;

use crate::blocking::Waiters;
use crate::client::ClientEntry;
use crate::cmd::ReplyError;
use crate::keyevents::KeyEvents;
use crate::pubsub::Registry;
use crate::server::ServerState;

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
    /// Connections closed for protocol errors.
    pub protocol_errors: Cell<u64>,
    /// Commands that panicked (a bug): each was answered with an error and
    /// the server kept running.
    pub panics: Cell<u64>,
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
    /// See [`Counters::panics`].
    pub panics: u64,
}

impl Counters {
    /// Adds `n` to `c`.
    #[inline]
    pub fn add(c: &Cell<u64>, n: u64) {
        c.set(c.get() + n);
    }

    /// Adds one to `c`.
    #[inline]
    pub fn bump(c: &Cell<u64>) {
        Self::add(c, 1);
    }

    fn all(&self) -> [&Cell<u64>; 6] {
        [&self.commands, &self.local, &self.hops_out, &self.hops_in, &self.protocol_errors, &self.panics]
    }

    /// Current values.
    pub fn snapshot(&self) -> CounterSnapshot {
        let [commands, local, hops_out, hops_in, protocol_errors, panics] = self.all().map(Cell::get);
        CounterSnapshot { commands, local, hops_out, hops_in, protocol_errors, panics }
    }

    /// Zeroes every counter (CONFIG RESETSTAT).
    pub fn reset(&self) {
        self.all().iter().for_each(|c| c.set(0));
    }
}

/// One core's server state.
pub struct CoreState {
    /// This core's shard.
    pub id: usize,
    /// Counters.
    pub counters: Counters,
    /// Connections on this core by id (CLIENT LIST, KILL, INFO).
    pub clients: RefCell<HashMap<u64, Rc<ClientEntry>>>,
    /// Pub/sub subscriptions of this core's connections.
    pub pubsub: Registry,
    /// Keys of this shard that connections WATCH or block on.
    pub keys: KeyEvents,
    /// Clients blocked on this shard's keys, and on this core.
    pub waiters: Waiters,
    /// Tasks waiting for shutdown to begin (the listeners).
    shutdown_waiters: RefCell<Vec<Waker>>,
}

impl CoreState {
    /// The state of core `id`.
    pub fn new(id: usize) -> CoreState {
        CoreState {
            id,
            counters: Counters::default(),
            clients: RefCell::new(HashMap::new()),
            pubsub: Registry::default(),
            keys: KeyEvents::default(),
            waiters: Waiters::default(),
            shutdown_waiters: RefCell::new(Vec::new()),
        }
    }

    /// Installs `core` on this shard's thread: as the engine's per-core
    /// value, as the shard's mutation sink, and with its serving task.
    pub async fn install(ctx: &ShardCtx, core: Rc<CoreState>) {
        ctx.set_local(core.clone());
        let sink = core.sink();
        ctx.with(move |s| s.add_sink(sink)).await;
        monoio::spawn(crate::blocking::serve_loop(ctx.clone(), core));
    }

    /// The state of the core whose per-core value is `local`.
    pub fn of(local: &CoreLocal) -> Option<&CoreState> {
        local.get()
    }

    /// Registers a connection.
    pub fn register(&self, entry: Rc<ClientEntry>) {
        self.clients.borrow_mut().insert(entry.id, entry);
    }

    /// Unregisters a connection.
    pub fn unregister(&self, id: u64) {
        self.clients.borrow_mut().remove(&id);
    }

    /// Called on each core once shutdown begins: listeners stop and every
    /// connection is asked to finish.
    pub fn begin_shutdown(&self) {
        for w in self.shutdown_waiters.borrow_mut().drain(..) {
            w.wake();
        }
        for c in self.clients.borrow().values() {
            // Idle connections see end-of-file; busy ones finish first.
            let _ = nix::sys::socket::shutdown(c.fd, nix::sys::socket::Shutdown::Read);
        }
    }

    /// Resolves once `server` shuts down and this core has begun to.
    pub async fn shutdown_signal(&self, server: &ServerState) {
        poll_fn(|cx| {
            if server.is_shutting_down() {
                Poll::Ready(())
            } else {
                self.shutdown_waiters.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

impl CoreState {
    /// The mutation sink the server installs on this core's shard: it tells
    /// the WATCH and blocking-pop machinery which keys changed.
    pub fn sink(self: &Rc<Self>) -> Box<dyn MutationSink> {
        Box::new(Sink(self.clone()))
    }
}

struct Sink(Rc<CoreState>);

impl MutationSink for Sink {
    fn record(&mut self, m: &Mutation<'_>) {
        self.0.keys.on_mutation(m, &self.0.waiters);
    }
}

/// Runs `f` on core `shard` with its state and its shard.
pub async fn on_core<R, F>(ctx: &ShardCtx, shard: usize, f: F) -> Result<R, ReplyError>
where
    R: Send + 'static,
    F: FnOnce(&CoreState, &mut Shard) -> R + Send + 'static,
{
    ctx.call_local(shard, move |s, local| CoreState::of(local).map(|core| f(core, s)))
        .await?
        .ok_or(ReplyError::text("ERR shard state is not available"))
}

/// Runs `f` on every core (concurrently, with that core's state and shard)
/// and collects the results in shard order.
pub async fn on_every_core<R, F>(ctx: &ShardCtx, f: F) -> Result<Vec<R>, ReplyError>
where
    R: Send + 'static,
    F: Fn(&CoreState, &mut Shard) -> R + Clone + Send + 'static,
{
    let calls = (0..ctx.shards()).map(|i| on_core(ctx, i, f.clone()));
    join_all(calls).await.into_iter().collect()
}
