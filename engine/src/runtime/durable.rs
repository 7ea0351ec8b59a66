//! Durability barriers: replies that wait until a shard's writes are safe.
//!
//! A shard whose mutation stream is persisted (a log, a replica) installs a
//! [`Durability`] on its thread ([`ShardCtx::set_durability`]). The sink
//! reports each record it takes ([`Durability::appended`]); the writer
//! reports how far the records are safe ([`Durability::mark_durable`]:
//! written, or written and synced, as its policy says). The engine then
//! holds the result of any work done for another thread or shard until
//! every record appended before the result was produced is safe, and code
//! on the shard's thread (a connection about to write its replies) waits
//! with [`Durability::wait`]. Holding results, not work, is what makes
//! group commit: the shard goes on serving, and one write covers every
//! record appended meanwhile.
//!
//! Without a `Durability` nothing is held and the cost is one thread-local
//! read per reply.
//!
//! [`ShardCtx::set_durability`]: super::ShardCtx::set_durability

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

type Held = Box<dyn FnOnce()>;

/// One shard's durability watermark and what waits for it.
#[derive(Default)]
pub struct Durability {
    /// Sequence number of the last record the sink took.
    appended: Cell<u64>,
    /// Every record up to this one is safe.
    durable: Cell<u64>,
    /// The writer cannot make records safe right now (I/O error).
    failing: Cell<bool>,
    /// Results waiting for `durable` to reach their sequence number, in
    /// order.
    /// Each with the sequence number it waits for and whether the work
    /// that produced it appended records.
    held: RefCell<VecDeque<(u64, bool, Held)>>,
    /// Tasks on this thread waiting for a sequence number.
    waiters: RefCell<Vec<Waker>>,
    /// The writer's task, waiting for records.
    writer: RefCell<Option<Waker>>,
}

impl Durability {
    /// A barrier whose records up to `seq` are safe already (what was
    /// recovered or written before it was installed).
    pub fn new(seq: u64) -> Rc<Durability> {
        let d = Durability::default();
        d.appended.set(seq);
        d.durable.set(seq);
        Rc::new(d)
    }

    /// The sink took record `seq`; wakes the writer.
    #[inline]
    pub fn appended(&self, seq: u64) {
        self.appended.set(seq);
        if let Some(w) = self.writer.borrow_mut().take() {
            w.wake();
        }
    }

    /// Sequence number of the last record taken.
    #[inline]
    pub fn last_appended(&self) -> u64 {
        self.appended.get()
    }

    /// Every record up to this sequence number is safe.
    #[inline]
    pub fn durable_seq(&self) -> u64 {
        self.durable.get()
    }

    /// Whether records are waiting to become safe.
    #[inline]
    pub fn is_pending(&self) -> bool {
        self.appended.get() > self.durable.get()
    }

    /// Records up to `seq` are safe: releases the results and wakes the
    /// tasks waiting for them.
    pub fn mark_durable(&self, seq: u64) {
        if seq <= self.durable.get() {
            return;
        }
        self.durable.set(seq);
        loop {
            let next = {
                let mut held = self.held.borrow_mut();
                match held.front() {
                    Some((s, _, _)) if *s <= seq => held.pop_front().map(|(_, _, f)| f),
                    _ => None,
                }
            };
            match next {
                Some(f) => f(),
                None => break,
            }
        }
        self.wake_waiters();
    }

    fn wake_waiters(&self) {
        let ready = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in ready {
            w.wake();
        }
    }

    /// Says whether the writer is failing (see [`is_failing`](Self::is_failing)).
    /// Results held that appended nothing are released when it starts.
    pub fn set_failing(&self, failing: bool) {
        if failing == self.failing.replace(failing) {
            return;
        }
        if failing {
            let (free, keep): (Vec<_>, Vec<_>) = self.held.borrow_mut().drain(..).partition(|(_, wrote, _)| !wrote);
            self.held.borrow_mut().extend(keep);
            for (_, _, f) in free {
                f();
            }
        }
        self.wake_waiters();
    }

