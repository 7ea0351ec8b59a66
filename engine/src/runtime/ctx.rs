//! Shard-local execution: code running on a shard's own thread.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::routing::Router;
use crate::shard::Shard;

use super::core::{yield_now, CoreLocal, ShardCore};
use super::durable::{self, Durability};
use super::handle::Handle;
use super::mesh::{next_tx, Message, ReplyTo, TxId};

/// Access to the shard that owns the current thread, and a way to reach the
/// others. Handed to tasks started with [`Engine::spawn_on`] and
/// [`Engine::run_on_all`](super::Engine::run_on_all). It is `!Send`: it
/// stays on its shard's thread.
///
/// [`Engine::spawn_on`]: super::Engine::spawn_on
#[derive(Clone)]
pub struct ShardCtx {
    pub(crate) core: Rc<ShardCore>,
    /// Set on a context joined to a transaction ([`Txn::joined_ctx`]).
    joined: Option<Rc<Joined>>,
}

/// The transaction a joined context works inside: work for the shards it
/// holds runs within it (instead of waiting for it to end) while it is
/// active.
struct Joined {
    tx: TxId,
    shards: Vec<usize>,
    active: Cell<bool>,
}

impl ShardCtx {
    /// This shard's index.
    pub fn id(&self) -> usize {
        self.core.id
    }

    /// Number of shards in the engine.
    pub fn shards(&self) -> usize {
        self.core.shared.router.shards()
    }

    /// The slot → shard table.
    pub fn router(&self) -> &Router {
        &self.core.shared.router
    }

    /// The shard owning `key`.
    #[inline]
    pub fn shard_of(&self, key: &[u8]) -> usize {
        self.core.shared.router.shard_of(key)
    }

    /// Whether this shard owns `key`.
    #[inline]
    pub fn owns(&self, key: &[u8]) -> bool {
        self.core.shared.router.shard_of(key) == self.core.id
    }

