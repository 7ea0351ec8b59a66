//! The state living on one shard's thread and its event loop.

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use crate::shard::Shard;

use super::mesh::{Job, Message, ReplyTo, TxId};
use super::Shared;

/// Active expiry runs this often (Redis's default `hz 10`) ...
const EXPIRE_PERIOD: Duration = Duration::from_millis(100);
/// ... and sooner while a cycle ran out of budget with keys still due.
const EXPIRE_BUSY_PERIOD: Duration = Duration::from_millis(10);
/// Longest a single active-expiry cycle may keep the shard busy.
const EXPIRE_BUDGET: Duration = Duration::from_millis(1);
/// Messages handled before the loop yields to local tasks.
const DRAIN_BATCH: usize = 256;

#[derive(Default)]
struct LockState {
    holder: Option<TxId>,
    waiters: VecDeque<(TxId, ReplyTo<()>)>,
    deferred: VecDeque<Job>,
}

/// The one value an application keeps on each shard's thread beside the
/// shard: the server keeps its per-core state here (connections,
/// subscriptions, blocked clients, counters). Installed once per shard with
/// [`ShardCtx::set_local`](super::ShardCtx::set_local); work sent to a shard
/// reaches that shard's value through
/// [`ShardCtx::call_local`](super::ShardCtx::call_local) and
/// [`Txn::run_local`](super::Txn::run_local), and code on the shard's own
/// thread through [`ShardCtx::local`](super::ShardCtx::local).
#[derive(Default)]
pub struct CoreLocal {
    value: OnceCell<Rc<dyn Any>>,
}

impl CoreLocal {
    /// The value, if one of type `T` is installed.
    #[inline]
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.value.get()?.downcast_ref()
    }

    /// The value as an `Rc`, if one of type `T` is installed.
    pub fn get_rc<T: 'static>(&self) -> Option<Rc<T>> {
        self.value.get()?.clone().downcast().ok()
    }

    pub(crate) fn set(&self, value: Rc<dyn Any>) -> bool {
        self.value.set(value).is_ok()
    }
}

/// One shard's thread-local context.
pub(crate) struct ShardCore {
    pub(crate) id: usize,
    pub(crate) shard: RefCell<Shard>,
    pub(crate) local: CoreLocal,
    pub(crate) shared: Arc<Shared>,
    lock: RefCell<LockState>,
    unlock_waiters: RefCell<Vec<Waker>>,
    rr: Cell<usize>,
    spin_until: Cell<Option<Instant>>,
}

impl ShardCore {
    pub(crate) fn new(id: usize, shard: Shard, shared: Arc<Shared>) -> Rc<ShardCore> {
        Rc::new(ShardCore {
            id,
            shard: RefCell::new(shard),
            local: CoreLocal::default(),
            shared,
            lock: RefCell::new(LockState::default()),
            unlock_waiters: RefCell::new(Vec::new()),
            rr: Cell::new(0),
            spin_until: Cell::new(None),
        })
    }

    /// Keeps the loop polling for a while, e.g. after sending a request
    /// whose reply will come back soon.
    #[inline]
    pub(crate) fn stay_awake(&self) {
        self.spin_until.set(Some(Instant::now() + self.shared.spin));
    }