    /// The writer cannot make records safe right now. Results of work that
    /// appended nothing are then not held (a read need not wait for a disk
    /// that is full); results of writes still are, until the writer
    /// succeeds.
    #[inline]
    pub fn is_failing(&self) -> bool {
        self.failing.get()
    }

    /// Resolves once every record up to `seq` is safe.
    pub fn wait(&self, seq: u64) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.durable.get() >= seq {
                return Poll::Ready(());
            }
            self.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Resolves once what the caller may depend on is safe: every record
    /// up to the last one appended now, or, while the writer is failing
    /// and nothing was appended since `mark` (the caller's work wrote
    /// nothing), at once.
    pub fn settled(&self, mark: u64) -> impl Future<Output = ()> + '_ {
        let seq = self.appended.get();
        poll_fn(move |cx| {
            if self.durable.get() >= seq || (self.failing.get() && self.appended.get() == mark) {
                return Poll::Ready(());
            }
            self.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
    }

    /// For the writer: resolves once a record after `seq` was taken.
    pub fn records_after(&self, seq: u64) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.appended.get() > seq {
                return Poll::Ready(());
            }
            *self.writer.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Runs `f` now if nothing it may depend on is pending, else once the
    /// records appended so far are safe. `mark` is [`mark`]'s value from
    /// before the work whose result `f` delivers.
    fn after(&self, mark: u64, f: impl FnOnce() + 'static) {
        let seq = self.appended.get();
        if seq <= self.durable.get() || (seq == mark && self.failing.get()) {
            f();
            return;
        }
        self.held.borrow_mut().push_back((seq, seq != mark, Box::new(f)));
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Durability>>> = const { RefCell::new(None) };
}

/// Installs `d` as the current thread's barrier.
pub(crate) fn install(d: Rc<Durability>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(d));
}

/// The current thread's barrier.
pub(crate) fn current() -> Option<Rc<Durability>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The last appended sequence number of the current thread's barrier (0
/// without one), taken before work whose result [`deliver`] sends.
#[inline]
pub(crate) fn mark() -> u64 {
    CURRENT.with(|c| c.borrow().as_ref().map_or(0, |d| d.appended.get()))
}

/// Delivers a result now, or once the records it may depend on are safe.
#[inline]
pub(crate) fn deliver(mark: u64, f: impl FnOnce() + 'static) {
    let d = CURRENT.with(|c| c.borrow().clone());
    match d {
        Some(d) => d.after(mark, f),
        None => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_wait_for_their_records_in_order() {
        let d = Durability::new(0);
        let out = Rc::new(RefCell::new(Vec::new()));
        d.appended(1);
        let o = out.clone();
        d.after(0, move || o.borrow_mut().push("a"));
        d.appended(2);
        let o = out.clone();
        d.after(1, move || o.borrow_mut().push("b"));
        assert!(out.borrow().is_empty());
        d.mark_durable(1);
        assert_eq!(*out.borrow(), ["a"]);
        d.mark_durable(2);
        assert_eq!(*out.borrow(), ["a", "b"]);
        let o = out.clone();
        d.after(2, move || o.borrow_mut().push("c"));
        assert_eq!(*out.borrow(), ["a", "b", "c"], "nothing pending: delivered at once");
    }

    #[test]
    fn a_failing_writer_holds_writes_but_not_reads() {
        let d = Durability::new(5);
        d.appended(6);
        d.set_failing(true);
        let out = Rc::new(Cell::new(0));
        let o = out.clone();
        d.after(6, move || o.set(o.get() + 1));
        assert_eq!(out.get(), 1, "work that appended nothing is not held");
        let o = out.clone();
        d.after(5, move || o.set(o.get() + 10));
        assert_eq!(out.get(), 1, "a write waits for its record");
        d.set_failing(false);
        d.mark_durable(6);
        assert_eq!(out.get(), 11);
    }
}