    /// A handle to the whole engine (usable from this thread or others).
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.shared.clone())
    }

    /// Runs `f` on this shard with direct `&mut` access: no lock, no atomic,
    /// no message. Returns `None` only if a cross-shard transaction holds the
    /// shard right now (use [`with`](Self::with) to wait instead).
    #[inline]
    pub fn try_with<R>(&self, f: impl FnOnce(&mut Shard) -> R) -> Option<R> {
        if self.core.is_locked() && self.joined_tx(self.core.id).is_none() {
            return None;
        }
        Some(f(&mut self.core.shard.borrow_mut()))
    }

    /// Runs `f` on this shard, first waiting for any cross-shard transaction
    /// that holds it to finish (so `f` never sees half of one).
    #[inline]
    pub async fn with<R>(&self, f: impl FnOnce(&mut Shard) -> R) -> R {
        while self.core.is_locked() && self.joined_tx(self.core.id).is_none() {
            self.core.wait_unlocked().await;
        }
        f(&mut self.core.shard.borrow_mut())
    }

    /// Runs `f` on shard `shard` (this one or another, one hop away) and
    /// returns its result. Put many operations in one `f` to batch a hop.
    pub async fn call<R, F>(&self, shard: usize, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard) -> R + Send + 'static,
    {
        self.call_local(shard, move |s, _| f(s)).await
    }

    /// [`call`](Self::call), where `f` also gets the value the application
    /// keeps on shard `shard`'s thread ([`set_local`](Self::set_local)).
    pub async fn call_local<R, F>(&self, shard: usize, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard, &CoreLocal) -> R + Send + 'static,
    {
        if shard == self.core.id {
            return Ok(self.with(|s| f(s, &self.core.local)).await);
        }
        let (reply, rx) = ReplyTo::channel(&self.core.shared, self.core.id);
        let job = Box::new(move |s: &mut Shard, l: &CoreLocal| {
            let mark = durable::mark();
            let r = f(s, l);
            durable::deliver(mark, move || reply.send(r));
        });
        match self.joined_tx(shard) {
            Some(tx) => self.send(shard, Message::TxRun { tx, job }).await?,
            None => self.send(shard, Message::Run(job)).await?,
        }
        rx.await.map_err(|_| Error::ShardStopped(shard))
    }

    /// Installs the durability barrier of this shard (see [`Durability`]):
    /// from now on, results of work done here for other threads wait until
    /// the records it may depend on are safe.
    pub fn set_durability(&self, d: Rc<Durability>) {
        durable::install(d);
    }

    /// This shard's durability barrier, if one is installed.
    #[inline]
    pub fn durability(&self) -> Option<Rc<Durability>> {
        durable::current()
    }

    /// Installs the value the application keeps on this shard's thread
    /// (once; false when one is installed already).
    pub fn set_local<T: 'static>(&self, value: Rc<T>) -> bool {
        self.core.local.set(value)
    }

    /// The value the application keeps on this shard's thread, if one of
    /// type `T` is installed.
    #[inline]
    pub fn local<T: 'static>(&self) -> Option<&T> {
        self.core.local.get()
    }

    /// The transaction this context is joined to, if it is active and holds
    /// `shard`.
    #[inline]
    fn joined_tx(&self, shard: usize) -> Option<TxId> {
        let j = self.joined.as_deref()?;
        (j.active.get() && j.shards.binary_search(&shard).is_ok()).then_some(j.tx)
    }

    /// Sends over the mesh, yielding while the queue to `shard` is full.
    pub(crate) async fn send(&self, shard: usize, mut msg: Message) -> Result<()> {
        let inbox = self.core.shared.inboxes.get(shard).ok_or(Error::ShardStopped(shard))?;
        loop {
            if inbox.is_closed() {
                return Err(Error::ShardStopped(shard));
            }
            match inbox.try_push_from(self.core.id, msg) {
                Ok(()) => {
                    self.core.stay_awake();
                    return Ok(());
                }
                Err(back) => {
                    msg = back;
                    yield_now().await;
                }
            }
        }
    }

    /// Takes exclusive hold of `shards` (in ascending order, so concurrent
    /// transactions cannot deadlock) for an atomic multi-shard operation.
    /// While held, no other client, task or transaction touches those shards;
    /// work for them waits. Run steps with [`Txn::run`] or the multi-key
    /// operations on [`Txn`] (MSET, RENAME, SUNIONSTORE, ...), and finish
    /// with [`Txn::release`].
    ///
    /// On a context joined to a transaction ([`Txn::joined_ctx`]), shards
    /// that transaction holds are not locked again: asking only for those
    /// yields a transaction that runs inside it (its release is a no-op);
    /// asking for any other shard fails with [`Error::NotLocked`], since
    /// taking more locks while holding some could deadlock.
    pub async fn lock(&self, shards: impl IntoIterator<Item = usize>) -> Result<Txn> {
        let mut shards: Vec<usize> = shards.into_iter().collect();
        shards.sort_unstable();
        shards.dedup();
        if let Some(j) = self.joined.as_deref().filter(|j| j.active.get()) {
            if shards.iter().all(|s| j.shards.binary_search(s).is_ok()) {
                let joined = RefCell::new(self.joined.clone());
                return Ok(Txn { ctx: self.clone(), id: j.tx, shards, done: true, joined });
            }
            return Err(Error::NotLocked);
        }
        let mut txn = Txn {
            ctx: self.clone(),
            id: next_tx(),
            shards: Vec::with_capacity(shards.len()),
            done: false,
            joined: RefCell::new(None),
        };
        for s in shards {
            let (grant, granted) = ReplyTo::channel(&self.core.shared, self.core.id);
            // Record before sending, so dropping `txn` mid-way releases it.
            txn.shards.push(s);
            if s == self.core.id {
                self.core.handle(Message::Lock { tx: txn.id, grant });
            } else {
                self.send(s, Message::Lock { tx: txn.id, grant }).await?;
            }
            granted.await.map_err(|_| Error::ShardStopped(s))?;
        }
        Ok(txn)
    }
}

/// An atomic multi-shard operation in progress: the shards it holds stay
/// exclusively its own until [`release`](Txn::release) (or drop).
///
/// Besides running closures on held shards ([`run`](Txn::run),
/// [`run_all`](Txn::run_all)), a `Txn` offers every multi-key operation of
/// the engine (`mset`, `rename`, `smove`, `set_op_store`, `zset_op`, ...), so
/// code that already holds the shards (a MULTI/EXEC block, or a connection
/// task that called [`ShardCtx::lock`]) runs them without another lock or
/// task. Each fails with [`Error::NotLocked`] before touching anything when
/// one of its keys lives on a shard the transaction does not hold.
pub struct Txn {
    ctx: ShardCtx,
    id: TxId,
    shards: Vec<usize>,
    /// Released already, or nested in another transaction (nothing to
    /// release).
    done: bool,
    /// Shared with the contexts handed out by [`joined_ctx`](Txn::joined_ctx).
    joined: RefCell<Option<Rc<Joined>>>,
}

impl Txn {
    /// The shards held, ascending.
    pub fn shards(&self) -> &[usize] {
        &self.shards
    }

    /// Whether this transaction holds `shard`.
    #[inline]
    pub fn holds(&self, shard: usize) -> bool {
        self.shards.binary_search(&shard).is_ok()
    }

    /// The context of the shard this transaction is coordinated from.
    pub(crate) fn ctx(&self) -> &ShardCtx {
        &self.ctx
    }

    /// The slot → shard table.
    #[inline]
    pub fn router(&self) -> &Router {
        self.ctx.router()
    }

