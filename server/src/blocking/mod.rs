//! Blocking pops: BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH on lists,
//! BZPOPMIN, BZPOPMAX and BZMPOP on sorted sets.
//!
//! # Design
//!
//! A client blocks on keys that may live on several shards, while the writes
//! that wake it (pushes, ZADDs) may come from any connection on any core.
//! Lists and sorted sets share one mechanism: a waiter's [`Op`] says what it
//! pops (a [`Pop`] of a list end, or of a sorted set's lowest or highest
//! scores) or moves, and a key is served for the waiters whose op matches
//! the type the key holds. Each shard keeps, in its core's
//! [`CoreState`](crate::core_state::CoreState) ([`Waiters`]), a FIFO queue of
//! waiters per `(db, key)`; the shard's `keyevents` registry counts them so
//! that a write to such a key is reported as *ready*.
//!
//! The code is in two halves: [`wait`] runs on the blocked client's
//! connection (steps 1 and 5), `serve` on the shards owning the keys
//! (steps 2 to 4).
//!
//! 1. **Try, or register, atomically.** The blocking command first does what
//!    its non-blocking form does (pop from the first non-empty key in order,
//!    or move; the first existing key of another type is WRONGTYPE). If every
//!    key is empty, it registers a waiter on the owner shard of every key
//!    *in the same atomic step*: one closure on the owning shard when all
//!    keys live there, else under a transaction holding every involved shard
//!    ([`coreshard_engine::Txn`]). No write can slip between "empty" and
//!    "registered", so no wake-up is lost.
//! 2. **One claim per waiter.** All registrations of one blocked client share
//!    a claim: an `AtomicBool` and the `oneshot` sender of the result.
//!    Whoever flips the flag from false to true owns the client: a shard
//!    serving it, or the client itself giving up (timeout, disconnect).
//!    Registrations whose claim is taken are stale and skipped.
//! 3. **Serving.** After a command ran on a shard, the code that ran it
//!    calls [`serve_ready`] when the shard's `KeyEvents::has_ready()`. For every ready key with
//!    waiters that holds a non-empty list or sorted set, it claims the first
//!    waiter of that type it can (waiters of the other type stay queued, in
//!    their order, as in Redis), pops for it (several elements for a COUNT)
//!    and sends them; for BLMOVE/BRPOPLPUSH with the destination on the same
//!    shard it runs the whole move there. Serving may write other ready keys
//!    (a move's destination), so it loops until none remain. Writes that do
//!    not come from a command on this shard (a cross-shard transaction, a
//!    give-back) are served by each core's serving task ([`serve_loop`]),
//!    woken from the mutation stream ([`Waiters::schedule_serve`]), which
//!    runs once any transaction holding the shard has released it.
//! 4. **Moves across shards stay atomic.** When a BLMOVE's destination lives
//!    on another shard, the source shard does not pop: it claims the waiter
//!    and sends it a wake-up, keeping one element of the list reserved for
//!    it in that serving round. The woken client runs the move as an ordinary
//!    cross-shard LMOVE transaction (both shards held, type checks before
//!    the pop), so no client ever sees the element in neither list. If
//!    another client took the element in between, the woken client registers
//!    again at the *front* of the queue with its remaining timeout.
//! 5. **Waiting.** The client awaits its receiver through `Conn::wait_for`,
//!    which keeps reading the socket so a disconnect is noticed, raced
//!    against the timeout (`monoio::time::sleep`; timeout 0 waits forever).
//!    On timeout or disconnect it tries to claim itself; if a shard already
//!    claimed it, the result is on its way and is awaited: on timeout it is
//!    delivered as a normal reply; on disconnect popped elements are pushed
//!    back to the end of the list they came from, popped members are added
//!    back to their sorted set with their scores (unless re-added
//!    meanwhile), and a BLMOVE wake-up is passed on to the next waiter, so
//!    nothing is lost. Finally the client removes its registrations from
//!    every shard (`KeyEvents::unblock` for each). `ClientEntry::blocked` is
//!    set while it waits. CLIENT UNBLOCK reaches a waiting client through
//!    [`unblock_client`] on its core and ends the wait the same way as a
//!    timeout.
//!
//! Inside MULTI the blocking commands run their non-blocking forms (the
//! `shard` and `spanning` functions of their `Run::Blocking`): an empty
//! result at once, as Redis does.

use std::time::Duration;

use bytes::Bytes;
use coreshard_engine::types::{ListSide, ScoredMembers};
use coreshard_engine::{Kind, Route, Shard, Txn};

use crate::cmd::ReplyError;
use crate::commands::list::{mpop_local, mpop_spanning};
use crate::commands::zset;

mod serve;
pub mod wait;

pub use serve::{serve_loop, serve_ready, Waiters};
pub use wait::{block, unblock_client};

/// What a blocked client wants done when a key gets elements.
#[derive(Debug, Clone)]
pub enum Op {
    /// Pop from the first non-empty key.
    Pop(Pop),
    /// BLMOVE/BRPOPLPUSH: pop from `from`, push at `to` of `dst`.
    Move {
        /// Destination key (an owned copy).
        dst: Bytes,
        /// Source end.
        from: ListSide,
        /// Destination end.
        to: ListSide,
        /// Whether `dst` lives on the source key's shard.
        local: bool,
    },
}

impl Op {
    /// The type of key this op takes from.
    fn kind(&self) -> Kind {
        match self {
            Op::Pop(pop) => pop.kind(),
            Op::Move { .. } => Kind::List,
        }
    }
}

