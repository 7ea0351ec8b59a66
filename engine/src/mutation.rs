//! The per-shard mutation stream.
//!
//! Every applied write, expiry and eviction produces one [`Mutation`], in the
//! shard's order, numbered by a per-shard sequence. A subscriber is a
//! [`MutationSink`] called synchronously on the shard's own thread with a
//! borrowed view of the resulting value, so it can copy exactly what it needs
//! (or just the key). With no subscriber the only cost is one branch.
//!
//! A sink that persists or replicates writes asks for deltas
//! ([`MutationSink::wants_deltas`]): a `Write` record then also carries,
//! where the write was a change to a larger value (LPUSH onto a long list,
//! HSET of one field), the deterministic command that redoes it
//! ([`Mutation::delta`]), so that what is written out is proportional to
//! the change, not to the value. [`crate::propagate`] turns any record into
//! commands and applies them again.

use bytes::Bytes;

pub use crate::propagate::Arg;
use crate::value::{Value, ValueRef};

/// What happened to a key.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The key now holds `value`, expiring at `expire_at` (Unix ms) if set.
    /// Emitted for every write, including TTL changes.
    Write {
        /// The value after the write.
        value: ValueRef<'a>,
        /// Absolute expiry after the write.
        expire_at: Option<u64>,
    },
    /// The key was deleted by a command (or emptied, for collections).
    Delete,
    /// The key was removed because its TTL passed.
    Expired,
    /// The key was evicted to stay under the memory budget.
    Evicted,
    /// Every key of `db` was removed; `key` is empty.
    FlushDb,
    /// Every key of every database was removed; `key` is empty.
    FlushAll,
    /// Databases `db` and `with` traded contents (`SWAPDB`); `key` is empty.
    SwapDb {
        /// The other database.
        with: u8,
    },
}

/// One record of the mutation stream.
#[derive(Debug, Clone, Copy)]
pub struct Mutation<'a> {
    /// Shard that applied it.
    pub shard: usize,
    /// Per-shard sequence number, strictly increasing.
    pub seq: u64,
    /// Logical database.
    pub db: u8,
    /// The key (empty for flushes).
    pub key: &'a [u8],
    /// What happened.
    pub event: Event<'a>,
    /// For a `Write`, when the sink asked for deltas and the write changed
    /// part of a value: a Redis command (name first) that, applied to the
    /// key's state before this record, gives its state after it. `None`:
    /// the value in the event is the whole new state.
    pub delta: Option<&'a [Arg<'a>]>,
}

impl Mutation<'_> {
    /// Copies the record out, e.g. to send it to another thread. The delta
    /// is left out: the owned event holds the whole value.
    pub fn to_owned(&self) -> OwnedMutation {
        OwnedMutation {
            shard: self.shard,
            seq: self.seq,
            db: self.db,
            key: Bytes::copy_from_slice(self.key),
            event: match self.event {
                Event::Write { value, expire_at } => OwnedEvent::Write { value: value.to_value(), expire_at },
                Event::Delete => OwnedEvent::Delete,
                Event::Expired => OwnedEvent::Expired,
                Event::Evicted => OwnedEvent::Evicted,
                Event::FlushDb => OwnedEvent::FlushDb,
                Event::FlushAll => OwnedEvent::FlushAll,
                Event::SwapDb { with } => OwnedEvent::SwapDb { with },
            },
        }
    }
}

/// Owned form of [`Event`].
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedEvent {
    /// See [`Event::Write`].
    Write {
        /// The value after the write.
        value: Value,
        /// Absolute expiry after the write.
        expire_at: Option<u64>,
    },
    /// See [`Event::Delete`].
    Delete,
    /// See [`Event::Expired`].
    Expired,
    /// See [`Event::Evicted`].
    Evicted,
    /// See [`Event::FlushDb`].
    FlushDb,
    /// See [`Event::FlushAll`].
    FlushAll,
    /// See [`Event::SwapDb`].
    SwapDb {
        /// The other database.
        with: u8,
    },
}

/// Owned form of [`Mutation`].
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedMutation {
    /// Shard that applied it.
    pub shard: usize,
    /// Per-shard sequence number.
    pub seq: u64,
    /// Logical database.
    pub db: u8,
    /// The key (empty for flushes).
    pub key: Bytes,
    /// What happened.
    pub event: OwnedEvent,
}

/// A subscriber to one shard's mutation stream.
///
/// Implementations MUST NOT block for long: they run on the shard's thread,
/// inside the operation that caused the mutation. To hand records to another
/// thread, copy them with [`Mutation::to_owned`] into a bounded queue. A
/// sink lives on its shard's thread, so it may hold that thread's state
/// (`Rc`, `RefCell`); one handed to [`EngineBuilder::mutation_sinks`]
/// is created elsewhere and must be `Send`.
///
/// [`EngineBuilder::mutation_sinks`]: crate::EngineBuilder::mutation_sinks
pub trait MutationSink {
    /// Called once per mutation, in sequence order.
    fn record(&mut self, m: &Mutation<'_>);

    /// Whether `Write` records should carry [`Mutation::delta`]. Asked
    /// once, when the sink is subscribed; building deltas costs a little
    /// per write, so only sinks that write records out say yes.
    fn wants_deltas(&self) -> bool {
        false
    }
}

/// Several subscribers, each given every record in turn (see
/// [`Shard::add_sink`](crate::Shard::add_sink)).
pub struct Tee(pub Vec<Box<dyn MutationSink>>);

impl MutationSink for Tee {
    fn record(&mut self, m: &Mutation<'_>) {
        for s in &mut self.0 {
            s.record(m);
        }
    }

    fn wants_deltas(&self) -> bool {
        self.0.iter().any(|s| s.wants_deltas())
    }
}

impl<F: FnMut(&Mutation<'_>)> MutationSink for F {
    fn record(&mut self, m: &Mutation<'_>) {
        self(m)
    }
}