    /// Runs `f` on held shard `shard` ([`Error::NotLocked`] if not held).
    pub async fn run<R, F>(&self, shard: usize, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard) -> R + Send + 'static,
    {
        self.run_local(shard, move |s, _| f(s)).await
    }

    /// [`run`](Self::run), where `f` also gets the value the application
    /// keeps on shard `shard`'s thread ([`ShardCtx::set_local`]).
    pub async fn run_local<R, F>(&self, shard: usize, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard, &CoreLocal) -> R + Send + 'static,
    {
        if !self.holds(shard) {
            return Err(Error::NotLocked);
        }
        if shard == self.ctx.core.id {
            return self.ctx.core.run(f).ok_or(Error::ShardStopped(shard));
        }
        let (reply, rx) = ReplyTo::channel(&self.ctx.core.shared, self.ctx.core.id);
        let job = Box::new(move |s: &mut Shard, l: &CoreLocal| {
            let mark = durable::mark();
            let r = f(s, l);
            durable::deliver(mark, move || reply.send(r));
        });
        self.ctx.send(shard, Message::TxRun { tx: self.id, job }).await?;
        rx.await.map_err(|_| Error::ShardStopped(shard))
    }

    /// Runs `f` on every held shard concurrently and collects the results in
    /// shard order.
    pub async fn run_all<R, F>(&self, f: F) -> Result<Vec<R>>
    where
        R: Send + 'static,
        F: Fn(&mut Shard) -> R + Send + Clone + 'static,
    {
        let mut pending = Vec::with_capacity(self.shards.len());
        let mut local = None;
        for &s in &self.shards {
            if s == self.ctx.core.id {
                local = Some(s);
                pending.push(None);
                continue;
            }
            let (reply, rx) = ReplyTo::channel(&self.ctx.core.shared, self.ctx.core.id);
            let g = f.clone();
            let job = Box::new(move |sh: &mut Shard, _: &CoreLocal| {
                let mark = durable::mark();
                let r = g(sh);
                durable::deliver(mark, move || reply.send(r));
            });
            self.ctx.send(s, Message::TxRun { tx: self.id, job }).await?;
            pending.push(Some((s, rx)));
        }
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            match p {
                Some((s, rx)) => out.push(rx.await.map_err(|_| Error::ShardStopped(s))?),
                None => {
                    let s = local.unwrap_or(self.ctx.core.id);
                    let g = f.clone();
                    out.push(self.ctx.core.run(move |sh, _| g(sh)).ok_or(Error::ShardStopped(s))?);
                }
            }
        }
        Ok(out)
    }

    /// A context whose work for the held shards runs inside this
    /// transaction: [`ShardCtx::call`], [`with`](ShardCtx::with) and
    /// [`try_with`](ShardCtx::try_with) reach held shards without waiting for
    /// the transaction to end, and [`ShardCtx::lock`] of held shards nests.
    /// Code written against a plain context (a command that fans out to
    /// every shard) can so run atomically as one step of a larger
    /// transaction (MULTI/EXEC). Once the transaction ends, the context
    /// behaves like a plain one again.
    pub fn joined_ctx(&self) -> ShardCtx {
        let mut joined = self.joined.borrow_mut();
        let j = match joined.as_ref() {
            Some(j) => j.clone(),
            None => {
                let j = Rc::new(Joined { tx: self.id, shards: self.shards.clone(), active: Cell::new(!self.done) });
                *joined = Some(j.clone());
                j
            }
        };
        ShardCtx { core: self.ctx.core.clone(), joined: Some(j) }
    }

    fn deactivate_joined(&self) {
        if let Some(j) = self.joined.borrow().as_ref() {
            j.active.set(false);
        }
    }

    /// Ends the transaction: every held shard resumes serving others.
    pub async fn release(mut self) {
        if self.done {
            return;
        }
        self.deactivate_joined();
        self.done = true;
        for &s in &self.shards {
            if s == self.ctx.core.id {
                self.ctx.core.unlock(self.id);
            } else if self.ctx.send(s, Message::Unlock { tx: self.id }).await.is_err() {
                // The shard stopped; nothing to release there.
            }
        }
    }
}

impl Drop for Txn {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.deactivate_joined();
        for &s in &self.shards {
            if s == self.ctx.core.id {
                self.ctx.core.unlock(self.id);
            } else if let Some(inbox) = self.ctx.core.shared.inboxes.get(s) {
                inbox.push_external(Message::Unlock { tx: self.id });
            }
        }
    }
}

/// Spawns `f(ctx)` as a task on the current shard's thread.
pub(crate) fn spawn_local<F, Fut>(core: &Rc<ShardCore>, f: F) -> monoio::task::JoinHandle<Fut::Output>
where
    F: FnOnce(ShardCtx) -> Fut + 'static,
    Fut: Future + 'static,
{
    let ctx = ShardCtx { core: core.clone(), joined: None };
    monoio::spawn(async move { f(ctx).await })
}