/// What a pop takes, and from which type of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pop {
    /// BLPOP/BRPOP/BLMPOP: up to `count` elements from `side` of a list.
    List {
        /// Which end.
        side: ListSide,
        /// How many at most (1 for BLPOP/BRPOP).
        count: i64,
    },
    /// BZPOPMIN/BZPOPMAX/BZMPOP: up to `count` members of a sorted set,
    /// lowest scores first, or highest with `max`.
    ZSet {
        /// Highest scores first.
        max: bool,
        /// How many at most (1 for BZPOPMIN/BZPOPMAX).
        count: usize,
    },
}

impl Pop {
    fn kind(self) -> Kind {
        match self {
            Pop::List { .. } => Kind::List,
            Pop::ZSet { .. } => Kind::ZSet,
        }
    }

    /// Pops from the first key among `keys` (all on this shard) that
    /// exists; WRONGTYPE when that key holds another type.
    fn first_local(self, shard: &mut Shard, db: u8, keys: &[Bytes]) -> Result<Option<Delivery>, ReplyError> {
        Ok(match self {
            Pop::List { side, count } => {
                mpop_local(shard, db, keys, side, count)?.map(|(key, values)| Delivery::Popped { key, side, values })
            }
            Pop::ZSet { max, count } => shard
                .zmpop(db, keys, max, count)?
                .map(|(i, members)| Delivery::ZPopped { key: keys[i].clone(), members }),
        })
    }

    /// [`first_local`](Self::first_local) over keys on several shards (their
    /// route is `route`), all held by `txn`.
    async fn first_spanning(
        self,
        txn: &Txn,
        route: &Route,
        db: u8,
        keys: &[Bytes],
    ) -> Result<Option<Delivery>, ReplyError> {
        Ok(match self {
            Pop::List { side, count } => mpop_spanning(txn, route, db, keys, side, count)
                .await?
                .map(|(key, values)| Delivery::Popped { key, side, values }),
            Pop::ZSet { max, count } => zset::mpop_spanning(txn, route, db, keys, max, count)
                .await?
                .map(|(i, members)| Delivery::ZPopped { key: keys[i].clone(), members }),
        })
    }

    /// Pops from `key` for a waiter, when it holds this pop's type and is
    /// not empty.
    fn take_from(self, shard: &mut Shard, db: u8, key: &Bytes) -> Option<Delivery> {
        match self {
            Pop::List { side, count } => match shard.list_pop_count(db, key, side, count) {
                Ok(Some(values)) if !values.is_empty() => Some(Delivery::Popped { key: key.clone(), side, values }),
                _ => None,
            },
            Pop::ZSet { max, count } => match shard.zmpop(db, std::slice::from_ref(key), max, count) {
                Ok(Some((_, members))) if !members.is_empty() => Some(Delivery::ZPopped { key: key.clone(), members }),
                _ => None,
            },
        }
    }
}

/// How the result is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `[key, element]` (BLPOP, BRPOP), `[key, member, score]` (BZPOPMIN,
    /// BZPOPMAX).
    KeyValue,
    /// `[key, [element ...]]` (BLMPOP), `[key, [[member, score] ...]]`
    /// (BZMPOP).
    KeyValues,
    /// `element` (BLMOVE, BRPOPLPUSH).
    Value,
}

/// A blocking command, parsed.
#[derive(Debug, Clone)]
pub struct Request {
    /// The client's database.
    pub db: u8,
    /// Keys in the order Redis scans them (owned copies; one for moves).
    pub keys: Vec<Bytes>,
    /// What to do.
    pub op: Op,
    /// Reply encoding.
    pub shape: Shape,
    /// `None` blocks forever.
    pub timeout: Option<Duration>,
}

/// What a serving shard sends to a blocked client.
#[derive(Debug)]
pub enum Delivery {
    /// Elements popped from `key` at `side`, in pop order.
    Popped {
        /// The key.
        key: Bytes,
        /// The end they came from.
        side: ListSide,
        /// The elements.
        values: Vec<Bytes>,
    },
    /// Members popped from the sorted set `key`, in pop order.
    ZPopped {
        /// The key.
        key: Bytes,
        /// The members with their scores.
        members: ScoredMembers,
    },
    /// The element a same-shard move moved.
    Moved(Bytes),
    /// A cross-shard move's source has an element: run the move now.
    Wake,
    /// Serving failed (a move's destination holds another type).
    Error(ReplyError),
}

/// Timeouts longer than this (a century, in ms) block forever.
const FOREVER_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// Parses a blocking command's timeout (seconds, may be fractional) as
/// Redis 7.0 does: read as a long double (`string2ld`: hex floats, 1e400 but
/// not 1e5000, no spaces), times 1000, rounded up to whole milliseconds.
/// `None` blocks forever: zero, which is also what a negative timeout above
/// -1 ms rounds up to.
pub fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>, ReplyError> {
    use coreshard_engine::numbers::{strtod, LongDouble};
    const NOT_FLOAT: ReplyError = ReplyError::text("ERR timeout is not a float or out of range");
    if LongDouble::parse(arg).is_none() {
        return Err(NOT_FLOAT);
    }
    // The milliseconds are computed in double precision, which can differ by
    // one from Redis's long double right at a whole millisecond.
    let ms = (strtod(arg).value * 1000.0).ceil();
    // Redis converts the milliseconds to a long long: out of range (or
    // infinite) that gives LLONG_MIN on the platforms it runs on.
    let ms = if ms.is_finite() && ms.abs() < 9_223_372_036_854_775_808.0 { ms as i64 } else { i64::MIN };
    if ms < 0 {
        return Err(ReplyError::text("ERR timeout is negative"));
    }
    // Zero, and anything beyond a century (which Redis 7.0 accepts, and
    // which would overflow a monotonic deadline), waits forever.
    if ms == 0 || ms > FOREVER_MS {
        return Ok(None);
    }
    Ok(Some(Duration::from_millis(ms as u64)))
}

#[cfg(test)]
mod tests;
