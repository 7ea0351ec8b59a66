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
//! the type the key holds. Each shard keeps, in a thread-local of its own
//! core, a FIFO queue of [`Waiter`]s per `(db, key)`; the shard's
//! `keyevents` registry counts them so that a write to such a key is
//! reported as *ready*.
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
//!    a [`Claim`]: an `AtomicBool` and the `oneshot` sender of the result.
//!    Whoever flips the flag from false to true owns the client: a shard
//!    serving it, or the client itself giving up (timeout, disconnect).
//!    Registrations whose claim is taken are stale and skipped.
//! 3. **Serving.** After a command ran on a shard, the connection code calls
//!    [`serve_ready`] when `keyevents::has_ready()`. For every ready key with
//!    waiters that holds a non-empty list or sorted set, it claims the first
//!    waiter of that type it can (waiters of the other type stay queued, in
//!    their order, as in Redis), pops for it (several elements for a COUNT)
//!    and sends them; for BLMOVE/BRPOPLPUSH with the destination on the same
//!    shard it runs the whole move there. Serving may write other ready keys
//!    (a move's destination), so it loops until none remain. Writes that do
//!    not come from a command on this shard (a cross-shard transaction, a
//!    give-back) are served by a task this module schedules from the
//!    mutation stream ([`schedule_serve`]), which runs once any transaction
//!    holding the shard has released it.
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
//!    every shard (`keyevents::unblock` for each). `ClientEntry::blocked` is
//!    set while it waits. CLIENT UNBLOCK reaches a waiting client through
//!    [`unblock_client`] on its core and ends the wait the same way as a
//!    timeout.
//!
//! Inside MULTI the blocking commands run their non-blocking (`Keyed`)
//! forms: an empty result at once, as Redis does.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use coreshard_engine::types::{ListSide, ScoredMembers, ZAddOptions};
use coreshard_engine::{Kind, Router, Shard, ShardCtx, Txn};
use futures_util::future::join_all;

