//! The mesh: how work reaches a shard's thread.
//!
//! Every shard has one bounded queue per sending shard (N×N in total, so two
//! shards never contend on the same queue) plus one unbounded injector for
//! threads outside the engine (`Handle` callers). A sender pushes, then wakes
//! the receiver only if it is parked: a busy receiver drains its queues
//! without any wake-up cost, and many sends between two polls cost one wake.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use crossbeam_queue::{ArrayQueue, SegQueue};
use futures_util::task::AtomicWaker;

use crate::shard::Shard;

use super::core::{CoreLocal, ShardCore};
use super::Shared;

/// Capacity of each shard-to-shard queue.
pub(crate) const MESH_CAPACITY: usize = 1024;

/// Identifier of a cross-shard transaction.
pub(crate) type TxId = u64;

static NEXT_TX: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_tx() -> TxId {
    NEXT_TX.fetch_add(1, Ordering::Relaxed)
}

/// Work to run on a shard's thread with `&mut Shard` and the value the
/// application keeps on that thread.
pub(crate) type Job = Box<dyn FnOnce(&mut Shard, &CoreLocal) + Send>;

/// Work that needs the shard thread's context (spawning local tasks).
pub(crate) type CoreJob = Box<dyn FnOnce(&std::rc::Rc<ShardCore>) + Send>;

pub(crate) enum Message {
    /// Run a job now, or after the current transaction if the shard is held.
    Run(Job),
    /// Run with access to the shard thread (e.g. spawn a task); never deferred.
    Core(CoreJob),
    /// Take the shard's exclusive lock for `tx`; `grant` fires when held.
    Lock { tx: TxId, grant: ReplyTo<()> },
    /// Run a job as part of `tx`, which holds the lock.
    TxRun { tx: TxId, job: Job },
    /// Release the lock held by `tx`.
    Unlock { tx: TxId },
    /// Complete a reply on this (the waiting task's) thread.
    Reply(Box<dyn FnOnce() + Send>),
}

thread_local! {
    static CURRENT_SHARD: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Marks the current thread as shard `id`'s thread.
pub(crate) fn set_current_shard(id: usize) {
    CURRENT_SHARD.with(|c| c.set(Some(id)));
}

/// Where to deliver the result of work done for a task on another shard.
///
/// The reply travels back over the mesh and is completed on the waiting
/// task's own thread, so the task is woken locally. Waking a task of another
/// thread directly would need a cross-core wake-up, which costs tens of
/// microseconds when that core sleeps, and which the waiting runtime only
/// notices when it parks.
pub(crate) struct ReplyTo<T> {
    shared: Arc<Shared>,
    to: usize,
    tx: oneshot::Sender<T>,
}

impl<T: Send + 'static> ReplyTo<T> {
    /// A reply slot for a task on shard `to`, and the receiver it awaits.
    pub(crate) fn channel(shared: &Arc<Shared>, to: usize) -> (ReplyTo<T>, oneshot::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo { shared: shared.clone(), to, tx }, rx)
    }

    pub(crate) fn send(self, value: T) {
        let ReplyTo { shared, to, tx } = self;
        let from = CURRENT_SHARD.with(Cell::get);
        if from == Some(to) {
            let _ = tx.send(value);
            return;
        }
        let Some(inbox) = shared.inboxes.get(to) else { return };
        let msg = Message::Reply(Box::new(move || {
            let _ = tx.send(value);
        }));
        match from {
            Some(from) => {
                if let Err(msg) = inbox.try_push_from(from, msg) {
                    inbox.push_external(msg);
                }
            }
            None => inbox.push_external(msg),
        }
    }
}

/// Wakes a parked shard loop; coalesces wake-ups.
#[derive(Default)]
pub(crate) struct Notifier {
    waker: AtomicWaker,
    parked: AtomicBool,
}

impl Notifier {
    pub(crate) fn notify(&self) {
        if self.parked.load(Ordering::SeqCst) && self.parked.swap(false, Ordering::SeqCst) {
            self.waker.wake();
        }
    }

    /// Registers the current task and marks the loop parked. The caller must
    /// re-check its queues afterwards and call `unpark` if it found work.
    pub(crate) fn park(&self, cx: &Context<'_>) {
        self.waker.register(cx.waker());
        self.parked.store(true, Ordering::SeqCst);
    }

    pub(crate) fn unpark(&self) {
        self.parked.store(false, Ordering::SeqCst);
    }
}

/// The receiving side of one shard's queues, shared by all senders.
pub(crate) struct Inbox {
    /// `from_shard[i]` carries messages sent by shard `i`.
    from_shard: Vec<ArrayQueue<Message>>,
    /// Messages from threads outside the engine.
    external: SegQueue<Message>,
    pub(crate) notifier: Notifier,
    /// Set when the shard's loop has exited; later messages are dropped,
    /// which fails their reply channels instead of leaving callers waiting.
    closed: AtomicBool,
}

impl Inbox {
    pub(crate) fn new(shards: usize) -> Inbox {
        Inbox {
            from_shard: (0..shards).map(|_| ArrayQueue::new(MESH_CAPACITY)).collect(),
            external: SegQueue::new(),
            notifier: Notifier::default(),
            closed: AtomicBool::new(false),
        }
    }

    /// Sends from outside the engine; never blocks.
    pub(crate) fn push_external(&self, msg: Message) {
        self.external.push(msg);
        self.after_push();
    }

    /// Sends from shard `from`; gives the message back if the queue is full.
    pub(crate) fn try_push_from(&self, from: usize, msg: Message) -> Result<(), Message> {
        self.from_shard[from].push(msg)?;
        self.after_push();
        Ok(())
    }

    fn after_push(&self) {
        if self.closed.load(Ordering::SeqCst) {
            self.drop_all();
        } else {
            self.notifier.notify();
        }
    }

    /// Marks the inbox closed and drops whatever is queued.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.drop_all();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    fn drop_all(&self) {
        let mut rr = 0;
        while self.pop(&mut rr).is_some() {}
    }

    /// Takes the next message, visiting queues round-robin from `start`.
    pub(crate) fn pop(&self, start: &mut usize) -> Option<Message> {
        if let Some(m) = self.external.pop() {
            return Some(m);
        }
        let n = self.from_shard.len();
        for i in 0..n {
            let q = (*start + i) % n;
            if let Some(m) = self.from_shard[q].pop() {
                *start = (q + 1) % n;
                return Some(m);
            }
        }
        None
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.external.is_empty() && self.from_shard.iter().all(ArrayQueue::is_empty)
    }

    /// Parks until a message is present. Returns immediately if one is.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.is_empty() {
            return Poll::Ready(());
        }
        self.notifier.park(cx);
        if !self.is_empty() {
            self.notifier.unpark();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
