//! `Handle`: reach the engine from any thread, async or blocking.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::error::{Error, Result};
use crate::routing::Router;
use crate::shard::Shard;
use crate::stats::ShardStats;

use super::core::CoreLocal;
use super::ctx::{spawn_local, ShardCtx};
use super::durable;
use super::mesh::Message;
use super::Shared;

/// A cheap, cloneable reference to a running engine, usable from any thread.
///
/// Every call returns a [`Pending`] result: `.await` it from async code (any
/// executor), or call [`Pending::wait`] to block the current thread.
/// Single-key calls go to the owning shard in one message; calls spanning
/// shards are atomic (see `docs/architecture.md`).
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) db: u8,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("shards", &self.shared.router.shards()).field("db", &self.db).finish()
    }
}

/// The result of a call to the engine, available later.
#[must_use = "a Pending does nothing visible unless awaited or waited on"]
pub struct Pending<R> {
    inner: PendingInner<R>,
}

enum PendingInner<R> {
    Wait { rx: oneshot::Receiver<Result<R>>, shard: usize },
    Ready(Option<Result<R>>),
    Future(Pin<Box<dyn Future<Output = Result<R>> + Send>>),
}

impl<R> Pending<R> {
    pub(crate) fn new(rx: oneshot::Receiver<Result<R>>, shard: usize) -> Self {
        Pending { inner: PendingInner::Wait { rx, shard } }
    }

    pub(crate) fn ready(r: Result<R>) -> Self {
        Pending { inner: PendingInner::Ready(Some(r)) }
    }

    pub(crate) fn from_future(f: impl Future<Output = Result<R>> + Send + 'static) -> Self {
        Pending { inner: PendingInner::Future(Box::pin(f)) }
    }

    /// Blocks the current thread until the result is available. Must not be
    /// called on a shard's own thread (it would wait for itself); use
    /// `.await` there.
    pub fn wait(self) -> Result<R> {
        match self.inner {
            PendingInner::Wait { rx, shard } => {
                // Poll briefly before sleeping: most replies arrive within
                // microseconds, and a wake-up from sleep costs far more.
                let start = std::time::Instant::now();
                loop {
                    match rx.try_recv() {
                        Ok(r) => return r,
                        Err(oneshot::TryRecvError::Disconnected) => return Err(Error::ShardStopped(shard)),
                        Err(oneshot::TryRecvError::Empty) if start.elapsed() < super::DEFAULT_SPIN => {
                            std::hint::spin_loop()
                        }
                        Err(oneshot::TryRecvError::Empty) => break,
                    }
                }
                rx.recv().unwrap_or(Err(Error::ShardStopped(shard)))
            }
            PendingInner::Ready(r) => r.unwrap_or(Err(Error::ShardStopped(0))),
            PendingInner::Future(f) => block_on(f),
        }
    }
}

/// Drives `f` to completion on the current thread, parking between polls.
fn block_on<T>(mut f: Pin<Box<dyn Future<Output = T> + Send>>) -> T {
    struct ThreadWaker(std::thread::Thread);
    impl std::task::Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

// `Pending` never pins its result in place: the receiver and boxed future
// are themselves `Unpin`, and the result is only moved out when ready.
impl<R> Unpin for Pending<R> {}

impl<R> Future for Pending<R> {
    type Output = Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        // `Pending` is Unpin: oneshot::Receiver is Unpin.
        let this = self.get_mut();
        match &mut this.inner {
            PendingInner::Wait { rx, shard } => {
                let shard = *shard;
                Pin::new(rx).poll(cx).map(|r| r.unwrap_or(Err(Error::ShardStopped(shard))))
            }
            PendingInner::Ready(r) => Poll::Ready(r.take().unwrap_or(Err(Error::ShardStopped(0)))),
            PendingInner::Future(f) => f.as_mut().poll(cx),
        }
    }
}

impl Handle {
    pub(crate) fn new(shared: Arc<Shared>) -> Handle {
        Handle { shared, db: 0 }
    }

    /// A handle that addresses logical database `db` (like `SELECT`).
    pub fn db(&self, db: u8) -> Handle {
        Handle { shared: self.shared.clone(), db }
    }

    /// The logical database this handle addresses.
    pub fn current_db(&self) -> u8 {
        self.db
    }

    /// The slot → shard table.
    pub fn router(&self) -> &Router {
        &self.shared.router
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shared.router.shards()
    }

    /// The shard owning `key`.
    #[inline]
    pub fn shard_of(&self, key: &[u8]) -> usize {
        self.shared.router.shard_of(key)
    }

    /// Runs `f` on shard `shard` and returns its result. This is the general
    /// form every typed call uses; put several operations in one `f` to pay
    /// for one message.
    pub fn call<R, F>(&self, shard: usize, f: F) -> Pending<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard) -> Result<R> + Send + 'static,
    {
        self.call_local(shard, move |s, _| f(s))
    }

    /// [`call`](Self::call), where `f` also gets the value the application
    /// keeps on shard `shard`'s thread ([`ShardCtx::set_local`]).
    pub fn call_local<R, F>(&self, shard: usize, f: F) -> Pending<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard, &CoreLocal) -> Result<R> + Send + 'static,
    {
        let Some(inbox) = self.shared.inboxes.get(shard) else {
            return Pending::ready(Err(Error::ShardStopped(shard)));
        };
        if inbox.is_closed() {
            return Pending::ready(Err(Error::ShardStopped(shard)));
        }
        let (tx, rx) = oneshot::channel();
        inbox.push_external(Message::Run(Box::new(move |s, l| {
            let mark = durable::mark();
            let r = f(s, l);
            durable::deliver(mark, move || drop(tx.send(r)));
        })));
        Pending::new(rx, shard)
    }

    /// Runs `f` on the shard that owns `key`.
    #[inline]
    pub fn call_key<R, F>(&self, key: &[u8], f: F) -> Pending<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Shard) -> Result<R> + Send + 'static,
    {
        self.call(self.shard_of(key), f)
    }

    /// Starts `f(ctx)` as a task on shard `shard`'s thread, with direct access
    /// to that shard, and returns what the task returns.
    pub fn spawn_on<F, Fut, R>(&self, shard: usize, f: F) -> Pending<R>
    where
        F: FnOnce(ShardCtx) -> Fut + Send + 'static,
        Fut: Future<Output = Result<R>> + 'static,
        R: Send + 'static,
    {
        let Some(inbox) = self.shared.inboxes.get(shard) else {
            return Pending::ready(Err(Error::ShardStopped(shard)));
        };
        let (tx, rx) = oneshot::channel();
        inbox.push_external(Message::Core(Box::new(move |core| {
            spawn_local(core, move |ctx| async move {
                let mark = durable::mark();
                let r = f(ctx).await;
                durable::deliver(mark, move || drop(tx.send(r)));
            });
        })));
        Pending::new(rx, shard)
    }

    /// Counters of every shard, in shard order.
    pub fn stats(&self) -> Pending<Vec<ShardStats>> {
        let parts: Vec<_> = (0..self.shards()).map(|s| self.call(s, |sh| Ok(sh.stats()))).collect();
        Pending::from_future(async move {
            let mut out = Vec::with_capacity(parts.len());
            for p in parts {
                out.push(p.await?);
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
pub(crate) fn tests_block_on<R: Send + 'static>(p: Pending<R>) -> Result<R> {
    block_on(Box::pin(p))
}