use crate::cmd::{AsyncFn, CmdResult, Command, ReplyError};
use crate::commands::list::{group_by_shard, move_spanning, mpop_local, mpop_reply, mpop_spanning};
use crate::commands::zset;
use crate::conn::Conn;
use crate::keyevents;

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

    /// [`first_local`](Self::first_local) over keys on several shards, all
    /// held by `txn`.
    async fn first_spanning(
        self,
        txn: &Txn,
        router: &Router,
        db: u8,
        keys: &[Bytes],
    ) -> Result<Option<Delivery>, ReplyError> {
        Ok(match self {
            Pop::List { side, count } => mpop_spanning(txn, router, db, keys, side, count)
                .await?
                .map(|(key, values)| Delivery::Popped { key, side, values }),
            Pop::ZSet { max, count } => zset::mpop_spanning(txn, db, keys, max, count)
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

/// Shared by every registration of one blocked client: whoever claims it
/// first (a serving shard, or the client giving up) owns the outcome.
pub struct Claim {
    claimed: AtomicBool,
    tx: Mutex<Option<oneshot::Sender<Delivery>>>,
}

impl Claim {
    fn new(tx: oneshot::Sender<Delivery>) -> Claim {
        Claim { claimed: AtomicBool::new(false), tx: Mutex::new(Some(tx)) }
    }

    /// Takes the claim; false when someone else has it.
    fn take(&self) -> bool {
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
struct Waiter {
    id: u64,
    claim: Arc<Claim>,
    op: Arc<Op>,
}

#[derive(Default)]
struct Queues {
    by_key: HashMap<(u8, Bytes), VecDeque<Waiter>>,
}

thread_local! {
    static QUEUES: RefCell<Queues> = RefCell::new(Queues::default());
    static CORE: RefCell<Option<ShardCtx>> = const { RefCell::new(None) };
    static SERVE_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// Clients blocked on this core, for CLIENT UNBLOCK.
    static UNBLOCKS: RefCell<HashMap<u64, Rc<Unblock>>> = RefCell::new(HashMap::new());
}

static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

/// Timeouts longer than this (a century, in ms) block forever.
const FOREVER_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// Called once on every shard's thread at start: lets this module schedule
/// serving after writes that no command of this shard made.
pub fn init(ctx: &ShardCtx) {
    CORE.with(|c| *c.borrow_mut() = Some(ctx.clone()));
}

/// The engine's router, on a shard thread where [`init`] ran.
pub fn router() -> Option<Router> {
    CORE.with(|c| c.borrow().as_ref().map(|ctx| ctx.router().clone()))
}

/// The blocking form of a command flagged BLOCKING, when it has one.
pub fn blocking_form(cmd: &Command) -> Option<AsyncFn> {
    crate::commands::list::blocking_form(cmd.name).or_else(|| zset::blocking_form(cmd.name))
}

/// Parses a blocking command's timeout (seconds, may be fractional) as
/// Redis does: `None` blocks forever, which is also what a timeout under a
/// millisecond means.
pub fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>, ReplyError> {
    use coreshard_engine::numbers::{strtod, LongDouble};
    const NOT_FLOAT: ReplyError = ReplyError::text("ERR timeout is not a float or out of range");
    // Redis reads the timeout with `string2ld`, which decides what is
    // accepted (hex floats and 1e400, not 1e5000, leading spaces or trailing
    // bytes). The milliseconds are computed in double precision, which can
    // differ by one from Redis's long double at a whole millisecond.
    if LongDouble::parse(arg).is_none() {
        return Err(NOT_FLOAT);
    }
    let secs = strtod(arg).value;
    // Redis converts `seconds * 1000` to a long long: out of range (or
    // infinite) that gives LLONG_MIN on the platforms it runs on.
    let ms = secs * 1000.0;
    let ms = if ms.is_finite() && ms.abs() < 9_223_372_036_854_775_808.0 { ms.trunc() as i64 } else { i64::MIN };
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

fn register(db: u8, keys: &[Bytes], w: &Waiter, front: bool) {
    QUEUES.with(|q| {
        let mut q = q.borrow_mut();
        for k in keys {
            let queue = q.by_key.entry((db, k.clone())).or_default();
            if front {
                queue.push_front(w.clone());
            } else {
                queue.push_back(w.clone());
            }
        }
    });
    for k in keys {
        keyevents::block_on(db, k.clone());
    }
}

fn unregister(db: u8, keys: &[Bytes], id: u64) {
    for k in keys {
        let removed = QUEUES.with(|q| {
            let mut q = q.borrow_mut();
            let slot = (db, k.clone());
            let Some(queue) = q.by_key.get_mut(&slot) else { return 0 };
            let before = queue.len();
            queue.retain(|w| w.id != id);
            let removed = before - queue.len();
            if queue.is_empty() {
                q.by_key.remove(&slot);
            }
            removed
        });
        for _ in 0..removed {
            keyevents::unblock(db, k);
        }
    }
}

/// Takes the first registration on `key` that pops from (or moves out
/// of) a key of type `kind` out of its queue.
fn next_waiter(db: u8, key: &Bytes, kind: Kind) -> Option<Waiter> {
    let w = QUEUES.with(|q| {
        let mut q = q.borrow_mut();
        let slot = (db, key.clone());
        let queue = q.by_key.get_mut(&slot)?;
        let at = queue.iter().position(|w| w.op.kind() == kind)?;
        let w = queue.remove(at);
        if queue.is_empty() {
            q.by_key.remove(&slot);
        }
        w
    })?;
    keyevents::unblock(db, key);
    Some(w)
}

fn has_waiters(db: u8, key: &Bytes) -> bool {
    QUEUES.with(|q| q.borrow().by_key.contains_key(&(db, key.clone())))
}

/// Number of registrations on this shard (for tests and INFO).
pub fn waiting() -> usize {
    QUEUES.with(|q| q.borrow().by_key.values().map(VecDeque::len).sum())
}

/// Serves clients blocked on keys written since the last call on this
/// shard, until no ready key remains.
pub fn serve_ready(shard: &mut Shard) {
    loop {
        let ready = keyevents::take_ready();
        if ready.is_empty() {
            return;
        }
        for (db, key) in ready {
            serve_key(shard, db, &key);
        }
    }
}

/// Serves the waiters of one key while its list or sorted set has elements
/// for them.
fn serve_key(shard: &mut Shard, db: u8, key: &Bytes) {
    // Elements promised to woken cross-shard movers in this round.
    let mut reserved = 0;
    while has_waiters(db, key) {
        // A key of any other type leaves its waiters blocked, as in Redis.
        let (kind, len) = match shard.kind_of(db, key) {
            Some(Kind::List) => (Kind::List, shard.llen(db, key).unwrap_or(0)),
            Some(Kind::ZSet) => (Kind::ZSet, shard.zcard(db, key).unwrap_or(0)),
            _ => return,
        };
        if len <= reserved {
            return;
        }
        let Some(w) = next_waiter(db, key, kind) else { return };
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
fn restore(shard: &mut Shard, db: u8, d: Delivery) {
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

/// Schedules [`serve_ready`] on this shard as a task of its own, for writes
/// made outside a command of this shard. Called by `keyevents` when a key
/// becomes ready; does nothing where [`init`] did not run.
pub fn schedule_serve() {
    if SERVE_SCHEDULED.with(Cell::get) {
        return;
    }
    let Some(ctx) = CORE.with(|c| c.borrow().clone()) else { return };
    SERVE_SCHEDULED.with(|s| s.set(true));
    monoio::spawn(async move {
        ctx.with(|shard| {
            SERVE_SCHEDULED.with(|s| s.set(false));
            if keyevents::has_ready() {
                serve_ready(shard);
            }
        })
        .await;
    });
}

/// What the atomic try-or-register step found.
enum Attempt {
    /// Served at once.
    Done(Delivery),
    /// Empty, and not registered (the deadline passed).
    Empty,
    /// Registered on these shards.
    Registered(Vec<usize>),
}

/// How waiting ended.
enum Outcome {
    Delivered(Delivery),
    TimedOut,
    /// The client disconnected; what a shard sent it meanwhile, if anything.
    Gone(Option<Delivery>),
}

/// Runs a blocking command: pops at once when it can, else blocks until a
/// push serves it, the timeout passes, or the client disconnects.
pub async fn block(conn: &mut Conn, req: Request) -> CmdResult {
    let deadline = req.timeout.map(|t| Instant::now() + t);
    let router = conn.ctx.router().clone();
    let groups = group_by_shard(&router, &req.keys);
    let mut front = false;
    loop {
        let can_wait = deadline.is_none_or(|d| Instant::now() < d);
        let (tx, rx) = oneshot::channel();
        let waiter = Waiter {
            id: NEXT_WAITER.fetch_add(1, Ordering::Relaxed),
            claim: Arc::new(Claim::new(tx)),
            op: Arc::new(req.op.clone()),
        };
        let shards = match attempt(conn, &router, &req, &groups, &waiter, can_wait, front).await? {
            Attempt::Done(d) => return reply(conn, req.shape, d),
            Attempt::Empty => {
                conn.out.null_array();
                return Ok(());
            }
            Attempt::Registered(shards) => shards,
        };
        conn.client.blocked.set(true);
        let outcome = wait(conn, rx, &waiter.claim, deadline).await;
        conn.client.blocked.set(false);
        let unregs = shards.iter().map(|&s| {
            let keys: Vec<Bytes> = groups
                .iter()
                .filter(|(g, _)| *g == s)
                .flat_map(|(_, pos)| pos.iter().map(|&i| req.keys[i].clone()))
                .collect();
            let (db, id) = (req.db, waiter.id);
            conn.ctx.call(s, move |_| unregister(db, &keys, id))
        });
        join_all(unregs).await;
        match outcome {
            Outcome::Delivered(Delivery::Wake) => front = true,
            Outcome::Delivered(d) => return reply(conn, req.shape, d),
            Outcome::TimedOut => {
                conn.out.null_array();
                return Ok(());
            }
            Outcome::Gone(d) => {
                if let Some(d) = d {
                    give_back(conn, &router, &req, d).await;
                }
                return Ok(());
            }
        }
    }
}

/// Pops or moves at once if possible, else registers the waiter on every
/// key's shard, atomically.
async fn attempt(
    conn: &Conn,
    router: &Router,
    req: &Request,
    groups: &[(usize, Vec<usize>)],
    waiter: &Waiter,
    can_wait: bool,
    front: bool,
) -> Result<Attempt, ReplyError> {
    let db = req.db;
    match &req.op {
        Op::Pop(pop) => {
            let pop = *pop;
            if let [(shard, _)] = groups {
                let shard = *shard;
                let keys = req.keys.clone();
                let w = waiter.clone();
                return conn
                    .ctx
                    .call(shard, move |s| {
                        if let Some(d) = pop.first_local(s, db, &keys)? {
                            return Ok(Attempt::Done(d));
                        }
                        if !can_wait {
                            return Ok(Attempt::Empty);
                        }
                        register(db, &keys, &w, front);
                        Ok(Attempt::Registered(vec![shard]))
                    })
                    .await?;
            }
            let txn = conn.ctx.lock(groups.iter().map(|(s, _)| *s)).await?;
            let found = pop.first_spanning(&txn, router, db, &req.keys).await;
            let result = match found {
                Err(e) => Err(e),
                Ok(Some(d)) => Ok(Attempt::Done(d)),
                Ok(None) if !can_wait => Ok(Attempt::Empty),
                Ok(None) => {
                    let regs = groups.iter().map(|(s, pos)| {
                        let keys: Vec<Bytes> = pos.iter().map(|&i| req.keys[i].clone()).collect();
                        let w = waiter.clone();
                        txn.run(*s, move |_| register(db, &keys, &w, front))
                    });
                    match join_all(regs).await.into_iter().collect::<Result<Vec<()>, _>>() {
                        Ok(_) => Ok(Attempt::Registered(groups.iter().map(|(s, _)| *s).collect())),
                        Err(e) => Err(e.into()),
                    }
                }
            };
            txn.release().await;
            result
        }
        Op::Move { dst, from, to, local } => {
            let (from, to) = (*from, *to);
            let src = req.keys.first().cloned().unwrap_or_default();
            let s_src = router.shard_of(&src);
            if *local {
                let dst = dst.clone();
                let w = waiter.clone();
                return conn
                    .ctx
                    .call(s_src, move |s| {
                        if let Some(v) = s.lmove(db, &src, &dst, from, to)? {
                            return Ok(Attempt::Done(Delivery::Moved(v)));
                        }
                        if !can_wait {
                            return Ok(Attempt::Empty);
                        }
                        register(db, std::slice::from_ref(&src), &w, front);
                        Ok(Attempt::Registered(vec![s_src]))
                    })
                    .await?;
            }
            let txn = conn.ctx.lock([s_src, router.shard_of(dst)]).await?;
            let result = match move_spanning(&txn, db, &src, dst, from, to).await {
                Err(e) => Err(e),
                Ok(Some(v)) => Ok(Attempt::Done(Delivery::Moved(v))),
                Ok(None) if !can_wait => Ok(Attempt::Empty),
                Ok(None) => {
                    let w = waiter.clone();
                    match txn.run(s_src, move |_| register(db, std::slice::from_ref(&src), &w, front)).await {
                        Ok(()) => Ok(Attempt::Registered(vec![s_src])),
                        Err(e) => Err(e.into()),
                    }
                }
            };
            txn.release().await;
            result
        }
    }
}

/// Why waiting stopped before a delivery.
enum Interrupt {
    Deadline,
    /// CLIENT UNBLOCK; `true` for its ERROR form.
    Unblocked(bool),
}

/// Waits for a delivery, the deadline, CLIENT UNBLOCK, or the client's
/// disconnect.
async fn wait(
    conn: &mut Conn,
    mut rx: oneshot::Receiver<Delivery>,
    claim: &Claim,
    deadline: Option<Instant>,
) -> Outcome {
    let sleep = async move {
        match deadline {
            Some(d) => monoio::time::sleep(d.saturating_duration_since(Instant::now())).await,
            None => std::future::pending::<()>().await,
        }
    };
    let mut sleep = pin!(sleep);
    let unblock = Rc::new(Unblock::default());
    let id = conn.client.id;
    UNBLOCKS.with(|u| u.borrow_mut().insert(id, unblock.clone()));
    let first = {
        let rx = &mut rx;
        let unblock = &unblock;
        conn.wait_for(poll_fn(move |cx| {
            if let Poll::Ready(r) = Pin::new(&mut *rx).poll(cx) {
                return Poll::Ready(Ok(r.ok()));
            }
            if let Some(error) = unblock.reason.get() {
                return Poll::Ready(Err(Interrupt::Unblocked(error)));
            }
            *unblock.waker.borrow_mut() = Some(cx.waker().clone());
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(Interrupt::Deadline));
            }
            Poll::Pending
        }))
        .await
    };
    UNBLOCKS.with(|u| u.borrow_mut().remove(&id));
    match first {
        Some(Ok(Some(d))) => Outcome::Delivered(d),
        // The sender went away unused: nothing was taken for us.
        Some(Ok(None)) => Outcome::TimedOut,
        Some(Err(why)) => {
            if claim.take() {
                match why {
                    Interrupt::Deadline | Interrupt::Unblocked(false) => Outcome::TimedOut,
                    Interrupt::Unblocked(true) => Outcome::Delivered(Delivery::Error(ReplyError::text(
                        "UNBLOCKED client unblocked via CLIENT UNBLOCK",
                    ))),
                }
            } else {
                // A shard claimed us just now: its result is on the way.
                match rx.await {
                    Ok(d) => Outcome::Delivered(d),
                    Err(_) => Outcome::TimedOut,
                }
            }
        }
        None => {
            if claim.take() {
                Outcome::Gone(None)
            } else {
                Outcome::Gone(rx.await.ok())
            }
        }
    }
}

/// A CLIENT UNBLOCK request for a client blocked on this core.
#[derive(Default)]
struct Unblock {
    reason: Cell<Option<bool>>,
    waker: RefCell<Option<Waker>>,
}

/// CLIENT UNBLOCK: ends the wait of client `id` if it is blocked in a
/// blocking pop on this core (run it on every core to find the client). It
/// replies as on timeout, or with Redis's `UNBLOCKED` error when `error`; a
/// client that a write has served meanwhile gets its elements instead. Returns
/// whether the client was blocked here.
pub fn unblock_client(id: u64, error: bool) -> bool {
    let Some(u) = UNBLOCKS.with(|m| m.borrow().get(&id).cloned()) else { return false };
    if u.reason.get().is_some() {
        return false;
    }
    u.reason.set(Some(error));
    if let Some(w) = u.waker.borrow_mut().take() {
        w.wake();
    }
    true
}

/// Undoes a delivery that reached a client that left: popped elements go
/// back where they came from; a cross-shard move's wake-up goes on to the
/// next waiter.
async fn give_back(conn: &Conn, router: &Router, req: &Request, d: Delivery) {
    let db = req.db;
    match d {
        Delivery::Popped { ref key, .. } | Delivery::ZPopped { ref key, .. } => {
            let shard = router.shard_of(key);
            let _ = conn.ctx.call(shard, move |s| restore(s, db, d)).await;
        }
        Delivery::Wake => {
            let Some(src) = req.keys.first().cloned() else { return };
            let _ = conn.ctx.call(router.shard_of(&src), move |s| serve_key(s, db, &src)).await;
        }
        Delivery::Moved(_) | Delivery::Error(_) => {}
    }
}

fn reply(conn: &mut Conn, shape: Shape, d: Delivery) -> CmdResult {
    match d {
        Delivery::Popped { key, values, .. } => match shape {
            Shape::KeyValues => mpop_reply(&mut conn.out, &key, &values),
            _ => {
                conn.out.array(2);
                conn.out.bulk(&key);
                conn.out.bulk(values.first().map_or(&b""[..], |v| &v[..]));
            }
        },
        Delivery::ZPopped { key, members } => match shape {
            Shape::KeyValues => zset::mpop_reply(&mut conn.out, Some((&key, &members))),
            _ => zset::key_member_score(&mut conn.out, Some((&key, &members))),
        },
        Delivery::Moved(v) => conn.out.bulk(&v),
        Delivery::Error(e) => return Err(e),
        Delivery::Wake => conn.out.null_array(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis_does() {
        assert_eq!(parse_timeout(b"0"), Ok(None));
        assert_eq!(parse_timeout(b"0.0001"), Ok(None), "under a millisecond truncates to forever");
        assert_eq!(parse_timeout(b"-0.0001"), Ok(None));
        assert_eq!(parse_timeout(b"1.5"), Ok(Some(Duration::from_millis(1500))));
        assert_eq!(parse_timeout(b"2"), Ok(Some(Duration::from_secs(2))));
        let not_float = Err(ReplyError::text("ERR timeout is not a float or out of range"));
        let negative = Err(ReplyError::text("ERR timeout is negative"));
        for bad in [&b"x"[..], b"", b" 1", b"1 ", b"nan", b"1e", b"\xff"] {
            assert_eq!(parse_timeout(bad), not_float, "{bad:?}");
        }
        for neg in [&b"-1"[..], b"inf", b"-inf", b"1e400", b"1e17", b"1e16"] {
            assert_eq!(parse_timeout(neg), negative, "{neg:?}");
        }
        assert_eq!(parse_timeout(b"9000000000000000"), Ok(None), "beyond a century is forever");
        assert_eq!(parse_timeout(b"9223372036854776"), negative);
        // What `string2ld` accepts, checked against redis-server 7.0.
        assert_eq!(parse_timeout(b"0x1p-3"), Ok(Some(Duration::from_millis(125))));
        assert_eq!(parse_timeout(b"+2"), Ok(Some(Duration::from_secs(2))));
        let long = "1".repeat(5120);
        for bad in [&b"1e5000"[..], b"1e-5000", b"0x", b"1\0", b"\t1", b"inf ", long.as_bytes()] {
            assert_eq!(parse_timeout(bad), not_float, "{bad:?}");
        }
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn shard() -> Shard {
        Shard::new(0, coreshard_engine::ShardConfig::default())
    }

    #[test]
    fn serving_pops_for_the_first_unclaimed_waiter_and_skips_stale_ones() {
        let mut s = shard();
        s.subscribe(Box::new(crate::local::KeyEvents));
        let op = Arc::new(Op::Pop(Pop::List { side: ListSide::Left, count: 1 }));
        let (tx1, rx1) = oneshot::channel();
        let (tx2, rx2) = oneshot::channel();
        let (tx3, rx3) = oneshot::channel();
        let stale = Waiter { id: 1, claim: Arc::new(Claim::new(tx1)), op: op.clone() };
        let first = Waiter { id: 2, claim: Arc::new(Claim::new(tx2)), op: op.clone() };
        let second = Waiter { id: 3, claim: Arc::new(Claim::new(tx3)), op };
        assert!(stale.claim.take());
        for w in [&stale, &first, &second] {
            register(0, &[b("q")], w, false);
        }
        s.rpush(0, b"q", &[b("a")]).unwrap();
        serve_ready(&mut s);
        match rx2.try_recv() {
            Ok(Delivery::Popped { key, values, .. }) => {
                assert_eq!(key, b("q"));
                assert_eq!(values, vec![b("a")]);
            }
            other => panic!("first waiter not served: {other:?}"),
        }
        assert!(rx1.try_recv().is_err(), "a claimed waiter is never served");
        assert!(rx3.try_recv().is_err(), "nothing left for the second waiter");
        assert_eq!(s.llen(0, b"q").unwrap(), 0);
        s.rpush(0, b"q", &[b("b"), b("c")]).unwrap();
        serve_ready(&mut s);
        assert!(matches!(rx3.try_recv(), Ok(Delivery::Popped { .. })));
        assert_eq!(s.lrange(0, b"q", 0, -1).unwrap(), vec![b("c")], "one element per waiter");
        assert_eq!(waiting(), 0);
    }

    #[test]
    fn a_waiter_whose_client_left_loses_nothing() {
        let mut s = shard();
        s.subscribe(Box::new(crate::local::KeyEvents));
        let (tx, rx) = oneshot::channel();
        let w = Waiter {
            id: 10,
            claim: Arc::new(Claim::new(tx)),
            op: Arc::new(Op::Pop(Pop::List { side: ListSide::Right, count: 2 })),
        };
        register(0, &[b("gone")], &w, false);
        drop(rx);
        s.rpush(0, b"gone", &[b("x"), b("y"), b("z")]).unwrap();
        serve_ready(&mut s);
        assert_eq!(s.lrange(0, b"gone", 0, -1).unwrap(), vec![b("x"), b("y"), b("z")]);
        assert_eq!(waiting(), 0);
    }

    fn waiter(id: u64, op: Op) -> (Waiter, oneshot::Receiver<Delivery>) {
        let (tx, rx) = oneshot::channel();
        (Waiter { id, claim: Arc::new(Claim::new(tx)), op: Arc::new(op) }, rx)
    }

    fn zadd(s: &mut Shard, key: &str, pairs: &[(f64, &str)]) {
        let pairs: Vec<(f64, Bytes)> = pairs.iter().map(|(sc, m)| (*sc, b(m))).collect();
        s.zadd(0, key.as_bytes(), ZAddOptions::default(), &pairs).unwrap();
    }

    #[test]
    fn sorted_set_waiters_are_served_in_order_and_list_waiters_stay_queued() {
        let mut s = shard();
        s.subscribe(Box::new(crate::local::KeyEvents));
        let (min, rx_min) = waiter(20, Op::Pop(Pop::ZSet { max: false, count: 1 }));
        let (list, rx_list) = waiter(21, Op::Pop(Pop::List { side: ListSide::Left, count: 1 }));
        let (max, rx_max) = waiter(22, Op::Pop(Pop::ZSet { max: true, count: 2 }));
        let (late, rx_late) = waiter(23, Op::Pop(Pop::ZSet { max: false, count: 1 }));
        for w in [&min, &list, &max, &late] {
            register(0, &[b("k")], w, false);
        }
        zadd(&mut s, "k", &[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
        serve_ready(&mut s);
        match rx_min.try_recv() {
            Ok(Delivery::ZPopped { key, members }) => {
                assert_eq!(key, b("k"));
                assert_eq!(members, vec![(b("a"), 1.0)]);
            }
            other => panic!("first sorted-set waiter not served: {other:?}"),
        }
        match rx_max.try_recv() {
            Ok(Delivery::ZPopped { members, .. }) => assert_eq!(members, vec![(b("d"), 4.0), (b("c"), 3.0)]),
            other => panic!("second sorted-set waiter not served: {other:?}"),
        }
        match rx_late.try_recv() {
            Ok(Delivery::ZPopped { members, .. }) => assert_eq!(members, vec![(b("b"), 2.0)]),
            other => panic!("third sorted-set waiter not served: {other:?}"),
        }
        assert!(rx_list.try_recv().is_err(), "a list waiter is not served from a sorted set");
        assert_eq!(waiting(), 1, "the list waiter stays registered");
        assert_eq!(s.kind_of(0, b"k"), None, "the emptied sorted set is gone");
        // Once the key holds a list, the list waiter gets it.
        s.rpush(0, b"k", &[b("x")]).unwrap();
        serve_ready(&mut s);
        assert!(matches!(rx_list.try_recv(), Ok(Delivery::Popped { values, .. }) if values == vec![b("x")]));
        assert_eq!(waiting(), 0);
    }

    #[test]
    fn members_popped_for_a_client_that_left_go_back_with_their_scores() {
        let mut s = shard();
        s.subscribe(Box::new(crate::local::KeyEvents));
        let (w, rx) = waiter(30, Op::Pop(Pop::ZSet { max: false, count: 2 }));
        register(0, &[b("z")], &w, false);
        drop(rx);
        zadd(&mut s, "z", &[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
        serve_ready(&mut s);
        assert_eq!(s.zcard(0, b"z").unwrap(), 3);
        assert_eq!(waiting(), 0);

        // A delivery that came back: a member re-added meanwhile keeps its
        // new score.
        let popped = s.zpopmin(0, b"z", Some(2)).unwrap();
        zadd(&mut s, "z", &[(9.0, "a")]);
        restore(&mut s, 0, Delivery::ZPopped { key: b("z"), members: popped });
        assert_eq!(s.zscore(0, b"z", b"a").unwrap(), Some(9.0));
        assert_eq!(s.zscore(0, b"z", b"b").unwrap(), Some(2.0));
        assert_eq!(s.zcard(0, b"z").unwrap(), 3);
    }
}