    /// Whether a cross-shard transaction currently holds this shard.
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.lock.borrow().holder.is_some()
    }

    #[inline]
    pub(crate) fn held_by(&self, tx: TxId) -> bool {
        self.lock.borrow().holder == Some(tx)
    }

    /// Runs `f` on the shard, catching panics so one bad job cannot take the
    /// shard (and every other client of it) down.
    #[inline]
    pub(crate) fn run<R>(&self, f: impl FnOnce(&mut Shard, &CoreLocal) -> R) -> Option<R> {
        let mut shard = self.shard.borrow_mut();
        match catch_unwind(AssertUnwindSafe(|| f(&mut shard, &self.local))) {
            Ok(r) => Some(r),
            Err(_) => {
                tracing::error!(shard = self.id, "a job panicked; the shard keeps running");
                None
            }
        }
    }

    /// Waits until no transaction holds the shard.
    pub(crate) fn wait_unlocked(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if !self.is_locked() {
                return Poll::Ready(());
            }
            self.unlock_waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
    }

    pub(crate) fn handle(self: &Rc<Self>, msg: Message) {
        match msg {
            Message::Run(job) => {
                if self.is_locked() {
                    self.lock.borrow_mut().deferred.push_back(job);
                } else {
                    self.run(job);
                }
            }
            Message::Core(f) => {
                if catch_unwind(AssertUnwindSafe(|| f(self))).is_err() {
                    tracing::error!(shard = self.id, "a core job panicked");
                }
            }
            Message::Lock { tx, grant } => {
                let mut lock = self.lock.borrow_mut();
                if lock.holder.is_none() && lock.waiters.is_empty() {
                    lock.holder = Some(tx);
                    drop(lock);
                    grant.send(());
                } else {
                    lock.waiters.push_back((tx, grant));
                }
            }
            Message::TxRun { tx, job } => {
                debug_assert!(self.held_by(tx), "TxRun without holding the lock");
                self.run(job);
            }
            Message::Unlock { tx } => self.unlock(tx),
            Message::Reply(complete) => complete(),
        }
    }

    /// Releases the lock held by `tx`, runs the work deferred meanwhile, and
    /// wakes local tasks. The next waiting transaction is granted by the loop
    /// after local tasks had a chance to run (`grant_next`).
    pub(crate) fn unlock(&self, tx: TxId) {
        {
            let mut lock = self.lock.borrow_mut();
            if lock.holder != Some(tx) {
                // A transaction dropped while still waiting for this lock.
                lock.waiters.retain(|(t, _)| *t != tx);
                return;
            }
            lock.holder = None;
        }
        loop {
            let job = self.lock.borrow_mut().deferred.pop_front();
            match job {
                Some(job) => {
                    self.run(job);
                }
                None => break,
            }
        }
        for w in self.unlock_waiters.borrow_mut().drain(..) {
            w.wake();
        }
        if !self.lock.borrow().waiters.is_empty() {
            // The loop may be parked; it grants the next waiter when it runs.
            self.shared.inboxes[self.id].notifier.notify();
        }
    }

    fn grantable(&self) -> bool {
        let lock = self.lock.borrow();
        lock.holder.is_none() && !lock.waiters.is_empty()
    }

    fn grant_next(&self) {
        let next = {
            let mut lock = self.lock.borrow_mut();
            if lock.holder.is_some() {
                return;
            }
            let Some((tx, grant)) = lock.waiters.pop_front() else { return };
            lock.holder = Some(tx);
            grant
        };
        // A coordinator that gave up meanwhile sends Unlock, which releases.
        next.send(());
    }

    /// The shard's event loop: drains the mesh until shutdown.
    pub(crate) async fn serve(self: Rc<Self>) {
        let inbox = &self.shared.inboxes[self.id];
        monoio::spawn(Self::expire_loop(self.clone()));
        loop {
            self.grant_next();
            let mut n = 0;
            let mut rr = self.rr.get();
            while let Some(msg) = inbox.pop(&mut rr) {
                self.handle(msg);
                n += 1;
                if n == DRAIN_BATCH {
                    break;
                }
            }
            self.rr.set(rr);
            if self.shared.is_shutting_down() && inbox.is_empty() {
                break;
            }
            if n == DRAIN_BATCH {
                yield_now().await;
            } else if n > 0 || self.spin_until.get().is_some_and(|t| Instant::now() < t) {
                // Stay awake a little after activity: the next message (often
                // the reply to a hop) usually arrives within microseconds,
                // and a wake-up from sleep costs far more than this poll.
                if n > 0 {
                    self.stay_awake();
                }
                yield_now().await;
            } else {
                self.spin_until.set(None);
                poll_fn(|cx| {
                    if self.shared.is_shutting_down() || self.grantable() {
                        return Poll::Ready(());
                    }
                    let ready = inbox.poll_ready(cx);
                    // Shutdown may have been requested between the check
                    // above and parking, when `notify` saw the loop awake and
                    // did not wake it: check again now that it is parked.
                    if ready.is_pending() && self.shared.is_shutting_down() {
                        inbox.notifier.unpark();
                        return Poll::Ready(());
                    }
                    ready
                })
                .await;
            }
        }
        inbox.close();
    }

    async fn expire_loop(core: Rc<ShardCore>) {
        let mut period = EXPIRE_PERIOD;
        loop {
            monoio::time::sleep(period).await;
            if core.shared.is_shutting_down() {
                return;
            }
            core.wait_unlocked().await;
            let busy = core
                .run(|s, _| {
                    let n = s.active_expire(EXPIRE_BUDGET);
                    n > 0 && s.has_due_keys()
                })
                .unwrap_or(false);
            period = if busy { EXPIRE_BUSY_PERIOD } else { EXPIRE_PERIOD };
        }
    }
}

/// Yields once to the executor, behind every task that is ready now.
///
/// monoio re-queues a task that wakes itself while being polled at the
/// *front* of its run queue, which would let a polling loop starve the other
/// tasks. Waking from a freshly spawned task instead puts this one at the
/// back.
pub fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        let waker = cx.waker().clone();
        drop(monoio::spawn(async move { waker.wake() }));
        Poll::Pending
    })
}
