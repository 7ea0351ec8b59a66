//! A connection's queue of pub/sub deliveries.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::task::{Poll, Waker};

use crate::resp::ReplyBuf;

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
    pub fn drain_into(&self, out: &mut ReplyBuf) {
        let mut buf = self.buf.borrow_mut();
        out.raw(&buf);
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
