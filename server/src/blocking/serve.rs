//! The shard side of blocking pops: each shard's queues of waiters, and
//! serving them when their keys get elements (steps 2 to 4 of the design in
//! the module above).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use bytes::Bytes;
use coreshard_engine::types::ZAddOptions;
use coreshard_engine::{Kind, Shard, ShardCtx};

use super::wait::Unblock;
use super::{Delivery, Op};
use crate::core_state::CoreState;

/// Shared by every registration of one blocked client: whoever claims it
/// first (a serving shard, or the client giving up) owns the outcome.
pub(super) struct Claim {
    claimed: AtomicBool,
    tx: Mutex<Option<oneshot::Sender<Delivery>>>,
}

impl Claim {
    pub(super) fn new(tx: oneshot::Sender<Delivery>) -> Claim {
        Claim { claimed: AtomicBool::new(false), tx: Mutex::new(Some(tx)) }
    }

    /// Takes the claim; false when someone else has it.
    pub(super) fn take(&self) -> bool {
        self.claimed.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    fn is_taken(&self) -> bool {
        self.claimed.load(Ordering::Acquire)
    }

    /// The result sender, for the holder of the claim.
    fn sender(&self) -> Option<oneshot::Sender<Delivery>> {
        match self.tx.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

/// One registration of a blocked client on one key.
#[derive(Clone)]
pub(super) struct Waiter {
    pub(super) id: u64,
    pub(super) claim: Arc<Claim>,
    pub(super) op: Arc<Op>,
}

/// The blocking-pop state of one core: the waiters queued on its shard's
/// keys, the clients of its connections that are blocked (for CLIENT
/// UNBLOCK), and the request to serve ready keys from a task.
#[derive(Default)]
pub struct Waiters {
    by_key: RefCell<HashMap<(u8, Bytes), VecDeque<Waiter>>>,
    /// Clients blocked on this core, for CLIENT UNBLOCK.
    pub(super) unblocks: RefCell<HashMap<u64, Rc<Unblock>>>,
    serve_scheduled: Cell<bool>,
    serve_waker: RefCell<Option<Waker>>,
}

impl Waiters {
    /// Number of registrations on this shard (for tests and INFO).
    pub fn len(&self) -> usize {
        self.by_key.borrow().values().map(VecDeque::len).sum()
    }

    /// Whether no client is registered on this shard.
    pub fn is_empty(&self) -> bool {
        self.by_key.borrow().is_empty()
    }

    fn has_waiters(&self, db: u8, key: &Bytes) -> bool {
        self.by_key.borrow().contains_key(&(db, key.clone()))
    }

    /// Asks this core's serving task to serve the ready keys, for writes
    /// made outside a command of this shard (a cross-shard transaction, a
    /// give-back). Called from the mutation sink.
    pub fn schedule_serve(&self) {
        if self.serve_scheduled.replace(true) {
            return;
        }
        if let Some(w) = self.serve_waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// Queues `w` on each of `keys` (of this shard), at the back, or at the
/// front for a client woken before that must not lose its place.
pub(super) fn register(core: &CoreState, db: u8, keys: &[Bytes], w: &Waiter, front: bool) {
    {
        let mut q = core.waiters.by_key.borrow_mut();
        for k in keys {
            let queue = q.entry((db, k.clone())).or_default();
            if front {
                queue.push_front(w.clone());
            } else {
                queue.push_back(w.clone());
            }
        }
    }
    for k in keys {
        core.keys.block_on(db, k.clone());
    }
}

/// Removes the registrations of waiter `id` from `keys` (of this shard).
pub(super) fn unregister(core: &CoreState, db: u8, keys: &[Bytes], id: u64) {
    for k in keys {
        let removed = {
            let mut q = core.waiters.by_key.borrow_mut();
            let slot = (db, k.clone());
            let Some(queue) = q.get_mut(&slot) else { continue };
            let before = queue.len();
            queue.retain(|w| w.id != id);
            let removed = before - queue.len();
            if queue.is_empty() {
                q.remove(&slot);
            }
            removed
        };
        for _ in 0..removed {
            core.keys.unblock(db, k);
        }
    }
}

/// Takes the first registration on `key` that pops from (or moves out
/// of) a key of type `kind` out of its queue.
fn next_waiter(core: &CoreState, db: u8, key: &Bytes, kind: Kind) -> Option<Waiter> {
    let w = {
        let mut q = core.waiters.by_key.borrow_mut();
        let slot = (db, key.clone());
        let queue = q.get_mut(&slot)?;
        let at = queue.iter().position(|w| w.op.kind() == kind)?;
        let w = queue.remove(at);
        if queue.is_empty() {
            q.remove(&slot);
        }
        w
    }?;
    core.keys.unblock(db, key);
    Some(w)
}

/// Serves clients blocked on keys written since the last call on this
/// shard, until no ready key remains.
pub fn serve_ready(core: &CoreState, shard: &mut Shard) {
    loop {
        let ready = core.keys.take_ready();
        if ready.is_empty() {
            return;
        }
        for (db, key) in ready {
            serve_key(core, shard, db, &key);
        }
    }
}

/// Serves the waiters of one key while its list or sorted set has elements
/// for them.
pub(super) fn serve_key(core: &CoreState, shard: &mut Shard, db: u8, key: &Bytes) {
    // Elements promised to woken cross-shard movers in this round.
    let mut reserved = 0;
    while core.waiters.has_waiters(db, key) {
        // A key of any other type leaves its waiters blocked, as in Redis.
        let (kind, len) = match shard.kind_of(db, key) {
            Some(Kind::List) => (Kind::List, shard.llen(db, key).unwrap_or(0)),
            Some(Kind::ZSet) => (Kind::ZSet, shard.zcard(db, key).unwrap_or(0)),
            _ => return,
        };
        if len <= reserved {
            return;
        }
        let Some(w) = next_waiter(core, db, key, kind) else { return };
        if w.claim.is_taken() || !w.claim.take() {
            continue;
        }
        let Some(tx) = w.claim.sender() else { continue };
        if tx.is_closed() {
            continue;
        }
        match &*w.op {
            Op::Pop(pop) => {
                let Some(d) = pop.take_from(shard, db, key) else { continue };
                if let Err(back) = tx.send(d) {
                    // The client left between the check and the send.
                    restore(shard, db, back.into_inner());
                }
            }
            Op::Move { dst, from, to, local: true } => {
                let d = match shard.lmove(db, key, dst, *from, *to) {
                    Ok(Some(v)) => Delivery::Moved(v),
                    Ok(None) => continue,
                    Err(e) => Delivery::Error(e.into()),
                };
                // A client gone by now still had its element moved, as in Redis.
                let _ = tx.send(d);
            }
            Op::Move { local: false, .. } => {
                if tx.send(Delivery::Wake).is_ok() {
                    reserved += 1;
                }
            }
        }
    }
}

/// Undoes a pop whose client left: elements go back (in pop order) to the
/// end of the list they came from, restoring it as it was; members go back
/// into their sorted set with their scores, unless re-added meanwhile.
pub(super) fn restore(shard: &mut Shard, db: u8, d: Delivery) {
    let result = match d {
        Delivery::Popped { key, side, mut values } => {
            values.reverse();
            shard.list_push(db, &key, side, &values, false).map(drop)
        }
        Delivery::ZPopped { key, members } => {
            let pairs: Vec<(f64, Bytes)> = members.into_iter().map(|(m, s)| (s, m)).collect();
            shard.zadd(db, &key, ZAddOptions { nx: true, ..ZAddOptions::default() }, &pairs).map(drop)
        }
        Delivery::Moved(_) | Delivery::Wake | Delivery::Error(_) => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not return elements popped for a client that left");
    }
}

/// The task, one per core, that serves ready keys written outside a
/// command of this shard ([`Waiters::schedule_serve`]), once any
/// transaction holding the shard has released it.
pub async fn serve_loop(ctx: ShardCtx, core: Rc<CoreState>) {
    loop {
        poll_fn(|cx| {
            if core.waiters.serve_scheduled.get() {
                return Poll::Ready(());
            }
            *core.waiters.serve_waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
        ctx.with(|shard| {
            core.waiters.serve_scheduled.set(false);
            if core.keys.has_ready() {
                serve_ready(&core, shard);
            }
        })
        .await;
    }
}
